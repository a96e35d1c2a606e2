"""Two-factor authentication: TOTP (RFC 6238) and one-time recovery codes.

In four parts: pure helpers (secrets, codes, the QR code); the policy (who must have it);
the services that read and write a user's second factor; and what the session records
(when the password and the code were last entered, and a sign-in waiting for its code).

- TOTP: SHA-1, 6 digits, 30-second steps, one step of clock drift either way. A code is
  accepted once: the last accepted time step is stored and a code for it or an earlier
  step is refused, even inside the drift window (RFC 6238, section 5.2).
- Recovery codes: ten per user, each 16 base32 characters (80 random bits), stored as
  their SHA-256. A fast unsalted hash is enough because the codes are random and long:
  with 2**80 candidates there is nothing to look up in a dictionary and no brute force
  that a slow hash would be needed to stop, and a hash lets a code be found by value.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
import time
from collections.abc import MutableMapping
from datetime import datetime
from enum import StrEnum

import pyotp
import segno
from flask import Flask, current_app
from flask_babel import gettext as _
from markupsafe import Markup
from sqlalchemy import ForeignKey, String, delete, func, or_, select, update
from sqlalchemy.orm import Mapped, attributes, mapped_column

from ..extensions import db
from ..timeutil import utcnow
from ..types import UTCDateTime
from . import throttle
from .models import Role, User

log = logging.getLogger(__name__)

DIGITS = 6
INTERVAL = 30  # seconds per time step
VALID_WINDOW = 1  # steps of clock drift accepted either way
RECOVERY_CODES = 10
RECOVERY_CODE_LENGTH = 16  # base32 characters: 80 bits
BASE32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
PENDING_MAX_AGE_SECONDS = 300  # between a correct password and the code


class Method(StrEnum):
    TOTP = "totp"
    RECOVERY_CODE = "recovery_code"


class TwoFactorError(ValueError):
    """A request that cannot be carried out; the message is fit to show the user."""


class RecoveryCode(db.Model):
    """One of a user's one-time recovery codes: only its SHA-256 is kept."""

    __tablename__ = "recovery_code"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


# --- Pure helpers -----------------------------------------------------------------------


def now() -> float:
    """The clock every check here reads (UNIX seconds); tests move it."""
    return time.time()


def new_secret() -> str:
    """A random base32 TOTP secret of 160 bits (the key length RFC 4226 recommends)."""
    return pyotp.random_base32()


def _totp(secret: str) -> pyotp.TOTP:
    return pyotp.TOTP(secret, digits=DIGITS, interval=INTERVAL)


def normalise(code: str) -> str:
    """What the user typed, without spaces and dashes, upper case."""
    return "".join(code.split()).replace("-", "").upper()


def looks_like_totp(code: str) -> bool:
    return len(code) == DIGITS and code.isascii() and code.isdigit()


def looks_like_recovery_code(code: str) -> bool:
    return len(code) == RECOVERY_CODE_LENGTH and all(c in BASE32 for c in code)


def matching_steps(secret: str, code: str, at: float) -> list[int]:
    """The time steps within the drift window at ``at`` whose code is ``code``."""
    if not looks_like_totp(code):
        return []
    totp = _totp(secret)
    current = totp.timecode(at)
    return [
        step
        for step in range(current - VALID_WINDOW, current + VALID_WINDOW + 1)
        if hmac.compare_digest(totp.generate_otp(step), code)
    ]


def code_at(secret: str, at: float) -> str:
    """The code an authenticator app shows at ``at`` (demo command, tests)."""
    return _totp(secret).at(at)


def grouped(text: str, size: int = 4, sep: str = " ") -> str:
    return sep.join(text[i : i + size] for i in range(0, len(text), size))


def provisioning_uri(secret: str, account: str, issuer: str) -> str:
    """The otpauth:// URI an authenticator app reads from the QR code."""
    return _totp(secret).provisioning_uri(name=account, issuer_name=issuer)


def qr_svg(uri: str) -> Markup:
    """The QR code as inline SVG: no image request, nothing for the CSP to allow."""
    return Markup(segno.make(uri, error="m").svg_inline(scale=5, border=4, dark="#000"))


