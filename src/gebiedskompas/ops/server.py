"""`kompas serve`: the production web server.

One process (KOMPAS_WORKERS=1, the default): waitress, pure Python, runs everywhere including
Windows, with KOMPAS_THREADS threads. Several processes (KOMPAS_WORKERS>1, Linux/macOS): gunicorn
with that many processes of KOMPAS_THREADS threads each (gthread), so a CPU-heavy page (an
analysis, a PDF) does not hold up the others. Both stop cleanly on SIGTERM (and Ctrl+C): they stop
accepting connections and let running requests finish (waitress up to 5 s, gunicorn up to 30 s).
WhiteNoise serves static files in both.
"""

from __future__ import annotations

import os
import signal
import sys
from types import FrameType
from typing import Any


def _stop(signum: int, frame: FrameType | None) -> None:
    # waitress's loop catches SystemExit, stops listening and waits for running requests.
    raise SystemExit(0)


def serve_waitress(application: Any, *, host: str, port: int, threads: int) -> None:
    from waitress import serve

    signal.signal(signal.SIGTERM, _stop)
    serve(application, host=host, port=port, threads=threads, ident="gebiedskompas")


def serve_gunicorn(application: Any, *, host: str, port: int, workers: int, threads: int) -> None:
    from gunicorn.app.base import BaseApplication

    class Application(BaseApplication):  # type: ignore[misc]
        def load_config(self) -> None:
            options = {
                "bind": f"{host}:{port}",
                "workers": workers,
                "threads": threads,
                "worker_class": "gthread",
                "graceful_timeout": 30,
                "timeout": 120,
                "accesslog": "-",
                "forwarded_allow_ips": "127.0.0.1,::1",
                "proc_name": "gebiedskompas",
            }
            if "control_socket_disable" in self.cfg.settings:  # gunicorn 24+
                options["control_socket_disable"] = True
            for key, value in options.items():
                self.cfg.set(key, value)

        def load(self) -> Any:
            return application

    Application().run()


def choose_server(workers: int) -> str:
    if workers > 1 and os.name == "posix":
        try:
            import gunicorn  # noqa: F401
        except ImportError:
            return "waitress"
        return "gunicorn"
    return "waitress"


def serve(*, host: str, port: int, workers: int, threads: int, server: str = "") -> str:
    from gebiedskompas.wsgi import application

    chosen = server or choose_server(workers)
    if chosen == "gunicorn":
        serve_gunicorn(application, host=host, port=port, workers=workers, threads=threads)
    else:
        if workers > 1:
            print(
                "kompas: several processes need gunicorn (Linux/macOS); serving with one "
                "waitress process",
                file=sys.stderr,
            )
        serve_waitress(application, host=host, port=port, threads=threads)
    return chosen
