"""Non-conformities: the organisation corrects them, the verifier closes them or keeps them open.

Each step is a :class:`~.models.Correction` row in the finding's thread. A correction may
bring a new evidence file (added beside the submitted ones, never replacing them: evidence
in a submitted case is immutable). Only the verifier closes a non-conformity.
"""

from __future__ import annotations

from flask_babel import gettext as _
from werkzeug.datastructures import FileStorage

from ..accounts.models import User
from ..cases.models import Case
from ..cases.services import log
from ..extensions import db
from ..timeutil import utcnow
from ..workflow.rules import RESPONDING_STATES, State
from .models import Correction, Finding, NCStatus


class CorrectionRefused(ValueError):
    """The step cannot be taken now; the message says why."""


def _check_open(case: Case, finding: Finding) -> None:
    if State(case.state) not in RESPONDING_STATES:
        raise CorrectionRefused(
            _("Non-conformities are handled only while the case is under review.")
        )
    if not finding.is_open_nc:
        raise CorrectionRefused(_("This non-conformity is not open."))


def submit_correction(
    case: Case, finding: Finding, user: User, body: str, upload: FileStorage | None
) -> Correction:
    """The organisation's correction, with an optional new evidence file.

    Raises :class:`CorrectionRefused`, or ``EvidenceRejected`` for a refused file (then
    nothing is written).
    """
    _check_open(case, finding)
    body = (body or "").strip()
    if not body:
        raise CorrectionRefused(_("Describe the correction you made."))
    evidence = None
    if upload is not None and upload.filename:
        from ..evidence.services import add_evidence

        evidence = add_evidence(case, finding.criterion_code, upload, user)
    step = Correction(
        finding_id=finding.id,
        case_id=case.id,
        kind="correction",
        body=body,
        evidence_id=evidence.id if evidence else None,
        author_id=user.id,
    )
    db.session.add(step)
    db.session.flush()
    log(case, user, "correction_submitted", None, None, finding.criterion_code)
    from ..notifications.services import notify

    notify(case, "correction_submitted", user, criterion=finding.criterion_code)
    return step


def respond(case: Case, finding: Finding, user: User, close: bool, body: str) -> Correction:
    """The verifier closes the non-conformity or keeps it open, saying why."""
    _check_open(case, finding)
    body = (body or "").strip()
    if not close and not body:
        raise CorrectionRefused(_("Say why the non-conformity stays open."))
    step = Correction(
        finding_id=finding.id,
        case_id=case.id,
        kind="closed" if close else "kept_open",
        body=body,
        author_id=user.id,
    )
    db.session.add(step)
    if close:
        finding.nc_status, finding.closed_at, finding.closed_by_id = (
            str(NCStatus.CLOSED),
            utcnow(),
            user.id,
        )
    db.session.flush()
    log(
        case,
        user,
        "nonconformity_closed" if close else "nonconformity_kept_open",
        None,
        None,
        f"{finding.criterion_code}: {body}" if body else finding.criterion_code,
    )
    return step
