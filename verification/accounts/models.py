"""Organisations and the people who act for them."""

from __future__ import annotations

import secrets
from datetime import datetime
from enum import StrEnum

from flask_login import UserMixin
from sqlalchemy import CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..timeutil import utcnow
from ..types import UTCDateTime


class OrgKind(StrEnum):
    SME = "sme"
    VERIFICATION_BODY = "verification_body"
    LENDER = "lender"
    PLATFORM = "platform"


class Role(StrEnum):
    SME_ADMIN = "sme_admin"
    SME_MEMBER = "sme_member"
    VB_ADMIN = "vb_admin"
    VERIFIER = "verifier"
    REVIEWER = "reviewer"
    LENDER_ADMIN = "lender_admin"
    LENDER_ANALYST = "lender_analyst"
    PLATFORM_ADMIN = "platform_admin"


# Which roles an organisation of each kind may hold.
ROLES_BY_KIND: dict[OrgKind, set[Role]] = {
    OrgKind.SME: {Role.SME_ADMIN, Role.SME_MEMBER},
    OrgKind.VERIFICATION_BODY: {Role.VB_ADMIN, Role.VERIFIER, Role.REVIEWER},
    OrgKind.LENDER: {Role.LENDER_ADMIN, Role.LENDER_ANALYST},
    OrgKind.PLATFORM: {Role.PLATFORM_ADMIN},
}

# The role that administers an organisation of each kind (its team, country and sector).
# The platform has none of its own: platform admins look after it.
ADMIN_ROLE_BY_KIND: dict[OrgKind, Role] = {
    OrgKind.SME: Role.SME_ADMIN,
    OrgKind.VERIFICATION_BODY: Role.VB_ADMIN,
    OrgKind.LENDER: Role.LENDER_ADMIN,
}

# Everyone of a lender organisation: the watchlist, alerts, portfolio and API tokens.
LENDER_ROLES = (Role.LENDER_ADMIN, Role.LENDER_ANALYST)


def new_stamp() -> str:
    return secrets.token_hex(16)


def _in(column: str, enum: type[StrEnum]) -> str:
    return f"{column} IN ({', '.join(repr(str(v)) for v in enum)})"


class Organisation(db.Model):
    __tablename__ = "organisation"
    __table_args__ = (CheckConstraint(_in("kind", OrgKind), name="kind_known"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(200), unique=True)
    country: Mapped[str | None] = mapped_column(String(2))
    sector: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    users: Mapped[list[User]] = relationship(back_populates="organisation")

    def __repr__(self) -> str:
        return f"<Organisation {self.id} {self.kind} {self.name!r}>"


class User(UserMixin, db.Model):
    __tablename__ = "user_account"
    __table_args__ = (CheckConstraint(_in("role", Role), name="role_known"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(32))
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # Part of the session id: changing it (password reset, deactivation) ends every session.
    security_stamp: Mapped[str] = mapped_column(String(32), default=new_stamp)
    # Two-factor authentication (accounts/twofactor.py): the base32 TOTP secret, set at the
    # start of enrolment; 2FA is on once a first code confirmed it (totp_enabled_at). The
    # last accepted time step refuses a code seen before.
    totp_secret: Mapped[str | None] = mapped_column(String(64))
    totp_enabled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    totp_last_step: Mapped[int | None] = mapped_column()

    organisation: Mapped[Organisation] = relationship(back_populates="users")

    @property
    def is_active(self) -> bool:  # Flask-Login asks this on every request
        return self.active

    def get_id(self) -> str:
        return f"{self.id}:{self.security_stamp}"

    def end_sessions(self) -> None:
        self.security_stamp = new_stamp()

    def has_role(self, *roles: Role) -> bool:
        return self.role in {str(r) for r in roles}

    def __repr__(self) -> str:
        return f"<User {self.id} {self.email} {self.role}>"


class TokenPurpose(StrEnum):
    INVITATION = "invitation"
    PASSWORD_RESET = "password_reset"


class OneTimeToken(db.Model):
    """An emailed link: only the SHA-256 of its secret is stored; expires; used once."""

    __tablename__ = "one_time_token"
    __table_args__ = (CheckConstraint(_in("purpose", TokenPurpose), name="purpose_known"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    purpose: Mapped[str] = mapped_column(String(32))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    email: Mapped[str] = mapped_column(String(254))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), index=True)
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"))
    role: Mapped[str | None] = mapped_column(String(32))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    organisation: Mapped[Organisation | None] = relationship()


class LoginAttempt(db.Model):
    """Failed sign-ins, counted per account name and per address for throttling."""

    __tablename__ = "login_attempt"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), index=True)
    address: Mapped[str] = mapped_column(String(64), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)


class ApiToken(db.Model):
    """A personal API token: only its SHA-256 is stored; scoped; revocable; dies with the
    account (deactivation or a password reset ends it at once)."""

    __tablename__ = "api_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    prefix: Mapped[str] = mapped_column(String(12))  # shown to tell tokens apart
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    scopes: Mapped[str] = mapped_column(String(200))  # space-separated
    # The user's security stamp when the token was made: a reset or deactivation ends it.
    stamp: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    user: Mapped[User] = relationship()
