"""Issuing a statement after approval: number, render, sign, store - exactly once.

The job row is the unit of idempotence. Its number is allocated once and reused by every
retry; the statement row is unique per case, so a second delivery of the same message
finds the work done and stops. Progress is committed step by step so the case page can
show it while the worker renders and signs.
"""

from __future__ import annotations

import hashlib
import json
import time
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

from flask import current_app
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from .. import ROOT
from ..accounts.models import User
from ..cases import services as case_services
from ..cases.models import Case
from ..emissions import services as emissions
from ..extensions import db
from ..review.models import NCStatus, Outcome
from ..signing.inspect import inspect_pdf
from ..signing.pdf_sign import SignatureAppearance, sign_pdf
from ..timeutil import utcnow
from ..transactions import on_commit
from ..workflow.rules import Action, Actor, State
from . import keys_service, lifecycle
from .models import IssuanceJob, JobStatus, Statement
from .numbering import next_number
from .render import SIGNATURE_BOX, render_statement_pdf, statement_json_bytes

ISSUER = Actor(user_id=None, is_system=True)


def request_issuance(case: Case, user: User, *, enqueue_task: bool = True) -> IssuanceJob:
    """Queue issuance for an approved case; the task is sent only once the approval commits.

    ``enqueue_task=False`` leaves running the job to the caller (the demo seed does it inline).
    """
    job = db.session.scalar(select(IssuanceJob).where(IssuanceJob.case_id == case.id))
    if job is None:
        job = IssuanceJob(case_id=case.id, status=str(JobStatus.QUEUED))
        db.session.add(job)
        db.session.flush()
    job_id = job.id
    if enqueue_task:
        on_commit(lambda: enqueue(job_id))
    return job


def enqueue(job_id: int) -> None:
    from .tasks import issue_statement

    issue_statement.delay(job_id)


def _set_status(job_id: int, status: JobStatus, error: str | None = None) -> None:
    """Record progress; a job another run finished stays done (a late duplicate run never
    shows "signing" again to the people waiting)."""
    db.session.execute(
        update(IssuanceJob)
        .where(IssuanceJob.id == job_id, IssuanceJob.status != str(JobStatus.DONE))
        .values(status=str(status), error=error)
    )
    db.session.commit()


def statement_data(
    case: Case, number: str, issued_at, valid_until, scored=None, carbon=None
) -> dict:
    """The statement's data; ``scored`` is the (inputs, scorecard) to print, else computed."""
    from .. import sectors
    from ..scoring import services as scoring

    methodology = case_services.methodology_of(case)
    carbon = emissions.result_of(case) if carbon is None else carbon  # the engine runs once
    _given, card = scored or scoring.scorecard_for(case, carbon=carbon)
    findings = case_services.findings_by_criterion(case)
    counts = {str(o): 0 for o in Outcome}
    for f in findings.values():
        counts[f.outcome] += 1
    data: dict = {
        "number": number,
        "status": "valid",
        "issued_at": issued_at.isoformat(),
        "valid_until": valid_until.isoformat(),
        "organisation": {
            "name": case.organisation.name,
            "country": case.organisation.country,
            "sector": str(sectors.label(case.sector)) if case.sector else None,
            "sector_code": case.sector,
        },
        "period": {"start": case.period_start.isoformat(), "end": case.period_end.isoformat()},
        "sites": case.site_list,
        "boundary": case.boundary,
        "methodology": {
            "code": methodology.code,
            "version": methodology.version,
            "title": methodology.title,
            "content_sha256": methodology.content_hash,
        },
        "verification_body": {"name": case.verification_body.name},
        "verifier": case.verifier.name,
        "team": _team(case),
        "accreditations": _accreditations(case),
        "technical_reviewer": case.reviewer.name,
        "score": scoring.summary(card),
        "findings": counts,
        "criteria": [
            {
                "code": c.code,
                "title": c.question,
                "finding": findings[c.code].outcome if c.code in findings else None,
            }
            for c in methodology.criteria
        ],
        "registry_url": f"{current_app.config['PUBLIC_BASE_URL'].rstrip('/')}/registry/{number}",
    }
    data.update(_conclusion(case, findings))
    if (correction := lifecycle.correction_of(case)) is not None:
        data["supersedes"] = correction.statement.number  # a corrected statement says so
    result, _problems = carbon
    if result is not None and result.lines:
        data["carbon"] = carbon_summary(result)
    return data


