"""Who may change an issued statement or restart its issuance. Views and templates ask these;
none raises. Each answers for one user and one object in its current state."""

from __future__ import annotations

from ..accounts.models import Role
from ..cases.permissions import is_vb_admin
from . import lifecycle
from .models import StatementStatus


def _signed_in(user) -> bool:
    return bool(getattr(user, "is_authenticated", False))


def is_issuing_admin(user, statement) -> bool:
    """An administrator of the verification body that issued ``statement``."""
    return (
        _signed_in(user)
        and user.has_role(Role.VB_ADMIN)
        and user.organisation_id == statement.verification_body_id
    )


def can_revoke(user, statement) -> bool:
    return (
        is_issuing_admin(user, statement)
        and statement.current_status(lifecycle.today()) == StatementStatus.VALID
    )


def can_supersede(user, statement) -> bool:
    """Mark a case of the organisation as the correction that will supersede ``statement``."""
    return can_revoke(user, statement) and lifecycle.pending_correction(statement) is None


def may_retry_issuance(user, case) -> bool:
    """Whether ``user`` is someone who may ever restart the issuance of ``case``."""
    return _signed_in(user) and (user.has_role(Role.PLATFORM_ADMIN) or is_vb_admin(user, case))


def can_retry_issuance(user, case, job) -> bool:
    """A platform administrator or the case's body's administrator, for a failed job."""
    return may_retry_issuance(user, case) and lifecycle.can_be_retried(job, case)