def new_recovery_code() -> str:
    return "".join(secrets.choice(BASE32) for _ in range(RECOVERY_CODE_LENGTH))


def hash_recovery_code(code: str) -> str:
    return hashlib.sha256(normalise(code).encode("ascii")).hexdigest()


# --- Policy -----------------------------------------------------------------------------


def check_config(app: Flask) -> None:
    """A misspelt role in TWO_FACTOR_REQUIRED_ROLES would silently not be protected."""
    unknown = set(app.config["TWO_FACTOR_REQUIRED_ROLES"]) - {r.value for r in Role}
    if unknown:
        raise ValueError(f"TWO_FACTOR_REQUIRED_ROLES: unknown roles {sorted(unknown)}")


def is_required(user: User) -> bool:
    return user.role in set(current_app.config["TWO_FACTOR_REQUIRED_ROLES"])


def is_enabled(user: User) -> bool:
    return user.totp_enabled_at is not None and user.totp_secret is not None


# --- Services ---------------------------------------------------------------------------


def begin_enrolment(user: User) -> str:
    """The secret to show while enrolling: created once, kept until a code confirms it."""
    if is_enabled(user):
        raise TwoFactorError(_("Two-factor authentication is already on."))
    if user.totp_secret is None:
        user.totp_secret = new_secret()
        db.session.flush()
    return user.totp_secret


def confirm_enrolment(user: User, code: str, at: float | None = None) -> list[str]:
    """Turn 2FA on once ``code`` matches the pending secret; returns the recovery codes,
    which are shown this once."""
    if is_enabled(user):
        raise TwoFactorError(_("Two-factor authentication is already on."))
    if user.totp_secret is None or not _accept_totp(user, normalise(code), at):
        raise TwoFactorError(
            _("That code does not match. Check the clock of your phone and enter the current code.")
        )
    user.totp_enabled_at = utcnow()
    return _replace_recovery_codes(user)


def enable_with_secret(user: User, secret: str) -> None:
    """Turn 2FA on with a known secret, without a confirming code (demo data, tests)."""
    user.totp_secret = secret
    user.totp_enabled_at = utcnow()
    user.totp_last_step = None
    db.session.flush()


def verify(user: User, code: str, at: float | None = None) -> Method | None:
    """How ``code`` proves the second factor (a fresh TOTP code, or an unused recovery
    code, which is used up), or None."""
    if not is_enabled(user):
        return None
    code = normalise(code)
    if looks_like_totp(code) and _accept_totp(user, code, at):
        return Method.TOTP
    if looks_like_recovery_code(code) and _use_recovery_code(user, code):
        return Method.RECOVERY_CODE
    return None


def disable(user: User, code: str) -> None:
    """Turn 2FA off; needs a current code (or a recovery code)."""
    if verify(user, code) is None:
        raise TwoFactorError(_("That code is not valid, or it has been used already."))
    reset(user)


def reset(user: User) -> None:
    """Forget the user's secret and recovery codes (turning off, or an operator's reset for
    a lost phone: ``flask users reset-two-factor``)."""
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    user.totp_secret = None
    user.totp_enabled_at = None
    user.totp_last_step = None
    db.session.flush()


def regenerate_recovery_codes(user: User, code: str) -> list[str]:
    """A new set of recovery codes (the old ones stop working); needs a current code."""
    if verify(user, code) is None:
        raise TwoFactorError(_("That code is not valid, or it has been used already."))
    return _replace_recovery_codes(user)


def remaining_recovery_codes(user: User) -> int:
    return db.session.scalar(
        select(func.count())
        .select_from(RecoveryCode)
        .where(RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None))
    )


def _accept_totp(user: User, code: str, at: float | None) -> bool:
    """Whether ``code`` is good for a time step later than the last one accepted; that step
    becomes the last accepted, in one conditional UPDATE, so that two requests racing with
    the same code cannot both succeed."""
    if user.totp_secret is None:
        return False
    last = user.totp_last_step
    steps = matching_steps(user.totp_secret, code, now() if at is None else at)
    fresh = [s for s in steps if last is None or s > last]
    if not fresh:
        return False
    step = max(fresh)
    moved = db.session.execute(
        update(User)
        .where(User.id == user.id, or_(User.totp_last_step.is_(None), User.totp_last_step < step))
        .values(totp_last_step=step)
        .execution_options(synchronize_session=False)
    )
    if moved.rowcount != 1:
        return False
    attributes.set_committed_value(user, "totp_last_step", step)
    return True


