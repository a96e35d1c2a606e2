"""Whether a proposed case team may verify a case: accreditation scope, conflicts of
interest and the independence of the technical reviewer.

Pure: plain dataclasses in, a list of plain-words :class:`~verification.messages.Message`
out, each naming the person concerned; no Flask, no database. The assignment service
builds the facts from the database and passes the reasons to the ASSIGN guard
(``Assignment.problems``); the assign page calls the same functions to show, before
anything is submitted, who is eligible and why not. The rules are written out in
``docs/independence.md``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from ..messages import N_, Message
from ..sectors import label as sector_label

LOOKBACK_YEARS = 3


@dataclass(frozen=True)
class Accreditation:
    """One accreditation a person holds through the case's verification body."""

    methodology_codes: frozenset[str]
    sectors: frozenset[str]  # NACE Rev. 2 section letters; empty means none
    valid_from: date
    valid_to: date  # inclusive
    body: str = ""
    number: str = ""


@dataclass(frozen=True)
class Declaration:
    """A declared relationship between a person and an organisation."""

    organisation_id: int
    relationship: str
    started_on: date
    ended_on: date | None = None  # None: ongoing


@dataclass(frozen=True)
class Person:
    user_id: int
    name: str
    email: str
    accreditations: tuple[Accreditation, ...] = ()
    declarations: tuple[Declaration, ...] = ()


@dataclass(frozen=True)
class CaseScope:
    case_id: int
    organisation_id: int
    organisation_name: str
    methodology_code: str
    sector: str | None
    period_start: date
    period_end: date


@dataclass(frozen=True)
class EarlierCase:
    """A case of the same organisation (the case being assigned included)."""

    case_id: int
    opened_on: date
    consultant_email: str | None


@dataclass(frozen=True)
class Proposal:
    lead: Person | None
    team: tuple[Person, ...] = ()  # besides the lead
    reviewer: Person | None = None
    due_on: date | None = None


NOT_A_TEAM_VERIFIER = N_("A chosen team member is not a verifier of this verification body.")
NO_SECTOR = N_(
    "The case has no sector recorded, so no accreditation can be checked against it; "
    "the organisation's sector must be set first."
)


