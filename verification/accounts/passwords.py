"""argon2id password hashing, with its cost parameters taken from configuration."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import Flask, current_app

MIN_LENGTH = 10


def init_app(app: Flask) -> None:
    hasher = PasswordHasher(
        time_cost=int(app.config["ARGON2_TIME_COST"]),
        memory_cost=int(app.config["ARGON2_MEMORY_COST"]),
        parallelism=int(app.config["ARGON2_PARALLELISM"]),
    )
    app.extensions["password_hasher"] = hasher
    # Verified against when an account does not exist, so both paths cost the same.
    app.extensions["password_dummy_hash"] = hasher.hash("not-a-real-password-for-timing")


def _hasher() -> PasswordHasher:
    return current_app.extensions["password_hasher"]


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def check_password(stored_hash: str, password: str) -> bool:
    try:
        return _hasher().verify(stored_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(stored_hash: str) -> bool:
    """True when the hash was made with other parameters than the configured ones."""
    return _hasher().check_needs_rehash(stored_hash)


def check_against_dummy(password: str) -> None:
    check_password(current_app.extensions["password_dummy_hash"], password)
