"""Reference pages generated from code: the settings and the ``kompas`` command.

``kompas docs`` writes them to ``docs/reference/``; a test fails when a committed page differs
from what the code generates, so the reference cannot drift from ``--help``.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from gebiedskompas.core.config import reference_markdown


def _subparsers(parser: argparse.ArgumentParser) -> list[tuple[str, argparse.ArgumentParser]]:
    out: list[tuple[str, argparse.ArgumentParser]] = []
    for action in parser._actions:  # argparse offers no public walk over subcommands
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                out.append((name, sub))
                out.extend((f"{name} {n}", p) for n, p in _subparsers(sub))
    return out


def cli_markdown() -> str:
    import os

    from gebiedskompas.cli import build_parser

    # argparse wraps help to the terminal's width; fix it so the page is the same everywhere.
    previous = os.environ.get("COLUMNS")
    os.environ["COLUMNS"] = "100"
    try:
        return _cli_markdown(build_parser())
    finally:
        if previous is None:
            del os.environ["COLUMNS"]
        else:
            os.environ["COLUMNS"] = previous


def _cli_markdown(parser: argparse.ArgumentParser) -> str:
    parser.prog = "kompas"
    lines = [
        "# The `kompas` command",
        "",
        "Generated from `gebiedskompas.cli`; do not edit by hand (`kompas docs` regenerates it).",
        "",
        "```",
        parser.format_help().rstrip(),
        "```",
    ]
    for name, sub in _subparsers(parser):
        sub.prog = f"kompas {name}"
        lines += ["", f"## kompas {name}", "", "```", sub.format_help().rstrip(), "```"]
    return "\n".join(lines) + "\n"


def pages() -> dict[str, str]:
    return {"settings.md": reference_markdown(), "kompas.md": cli_markdown()}


def write_reference(folder: Path) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, text in pages().items():
        path = folder / name
        path.write_text(text, encoding="utf-8")
        written.append(path)
    return written
