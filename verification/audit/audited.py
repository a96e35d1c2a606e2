"""The tables the audit trail records, one line each. A new case-data model adds its line
here: ``register(Model, case_id=_case)`` (``case_id`` names the case an event belongs to;
``exclude=("column",)`` keeps a column out; secrets are always kept out: capture.py)."""

from __future__ import annotations

from operator import attrgetter

from ..accounts.models import Organisation
from ..cases.models import Answer, Case, CaseEvent
from ..clarifications.models import Clarification, ClarificationMessage
from ..emissions.models import ActivityLine, CarbonProfile, Instrument
from ..evidence.models import EvidenceFile, EvidenceLink
from ..review.accreditation_models import Accreditation, CaseTeamMember, ConflictDeclaration
from ..review.models import Conclusion, Correction, Finding, SiteVisit
from ..scoring.models import StoredScorecard
from ..statements.models import IssuanceJob, Statement, StatementCorrection
from .capture import register

_case = attrgetter("case_id")

register(Case, case_id=attrgetter("id"))
register(Answer, case_id=_case)
register(CaseEvent, case_id=_case)
register(EvidenceFile, case_id=_case)
register(Finding, case_id=_case)
register(ActivityLine, case_id=_case)
register(Instrument, case_id=_case)
register(CarbonProfile, case_id=_case)
register(Statement, case_id=_case)
register(IssuanceJob, case_id=_case)
register(StatementCorrection, case_id=_case)
register(EvidenceLink, case_id=_case)
register(Correction, case_id=_case)
register(Conclusion, case_id=_case)
register(SiteVisit, case_id=_case)
register(CaseTeamMember, case_id=_case)
register(Clarification, case_id=_case)
# No case_id column: recorded in the chain without a case (bulk statements give no object).
register(ClarificationMessage, case_id=lambda m: None)
# Independence records belong to no single case.
register(Accreditation, case_id=lambda a: None)
register(ConflictDeclaration, case_id=lambda d: None)
# An organisation's sector is pinned by the cases it opens and weighs its scores.
register(Organisation, case_id=lambda o: None)
register(StoredScorecard, case_id=_case)
