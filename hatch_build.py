"""Build hook: bundle the npm front-end assets into the wheel.

DESIGN.md: assets are fetched from npm at build/install time and served by the app itself, so a
running installation never asks another host for CSS, fonts or scripts. The hook runs ``npm ci``
in ``frontend/`` (lock file committed) and copies the files the templates use into
``src/gebiedskompas/web/static/vendor/``. When they are already there (a second build, or an
sdist that carries them) nothing is fetched.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

from hatchling.builders.hooks.plugin.interface import BuildHookInterface

# (source inside node_modules, target inside static/vendor)
ASSETS = [
    ("@utrecht/component-library-css/dist/index.css", "utrecht/component-library.css"),
    ("@utrecht/design-tokens/dist/index.css", "utrecht/design-tokens.css"),
    ("leaflet/dist/leaflet.css", "leaflet/leaflet.css"),
    ("leaflet/dist/leaflet.js", "leaflet/leaflet.js"),
    ("leaflet/dist/images", "leaflet/images"),
    ("htmx.org/dist/htmx.min.js", "htmx/htmx.min.js"),
    ("axe-core/axe.min.js", "axe/axe.min.js"),
]


def vendor_assets(root: Path) -> Path:
    frontend = root / "frontend"
    target = root / "src" / "gebiedskompas" / "web" / "static" / "vendor"
    if all((target / dst).exists() for _, dst in ASSETS):
        return target
    modules = frontend / "node_modules"
    if not all((modules / src).exists() for src, _ in ASSETS):
        npm = shutil.which("npm")
        if npm is None:
            raise RuntimeError(
                "Building gebiedskompas needs npm (Node.js) once, to fetch the NL Design System "
                "CSS, Leaflet and htmx from the npm registry; install Node.js and retry."
            )
        cmd = [npm, "ci", "--ignore-scripts", "--no-audit", "--no-fund", "--include=dev"]
        subprocess.run(cmd, cwd=frontend, check=True)
    for src, dst in ASSETS:
        source, dest = modules / src, target / dst
        dest.parent.mkdir(parents=True, exist_ok=True)
        if source.is_dir():
            shutil.copytree(source, dest, dirs_exist_ok=True)
        else:
            shutil.copy2(source, dest)
    return target


class CustomBuildHook(BuildHookInterface):  # type: ignore[misc]  # hatchling ships no stubs
    def initialize(self, version: str, build_data: dict[str, Any]) -> None:
        vendor_assets(Path(self.root))
