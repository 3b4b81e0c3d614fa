"""Errors that reach users: each one says what went wrong, where, and what was expected.

The CLI prints ``str(error)`` as one line and exits 1; the web shows it beside the field; the API
answers ``application/problem+json``. Locations count as a spreadsheet shows them: the header is
row 1, the first data row is row 2.

A message is written as a template marked for the translation catalogue, with its parameters
named and passed beside it (ADR 0009)::

    raise NotFound(gettext_noop("unknown area {code}"), code=code)

``str(error)`` and ``error.message`` give the message in the language it was written in, with the
parameters filled in; that is what the CLI prints. The web and the API render the same error in
the visitor's language with ``gebiedskompas.i18n.error_text``, which translates the template and
the location words, never the parameters.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


class Template(str):
    """A message template as written in the code: ``str.format`` fields name its parameters."""

    __slots__ = ()


def gettext_noop(template: str) -> Template:
    """Mark `template` for the translation catalogue and return it unchanged (as a `Template`).

    The name is the one Django's ``makemessages`` looks for, so the message is extracted without
    this kernel importing Django; the web and the API translate it when they show it.
    """
    return Template(template)


def fill(template: str, params: Mapping[str, object]) -> str:
    """`template` with its parameters filled in; a plain string (not a `Template`) is returned as
    it is, so a message that was built ready-made may hold braces."""
    if isinstance(template, Template) or params:
        return template.format_map(params)
    return template


LOCATION_FIELDS = ("file", "row", "column", "value")


@dataclass(frozen=True, init=False)
class Problem:
    """One thing wrong with an input, located as precisely as known.

    `message` is the text in the language it was written in; `template` and `params` are what it
    was made from, for rendering it in another language. A template may also name the location
    fields (``{value}``, ``{column}``).
    """

    message: str
    file: str | None = None
    row: int | None = None
    column: str | None = None
    value: object = None
    template: str = field(default="", compare=False, repr=False)
    # Any: parameters are whatever the message shows; passed on as **params to another error
    params: Mapping[str, Any] = field(default_factory=dict, compare=False, repr=False)

    def __init__(
        self,
        message: str,
        /,
        file: str | None = None,
        row: int | None = None,
        column: str | None = None,
        value: object = None,
        **params: object,
    ) -> None:
        setter = object.__setattr__
        setter(self, "file", file)
        setter(self, "row", row)
        setter(self, "column", column)
        setter(self, "value", value)
        setter(self, "template", message)
        setter(self, "params", params)
        text = (
            message.format_map(self.fields())
            if isinstance(message, Template) or params
            else message
        )
        setter(self, "message", text)

    def fields(self) -> dict[str, object]:
        """The values a template may name: the location fields, then the parameters."""
        where = {"file": self.file, "row": self.row, "column": self.column, "value": self.value}
        return {**where, **self.params}

    def at(self, **where: Any) -> Problem:  # Any: file, row, column and value differ in type
        """The same message at another location: `where` replaces file, row, column or value."""
        located = {name: getattr(self, name) for name in LOCATION_FIELDS} | where
        return Problem(self.template, **located, **self.params)

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
    """An error caused by the user's input or request, with a message fit to show them.

    `message` is a template (see `gettext_noop`) or a ready-made string; `params` fill the
    template's fields.
    """

    def __init__(
        self,
        message: str,
        /,
        *,
        file: str | None = None,
        row: int | None = None,
        column: str | None = None,
        value: object = None,
        **params: object,
    ) -> None:
        self.problem = Problem(message, file=file, row=row, column=column, value=value, **params)
        super().__init__(str(self.problem))

    @property
    def message(self) -> str:
        return self.problem.message


class Refusal(ValueError):
    """A domain rule's "no": a ValueError whose message is a template with parameters, so the
    service that turns it into a `KompasError` keeps it translatable (``exc.template``,
    ``exc.params``)."""

    def __init__(self, template: str, /, **params: object) -> None:
        super().__init__(fill(template, params))
        self.template = template
        self.params: dict[str, Any] = params  # Any: passed on as **params to a KompasError


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
            first.template,
            file=first.file,
            row=first.row,
            column=first.column,
            value=first.value,
            **first.params,
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

    def add(self, message: str, /, **where: object) -> None:
        self.items.append(Problem(message, **where))  # type: ignore[arg-type]  # where holds Problem's keyword fields

    def __iter__(self):  # type: ignore[no-untyped-def]  # plain iteration helper
        return iter(self.items)

    def __len__(self) -> int:
        return len(self.items)
