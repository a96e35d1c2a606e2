"""Import every model so Alembic and ``db.create_all`` see the whole schema."""

from .accounts.models import ApiToken, LoginAttempt, OneTimeToken, Organisation, User  # noqa: F401
from .accounts.twofactor import RecoveryCode  # noqa: F401
from .cases.models import Answer, Case, CaseEvent  # noqa: F401
from .emissions.models import ActivityLine, CarbonProfile, FactorDataset, Instrument  # noqa: F401
from .evidence.models import EvidenceFile  # noqa: F401
from .mail.models import OutboundEmail  # noqa: F401
from .review.models import Finding  # noqa: F401
from .statements.models import (  # noqa: F401
    IssuanceJob,
    SigningCredential,
    Statement,
    StatementCounter,
    TrustAnchor,
)
