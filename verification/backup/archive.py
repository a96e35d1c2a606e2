"""The ``.tar.gz`` itself: written as a stream, hashing every member on the way, and read
back in full to check every member against the manifest before anything is restored."""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import os
import stat
import tarfile
import tempfile
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import BinaryIO

from sqlalchemy.exc import SQLAlchemyError

from .base import CHUNK, ArchiveRejected, BackupError, Instance
from .dump import _dump_database
from .manifest import (
    KEYS_PREFIX,
    MANIFEST,
    MANIFEST_MAX_BYTES,
    OBJECTS_PREFIX,
    _build_manifest,
    _compare,
    _misnamed_objects,
    _parse_manifest,
    _unsafe,
)


@dataclass
class BackupResult:
    path: Path
    size: int
    manifest: dict
    warnings: list[str] = field(default_factory=list)


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
    # Written under a temporary name (mode 0600: the dump holds password hashes), then
    # linked to ``output``, which fails if that name appeared meanwhile.
    fd, partial_name = tempfile.mkstemp(dir=output.parent, prefix=f".{output.name}.")
    partial = Path(partial_name)
    try:
        with os.fdopen(fd, "wb") as raw:
            manifest, warnings = _write_archive(instance, raw, info, output.parent)
            raw.flush()
            os.fsync(raw.fileno())
        os.link(partial, output)
    except FileExistsError:
        raise BackupError(f"{output} already exists; a backup never overwrites a file.") from None
    except SQLAlchemyError as exc:
        raise BackupError(
            f"Reading the database failed ({getattr(exc, 'orig', None) or exc}); is it "
            "migrated (`flask db upgrade`)? No backup was written."
        ) from exc
    except OSError as exc:
        raise BackupError(f"Writing the backup failed ({exc}); no backup was written.") from exc
    finally:
        partial.unlink(missing_ok=True)
    return BackupResult(output, output.stat().st_size, manifest, warnings)


def _write_archive(
    instance: Instance, raw: BinaryIO, info: dict | None, spool_dir: Path
) -> tuple[dict, list[str]]:
    created = datetime.now(UTC)
    with (
        gzip.GzipFile(filename="", mode="wb", fileobj=raw, compresslevel=6, mtime=0) as gz,
        tarfile.open(fileobj=gz, mode="w|", format=tarfile.PAX_FORMAT) as tar,
    ):
        writer = _ArchiveWriter(tar, int(created.timestamp()))
        database = _dump_database(instance, writer, spool_dir)
        objects, digests = writer.add_tree(instance.objects_dir, OBJECTS_PREFIX)
        keys, _ = writer.add_tree(instance.keys_dir, KEYS_PREFIX)
        manifest = _build_manifest(created, info, database, objects, keys, writer.members)
        data = json.dumps(manifest, indent=1, ensure_ascii=False).encode()
        entry = tarfile.TarInfo(MANIFEST)
        entry.size, entry.mode, entry.mtime = len(data), 0o600, writer.mtime
        tar.addfile(entry, io.BytesIO(data))
    return manifest, _misnamed_objects(digests)


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
