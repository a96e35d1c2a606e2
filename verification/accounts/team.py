"""Inviting people into an organisation, accepting, deactivating and reactivating.

Who may invite whom: an SME admin invites SME members and admins; a verification-body
admin invites verifiers, reviewers and admins of the body; a platform admin creates
verification bodies and lenders and invites their first users.
"""

from __future__ import annotations

from datetime import timedelta

from flask import current_app, url_for
from flask_babel import gettext as _

from ..extensions import db
from ..mail import services as mail
from .models import ROLES_BY_KIND, Organisation, OrgKind, Role, TokenPurpose, User
from .policy import password_problem
from .services import AccountError, find_user, hash_password, normalise_email
from .tokens import consume, find, issue

INVITABLE_BY = {
    Role.SME_ADMIN: {Role.SME_ADMIN, Role.SME_MEMBER},
    Role.VB_ADMIN: {Role.VB_ADMIN, Role.VERIFIER, Role.REVIEWER},
    Role.LENDER_ADMIN: {Role.LENDER_ADMIN, Role.LENDER_ANALYST},
}


def can_invite(inviter: User, organisation: Organisation, role: Role) -> bool:
    if inviter.has_role(Role.PLATFORM_ADMIN):
        return role in ROLES_BY_KIND[OrgKind(organisation.kind)]
    allowed = INVITABLE_BY.get(Role(inviter.role), set())
    return inviter.organisation_id == organisation.id and role in allowed


def can_manage(manager: User, user: User) -> bool:
    """Deactivate or reactivate: an organisation's admin for its people, or a platform admin."""
    if manager.id == user.id:
        return False
    if manager.has_role(Role.PLATFORM_ADMIN):
        return True
    return manager.organisation_id == user.organisation_id and Role(manager.role) in INVITABLE_BY


def invite(inviter: User, organisation: Organisation, role: Role, email: str) -> None:
    """Email an expiring, single-use invitation. Raises :class:`AccountError`."""
    if not can_invite(inviter, organisation, role):
        raise AccountError(_("You cannot invite a %(role)s here.", role=role.value))
    email = normalise_email(email)
    if find_user(email) is not None:
        raise AccountError(_("An account with this email address already exists."))
    hours = int(current_app.config["INVITATION_TTL_HOURS"])
    secret = issue(
        TokenPurpose.INVITATION,
        email,
        timedelta(hours=hours),
        organisation_id=organisation.id,
        role=str(role),
        created_by_id=inviter.id,
    )
    link = url_for("team.accept", secret=secret, _external=True)
    mail.queue(
        email,
        _("Invitation to %(org)s on the verification platform", org=organisation.name),
        _(
            "%(who)s invites you to join %(org)s as %(role)s.\n\n"
            "Open this link within %(hours)d hours to choose your password:\n%(link)s\n\n"
            "If you did not expect this, ignore this message.",
            who=inviter.name,
            org=organisation.name,
            role=role.value,
            hours=hours,
            link=link,
        ),
    )


def accept(secret: str, name: str, password: str) -> User:
    """Create the invited account. Raises ``TokenRefused`` or :class:`AccountError`."""
    token = find(TokenPurpose.INVITATION, secret, for_update=True)
    problem = password_problem(password, user_inputs=(token.email, name))
    if problem:
        raise AccountError(problem)
    if find_user(token.email) is not None:
        raise AccountError(_("An account with this email address already exists."))
    user = User(
        organisation_id=token.organisation_id,
        role=token.role,
        email=token.email,
        name=name.strip(),
        password_hash=hash_password(password),
    )
    db.session.add(user)
    consume(token)
    return user


def set_active(manager: User, user: User, active: bool) -> None:
    """Deactivating ends the user's sessions at once. Raises :class:`AccountError`."""
    if not can_manage(manager, user):
        raise AccountError(_("You cannot change this account."))
    user.active = active
    if not active:
        user.end_sessions()
    db.session.flush()
