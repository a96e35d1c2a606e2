"""What every part of the backup shares: the errors, the :class:`Instance` and the chunk size."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import MetaData
from sqlalchemy.engine import Engine

CHUNK = 1024 * 1024


class BackupError(Exception):
    """A backup or restore that cannot go ahead; the message says why, for a person."""


class ArchiveRejected(BackupError):
    """The archive is damaged, altered or unsafe; nothing was changed."""


class TargetRejected(BackupError):
    """The instance cannot receive this backup (not empty, other revision); nothing changed."""


class RestoreFailed(BackupError):
    """Restoring stopped midway; the transaction was rolled back and the files removed."""


@dataclass(frozen=True)
class Instance:
    """What a backup covers: one database (the tables of ``metadata``) and two folders."""

    engine: Engine
    metadata: MetaData
    storage_dir: Path
    keys_dir: Path

    @property
    def objects_dir(self) -> Path:
        return self.storage_dir / "objects"
