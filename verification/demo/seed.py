"""Demo data: one of each kind of organisation and user, and one case already issued.

Idempotent: running it again finds what is there and adds nothing twice.
"""

from __future__ import annotations

from datetime import date

from flask import current_app
from sqlalchemy import select
from werkzeug.datastructures import FileStorage

from ..accounts import twofactor
from ..accounts.models import Organisation, OrgKind, Role, User
from ..accounts.services import create_organisation, create_user, find_organisation, find_user
from ..cases import permissions as perm
from ..cases import services as cases
from ..cases.models import Case
from ..emissions import services as emissions
from ..emissions.models import ActivityLine
from ..evidence.services import add_evidence
from ..extensions import db
from ..methodologies import registry
from ..review import services as review
from ..review.conclusion import add_site_visit, save_conclusion
from ..statements import keys_service
from ..statements.issuance import request_issuance, run_issuance
from ..statements.models import IssuanceJob
from ..workflow.rules import Action

PASSWORD = "demo-password-1"
# The TOTP secret of every demo user whose role requires two-factor authentication: DEMO
# only, printed by `flask demo seed`; `flask demo totp EMAIL` prints the current code.
TOTP_SECRET = "DEMODEMODEMODEMODEMODEMODEMODEMO"
VB = "Demo Verification Body"
SME = "Demo Textiles Co., Ltd."
LENDER = "Demo Green Bank"
PLATFORM = "Platform operations"

USERS = [
    (SME, OrgKind.SME, Role.SME_ADMIN, "sme@demo.test", "Li Wei (SME admin)"),
    (VB, OrgKind.VERIFICATION_BODY, Role.VB_ADMIN, "vb-admin@demo.test", "Anna Schmidt (VB admin)"),
    (VB, OrgKind.VERIFICATION_BODY, Role.VERIFIER, "verifier@demo.test", "Chen Jing (verifier)"),
    (VB, OrgKind.VERIFICATION_BODY, Role.REVIEWER, "reviewer@demo.test", "Omar Haddad (reviewer)"),
    (LENDER, OrgKind.LENDER, Role.LENDER_ANALYST, "lender@demo.test", "Maria Rossi (lender)"),
    (
        LENDER,
        OrgKind.LENDER,
        Role.LENDER_ADMIN,
        "lender-admin@demo.test",
        "Tom Berg (lender)",
    ),
    (PLATFORM, OrgKind.PLATFORM, Role.PLATFORM_ADMIN, "admin@demo.test", "Platform admin"),
]

DEMO_CASE = "FY2025 ESG starter verification (demo)"
METER_CSV = b"month,site,meter_id,kwh\n" + b"".join(
    f"2025-{m:02d},Shaoxing mill,M-0042,{1900 + 10 * m}\n".encode() for m in range(1, 13)
)


def _org(name: str, kind: OrgKind) -> Organisation:
    existing = find_organisation(name)
    if existing is not None:
        return existing
    # NACE Rev. 2 section C (manufacturing): a textile mill.
    extra = {"country": "CN", "sector": "C"} if kind is OrgKind.SME else {}
    return create_organisation(kind, name, **extra)


def seed() -> list[tuple[str, str, str, str | None]]:
    """Create what is missing; returns (role, email, password, TOTP secret or None) for the
    demo logins."""
    logins = []
    for org_name, kind, role, email, name in USERS:
        org = _org(org_name, kind)
        user = find_user(email) or create_user(org, role, email, name, PASSWORD)
        if twofactor.is_required(user) and not twofactor.is_enabled(user):
            twofactor.enable_with_secret(user, TOTP_SECRET)
        secret = TOTP_SECRET if user.totp_secret == TOTP_SECRET else None
        logins.append((role.value, email, PASSWORD, secret))
    keys_service.init_demo(find_organisation(VB))
    _accredit_demo_verifier()
    db.session.commit()
    if db.session.scalar(select(Case).where(Case.title == DEMO_CASE)) is None:
        _issued_case()
    return logins


