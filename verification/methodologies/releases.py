"""Publishing methodology versions and reading back the exact version a case pinned.

The first time a version is used (a case is opened on it, or ``flask methodology publish``)
its file is stored with its SHA-256. From then on that version is frozen: a file on disk
whose content differs is refused for new cases ("publish a new version"), and every case
keeps reading the stored text it was opened on, whatever happens to the file.
"""

from __future__ import annotations

from functools import lru_cache

from flask_babel import gettext as _
from sqlalchemy import select

from ..extensions import db
from .model import Methodology, load_bytes
from .models import MethodologyRelease


class ReleaseConflict(ValueError):
    """The file differs from the version already published under the same number."""


def release_of(code: str, version: str) -> MethodologyRelease | None:
    return db.session.scalar(
        select(MethodologyRelease).where(
            MethodologyRelease.code == code, MethodologyRelease.version == version
        )
    )


def publish(methodology: Methodology, raw: bytes, user=None) -> MethodologyRelease:
    """Freeze ``methodology`` (read from ``raw``); a second call with the same file is a no-op.

    Raises :class:`ReleaseConflict` if the version was published with other content.
    """
    existing = release_of(methodology.code, methodology.version)
    if existing is not None:
        if existing.content_hash != methodology.content_hash:
            raise ReleaseConflict(
                _(
                    "%(label)s was published with content %(old)s; the file now has %(new)s. "
                    "A published version is never edited: give the file a new version.",
                    label=methodology.label,
                    old=existing.content_hash[:12],
                    new=methodology.content_hash[:12],
                )
            )
        return existing
    release = MethodologyRelease(
        code=methodology.code,
        version=methodology.version,
        content_hash=methodology.content_hash,
        content=raw.decode("utf-8"),
        title=methodology.title,
        published_by_id=getattr(user, "id", None),
    )
    db.session.add(release)
    db.session.flush()
    return release


@lru_cache(maxsize=64)
def _parse_frozen(content: str, content_hash: str, source: str) -> Methodology:
    methodology = load_bytes(content.encode("utf-8"), source=source)
    if methodology.content_hash != content_hash:  # the stored text itself was altered
        raise ReleaseConflict(f"{source}: stored content does not match its hash {content_hash}")
    return methodology


def frozen(code: str, version: str, content_hash: str) -> Methodology | None:
    """The published text of ``code`` ``version`` with ``content_hash``, parsed; None if absent."""
    release = release_of(code, version)
    if release is None or release.content_hash != content_hash:
        return None
    return _parse_frozen(release.content, release.content_hash, f"{code}-{version} (published)")
