"""Building blocks for tests: organisations, users, cases in any state, signed in clients."""

from __future__ import annotations

import io
import time
from datetime import date

from werkzeug.datastructures import FileStorage

from verification.accounts import twofactor
from verification.accounts.models import OrgKind, Role
from verification.accounts.services import create_organisation, create_user
from verification.cases import permissions as perm
from verification.cases import services as cases
from verification.evidence.services import add_evidence
from verification.extensions import db
from verification.methodologies import registry
from verification.review import services as review
from verification.workflow.rules import Action

PASSWORD = "correct-horse-battery"
ANSWERS = {
    "E1": ("12000", "kWh"),
    "E2": ("yes", None),
    "E3": ("yes", None),
    "S1": ("yes", None),
    "S2": ("40", None),
    "G1": ("yes", None),
    "G2": ("The managing director.", None),
}
PDF_BYTES = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
SITE = "Main mill, 1 Test Road"  # every test case covers one site, under operational control

_counter = iter(range(1, 10**6))


def org(kind: OrgKind, name: str | None = None):
    n = next(_counter)
    sector = "C" if kind is OrgKind.SME else None  # NACE Rev. 2 section C, manufacturing
    return create_organisation(kind, name or f"{kind.value} {n}", country="CN", sector=sector)


def accredit(person, admin, codes=None, sectors=None, valid_from=None, valid_to=None):
    """An accreditation of ``person`` entered by ``admin`` of their body: by default every
    shipped methodology, every NACE section, 2000-01-01 to 2099-12-31."""
    from verification.review import accreditation_services as roster
    from verification.sectors import CODES

    return roster.add_accreditation(
        admin,
        person,
        roster.methodology_codes() if codes is None else codes,
        CODES if sectors is None else sectors,
        valid_from or date(2000, 1, 1),
        valid_to or date(2099, 12, 31),
        "CNAS",
        f"CNAS-{person.id}",
    )


def user(organisation, role: Role, email: str | None = None):
    """A user; one whose role requires two-factor authentication has it on, with a random
    secret (``user.totp_secret``)."""
    n = next(_counter)
    made = create_user(
        organisation, role, email or f"{role.value}{n}@example.com", f"{role.value} {n}", PASSWORD
    )
    if twofactor.is_required(made):
        twofactor.enable_with_secret(made, twofactor.new_secret())
    return made