def _accredit_demo_verifier() -> None:
    """The demo verifier: accredited (DEMO number) for every shipped methodology in every
    NACE section, 2020 to 2035, unless an accreditation is already recorded."""
    from ..review import accreditation_services as roster
    from ..sectors import CODES

    verifier, admin = find_user("verifier@demo.test"), find_user("vb-admin@demo.test")
    if roster.accreditations_of(verifier.organisation_id, [verifier.id]):
        return
    roster.add_accreditation(
        admin,
        verifier,
        roster.methodology_codes(),
        CODES,
        date(2020, 1, 1),
        date(2035, 12, 31),
        "DEMO accreditation body",
        "DEMO-0001",
    )


def _attach(case: Case, code: str, name: str, content: bytes, user: User) -> None:
    spool = current_app.extensions["file_store"].spool()
    spool.write(content)
    spool.seek(0)
    try:
        add_evidence(case, code, FileStorage(stream=spool, filename=name), user)
    finally:
        spool.close()


def _issued_case() -> None:
    """Walk one case through the whole workflow, as each person would, then issue it."""
    sme, admin = find_user("sme@demo.test"), find_user("vb-admin@demo.test")
    verifier, reviewer = find_user("verifier@demo.test"), find_user("reviewer@demo.test")
    methodology = registry.get("sme-esg-starter", "1.0.0")
    case = cases.open_case(
        sme,
        methodology,
        find_organisation(VB),
        DEMO_CASE,
        date(2025, 1, 1),
        date(2025, 12, 31),
        sites="Shaoxing mill",  # the site of the meter readings below
        boundary="operational_control",
    )
    cases.save_answers(
        case,
        sme,
        {
            "E1": ("23580", "kWh"),  # the sum of the meter readings attached
            "E2": ("yes", None),
            "E3": ("no", None),
            "S1": ("yes", None),
            "S2": ("86", None),
            "G1": ("yes", None),
            "G2": (
                "The operations director reports on sustainability to the board quarterly.",
                None,
            ),
        },
    )
    _attach(case, "E1", "electricity-meter-readings-2025.csv", METER_CSV, sme)
    for category, factor, quantity, unit, data_type in (
        ("stationary_combustion", "ipcc2006-t2.3-natural-gas", "1200", "GJ", "invoice"),
        ("stationary_combustion", "ipcc2006-t2.3-gas-diesel-oil", "3.2", "t", "invoice"),
    ):
        emissions.add_line(
            case,
            sme,
            ActivityLine(
                scope=1,
                category=category,
                factor_key=factor,
                quantity=quantity,
                unit=unit,
                site="Shaoxing mill",
                period_start=case.period_start,
                period_end=case.period_end,
                data_type=data_type,
                evidence_refs="",
                source="form",
            ),
        )
    cases.transition(case, Action.SUBMIT, sme, perm.actor(sme, case))
    review.assign(case, admin, perm.actor(admin, case), verifier.id, reviewer.id)
    outcomes = {"E3": "observation", "G2": "observation"}
    for criterion in methodology.criteria:
        review.record_finding(
            case,
            verifier,
            perm.actor(verifier, case),
            criterion.code,
            outcomes.get(criterion.code, "conforms"),
            "Checked against the evidence provided.",
        )
    add_site_visit(
        case,
        verifier,
        visited_on=date(2026, 1, 20),
        site="Shaoxing mill",
        mode="physical",
        notes="Meters and fuel invoices sampled on site.",
    )
    save_conclusion(
        case,
        verifier,
        assurance_level="limited",
        materiality_percent="5",
        opinion="unmodified",
        basis="",
    )
    cases.transition(case, Action.SEND_TO_TECHNICAL_REVIEW, verifier, perm.actor(verifier, case))
    cases.transition(case, Action.APPROVE, reviewer, perm.actor(reviewer, case))
    job = request_issuance(case, reviewer, enqueue_task=False)  # issued here, not by a worker
    db.session.commit()
    run_issuance(job.id)
    db.session.commit()
    if db.session.get(IssuanceJob, job.id).status != "done":
        raise RuntimeError("the demo statement could not be issued")
