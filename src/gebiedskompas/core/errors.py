"""Errors that reach users: each one says what went wrong, where, and what was expected.

The CLI prints ``str(error)`` as one line and exits 1; the web shows it beside the field; the API
answers ``application/problem+json``. Locations count as a spreadsheet shows them: the header is
row 1, the first data row is row 2.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input, located as precisely as known."""

    message: str
    file: str | None = None
    row: int | None = None
    column: str | None = None
    value: object = None

    def __str__(self) -> str:
        where = []
        if self.file:
            where.append(self.file)
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.column:
            where.append(f"column {self.column}")
        prefix = ", ".join(where)
        return f"{prefix}: {self.message}" if prefix else self.message


class KompasError(Exception):
    """An error caused by the user's input or request, with a message fit to show them."""

    def __init__(
        self,
        message: str,
        *,
        file: str | None = None,
        row: int | None = None,
        column: str | None = None,
        value: object = None,
    ) -> None:
        self.problem = Problem(message, file=file, row=row, column=column, value=value)
        super().__init__(str(self.problem))

    @property
    def message(self) -> str:
        return self.problem.message


class InputError(KompasError):
    """A file or value that cannot be read as asked; carries all problems found (up to a limit)."""

    MAX_REPORTED = 20

    def __init__(self, problems: list[Problem]) -> None:
        if not problems:
            raise ValueError("InputError needs at least one problem")
        self.problems = problems
        shown = problems[: self.MAX_REPORTED]
        first = shown[0]
        super().__init__(
            first.message, file=first.file, row=first.row, column=first.column, value=first.value
        )
        text = "; ".join(str(p) for p in shown)
        if len(problems) > len(shown):
            text += f"; and {len(problems) - len(shown)} more problems"
        self.args = (text,)

    def __str__(self) -> str:
        return str(self.args[0])


class NotFound(KompasError):
    """A code or key that names nothing known."""


class PermissionDenied(KompasError):
    """The acting user may not do this for this area."""


@dataclass
class Warnings:
    """Non-fatal findings gathered while importing (e.g. a repaired geometry)."""

    items: list[Problem] = field(default_factory=list)

    def add(self, message: str, **where: object) -> None:
        self.items.append(Problem(message, **where))  # type: ignore[arg-type]  # where holds Problem's keyword fields

    def __iter__(self):  # type: ignore[no-untyped-def]  # plain iteration helper
        return iter(self.items)

    def __len__(self) -> int:
        return len(self.items)
