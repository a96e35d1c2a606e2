"""The verification body's roster: accreditations, declared conflicts of interest, the
facts the independence checks read, and the workload of each verifier and reviewer."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta

from flask_babel import gettext as _
from sqlalchemy import select

from ..accounts.models import Organisation, OrgKind, Role, User
from ..cases.models import Case
from ..extensions import db
from ..methodologies import registry
from ..sectors import is_section
from ..timeutil import utcnow
from ..workflow.rules import State
from . import independence as ind
from .accreditation_models import (
    Accreditation,
    CaseTeamMember,
    ConflictDeclaration,
    decode_codes,
    encode_codes,
)

STAFF_ROLES = (Role.VERIFIER, Role.REVIEWER)
# States in which a case is on someone's desk.
OPEN_STATES = frozenset(
    {
        State.ASSIGNED,
        State.IN_REVIEW,
        State.AWAITING_CLIENT,
        State.IN_TECHNICAL_REVIEW,
        State.APPROVED,
    }
)


class RosterError(ValueError):
    """Input that cannot be accepted; the message is fit to show the user."""


def today() -> date:
    return utcnow().date()


def methodology_codes() -> list[str]:
    """The codes of the methodologies this platform serves, each once."""
    return sorted({m.code for m in registry.all_methodologies()})


def staff_of(body_id: int, roles: Iterable[Role] = STAFF_ROLES) -> list[User]:
    """The verification body's verifiers and reviewers (deactivated ones too)."""
    return list(
        db.session.scalars(
            select(User)
            .where(User.organisation_id == body_id, User.role.in_([str(r) for r in roles]))
            .order_by(User.name, User.id)
        )
    )


def can_manage(admin: User, person: User | None) -> bool:
    """A verification body's admin manages the roster of that body's verifiers and reviewers."""
    return (
        person is not None
        and admin.has_role(Role.VB_ADMIN)
        and person.organisation_id == admin.organisation_id
        and person.has_role(*STAFF_ROLES)
    )


# --- accreditations --------------------------------------------------------------------


def accreditations_of(body_id: int, user_ids: Iterable[int] | None = None) -> list[Accreditation]:
    query = select(Accreditation).where(Accreditation.verification_body_id == body_id)
    if user_ids is not None:
        query = query.where(Accreditation.user_id.in_(list(user_ids)))
    return list(db.session.scalars(query.order_by(Accreditation.valid_from, Accreditation.id)))


def add_accreditation(
    admin: User,
    person: User,
    codes: Iterable[str],
    sectors: Iterable[str],
    valid_from: date,
    valid_to: date,
    accreditation_body: str,
    number: str,
) -> Accreditation:
    """Raises :class:`RosterError`; nothing is written then."""
    if not can_manage(admin, person):
        raise RosterError(_("Choose a verifier or reviewer of your verification body."))
    codes, sectors = set(codes), set(sectors)
    known = set(methodology_codes())
    if not codes or not codes <= known:
        raise RosterError(_("Choose at least one methodology this platform serves."))
    if not sectors or not all(is_section(s) for s in sectors):
        raise RosterError(_("Choose at least one NACE section (A to U)."))
    if valid_to < valid_from:
        raise RosterError(_("The accreditation ends before it starts."))
    body, number = (accreditation_body or "").strip(), (number or "").strip()
    if not body or not number:
        raise RosterError(_("Give the accreditation body and the accreditation number."))
    accreditation = Accreditation(
        user_id=person.id,
        verification_body_id=admin.organisation_id,
        methodology_codes=encode_codes(codes),
        sectors=encode_codes(sectors),
        valid_from=valid_from,
        valid_to=valid_to,
        accreditation_body=body,
        number=number,
        created_by_id=admin.id,
    )
    db.session.add(accreditation)
    db.session.flush()
    return accreditation


def end_accreditation(admin: User, accreditation: Accreditation, on: date) -> None:
    """No longer in force from ``on``: the last valid day becomes the day before.

    Raises :class:`RosterError` for one already ended or not yet in force (remove that)."""
    last = on - timedelta(days=1)
    if accreditation.valid_to <= last:
        raise RosterError(_("This accreditation has already ended."))
    if accreditation.valid_from > last:
        raise RosterError(_("This accreditation is not in force yet; remove it instead."))
    accreditation.valid_to = last
    db.session.flush()


