"""Backups: the database, the file store's objects and the key folder in one ``.tar.gz``.

The database is dumped table by table, in foreign-key order, as JSON lines that any
backend can load again (SQLite or PostgreSQL). Files are streamed into the archive and
hashed on the way; ``manifest.json``, the last member, lists every other member with its
size and SHA-256, the Alembic revision and the row count of each table.

Restoring reads the whole archive and checks it against its manifest before anything is
changed, then loads an *empty* instance at the same revision: every row in one
transaction, then the files; a failure rolls the transaction back and removes the files
written. Private keys are copied as they are, still encrypted: nothing here decrypts.

No Flask here: callers pass the engine, the metadata and the folders (:class:`Instance`).

The parts, in the order they depend on each other:

- :mod:`.base`: the errors, :class:`Instance` (what a backup covers), the chunk size;
- :mod:`.manifest`: the manifest (what it lists, how it is checked) and the member names
  (prefixes, which names are safe to restore);
- :mod:`.dump`: table rows as JSON lines without loss, in foreign-key order, loaded back;
  the snapshot, the Alembic revision and the PostgreSQL sequences;
- :mod:`.archive`: writing the ``.tar.gz`` as a stream (:func:`create_backup`) and reading
  it back in full against its manifest (:func:`verify_archive`);
- :mod:`.restore`: the checks on the target (:func:`check_target`) and the transactional
  restore that undoes itself on failure (:func:`restore_backup`).
"""

from __future__ import annotations

from .archive import BackupResult, create_backup, default_output, verify_archive
from .base import (
    CHUNK,
    ArchiveRejected,
    BackupError,
    Instance,
    RestoreFailed,
    TargetRejected,
)
from .dump import INSERT_BATCH, database_revision, decoder, encode_value
from .manifest import (
    DATABASE_PREFIX,
    FORMAT,
    FORMAT_VERSION,
    KEYS_PREFIX,
    MANIFEST,
    MANIFEST_MAX_BYTES,
    OBJECTS_PREFIX,
    ROOT,
    app_info,
)
from .restore import RestoreResult, check_target, restore_backup

__all__ = [
    "CHUNK",
    "DATABASE_PREFIX",
    "FORMAT",
    "FORMAT_VERSION",
    "INSERT_BATCH",
    "KEYS_PREFIX",
    "MANIFEST",
    "MANIFEST_MAX_BYTES",
    "OBJECTS_PREFIX",
    "ROOT",
    "ArchiveRejected",
    "BackupError",
    "BackupResult",
    "Instance",
    "RestoreFailed",
    "RestoreResult",
    "TargetRejected",
    "app_info",
    "check_target",
    "create_backup",
    "database_revision",
    "decoder",
    "default_output",
    "encode_value",
    "restore_backup",
    "verify_archive",
]
