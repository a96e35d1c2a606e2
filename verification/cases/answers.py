"""Answers: checking them by the criterion's answer type, saving them, and reusing them.

When an organisation opens a second case, each criterion that shares a framework
reference and an answer type with a criterion answered in its latest earlier case is
prefilled from that answer and marked as reused. A reused answer counts as the
organisation's answer; the verifier still checks it afresh. Changing it clears the mark.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from flask_babel import gettext as _
from sqlalchemy import select

from ..extensions import db
from ..methodologies.model import Criterion, Methodology
from .models import Answer, Case

YES_NO = ("yes", "no")
YES_NO_PARTIAL = ("yes", "partial", "no")


class AnswerError(ValueError):
    """An answer that cannot be accepted; the message names the criterion."""


def parse_answer(criterion: Criterion, value: str, unit: str | None) -> tuple[str, str | None]:
    """Normalise one answer; raises :class:`AnswerError` naming the criterion."""
    value = (value or "").strip()
    kind = criterion.answer_type
    if kind in ("yes_no", "yes_no_partial"):
        allowed = YES_NO if kind == "yes_no" else YES_NO_PARTIAL
        if value not in allowed:
            raise AnswerError(
                _("%(code)s: answer %(choices)s.", code=criterion.code, choices=" / ".join(allowed))
            )
        return value, None
    if kind == "choice":
        if criterion.option(value) is None:
            raise AnswerError(_("%(code)s: choose one of the options.", code=criterion.code))
        return value, None
    if kind == "number":
        try:
            number = Decimal(value.replace(",", ""))
        except InvalidOperation:
            raise AnswerError(
                _("%(code)s: %(value)s is not a number.", code=criterion.code, value=value)
            ) from None
        if not number.is_finite() or number < 0:
            raise AnswerError(_("%(code)s: enter a number of zero or more.", code=criterion.code))
        if criterion.units and unit not in criterion.units:
            raise AnswerError(
                _(
                    "%(code)s: choose a unit (%(units)s).",
                    code=criterion.code,
                    units=", ".join(criterion.units),
                )
            )
        return format(number, "f"), (unit if criterion.units else None)
    if kind == "evidence":
        raise AnswerError(
            _("%(code)s: this item is answered by attaching evidence.", code=criterion.code)
        )
    if len(value) > 5000:
        raise AnswerError(
            _("%(code)s: keep the answer under 5,000 characters.", code=criterion.code)
        )
    return value, None


def needs_evidence(criterion: Criterion, answer: Answer | None) -> bool:
    """Whether submission must wait for evidence on this item.

    Evidence is required where the methodology says so, for what the organisation claims:
    a mandatory evidence-only item always, any other item once it is answered with a claim
    (not "no", not a choice worth nothing). An item left unanswered, or answered "no",
    needs none: there is nothing to prove (and a claim without evidence earns nothing).
    """
    if not criterion.evidence_required:
        return False
    if criterion.answer_type == "evidence":
        return criterion.mandatory
    if answer is None or not answer.value.strip() or answer.value == "no":
        return False
    if criterion.answer_type == "choice":
        option = criterion.option(answer.value)
        return option is not None and option.points > 0
    return True


def save_answers(case: Case, user, given: dict[str, tuple[str, str | None]], methodology) -> int:
    """Store the non-empty answers in ``given`` (code -> (value, unit)); all or nothing.

    Raises :class:`AnswerError` listing every bad answer; nothing is written then.
    """
    parsed: dict[str, tuple[str, str | None]] = {}
    errors: list[str] = []
    for criterion in methodology.criteria:
        value, unit = given.get(criterion.code, ("", None))
        if criterion.answer_type == "evidence" or not (value or "").strip():
            continue
        try:
            parsed[criterion.code] = parse_answer(criterion, value, unit)
        except AnswerError as exc:
            errors.append(str(exc))
    if errors:
        raise AnswerError(" ".join(errors))
    changed = 0
    for code, (value, unit) in parsed.items():
        answer = case.answer_for(code)
        if answer is None:
            case.answers.append(
                Answer(criterion_code=code, value=value, unit=unit, answered_by_id=user.id)
            )
            changed += 1
        elif (answer.value, answer.unit) != (value, unit):
            answer.value, answer.unit, answer.answered_by_id = value, unit, user.id
            answer.reused_from_case_id = answer.reused_from_criterion = None
            changed += 1
    db.session.flush()
    return changed


def _compatible(criterion: Criterion, other: Criterion, answer: Answer) -> bool:
    if other.answer_type != criterion.answer_type:
        return False
    if criterion.answer_type == "number" and (answer.unit or None) not in (
        criterion.units or (None,)
    ):
        return False
    return criterion.answer_type != "choice" or criterion.option(answer.value) is not None


def reusable(new: Methodology, old: Methodology, old_answers: dict[str, Answer]) -> dict:
    """criterion code in ``new`` -> (old criterion code, answer) it may be prefilled from.

    On the same methodology an item is prefilled from the same item. Otherwise it is
    prefilled from the answered item of the same answer type (and, for numbers, an accepted
    unit) sharing the most framework references with it; ties go to the first in the old
    methodology's order, so the choice is stable.
    """
    same = new.code == old.code
    found: dict[str, tuple[str, Answer]] = {}
    for criterion in new.criteria:
        if criterion.answer_type == "evidence" or not criterion.references:
            continue
        if same:
            answer = old_answers.get(criterion.code)
            try:
                other = old.criterion(criterion.code)
            except KeyError:
                continue
            if answer is not None and _compatible(criterion, other, answer):
                found[criterion.code] = (criterion.code, answer)
            continue
        refs = set(criterion.references)
        best, best_overlap = None, 0
        for other in old.criteria:
            answer = old_answers.get(other.code)
            if answer is None or not _compatible(criterion, other, answer):
                continue
            overlap = len(refs & set(other.references))
            if overlap > best_overlap:
                best, best_overlap = (other.code, answer), overlap
        if best is not None:
            found[criterion.code] = best
    return found


def prefill_from_previous(case: Case, methodology: Methodology, methodology_of) -> int:
    """Prefill ``case`` from the organisation's latest earlier case; returns how many."""
    previous = db.session.scalar(
        select(Case)
        .where(Case.organisation_id == case.organisation_id, Case.id != case.id)
        .where(Case.state != "withdrawn")
        .order_by(Case.id.desc())
        .limit(1)
    )
    if previous is None or not previous.answers:
        return 0
    old_answers = {a.criterion_code: a for a in previous.answers}
    matches = reusable(methodology, methodology_of(previous), old_answers)
    for code, (old_code, answer) in matches.items():
        case.answers.append(
            Answer(
                criterion_code=code,
                value=answer.value,
                unit=answer.unit,
                answered_by_id=case.created_by_id,
                reused_from_case_id=previous.id,
                reused_from_criterion=old_code,
            )
        )
    db.session.flush()
    return len(matches)
