"""Password rules: long enough, and not one of the commonly used passwords.

The common-password list is zxcvbn's ranked "passwords" dictionary (about 30,000 entries
from leaked-password corpora); a password that is, or is made only of, such words and
trivial patterns (zxcvbn score below 3) is refused with zxcvbn's own reason.
"""

from __future__ import annotations

from flask_babel import gettext as _
from zxcvbn import zxcvbn

from .passwords import MIN_LENGTH

MIN_SCORE = 3


def password_problem(password: str, *, user_inputs: tuple[str, ...] = ()) -> str | None:
    """Why the password is refused, or None when it is acceptable."""
    if len(password) < MIN_LENGTH:
        return _("The password must be at least %(n)d characters.", n=MIN_LENGTH)
    if len(password) > 200:
        return _("The password must be at most 200 characters.")
    # zxcvbn is slow on very long inputs; the first 100 characters decide.
    verdict = zxcvbn(password[:100], user_inputs=[u for u in user_inputs if u])
    common = [
        m
        for m in verdict["sequence"]
        if m.get("pattern") == "dictionary" and m.get("dictionary_name") == "passwords"
    ]
    if common and sum(len(m["token"]) for m in common) >= len(password) - 2:
        return _("This password is one of the most commonly used; choose another.")
    if verdict["score"] < MIN_SCORE:
        return _(
            "This password is too easy to guess; add words or characters that are less predictable."
        )
    return None