def remove_accreditation(admin: User, accreditation: Accreditation) -> None:
    db.session.delete(accreditation)
    db.session.flush()


# --- conflicts of interest -------------------------------------------------------------


def client_organisations() -> list[Organisation]:
    return list(
        db.session.scalars(
            select(Organisation)
            .where(Organisation.kind == str(OrgKind.SME))
            .order_by(Organisation.name)
        )
    )


def declare_conflict(
    by: User,
    person: User,
    organisation: Organisation | None,
    relationship: str,
    started_on: date,
    ended_on: date | None,
) -> ConflictDeclaration:
    """A person declares their own relationship, or their body's admin declares it for them.

    Raises :class:`RosterError`; nothing is written then."""
    if not (by.id == person.id and person.has_role(*STAFF_ROLES)) and not can_manage(by, person):
        raise RosterError(_("You may declare relationships for yourself or your own staff only."))
    if organisation is None or organisation.kind != OrgKind.SME:
        raise RosterError(_("Choose an organisation."))
    relationship = (relationship or "").strip()
    if not relationship:
        raise RosterError(_("Describe the relationship."))
    if ended_on is not None and ended_on < started_on:
        raise RosterError(_("The relationship ends before it starts."))
    declaration = ConflictDeclaration(
        user_id=person.id,
        organisation_id=organisation.id,
        relationship=relationship,
        started_on=started_on,
        ended_on=ended_on,
        declared_by_id=by.id,
    )
    db.session.add(declaration)
    db.session.flush()
    return declaration


def declarations_of(user_ids: Iterable[int]) -> list[ConflictDeclaration]:
    return list(
        db.session.scalars(
            select(ConflictDeclaration)
            .where(ConflictDeclaration.user_id.in_(list(user_ids)))
            .order_by(ConflictDeclaration.declared_at.desc(), ConflictDeclaration.id.desc())
        )
    )


# --- the facts of the independence checks ----------------------------------------------


def scope_of(case: Case) -> ind.CaseScope:
    return ind.CaseScope(
        case_id=case.id,
        organisation_id=case.organisation_id,
        organisation_name=case.organisation.name,
        methodology_code=case.methodology_code,
        sector=case.sector,
        period_start=case.period_start,
        period_end=case.period_end,
    )


def history_of(case: Case) -> list[ind.EarlierCase]:
    """The organisation's cases that name a consultant (this one included)."""
    rows = db.session.execute(
        select(Case.id, Case.created_at, Case.consultant_email).where(
            Case.organisation_id == case.organisation_id, Case.consultant_email.is_not(None)
        )
    )
    return [ind.EarlierCase(i, created.date(), email) for i, created, email in rows]


def people(case: Case, users: Iterable[User]) -> dict[int, ind.Person]:
    """Each user as the independence checks see them: the accreditations they hold through
    the case's verification body and their declared relationships with its organisation."""
    users = list(users)
    ids = [u.id for u in users]
    held: dict[int, list[ind.Accreditation]] = {i: [] for i in ids}
    for a in accreditations_of(case.verification_body_id, ids):
        held[a.user_id].append(
            ind.Accreditation(
                decode_codes(a.methodology_codes),
                decode_codes(a.sectors),
                a.valid_from,
                a.valid_to,
                a.accreditation_body,
                a.number,
            )
        )
    declared: dict[int, list[ind.Declaration]] = {i: [] for i in ids}
    for d in declarations_of(ids):
        if d.organisation_id == case.organisation_id:
            declared[d.user_id].append(
                ind.Declaration(d.organisation_id, d.relationship, d.started_on, d.ended_on)
            )
    return {
        u.id: ind.Person(u.id, u.name, u.email, tuple(held[u.id]), tuple(declared[u.id]))
        for u in users
    }


@dataclass
class Candidate:
    user: User
    role: str
    problems: list = field(default_factory=list)


