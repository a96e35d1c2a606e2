"""Restoring into an empty instance: the checks on the target, then every row in one
transaction and the files; a failure rolls the transaction back and removes the files
written. Private keys are copied as they are, still encrypted: nothing here decrypts."""

from __future__ import annotations

import os
import tarfile
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from sqlalchemy import MetaData, Table
from sqlalchemy.engine import Connection
from sqlalchemy.exc import SQLAlchemyError

from .archive import _HashingReader, _open_archive
from .base import CHUNK, ArchiveRejected, BackupError, Instance, RestoreFailed, TargetRejected
from .dump import _load_rows, _reset_sequences, _table_has_rows, database_revision
from .manifest import KEYS_PREFIX, MANIFEST, OBJECTS_PREFIX, _unsafe


@dataclass
class RestoreResult:
    rows: int
    files: int
    bytes: int


def _files_under(root: Path) -> list[Path]:
    if not root.exists():
        return []
    return [p for p in root.rglob("*") if not p.is_dir() or p.is_symlink()]


def check_target(instance: Instance, manifest: dict) -> None:
    """Refuse (:class:`TargetRejected`) unless the instance is empty, at the backup's
    revision, with the tables and columns the backup has."""
    wanted = manifest["database"]["revision"]
    try:
        with instance.engine.connect() as conn:
            current = database_revision(conn)
            if current != wanted:
                raise TargetRejected(_revision_mismatch(wanted, current))
            full = [t.fullname for t in instance.metadata.sorted_tables if _table_has_rows(conn, t)]
    except SQLAlchemyError as exc:
        raise TargetRejected(
            f"The database cannot be read ({getattr(exc, 'orig', None) or exc}); is it "
            f"migrated (`flask db upgrade {wanted}`)?"
        ) from exc
    problems = [f"These tables are not empty: {', '.join(full)}."] if full else []
    for label, root in (
        ("STORAGE_DIR/objects", instance.objects_dir),
        ("KEYS_DIR", instance.keys_dir),
    ):
        files = _files_under(root)
        if files:
            problems.append(f"{label} ({root}) is not empty: {len(files)} files, e.g. {files[0]}.")
    if problems:
        raise TargetRejected(
            "Restore only goes into an empty instance:\n  " + "\n  ".join(problems)
        )
    _check_schema(instance.metadata, manifest)


def _revision_mismatch(wanted: str | None, current: str | None) -> str:
    if current is None:
        return (
            f"The database has no schema yet. Run `flask db upgrade {wanted}` first: the "
            f"backup was taken at revision {wanted}."
        )
    return (
        f"Revision mismatch: the backup was taken at database revision {wanted}, this "
        f"database is at {current}. Restore into an empty database at {wanted} "
        f"(`flask db upgrade {wanted}` with the release that wrote the backup), then run "
        "`flask db upgrade` to bring the restored data forward."
    )


def _check_schema(metadata: MetaData, manifest: dict) -> None:
    tables = manifest["database"]["tables"]
    problems = []
    in_backup = {t["name"]: t for t in tables}
    for table in metadata.sorted_tables:
        entry = in_backup.get(table.fullname)
        if entry is None:
            problems.append(f"table {table.fullname} is not in the backup")
        elif set(entry["columns"]) != {c.name for c in table.columns}:
            problems.append(f"table {table.fullname} has other columns than in the backup")
    problems += [f"table {n} is unknown here" for n in in_backup if n not in metadata.tables]
    loaded: set[str] = set()
    for entry in tables:
        table = metadata.tables.get(entry["name"])
        if table is None:
            continue
        needs = {fk.column.table.fullname for fk in table.foreign_keys} - {table.fullname}
        if needs - loaded:
            problems.append(
                f"table {table.fullname} comes before {', '.join(sorted(needs - loaded))}"
            )
        loaded.add(table.fullname)
    if problems:
        raise TargetRejected(
            "This release's models do not match the backup's tables (restore with the release "
            "that wrote it):\n  " + "\n  ".join(problems)
        )