def _team(case: Case) -> list[str]:
    """The verification team besides the lead verifier, by name."""
    from ..accounts.models import User
    from ..review.accreditation_models import CaseTeamMember

    # Sorted here, not by the database: the same order whatever its collation.
    return sorted(
        db.session.scalars(
            select(User.name)
            .join(CaseTeamMember, CaseTeamMember.user_id == User.id)
            .where(CaseTeamMember.case_id == case.id)
        )
    )


def _accreditations(case: Case) -> list[dict]:
    """The lead verifier's accreditations at the body that cover the case: its methodology
    and sector, for some of the reporting period (the assignment checked the whole)."""
    from ..review.accreditation_models import Accreditation

    held = db.session.scalars(
        select(Accreditation)
        .where(
            Accreditation.user_id == case.verifier_id,
            Accreditation.verification_body_id == case.verification_body_id,
            Accreditation.valid_from <= case.period_end,
            Accreditation.valid_to >= case.period_start,
        )
        .order_by(Accreditation.valid_from, Accreditation.id)
    ).all()
    return [
        {
            "accreditation_body": a.accreditation_body,
            "number": a.number,
            "valid_from": a.valid_from.isoformat(),
            "valid_to": a.valid_to.isoformat(),
        }
        for a in held
        if case.methodology_code in a.code_set
        and (case.sector is None or case.sector in a.sector_set)
    ]


def _conclusion(case: Case, findings: dict) -> dict:
    """The verifier's conclusion as printed: assurance, materiality, opinion, visits."""
    from ..review.conclusion import site_visits
    from ..review.models import Conclusion

    conclusion = db.session.get(Conclusion, case.id)
    if conclusion is None:
        return {}
    return {
        "opinion": conclusion.opinion,
        "opinion_basis": conclusion.basis or None,
        "assurance_level": conclusion.assurance_level,
        "materiality": conclusion.materiality,
        "site_visits": [
            {"date": v.visited_on.isoformat(), "site": v.site, "mode": v.mode}
            for v in site_visits(case)
        ],
        "open_nonconformities": sorted(c for c, f in findings.items() if f.is_open_nc),
        # Corrected during the verification: the verifier closed them (their threads stay
        # with the case; the statement says which, how severe and when).
        "corrected_nonconformities": [
            {"code": c, "outcome": f.outcome, "closed_on": f.closed_at.date().isoformat()}
            for c, f in sorted(findings.items())
            if f.is_nonconformity and f.nc_status == NCStatus.CLOSED and f.closed_at
        ],
    }


def _t(kg: Decimal) -> str:
    """Tonnes to three decimals for print; the exact figures travel in ``result``."""
    return format((kg / 1000).quantize(Decimal("0.001")), "f")


def _pct(share: Decimal | None) -> str | None:
    return None if share is None else format((share * 100).quantize(Decimal("0.01")), "f")


def carbon_summary(result) -> dict:
    totals = result.totals
    factors = {r.factor.key: r.factor for r in result.lines}
    return {
        "engine_version": result.engine_version,
        "gwp": f"{result.gwp.name}: {result.gwp.description}",
        "scope1_t": _t(totals.scope1_kg),
        "scope2_location_t": _t(totals.scope2_location_kg),
        "scope2_market_t": _t(totals.scope2_market_kg),
        "scope3_t": _t(totals.scope3_kg),
        "total_location_t": _t(totals.location_kg),
        "total_market_t": _t(totals.market_kg),
        "data_quality": None
        if result.data_quality is None
        else format(result.data_quality.quantize(Decimal("0.01")), "f"),
        "misstatement_pct": _pct(result.misstatement.misstatement),
        "materiality_pct": _pct(result.misstatement.materiality),
        "material": result.misstatement.material,
        "factors": [
            {"key": f.key, "dataset": f.dataset, "version": f.version, "source": f.source}
            for f in sorted(factors.values(), key=lambda f: f.key)
        ],
        "result": result.as_dict(),
    }