def candidates(case: Case, verifiers: list[User], reviewers: list[User], on: date):
    """Who could be put on the case, each with the reasons they may not (empty: eligible)."""
    found = people(case, [*verifiers, *reviewers])
    scope, history = scope_of(case), history_of(case)
    return [
        Candidate(u, str(Role.VERIFIER), ind.verifier_problems(found[u.id], scope, history, on))
        for u in verifiers
    ] + [
        Candidate(u, str(Role.REVIEWER), ind.reviewer_problems(found[u.id], scope, history, on))
        for u in reviewers
    ]


def team_ids(case: Case) -> list[int]:
    return list(
        db.session.scalars(
            select(CaseTeamMember.user_id)
            .where(CaseTeamMember.case_id == case.id)
            .order_by(CaseTeamMember.id)
        )
    )


# --- workload --------------------------------------------------------------------------


@dataclass
class Load:
    person: User
    rows: list[LoadRow] = field(default_factory=list)  # by due date, undated last

    @property
    def overdue(self) -> int:
        return sum(1 for row in self.rows if row.overdue)


@dataclass
class LoadRow:
    case: Case
    role: str  # "lead", "team" or "reviewer"
    overdue: bool


def workload(body_id: int, on: date) -> tuple[list[Load], list[Case]]:
    """Each verifier's and reviewer's open cases (as lead, team member or reviewer), by due
    date, overdue ones marked; and the submitted cases waiting for a team."""
    staff = staff_of(body_id)
    loads = {u.id: Load(u) for u in staff}
    open_cases = list(
        db.session.scalars(
            select(Case)
            .where(
                Case.verification_body_id == body_id,
                Case.state.in_([str(s) for s in OPEN_STATES]),
            )
            .order_by(Case.id)
        )
    )
    members: dict[int, list[int]] = {}
    if open_cases:
        for case_id, user_id in db.session.execute(
            select(CaseTeamMember.case_id, CaseTeamMember.user_id).where(
                CaseTeamMember.case_id.in_([c.id for c in open_cases])
            )
        ):
            members.setdefault(case_id, []).append(user_id)
    for case in open_cases:
        late = case.due_on is not None and case.due_on < on
        for user_id, role in (
            (case.verifier_id, "lead"),
            *((m, "team") for m in members.get(case.id, [])),
            (case.reviewer_id, "reviewer"),
        ):
            if user_id in loads:
                loads[user_id].rows.append(LoadRow(case, role, late))
    for load in loads.values():
        load.rows.sort(key=lambda r: (r.case.due_on is None, r.case.due_on or on, r.case.id))
    waiting = list(
        db.session.scalars(
            select(Case)
            .where(Case.verification_body_id == body_id, Case.state == str(State.SUBMITTED))
            .order_by(Case.submitted_at, Case.id)
        )
    )
    return list(loads.values()), waiting


def visible_declarations(user: User) -> list[ConflictDeclaration]:
    """A body's admin sees the declarations of all its staff; others their own."""
    if user.has_role(Role.VB_ADMIN):
        return declarations_of(u.id for u in staff_of(user.organisation_id))
    return declarations_of([user.id])


def assignment_problems(
    case: Case,
    verifiers: dict[int, User],
    reviewers: dict[int, User],
    lead_id: int | None,
    member_ids: list[int],
    reviewer_id: int | None,
    due_on: date | None,
    on: date,
) -> list:
    """The independence checks on a proposed team, given the body's verifiers and reviewers
    by id (whether the lead and reviewer are among them is the ASSIGN guard's to say)."""
    chosen = {i: verifiers[i] for i in (lead_id, *member_ids) if i in verifiers}
    if reviewer_id in reviewers:
        chosen[reviewer_id] = reviewers[reviewer_id]
    found = people(case, chosen.values())
    proposal = ind.Proposal(
        lead=found[lead_id] if lead_id in verifiers else None,
        team=tuple(found[i] for i in member_ids if i in verifiers),
        reviewer=found[reviewer_id] if reviewer_id in reviewers else None,
        due_on=due_on,
    )
    problems = [] if all(i in verifiers for i in member_ids) else [ind.NOT_A_TEAM_VERIFIER]
    return problems + ind.check(proposal, scope_of(case), history_of(case), on)
