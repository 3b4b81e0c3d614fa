"""Errors in the visitor's language: the one place the web and the API render a `KompasError`.

The kernel writes each message as a template with named parameters (``core.errors``, ADR 0009).
Here the template and the location words are translated into the active language and the
parameters filled in untranslated: file names, codes and values stay as the user gave them. A
parameter that is itself a marked template (a word such as "PDF-document") is translated too.
"""

from __future__ import annotations

from django.utils.translation import gettext, ngettext

from gebiedskompas.core.errors import InputError, KompasError, Problem, Refusal, Template, fill


def problem_message(problem: Problem) -> str:
    """The problem's message without its location, in the active language."""
    template = problem.template
    if not template:
        return problem.message
    text = gettext(template)
    if not isinstance(template, Template) and not problem.params:
        return text  # a ready-made message: translated if the catalogue happens to know it
    values = {k: _parameter(v) for k, v in problem.fields().items()}
    try:
        return text.format_map(values)
    except (KeyError, IndexError, ValueError):  # a translation naming a field the code lacks
        return problem.message


def _parameter(value: object) -> object:
    """A parameter as shown: a marked word or a nested refusal or error translated, anything
    else (names, codes, numbers) as it is."""
    if isinstance(value, Template):
        return gettext(value)
    if isinstance(value, Refusal):
        params = {k: _parameter(v) for k, v in value.params.items()}
        try:
            return fill(Template(gettext(value.template)), params)
        except (KeyError, IndexError, ValueError):
            return str(value)
    if isinstance(value, KompasError):
        return error_text(value)
    return value


def problem_text(problem: Problem) -> str:
    """The problem with its location ("bestand.csv, rij 3, kolom X: …"), in the active language."""
    where = []
    if problem.file:
        where.append(problem.file)
    if problem.row is not None:
        where.append(gettext("rij %(row)s") % {"row": problem.row})
    if problem.column:
        where.append(gettext("kolom %(column)s") % {"column": problem.column})
    message = problem_message(problem)
    return f"{', '.join(where)}: {message}" if where else message


def error_message(error: KompasError) -> str:
    """What `error.message` says, in the active language: for beside a form field."""
    return problem_message(error.problem)


def error_text(error: KompasError) -> str:
    """What `str(error)` says, in the active language: every problem shown with its location
    (up to `InputError.MAX_REPORTED`)."""
    if not isinstance(error, InputError):
        return problem_text(error.problem)
    shown = error.problems[: InputError.MAX_REPORTED]
    text = "; ".join(problem_text(p) for p in shown)
    hidden = len(error.problems) - len(shown)
    if hidden:
        more = ngettext("en nog %(n)d probleem", "en nog %(n)d problemen", hidden) % {"n": hidden}
        text += f"; {more}"
    return text