class _Restorer:
    def __init__(self, instance: Instance, manifest: dict):
        self.instance = instance
        self.expected = {m["name"]: m for m in manifest["members"]}
        self.tables = {
            t["member"]: (instance.metadata.tables[t["name"]], t["rows"])
            for t in manifest["database"]["tables"]
        }
        self.written: list[Path] = []
        self.made_dirs: list[Path] = []
        self.rows = self.files = self.bytes = 0

    def load_table(self, conn: Connection, table: Table, expected_rows: int, reader) -> None:
        self.rows += _load_rows(conn, table, expected_rows, reader)

    def _mkdirs(self, directory: Path, mode: int) -> None:
        missing = []
        while not directory.exists():
            missing.append(directory)
            directory = directory.parent
        for path in reversed(missing):
            path.mkdir(mode=mode)
            self.made_dirs.append(path)

    def write_file(self, root: Path, rel: str, reader, member: tarfile.TarInfo, dir_mode: int):
        target = root.joinpath(*PurePosixPath(rel).parts)
        self._mkdirs(target.parent, dir_mode)
        if not target.parent.resolve().is_relative_to(root.resolve()):
            raise BackupError(f"{rel} would be written outside {root}.")
        fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
        self.written.append(target)
        with os.fdopen(fd, "wb") as out:
            while chunk := reader.read(CHUNK):
                out.write(chunk)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(target, (member.mode & 0o755) | 0o400)  # no setuid, no write for others
        os.utime(target, (member.mtime, member.mtime))
        self.files += 1
        self.bytes += reader.size

    def undo_files(self) -> None:
        for path in reversed(self.written):
            path.unlink(missing_ok=True)
        for directory in reversed(self.made_dirs):
            with suppress(OSError):
                directory.rmdir()


def restore_backup(instance: Instance, archive: Path, manifest: dict) -> RestoreResult:
    """Load a checked archive (:func:`verify_archive`) into an instance that passed
    :func:`check_target`: rows in one transaction, then files, then commit. On any failure
    the transaction is rolled back and every file written is removed."""
    restorer = _Restorer(instance, manifest)
    seen: set[str] = set()
    with instance.engine.connect() as conn:
        transaction = conn.begin()
        try:
            full = [t.fullname for t in instance.metadata.sorted_tables if _table_has_rows(conn, t)]
            if full:
                raise TargetRejected(f"Tables filled meanwhile: {', '.join(full)}.")
            with _open_archive(archive) as (tar, _gz):
                for member in tar:
                    if member.name == MANIFEST:
                        continue
                    entry = restorer.expected.get(member.name)
                    if entry is None or _unsafe(member) or member.name in seen:
                        raise ArchiveRejected(
                            f"{member.name!r}: the archive changed since it was checked."
                        )
                    seen.add(member.name)
                    source = tar.extractfile(member)
                    assert source is not None
                    reader = _HashingReader(source)
                    _restore_member(restorer, conn, member, reader)
                    reader.drain()
                    if (reader.size, reader.sha256) != (entry["size"], entry["sha256"]):
                        raise ArchiveRejected(
                            f"{member.name}: the archive changed since it was checked."
                        )
            if seen != restorer.expected.keys():
                raise ArchiveRejected("The archive changed since it was checked (members missing).")
            _reset_sequences(conn, instance.metadata)
            transaction.commit()
        except BaseException as exc:
            if transaction.is_active:
                transaction.rollback()
            restorer.undo_files()
            if not isinstance(exc, Exception):
                raise  # KeyboardInterrupt: undone all the same
            reason = str(exc) if isinstance(exc, BackupError) else f"{type(exc).__name__}: {exc}"
            raise RestoreFailed(
                f"Restore failed and was undone (database rolled back, "
                f"{len(restorer.written)} files removed): {reason}"
            ) from exc
    return RestoreResult(restorer.rows, restorer.files, restorer.bytes)


def _restore_member(restorer: _Restorer, conn: Connection, member: tarfile.TarInfo, reader) -> None:
    name = member.name
    if name in restorer.tables:
        table, rows = restorer.tables[name]
        restorer.load_table(conn, table, rows, reader)
    elif name.startswith(OBJECTS_PREFIX):
        rel = name[len(OBJECTS_PREFIX) :]
        restorer.write_file(restorer.instance.objects_dir, rel, reader, member, 0o755)
    elif name.startswith(KEYS_PREFIX):
        rel = name[len(KEYS_PREFIX) :]
        restorer.write_file(restorer.instance.keys_dir, rel, reader, member, 0o700)
    else:
        raise ArchiveRejected(f"{name}: not a database dump, storage object or key file.")
