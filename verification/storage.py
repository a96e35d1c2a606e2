"""Content-addressed file storage on local disk.

Uploads are streamed into a spool file in the store's own ``tmp`` folder while their
SHA-256 is computed, so a file is read once and written once, never held in memory.
Keeping a spool hard-links it to ``objects/ab/cd/<sha256>``; if the transaction that
wanted it rolls back, a file it created is removed again.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
import time
from pathlib import Path
from typing import BinaryIO

from .transactions import on_rollback


class HashingSpool:
    """A temporary file that hashes what is written to it; removed on close unless kept."""

    def __init__(self, directory: Path):
        fd, name = tempfile.mkstemp(dir=directory, prefix="upload-")
        self.path = Path(name)
        self._file: BinaryIO = os.fdopen(fd, "w+b")
        self._hash = hashlib.sha256()
        self.size = 0

    def write(self, data: bytes) -> int:
        self._hash.update(data)
        self.size += len(data)
        return self._file.write(data)

    @property
    def sha256(self) -> str:
        return self._hash.hexdigest()

    def close(self) -> None:
        if not self._file.closed:
            self._file.close()
        self.path.unlink(missing_ok=True)

    @property
    def closed(self) -> bool:
        return self._file.closed

    def __getattr__(self, name: str):
        # read, seek, tell, flush, fileno, readable... go to the real file.
        return getattr(self._file, name)

    def __enter__(self) -> HashingSpool:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


class FileStore:
    def __init__(self, root: Path):
        self.root = root
        self.tmp = root / "tmp"
        self.objects = root / "objects"

    def ensure(self) -> None:
        self.tmp.mkdir(parents=True, exist_ok=True)
        self.objects.mkdir(parents=True, exist_ok=True)

    def sweep(self, older_than_seconds: float = 6 * 3600) -> int:
        """Remove spools left by a process that died mid-upload; returns how many."""
        if not self.tmp.is_dir():
            return 0
        cutoff = time.time() - older_than_seconds
        removed = 0
        for path in self.tmp.glob("upload-*"):
            try:
                if path.stat().st_mtime < cutoff:
                    path.unlink()
                    removed += 1
            except FileNotFoundError:
                continue
        return removed

    def spool(self) -> HashingSpool:
        self.ensure()
        return HashingSpool(self.tmp)

    def path(self, key: str) -> Path:
        if len(key) != 64 or not all(ch in "0123456789abcdef" for ch in key):
            raise ValueError(f"not a storage key: {key!r}")
        return self.objects / key[:2] / key[2:4] / key

    def exists(self, key: str) -> bool:
        return self.path(key).is_file()

    def keep(self, spool: HashingSpool) -> str:
        """Store the spool's content under its hash; returns the key (the SHA-256)."""
        spool.flush()
        key = spool.sha256
        target = self.path(key)
        if not target.exists():
            target.parent.mkdir(parents=True, exist_ok=True)
            try:
                os.link(spool.path, target)
            except FileExistsError:  # another request stored the same content just now
                return key
            target.chmod(0o440)
            on_rollback(lambda: target.unlink(missing_ok=True))
        return key

    def put_bytes(self, data: bytes) -> str:
        """Store bytes (statements); same guarantees as :meth:`keep`."""
        with self.spool() as spool:
            spool.write(data)
            return self.keep(spool)

    def open(self, key: str) -> BinaryIO:
        return self.path(key).open("rb")
