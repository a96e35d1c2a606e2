"""Answer rules: parsing by type, when evidence is needed, and which earlier answer is reused."""

from __future__ import annotations

from decimal import Decimal

import pytest

from verification.cases.answers import AnswerError, needs_evidence, parse_answer, reusable
from verification.cases.models import Answer
from verification.methodologies.model import Criterion, Methodology, Option


def _c(code, answer_type="yes_no", *, evidence="optional", mandatory=False, refs=(), **kw):
    return Criterion(
        code=code,
        pillar="E",
        question="?",
        guidance="",
        answer_type=answer_type,
        mandatory=mandatory,
        evidence=evidence,
        weight=Decimal(1),
        references=tuple(refs),
        **kw,
    )


def _m(code, *criteria):
    return Methodology(code, "1.0.0", code, {"E": Decimal(1)}, tuple(criteria), "0" * 64, code)


CHOICE = _c(
    "C1",
    "choice",
    options=(Option("none", "None", Decimal(0)), Option("full", "Full", Decimal(1))),
)


@pytest.mark.parametrize(
    "criterion, value, unit, expected",
    [
        (_c("A"), "yes", None, ("yes", None)),
        (_c("A", "yes_no_partial"), "partial", None, ("partial", None)),
        (CHOICE, "full", None, ("full", None)),
        (_c("N", "number", units=("kWh", "MWh")), "1,000.50", "MWh", ("1000.50", "MWh")),
        (_c("N", "number"), "7", "kg", ("7", None)),  # a count has no unit
        (_c("T", "text"), "  words  ", None, ("words", None)),
    ],
)
def test_answers_are_normalised(ctx, criterion, value, unit, expected):
    assert parse_answer(criterion, value, unit) == expected


@pytest.mark.parametrize(
    "criterion, value, unit, message",
    [
        (_c("A"), "partial", None, "A: answer yes / no."),
        (CHOICE, "half", None, "C1: choose one of the options."),
        (_c("N", "number", units=("kWh",)), "-1", "kWh", "N: enter a number of zero or more."),
        (_c("N", "number", units=("kWh",)), "NaN", "kWh", "N: enter a number of zero or more."),
        (_c("N", "number", units=("kWh",)), "5", "t", "N: choose a unit (kWh)."),
        (_c("T", "text"), "x" * 5001, None, "T: keep the answer under 5,000 characters."),
        (_c("V", "evidence", evidence="required"), "x", None, "answered by attaching evidence"),
    ],
)
def test_bad_answers_name_the_criterion(ctx, criterion, value, unit, message):
    with pytest.raises(AnswerError, match=message.replace("(", r"\(").replace(")", r"\)")):
        parse_answer(criterion, value, unit)


def _a(code, value, unit=None):
    return Answer(criterion_code=code, value=value, unit=unit, answered_by_id=1)


def test_evidence_is_needed_for_claims_only():
    required = _c("R", evidence="required")
    assert needs_evidence(required, _a("R", "yes"))
    assert not needs_evidence(required, _a("R", "no"))  # nothing to prove
    assert not needs_evidence(required, None)  # unanswered (a mandatory one blocks anyway)
    assert not needs_evidence(_c("O", evidence="optional"), _a("O", "yes"))
    choice = _c("C", "choice", evidence="required", options=CHOICE.options)
    assert needs_evidence(choice, _a("C", "full")) and not needs_evidence(choice, _a("C", "none"))
    only = _c("V", "evidence", evidence="required", mandatory=True)
    assert needs_evidence(only, None)
    assert not needs_evidence(_c("V", "evidence", evidence="required"), None)


def test_reuse_prefers_the_same_item_then_the_largest_overlap():
    injuries = _c("S1", "number", refs=("GRI 403-9", "ESRS S1-14"))
    fatalities = _c("S2", "number", refs=("GRI 403-9",))
    old = _m("core", injuries, fatalities)
    answers = {"S1": _a("S1", "5"), "S2": _a("S2", "0")}
    # The same methodology again: each item from itself, never from its neighbour.
    assert {k: v[0] for k, v in reusable(old, old, answers).items()} == {"S1": "S1", "S2": "S2"}
    # Another methodology: the item sharing the most references wins.
    other = _m("ghg", _c("X", "number", refs=("GRI 403-9", "ESRS S1-14")))
    assert reusable(other, old, answers)["X"][0] == "S1"
    # A different answer type or an unaccepted unit is not reused.
    assert reusable(_m("g", _c("Y", "text", refs=("GRI 403-9",))), old, answers) == {}
    kwh = _c("E", "number", units=("kWh",), refs=("GRI 302-1",))
    mwh_answer = {"E": _a("E", "3", "MWh")}
    assert (
        reusable(
            _m("g", kwh),
            _m("core", _c("E", "number", units=("MWh",), refs=("GRI 302-1",))),
            mwh_answer,
        )
        == {}
    )
