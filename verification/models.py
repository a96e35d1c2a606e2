"""Import every model so Alembic and ``db.create_all`` see the whole schema."""

from .accounts.models import ApiToken, LoginAttempt, OneTimeToken, Organisation, User  # noqa: F401
from .accounts.twofactor import RecoveryCode  # noqa: F401
from .audit.models import AuditEvent, AuditHead  # noqa: F401
from .cases.models import Answer, Case, CaseEvent  # noqa: F401
from .clarifications.models import Clarification, ClarificationMessage  # noqa: F401
from .emissions.models import ActivityLine, CarbonProfile, FactorDataset, Instrument  # noqa: F401
from .evidence.models import EvidenceFile, EvidenceLink  # noqa: F401
from .lender.models import Watch  # noqa: F401
from .mail.models import OutboundEmail  # noqa: F401
from .methodologies.models import MethodologyRelease  # noqa: F401
from .notifications.models import Notification  # noqa: F401
from .review.accreditation_models import (  # noqa: F401
    Accreditation,
    CaseTeamMember,
    ConflictDeclaration,
)
from .review.models import Conclusion, Correction, Finding, SiteVisit  # noqa: F401
from .scoring.models import StoredScorecard  # noqa: F401
from .statements.models import (  # noqa: F401
    IssuanceJob,
    SigningCredential,
    Statement,
    StatementCorrection,
    StatementCounter,
    TrustAnchor,
)