def years_before(day: date, years: int) -> date:
    """The same calendar day ``years`` earlier (29 February becomes 28 February)."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


def lookback_start(today: date) -> date:
    """The first day of the conflict-of-interest window: today three years ago, inclusive."""
    return years_before(today, LOOKBACK_YEARS)


def required_span(scope: CaseScope, today: date) -> tuple[date, date]:
    """The days an accreditation must be in force on: the whole reporting period and the
    assignment date (and every day between them)."""
    return min(scope.period_start, today), max(scope.period_end, today)


def first_uncovered_day(spans: Iterable[tuple[date, date]], start: date, end: date) -> date | None:
    """The first day of ``start``..``end`` (inclusive) outside every span, or None."""
    cursor = start
    for valid_from, valid_to in sorted(spans):
        if valid_from > cursor:
            break
        if valid_to >= end:
            return None
        cursor = max(cursor, valid_to + timedelta(days=1))
    return cursor


def accreditation_gaps(person: Person, scope: CaseScope, today: date) -> list[Message]:
    """What the person's accreditations do not cover: the methodology, the sector, or
    every day from the start of the reporting period to the assignment date and the end
    of the period. One accreditation must cover the methodology and the sector together;
    several such accreditations may follow each other in time (a renewal)."""
    code, sector = scope.methodology_code, scope.sector
    held = person.accreditations
    by_code = [a for a in held if code in a.methodology_codes]
    reasons: list[Message] = []
    if not by_code:
        reasons.append(
            N_(
                "%(name)s holds no accreditation for the methodology %(code)s.",
                name=person.name,
                code=code,
            )
        )
    if sector is None:
        return reasons  # NO_SECTOR is said once for the case, not for each person
    if not any(sector in a.sectors for a in held):
        reasons.append(
            N_(
                "%(name)s holds no accreditation for the sector %(sector)s.",
                name=person.name,
                sector=sector_label(sector),
            )
        )
    if reasons:
        return reasons
    scoped = [a for a in by_code if sector in a.sectors]
    if not scoped:
        return [
            N_(
                "%(name)s holds no single accreditation covering both the methodology "
                "%(code)s and the sector %(sector)s.",
                name=person.name,
                code=code,
                sector=sector_label(sector),
            )
        ]
    start, end = required_span(scope, today)
    gap = first_uncovered_day(((a.valid_from, a.valid_to) for a in scoped), start, end)
    if gap is not None:
        reasons.append(
            N_(
                "The accreditation of %(name)s for %(code)s in sector %(sector)s is not in "
                "force on %(day)s; it must be in force on every day from %(start)s to "
                "%(end)s (the reporting period and the assignment date).",
                name=person.name,
                code=code,
                sector=sector_label(sector),
                day=gap.isoformat(),
                start=start.isoformat(),
                end=end.isoformat(),
            )
        )
    return reasons


def _same_email(a: str | None, b: str | None) -> bool:
    return bool(a and b) and a.strip().casefold() == b.strip().casefold()


def conflicts(
    person: Person, scope: CaseScope, history: Iterable[EarlierCase], today: date
) -> list[Message]:
    """Conflicts of interest with the case's organisation within the last three years.

    Declared: a relationship with the organisation that is ongoing or ended on or after
    today three years ago. Known: the person's email is the consultant email of a case of
    the organisation (this one included) opened on or after that day.
    """
    since = lookback_start(today)
    reasons: list[Message] = []
    for d in person.declarations:
        if d.organisation_id != scope.organisation_id:
            continue
        if d.ended_on is not None and d.ended_on < since:
            continue
        reasons.append(
            N_(
                "%(name)s has a declared relationship with %(organisation)s within the last "
                "three years: %(relationship)s, from %(start)s to %(end)s.",
                name=person.name,
                organisation=scope.organisation_name,
                relationship=d.relationship,
                start=d.started_on.isoformat(),
                end=d.ended_on.isoformat() if d.ended_on else N_("today (ongoing)"),
            )
        )
    for earlier in sorted(history, key=lambda c: (c.opened_on, c.case_id)):
        if earlier.opened_on < since or not _same_email(earlier.consultant_email, person.email):
            continue
        if earlier.case_id == scope.case_id:
            reasons.append(
                N_(
                    "%(name)s is named as the consultant who helped prepare this submission.",
                    name=person.name,
                )
            )
        else:
            reasons.append(
                N_(
                    "%(name)s is named as the consultant who helped prepare a case of "
                    "%(organisation)s opened on %(day)s.",
                    name=person.name,
                    organisation=scope.organisation_name,
                    day=earlier.opened_on.isoformat(),
                )
            )
    return reasons


def verifier_problems(
    person: Person, scope: CaseScope, history: Iterable[EarlierCase], today: date
) -> list[Message]:
    """Why ``person`` may not verify this case (lead or team member); empty: eligible."""
    return accreditation_gaps(person, scope, today) + conflicts(person, scope, history, today)


def reviewer_problems(
    person: Person, scope: CaseScope, history: Iterable[EarlierCase], today: date
) -> list[Message]:
    """Why ``person`` may not be the case's technical reviewer, whoever is on the team."""
    return conflicts(person, scope, history, today)


def team_problems(proposal: Proposal) -> list[Message]:
    """The lead listed again among the team; the reviewer on the team.

    A reviewer who is the lead verifier is refused by the ASSIGN guard itself
    (``workflow/rules.py``), so it is not said twice here.
    """
    reasons: list[Message] = []
    lead_id = proposal.lead.user_id if proposal.lead else None
    for member in proposal.team:
        if member.user_id == lead_id:
            reasons.append(
                N_(
                    "%(name)s is the lead verifier; leave them out of the other team members.",
                    name=member.name,
                )
            )
    reviewer = proposal.reviewer
    if reviewer is not None and any(m.user_id == reviewer.user_id for m in proposal.team):
        reasons.append(
            N_(
                "%(name)s is on the verification team and cannot also be the technical reviewer.",
                name=reviewer.name,
            )
        )
    return reasons


def schedule_problems(due_on: date | None, today: date) -> list[Message]:
    if due_on is not None and due_on < today:
        return [N_("The due date %(day)s is in the past.", day=due_on.isoformat())]
    return []


def check(
    proposal: Proposal, scope: CaseScope, history: Iterable[EarlierCase], today: date
) -> list[Message]:
    """Every reason the proposed team may not be assigned; empty means allowed."""
    history = tuple(history)
    reasons: list[Message] = []
    verifiers = ([proposal.lead] if proposal.lead else []) + list(proposal.team)
    if verifiers and scope.sector is None:
        reasons.append(NO_SECTOR)
    for person in verifiers:
        reasons += verifier_problems(person, scope, history, today)
    if proposal.reviewer is not None:
        reasons += reviewer_problems(proposal.reviewer, scope, history, today)
    reasons += team_problems(proposal)
    reasons += schedule_problems(proposal.due_on, today)
    return _unique(reasons)


def _unique(reasons: list[Message]) -> list[Message]:
    seen: set[str] = set()
    kept = []
    for reason in reasons:
        key = str(reason)
        if key not in seen:
            seen.add(key)
            kept.append(reason)
    return kept
