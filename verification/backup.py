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
"""

from __future__ import annotations

import base64
import enum
import gzip
import hashlib
import io
import json
import math
import os
import platform
import stat
import subprocess
import tarfile
import tempfile
import uuid
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from importlib import metadata as package_metadata
from pathlib import Path, PurePosixPath
from typing import Any, BinaryIO

from sqlalchemy import Column, MetaData, Table, literal, select, text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.types import JSON, LargeBinary, TypeDecorator

FORMAT = "verification-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
DATABASE_PREFIX = "database/"
OBJECTS_PREFIX = "storage/objects/"
KEYS_PREFIX = "keys/"
CHUNK = 1024 * 1024
INSERT_BATCH = 500
MANIFEST_MAX_BYTES = 64 * 1024 * 1024
ROOT = Path(__file__).resolve().parent.parent


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


@dataclass
class BackupResult:
    path: Path
    size: int
    manifest: dict
    warnings: list[str] = field(default_factory=list)


@dataclass
class RestoreResult:
    rows: int
    files: int
    bytes: int


# --- values -------------------------------------------------------------------------------


def encode_value(value: Any) -> Any:
    """A column value as JSON, without loss; :func:`decoder` turns it back by column type."""
    if isinstance(value, enum.Enum):  # an Enum column's member (before str: StrEnum)
        return value.name
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else str(value)  # "nan", "inf": float() reads them
    if isinstance(value, datetime | date | time):  # aware datetimes keep their offset
        return value.isoformat()
    if isinstance(value, timedelta):
        return value // timedelta(microseconds=1)
    if isinstance(value, Decimal | uuid.UUID):
        return str(value)
    if isinstance(value, bytes | bytearray | memoryview):
        return base64.b64encode(bytes(value)).decode("ascii")
    if isinstance(value, dict | list):  # a JSON column
        return value
    raise BackupError(f"Cannot write a value of type {type(value).__name__} to a backup.")


def decoder(column: Column) -> Callable[[Any], Any]:
    """The inverse of :func:`encode_value` for one column."""
    type_ = column.type
    base = type_.impl_instance if isinstance(type_, TypeDecorator) else type_
    if isinstance(base, JSON):
        return lambda v: v
    if isinstance(base, LargeBinary):
        return lambda v: None if v is None else base64.b64decode(v)
    try:
        python_type = base.python_type
    except NotImplementedError:
        return lambda v: v
    parse: Callable[[Any], Any] | None = None
    if issubclass(python_type, datetime):
        parse = datetime.fromisoformat
    elif issubclass(python_type, date):
        parse = date.fromisoformat
    elif issubclass(python_type, time):
        parse = time.fromisoformat
    elif issubclass(python_type, Decimal):
        parse = Decimal
    elif issubclass(python_type, uuid.UUID):
        parse = uuid.UUID
    elif issubclass(python_type, timedelta):
        parse = lambda v: timedelta(microseconds=v)  # noqa: E731
    elif issubclass(python_type, float):
        parse = float
    elif issubclass(python_type, enum.Enum):
        parse = python_type.__getitem__
    if parse is None:
        return lambda v: v
    return lambda v: None if v is None else parse(v)


# --- database -----------------------------------------------------------------------------


def database_revision(conn: Connection) -> str | None:
    """The Alembic revision the database is at (heads joined by commas), None if none."""
    from alembic.runtime.migration import MigrationContext

    heads = MigrationContext.configure(conn).get_current_heads()
    return ",".join(sorted(heads)) or None


@contextmanager
def _snapshot(engine: Engine) -> Iterator[Connection]:
    """A read-only connection on which every table is read from the same snapshot."""
    with engine.connect() as conn:
        if engine.dialect.name == "postgresql":
            conn.execution_options(isolation_level="REPEATABLE READ")
            with conn.begin():
                conn.exec_driver_sql("SET TRANSACTION READ ONLY")
                yield conn
        elif engine.dialect.name == "sqlite":
            with conn.begin():
                # pysqlite opens transactions only for writes; an explicit BEGIN makes the
                # reads share one snapshot (WAL mode lets writers carry on meanwhile).
                conn.exec_driver_sql("BEGIN")
                yield conn
        else:
            with conn.begin():
                yield conn


def _ordered(table: Table):
    query = select(table)
    keys = list(table.primary_key.columns)
    return query.order_by(*keys) if keys else query


def _table_has_rows(conn: Connection, table: Table) -> bool:
    return conn.scalar(select(literal(1)).select_from(table).limit(1)) is not None


def _reset_sequences(conn: Connection, metadata: MetaData) -> None:
    """PostgreSQL: the next generated id of each table follows the highest restored one."""
    if conn.dialect.name != "postgresql":
        return  # SQLite takes max(rowid) + 1 by itself
    prep = conn.dialect.identifier_preparer
    for table in metadata.sorted_tables:
        column = table.autoincrement_column
        if column is None:
            continue
        name = prep.format_table(table)
        conn.execute(
            text(
                f"SELECT setval(pg_get_serial_sequence(:table, :column), "
                f"COALESCE(MAX({prep.quote(column.name)}), 0) + 1, false) FROM {name}"
            ),
            {"table": name, "column": column.name},
        )


# --- archive members ----------------------------------------------------------------------


class _HashingReader:
    """Reads from ``source``, counting and hashing every byte that passes."""

    def __init__(self, source: BinaryIO):
        self._source = source
        self._hash = hashlib.sha256()
        self.size = 0

    def read(self, n: int = -1) -> bytes:
        data = self._source.read(n)
        self._hash.update(data)
        self.size += len(data)
        return data

    def drain(self) -> None:
        while self.read(CHUNK):
            pass

    @property
    def sha256(self) -> str:
        return self._hash.hexdigest()


def _lines(reader: _HashingReader) -> Iterator[bytes]:
    rest = b""
    while chunk := reader.read(CHUNK):
        rest += chunk
        *complete, rest = rest.split(b"\n")
        yield from complete
    if rest:
        yield rest


def _unsafe(member: tarfile.TarInfo) -> str | None:
    """Why a member may not be restored (links, folders, paths leaving the target)."""
    name = member.name
    if member.issym() or member.islnk():
        return f"{name!r} is a link; a backup holds regular files only."
    if not member.isreg():
        return f"{name!r} is not a regular file; a backup holds regular files only."
    parts = name.split("/")
    if name.startswith("/") or "\\" in name or any(p in ("", ".", "..") for p in parts):
        return f"{name!r} is not a plain relative path (absolute, '..' or empty part)."
    return None


def _category(name: str) -> str | None:
    for prefix in (DATABASE_PREFIX, OBJECTS_PREFIX, KEYS_PREFIX):
        if name.startswith(prefix) and len(name) > len(prefix):
            return prefix
    return None


class _ArchiveWriter:
    def __init__(self, tar: tarfile.TarFile, mtime: int):
        self.tar = tar
        self.mtime = mtime
        self.members: list[dict] = []

    def add(self, name: str, source: BinaryIO, size: int, mode: int, mtime: int) -> str:
        info = tarfile.TarInfo(name)
        info.size = size
        info.mode = mode & 0o777
        info.mtime = mtime
        info.uname = info.gname = ""
        reader = _HashingReader(source)
        self.tar.addfile(info, reader)  # copies exactly ``size`` bytes, or raises
        self.members.append({"name": name, "size": size, "sha256": reader.sha256})
        return reader.sha256

    def add_tree(self, root: Path, prefix: str) -> tuple[int, list[str]]:
        """Every file under ``root``, in name order; returns the count and the digests."""
        count, digests = 0, []
        if not root.is_dir():
            return 0, []
        for dirpath, dirnames, filenames in os.walk(root):
            dirnames.sort()
            for filename in sorted(filenames):
                path = Path(dirpath) / filename
                rel = path.relative_to(root).as_posix()
                try:
                    fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
                except FileNotFoundError:  # an upload rolled back meanwhile: never committed
                    continue
                except OSError as exc:  # ELOOP: a link
                    raise BackupError(f"{path} cannot be read as a file ({exc}).") from None
                with os.fdopen(fd, "rb") as source:
                    st = os.fstat(source.fileno())
                    if not stat.S_ISREG(st.st_mode):
                        raise BackupError(f"{path} is not a regular file; move it away first.")
                    digest = self.add(
                        prefix + rel, source, st.st_size, st.st_mode, int(st.st_mtime)
                    )
                count += 1
                digests.append(f"{rel}\0{digest}")
            for dirname in dirnames:
                if (Path(dirpath) / dirname).is_symlink():
                    raise BackupError(f"{Path(dirpath) / dirname} is a link; move it away first.")
        return count, digests


# --- backup -------------------------------------------------------------------------------


def app_info() -> dict:
    """The software that wrote the backup: git commit (if any), Python and key libraries."""
    info: dict[str, Any] = {"name": "verification", "python": platform.python_version()}
    try:
        commit = subprocess.run(
            ["git", "-C", str(ROOT), "rev-parse", "HEAD"],
            capture_output=True,
            text=True,
            timeout=5,
            check=True,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "-C", str(ROOT), "status", "--porcelain", "--untracked-files=no"],
            capture_output=True,
            text=True,
            timeout=5,
            check=True,
        ).stdout.strip()
        info["commit"], info["modified"] = commit, bool(dirty)
    except (OSError, subprocess.SubprocessError):
        info["commit"] = None
    packages = {}
    for name in ("Flask", "SQLAlchemy", "alembic"):
        try:
            packages[name] = package_metadata.version(name)
        except package_metadata.PackageNotFoundError:
            packages[name] = None
    info["packages"] = packages
    return info


def default_output(instance_path: Path, now: datetime | None = None) -> Path:
    now = now or datetime.now(UTC)
    return instance_path / "backups" / f"backup-{now:%Y%m%dT%H%M%SZ}.tar.gz"


def create_backup(instance: Instance, output: Path, info: dict | None = None) -> BackupResult:
    """Write one archive to ``output`` (never over an existing file).

    The database is read first, from one snapshot, then the files: a row committed before
    the snapshot always finds its file, since files are stored before their row commits.
    """
    output = Path(output)
    if output.exists():
        raise BackupError(f"{output} already exists; a backup never overwrites a file.")
    output.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    created = datetime.now(UTC)
    warnings: list[str] = []
    fd, partial_name = tempfile.mkstemp(
        dir=output.parent, prefix=f".{output.name}.", suffix=".part"
    )
    partial = Path(partial_name)  # mode 0600: the dump holds password hashes
    try:
        with os.fdopen(fd, "wb") as raw:
            with (
                gzip.GzipFile(filename="", mode="wb", fileobj=raw, compresslevel=6, mtime=0) as gz,
                tarfile.open(fileobj=gz, mode="w|", format=tarfile.PAX_FORMAT) as tar,
            ):
                writer = _ArchiveWriter(tar, int(created.timestamp()))
                database = _dump_database(instance, writer, output.parent)
                objects, digests = writer.add_tree(instance.objects_dir, OBJECTS_PREFIX)
                warnings += _misnamed_objects(digests)
                keys, _ = writer.add_tree(instance.keys_dir, KEYS_PREFIX)
                manifest = {
                    "format": FORMAT,
                    "format_version": FORMAT_VERSION,
                    "created_at": created.isoformat(),
                    "app": info if info is not None else app_info(),
                    "database": database,
                    "files": {"objects": objects, "keys": keys},
                    "members": writer.members,
                }
                data = json.dumps(manifest, indent=1, ensure_ascii=False).encode()
                entry = tarfile.TarInfo(MANIFEST)
                entry.size, entry.mode, entry.mtime = len(data), 0o600, writer.mtime
                tar.addfile(entry, io.BytesIO(data))
            raw.flush()
            os.fsync(raw.fileno())
        try:
            os.link(partial, output)  # fails if ``output`` appeared meanwhile
        except FileExistsError:
            raise BackupError(
                f"{output} already exists; a backup never overwrites a file."
            ) from None
    finally:
        partial.unlink(missing_ok=True)
    return BackupResult(output, output.stat().st_size, manifest, warnings)


def _misnamed_objects(digests: list[str]) -> list[str]:
    warnings = []
    for entry in digests:
        rel, digest = entry.split("\0")
        name = rel.rsplit("/", 1)[-1]
        if len(name) == 64 and name != digest:
            warnings.append(
                f"storage/objects/{rel}: its content no longer matches its name "
                "(damaged on disk); backed up as it is."
            )
    return warnings


def _dump_database(instance: Instance, writer: _ArchiveWriter, spool_dir: Path) -> dict:
    tables = []
    with _snapshot(instance.engine) as conn:
        revision = database_revision(conn)
        for table in instance.metadata.sorted_tables:
            member = f"{DATABASE_PREFIX}{table.fullname}.jsonl"
            names = [c.name for c in table.columns]
            rows = 0
            with tempfile.TemporaryFile(dir=spool_dir) as spool:
                result = conn.execute(_ordered(table).execution_options(yield_per=1000))
                for row in result:
                    record = {n: encode_value(v) for n, v in zip(names, row, strict=True)}
                    line = json.dumps(record, ensure_ascii=False, separators=(",", ":"))
                    spool.write(line.encode() + b"\n")
                    rows += 1
                size = spool.tell()
                spool.seek(0)
                writer.add(member, spool, size, 0o600, writer.mtime)
            tables.append(
                {"name": table.fullname, "member": member, "rows": rows, "columns": names}
            )
    return {"dialect": instance.engine.dialect.name, "revision": revision, "tables": tables}


# --- checking an archive ------------------------------------------------------------------


@contextmanager
def _open_archive(path: Path) -> Iterator[tuple[tarfile.TarFile, gzip.GzipFile]]:
    with (
        open(path, "rb") as raw,
        gzip.GzipFile(fileobj=raw, mode="rb") as gz,
        tarfile.open(fileobj=gz, mode="r|") as tar,
    ):
        yield tar, gz


_READ_ERRORS = (tarfile.TarError, OSError, EOFError, zlib.error, ValueError)


def verify_archive(path: Path) -> dict:
    """Read the whole archive and return its manifest if every member matches it.

    Raises :class:`ArchiveRejected` naming the problem (damaged, altered, unsafe member);
    reads only, writes nothing.
    """
    path = Path(path)
    seen: dict[str, tuple[int, str]] = {}
    order: list[str] = []
    manifest_data: bytes | None = None
    try:
        with _open_archive(path) as (tar, gz):
            for member in tar:
                problem = _unsafe(member)
                if problem:
                    raise ArchiveRejected(f"Unsafe member refused: {problem}")
                if member.name in seen or (member.name == MANIFEST and manifest_data is not None):
                    raise ArchiveRejected(f"{member.name!r} appears twice in the archive.")
                source = tar.extractfile(member)
                assert source is not None  # a regular file
                if member.name == MANIFEST:
                    if member.size > MANIFEST_MAX_BYTES:
                        raise ArchiveRejected(f"{MANIFEST} is implausibly large.")
                    manifest_data = source.read()
                    continue
                reader = _HashingReader(source)
                reader.drain()
                seen[member.name] = (reader.size, reader.sha256)
                order.append(member.name)
            # Read to the end: gzip checks its CRC there; only tar padding may follow.
            while rest := gz.read(CHUNK):
                if rest.strip(b"\0"):
                    last = order[-1] if order else "the start"
                    raise ArchiveRejected(
                        f"The archive is damaged: unreadable data after {last} "
                        "(a damaged member header?)."
                    )
    except ArchiveRejected:
        raise
    except _READ_ERRORS as exc:
        raise ArchiveRejected(
            f"{path.name} cannot be read as a .tar.gz archive; it is damaged or truncated "
            f"({type(exc).__name__}: {exc})."
        ) from None
    if manifest_data is None:
        raise ArchiveRejected(f"{MANIFEST} is missing: this is not a complete backup.")
    manifest = _parse_manifest(manifest_data)
    _compare(manifest, seen, order)
    return manifest


def _parse_manifest(data: bytes) -> dict:
    try:
        manifest = json.loads(data)
    except ValueError:
        raise ArchiveRejected(f"{MANIFEST} is not valid JSON (damaged).") from None
    try:
        if manifest["format"] != FORMAT:
            raise ArchiveRejected(f"{MANIFEST} does not describe a {FORMAT} archive.")
        if manifest["format_version"] != FORMAT_VERSION:
            raise ArchiveRejected(
                f"Backup format version {manifest['format_version']} is not supported "
                f"(this release reads version {FORMAT_VERSION})."
            )
        for entry in manifest["members"]:
            if not (
                isinstance(entry["name"], str)
                and isinstance(entry["size"], int)
                and isinstance(entry["sha256"], str)
            ):
                raise TypeError
        database = manifest["database"]
        if not isinstance(database["revision"], str | None):
            raise TypeError
        for table in database["tables"]:
            if not (
                isinstance(table["name"], str)
                and isinstance(table["member"], str)
                and isinstance(table["rows"], int)
                and all(isinstance(c, str) for c in table["columns"])
            ):
                raise TypeError
    except (KeyError, TypeError):
        raise ArchiveRejected(f"{MANIFEST} lacks required fields (damaged or altered).") from None
    return manifest


def _compare(manifest: dict, seen: dict[str, tuple[int, str]], order: list[str]) -> None:
    problems: list[str] = []
    listed: dict[str, dict] = {}
    for entry in manifest["members"]:
        name = entry["name"]
        if name in listed:
            problems.append(f"{name}: listed twice in the manifest.")
        listed[name] = entry
        if _category(name) is None:
            problems.append(f"{name}: not a database dump, storage object or key file.")
    for name in sorted(listed.keys() - seen.keys()):
        problems.append(f"{name}: listed in the manifest but missing from the archive.")
    for name in sorted(seen.keys() - listed.keys()):
        problems.append(f"{name}: in the archive but not listed in the manifest (added).")
    for name in sorted(listed.keys() & seen.keys()):
        size, digest = seen[name]
        if size != listed[name]["size"]:
            problems.append(
                f"{name}: {size} bytes, the manifest says {listed[name]['size']} (altered)."
            )
        elif digest != listed[name]["sha256"]:
            problems.append(f"{name}: SHA-256 differs from the manifest (damaged or altered).")
    dumps = [t["member"] for t in manifest["database"]["tables"]]
    for member in dumps:
        if not member.startswith(DATABASE_PREFIX) or member not in listed:
            problems.append(f"{member}: table dump not listed among the members.")
    stray = [n for n in listed if n.startswith(DATABASE_PREFIX) and n not in dumps]
    problems += [f"{n}: a database member that belongs to no table." for n in stray]
    if [n for n in order if n in dumps] != [d for d in dumps if d in seen]:
        problems.append("The table dumps are not in the order the manifest gives.")
    if problems:
        shown = problems[:20]
        if len(problems) > 20:
            shown.append(f"... and {len(problems) - 20} more.")
        raise ArchiveRejected("The archive does not match its manifest:\n  " + "\n  ".join(shown))


# --- restoring ----------------------------------------------------------------------------


def _files_under(root: Path) -> list[Path]:
    if not root.exists():
        return []
    return [p for p in root.rglob("*") if not p.is_dir() or p.is_symlink()]


def check_target(instance: Instance, manifest: dict) -> None:
    """Refuse (:class:`TargetRejected`) unless the instance is empty, at the backup's
    revision, with the tables and columns the backup has."""
    wanted = manifest["database"]["revision"]
    problems: list[str] = []
    with instance.engine.connect() as conn:
        current = database_revision(conn)
        if current != wanted:
            if current is None:
                raise TargetRejected(
                    f"The database has no schema yet. Run `flask db upgrade {wanted}` first: "
                    f"the backup was taken at revision {wanted}."
                )
            raise TargetRejected(
                f"Revision mismatch: the backup was taken at database revision {wanted}, this "
                f"database is at {current}. Restore into an empty database at {wanted} "
                f"(`flask db upgrade {wanted}` with the release that wrote the backup), then "
                "run `flask db upgrade` to bring the restored data forward."
            )
        full = [t.fullname for t in instance.metadata.sorted_tables if _table_has_rows(conn, t)]
    if full:
        problems.append(f"These tables are not empty: {', '.join(full)}.")
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
        decoders = {c.name: decoder(c) for c in table.columns}
        batch: list[dict] = []
        count = 0
        for line in _lines(reader):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except ValueError:
                raise BackupError(f"{table.fullname}: row {count + 1} is not valid JSON.") from None
            if not isinstance(row, dict) or row.keys() != decoders.keys():
                raise BackupError(f"{table.fullname}: row {count + 1} has other columns.")
            batch.append({k: decoders[k](v) for k, v in row.items()})
            count += 1
            if len(batch) >= INSERT_BATCH:
                conn.execute(table.insert(), batch)
                batch = []
        if batch:
            conn.execute(table.insert(), batch)
        if count != expected_rows:
            raise BackupError(f"{table.fullname}: {count} rows, the manifest says {expected_rows}.")
        self.rows += count

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