class World:
    """One SME, one verification body (admin, two verifiers, reviewer), a lender, an admin,
    and a second SME and body to play the outsiders."""

    def __init__(self):
        self.sme = org(OrgKind.SME)
        self.sme_user = user(self.sme, Role.SME_ADMIN)
        self.sme_member = user(self.sme, Role.SME_MEMBER)  # two-factor optional
        self.vb = org(OrgKind.VERIFICATION_BODY)
        self.vb_admin = user(self.vb, Role.VB_ADMIN)
        self.verifier = user(self.vb, Role.VERIFIER)
        self.other_verifier = user(self.vb, Role.VERIFIER)
        self.reviewer = user(self.vb, Role.REVIEWER)
        self.accreditations = [
            accredit(accredited, self.vb_admin)
            for accredited in (self.verifier, self.other_verifier)
        ]
        self.lender = user(org(OrgKind.LENDER), Role.LENDER_ANALYST)
        self.admin = user(org(OrgKind.PLATFORM), Role.PLATFORM_ADMIN)
        self.other_sme_user = user(org(OrgKind.SME), Role.SME_ADMIN)
        other_vb = org(OrgKind.VERIFICATION_BODY)
        self.other_vb_admin = user(other_vb, Role.VB_ADMIN)
        db.session.flush()

    def open_case(self, title="Test case", code="sme-esg-starter", version="1.0.0", creator=None):
        return cases.open_case(
            creator or self.sme_user,
            registry.get(code, version),
            self.vb,
            title,
            date(2025, 1, 1),
            date(2025, 12, 31),
            sites=SITE,
            boundary="operational_control",
        )

    def attach(self, case, code="E1", name="invoice.pdf", content=PDF_BYTES):
        from flask import current_app

        spool = current_app.extensions["file_store"].spool()
        spool.write(content)
        spool.seek(0)
        try:
            return add_evidence(case, code, FileStorage(stream=spool, filename=name), self.sme_user)
        finally:
            spool.close()

    def add_line(self, case, **values):
        from verification.emissions import services as emissions
        from verification.emissions.models import ActivityLine

        fields = dict(
            scope=1,
            category="stationary_combustion",
            factor_key="ipcc2006-t2.3-gas-diesel-oil",
            quantity="12",
            unit="t",
            data_type="metered",
            evidence_refs="",
            source="form",
        )
        fields.update(values)
        return emissions.add_line(case, self.sme_user, ActivityLine(**fields))

    def submitted_case(self):
        case = self.open_case()
        cases.save_answers(case, self.sme_user, ANSWERS)
        self.attach(case)
        self.add_line(case)
        cases.transition(case, Action.SUBMIT, self.sme_user, perm.actor(self.sme_user, case))
        return case

    def assigned_case(self):
        case = self.submitted_case()
        review.assign(
            case, self.vb_admin, perm.actor(self.vb_admin, case), self.verifier.id, self.reviewer.id
        )
        return case

    def conclude(self, case, opinion="unmodified", assurance="limited", materiality="5"):
        from verification.review.conclusion import save_conclusion

        basis = "" if opinion == "unmodified" else "Open non-conformities; see the findings."
        return save_conclusion(
            case,
            self.verifier,
            assurance_level=assurance,
            materiality_percent=materiality,
            opinion=opinion,
            basis=basis,
        )

    def reviewed_case(self, outcome="conforms"):
        case = self.assigned_case()
        for c in cases.methodology_of(case).criteria:
            review.record_finding(
                case, self.verifier, perm.actor(self.verifier, case), c.code, outcome, "ok"
            )
        self.conclude(case, "unmodified" if outcome != "major_nc" else "modified")
        cases.transition(
            case, Action.SEND_TO_TECHNICAL_REVIEW, self.verifier, perm.actor(self.verifier, case)
        )
        return case

    def approved_case(self):
        from verification.statements import keys_service
        from verification.statements.issuance import request_issuance

        keys_service.init_demo(self.vb)
        case = self.reviewed_case()
        cases.transition(case, Action.APPROVE, self.reviewer, perm.actor(self.reviewer, case))
        job = request_issuance(case, self.reviewer, enqueue_task=False)
        return case, job

    def issued_case(self):
        from verification.statements.issuance import run_issuance
        from verification.statements.models import Statement

        case, job = self.approved_case()
        db.session.commit()
        run_issuance(job.id)
        db.session.commit()
        return case, db.session.query(Statement).filter_by(case_id=case.id).one()


def sign_in(client, user) -> None:
    """A session as if ``user`` had just entered their password (and code, with 2FA on)."""
    with client.session_transaction() as session:
        session["_user_id"] = user.get_id()  # "<id>:<security stamp>"
        session["_fresh"] = True
        twofactor.record_sign_in(session, second_factor=True)


class Clock:
    """The clock two-factor authentication reads (codes, re-authentication, pending
    sign-ins), stopped and moved by hand: ``Clock(monkeypatch)``; ``code(secret)`` is what
    an authenticator app shows at that moment."""

    def __init__(self, monkeypatch):
        self.now = float(int(time.time()))
        monkeypatch.setattr(twofactor, "now", lambda: self.now)

    def advance(self, seconds: float) -> None:
        self.now += seconds

    def code(self, secret: str) -> str:
        return twofactor.code_at(secret, self.now)


def upload_file(name: str, content: bytes):
    return (io.BytesIO(content), name)


class setup:
    """``with setup(app): ...`` builds data in its own app context and commits it.

    Objects stay readable afterwards (no expiry on commit), and no app context is left
    pushed, so each test-client request gets its own context, session and signed-in user.
    """

    def __init__(self, app):
        self._ctx = app.app_context()

    def __enter__(self):
        self._ctx.push()
        db.session().expire_on_commit = False
        return self

    def __exit__(self, exc_type, exc, tb):
        try:
            if exc_type is None:
                db.session.commit()
            else:
                db.session.rollback()
        finally:
            db.session().expire_on_commit = True
            self._ctx.pop()