def _use_recovery_code(user: User, code: str) -> bool:
    used = db.session.execute(
        update(RecoveryCode)
        .where(
            RecoveryCode.user_id == user.id,
            RecoveryCode.code_hash == hash_recovery_code(code),
            RecoveryCode.used_at.is_(None),
        )
        .values(used_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    return used.rowcount == 1


def _replace_recovery_codes(user: User) -> list[str]:
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = [new_recovery_code() for _ in range(RECOVERY_CODES)]
    db.session.add_all(
        RecoveryCode(user_id=user.id, code_hash=hash_recovery_code(c)) for c in codes
    )
    db.session.flush()
    return [grouped(c, sep="-") for c in codes]


# --- What the session records -----------------------------------------------------------

PASSWORD_AT = "auth_at"  # when the password was last entered (epoch seconds)
SECOND_FACTOR_AT = "2fa"  # when the second factor was last passed (epoch seconds)
PENDING = "2fa_pending"  # a correct password waiting for its code: user id, next, when


def record_sign_in(store: MutableMapping, *, second_factor: bool, at: float | None = None) -> None:
    """The password (and, with ``second_factor``, the code) was entered just now."""
    when = int(now() if at is None else at)
    store[PASSWORD_AT] = when
    if second_factor:
        store[SECOND_FACTOR_AT] = when


def record_second_factor(store: MutableMapping, at: float | None = None) -> None:
    store[SECOND_FACTOR_AT] = int(now() if at is None else at)


def second_factor_passed(store: MutableMapping) -> bool:
    return store.get(SECOND_FACTOR_AT) is not None


def forget(store: MutableMapping) -> None:
    """Sign-in or sign-out: nothing of the previous session's authentication carries over."""
    for key in (PASSWORD_AT, SECOND_FACTOR_AT, PENDING):
        store.pop(key, None)


def auth_is_recent(user: User, store: MutableMapping, max_age: float) -> bool:
    """Whether the password, and the code when 2FA is on, were entered within ``max_age``
    seconds."""
    current = now()
    needed = [store.get(PASSWORD_AT)]
    if is_enabled(user):
        needed.append(store.get(SECOND_FACTOR_AT))
    return all(at is not None and 0 <= current - at <= max_age for at in needed)


def begin_pending(store: MutableMapping, user: User, next_url: str) -> None:
    """The password was right; the session is only started once the code is too."""
    forget(store)
    store[PENDING] = {"user_id": user.id, "next": next_url, "at": int(now())}


def pending_sign_in(store: MutableMapping) -> tuple[User, str] | None:
    """The user waiting for their code and where they go next, unless it is too late
    (the session cookie is signed, so its time cannot be changed)."""
    pending = store.get(PENDING)
    if not isinstance(pending, dict):
        return None
    if not 0 <= now() - pending.get("at", 0) <= PENDING_MAX_AGE_SECONDS:
        store.pop(PENDING, None)
        return None
    user = db.session.get(User, pending.get("user_id"))
    if user is None or not user.active or not is_enabled(user):
        store.pop(PENDING, None)
        return None
    return user, pending["next"]


def failed_attempt(user: User, where: str, address: str | None, *, counted: bool = True) -> None:
    """A wrong code (or password, re-authenticating): logged and, when ``counted``, a failed
    sign-in for the login throttle, so that guessing codes locks the account's sign-in for
    a while just as guessing passwords does."""
    log.warning("two-factor: refused at %s for user %s from %s", where, user.id, address)
    if counted:
        throttle.record_failure(user.email, address or "-")


def blocked_minutes(user: User, address: str | None) -> int:
    """Minutes before the login throttle lets this account (or address) try again."""
    return throttle.blocked_minutes(user.email, address or "-")
