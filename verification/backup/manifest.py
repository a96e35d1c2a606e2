"""The manifest and the member names: what it lists, how it is checked, which names are safe.

``manifest.json``, the archive's last member, lists every other member with its size and
SHA-256, the Alembic revision and the row count of each table, and the software that wrote
it (:func:`app_info`).
"""

from __future__ import annotations

import json
import platform
import subprocess
import tarfile
from datetime import datetime
from importlib import metadata as package_metadata
from pathlib import Path
from typing import Any

from .base import ArchiveRejected

FORMAT = "verification-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
DATABASE_PREFIX = "database/"
OBJECTS_PREFIX = "storage/objects/"
KEYS_PREFIX = "keys/"
MANIFEST_MAX_BYTES = 64 * 1024 * 1024
ROOT = Path(__file__).resolve().parents[2]


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


def _build_manifest(
    created: datetime,
    info: dict | None,
    database: dict,
    objects: int,
    keys: int,
    members: list[dict],
) -> dict:
    return {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "created_at": created.isoformat(),
        "app": info if info is not None else app_info(),
        "database": database,
        "files": {"objects": objects, "keys": keys},
        "members": members,
    }


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
