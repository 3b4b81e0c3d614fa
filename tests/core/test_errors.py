"""Error messages written as templates: the text the CLI prints, and what the web translates."""

from __future__ import annotations

import pytest

from gebiedskompas.core.errors import (
    InputError,
    KompasError,
    Problem,
    Refusal,
    Template,
    gettext_noop,
)

pytestmark = pytest.mark.unit


def test_a_template_is_filled_in_for_the_source_language_text() -> None:
    error = KompasError(gettext_noop("unknown area {code}"), code="BU0001", column="gebied")
    assert str(error) == "column gebied: unknown area BU0001"
    assert error.message == "unknown area BU0001"
    assert error.problem.template == "unknown area {code}"
    assert error.problem.params == {"code": "BU0001"}


def test_a_template_may_name_the_location_fields() -> None:
    problem = Problem(gettext_noop('"{value}" is not a number'), "kwb.csv", 4, "Inwoners", "twaalf")
    assert str(problem) == 'kwb.csv, row 4, column Inwoners: "twaalf" is not a number'


def test_a_ready_made_message_keeps_its_braces() -> None:
    error = KompasError('not valid JSON: {"a": }', file="x.json")
    assert str(error) == 'x.json: not valid JSON: {"a": }'


def test_a_problem_moved_elsewhere_keeps_its_template() -> None:
    problem = Problem(gettext_noop("area {code} appears twice"), "a.csv", 3, code="BU1")
    moved = problem.at(file="b.csv", row=9)
    assert str(moved) == "b.csv, row 9: area BU1 appears twice"
    assert moved.template == problem.template and moved.params == problem.params


def test_input_error_keeps_each_problems_template() -> None:
    problems = [Problem(gettext_noop("{text} is odd"), "f.csv", r, text=r) for r in (2, 3)]
    error = InputError(problems)
    assert str(error) == "f.csv, row 2: 2 is odd; f.csv, row 3: 3 is odd"
    assert error.problem.template == "{text} is odd" and error.problem.params == {"text": 2}


def test_a_refusal_is_a_value_error_that_carries_its_template() -> None:
    with pytest.raises(ValueError, match="cannot move to done") as caught:
        raise Refusal(gettext_noop("cannot move to {target}"), target="done")
    assert caught.value.template == "cannot move to {target}"
    assert caught.value.params == {"target": "done"}


def test_the_marker_returns_the_text_unchanged() -> None:
    marked = gettext_noop("tekst (CSV)")
    assert marked == "tekst (CSV)" and isinstance(marked, Template)