def run_issuance(job_id: int) -> None:
    """The task body. Safe to run again after any failure or a duplicate delivery.

    Two runs of the same job at once (a message delivered twice) serialise on the job row
    while the number is taken, so they share one number; if both then finish, the second
    insert meets the unique statement constraints and that run simply ends as done.
    """
    # Claim the row before reading anything: the UPDATE takes the row lock (PostgreSQL) or
    # the write lock (SQLite), so what is read next is the latest, and numbers are taken
    # one run after the other.
    claimed = db.session.execute(
        update(IssuanceJob)
        .where(IssuanceJob.id == job_id, IssuanceJob.status != str(JobStatus.DONE))
        .values(attempts=IssuanceJob.attempts + 1)
    ).rowcount
    if not claimed:
        db.session.rollback()
        return
    job = db.session.get(IssuanceJob, job_id, populate_existing=True)
    case = db.session.get(Case, job.case_id)
    if db.session.scalar(select(Statement.id).where(Statement.case_id == case.id)):
        _set_status(job_id, JobStatus.DONE)
        return
    if case.state != State.APPROVED:
        _set_status(job_id, JobStatus.FAILED, f"case is {case.state}, not approved")
        return
    job.status = str(JobStatus.RENDERING)
    issued_at = utcnow()
    if job.number is None:
        job.number = next_number(issued_at.year)
    db.session.commit()  # the number now belongs to this job for every retry
    if pause := current_app.config["ISSUANCE_PAUSE_SECONDS"]:
        time.sleep(float(pause))  # tests: a worker to kill mid-way (tests/integration)

    body = case.verification_body
    credential = keys_service.active_credential(body)
    valid_until = issued_at.date() + timedelta(days=current_app.config["STATEMENT_VALIDITY_DAYS"])
    from ..scoring import services as scoring

    carbon = emissions.result_of(case)
    scored = scoring.scorecard_for(case, carbon=carbon)
    data = statement_data(case, job.number, issued_at, valid_until, scored, carbon)
    unsigned = render_statement_pdf(
        data,
        templates_dir=ROOT / "templates",
        static_dir=ROOT / "static",
        base_url=str(ROOT / "static") + "/",
    )
    _set_status(job_id, JobStatus.SIGNING)

    keys = keys_service.keys_dir()
    signed = sign_pdf(
        unsigned,
        key_path=keys / credential.key_file,
        cert_path=_cert_file(credential),
        passphrase=keys_service.passphrase(),
        chain=[keys / p for p in credential.chain_files.splitlines() if p],
        reason=f"Verification statement {job.number}",
        location=body.name,
        appearance=SignatureAppearance(box=SIGNATURE_BOX, organisation=body.name),
        timestamp_url=current_app.config.get("TSA_URL") or None,
    )
    check = inspect_pdf(signed, keys_service.trust_roots())
    if not (check.signed and check.intact and check.trusted):
        raise RuntimeError(f"signed statement failed its own check: {check.problems}")

    key = current_app.extensions["file_store"].put_bytes(signed)
    statement = Statement(
        number=job.number,
        case_id=case.id,
        organisation_id=case.organisation_id,
        verification_body_id=case.verification_body_id,
        methodology_code=case.methodology_code,
        issued_at=issued_at,
        valid_until=valid_until,
        pdf_sha256=key,
        pdf_size=len(signed),
        data_json=json.dumps(data, sort_keys=True),
        data_sha256=hashlib.sha256(statement_json_bytes(data)).hexdigest(),
        signer_fingerprint=credential.fingerprint,
        timestamped_at=check.timestamped_at,
    )
    try:
        db.session.add(statement)
        db.session.flush()
        lifecycle.after_issue(statement, case)  # supersession, then the "issued" event
        scoring.store(case, *scored, statement_number=job.number)
        case_services.transition(case, Action.ISSUE, None, ISSUER, reason=job.number)
        job = db.session.get(IssuanceJob, job_id)
        job.status, job.error = str(JobStatus.DONE), None
        db.session.commit()
    except IntegrityError:
        # Another delivery of this job got there first (same case, same number).
        db.session.rollback()
        if db.session.scalar(select(Statement.id).where(Statement.case_id == case.id)) is None:
            raise
        _set_status(job_id, JobStatus.DONE)


def _cert_file(credential) -> Path:
    """pyHanko loads the certificate from a file; the PEM in the row is the source of truth."""
    path = keys_service.keys_dir() / "issued" / f"{credential.fingerprint}.pem"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(credential.cert_pem)
    return path
