"""``flask backup`` / ``flask restore``: a backup restored into a second, empty instance is
identical (rows, evidence, statements, keys); a damaged, altered or unsafe archive and an
instance that is not empty are refused, and nothing is changed."""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import tarfile
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from enum import Enum
from pathlib import Path

import pytest
from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Date,
    DateTime,
    Float,
    Integer,
    Interval,
    LargeBinary,
    MetaData,
    Numeric,
    String,
    Table,
    Time,
    Uuid,
    func,
    select,
)
from sqlalchemy import Enum as SAEnum
from sqlalchemy.engine import make_url

from tests.conftest import _prepare_database
from tests.factories import World, setup
from verification import backup as service
from verification import create_app
from verification.accounts.models import OrgKind
from verification.accounts.services import create_organisation
from verification.backup.restore import _Restorer
from verification.cases.models import Answer, Case
from verification.evidence.models import EvidenceFile
from verification.extensions import db
from verification.review.models import Finding
from verification.statements.models import Statement
from verification.transactions import dispose_engines
from verification.types import UTCDateTime

BIG_PDF = b"%PDF-1.7\n" + os.urandom(3 * 1024 * 1024)


# --- helpers ------------------------------------------------------------------------------


def _rows(app) -> dict[str, list[dict]]:
    """Every row of every table, as Python values, in primary-key order."""
    with app.app_context(), db.engine.connect() as conn:
        return {
            table.fullname: [
                dict(row._mapping)
                for row in conn.execute(select(table).order_by(*table.primary_key.columns))
            ]
            for table in db.metadata.sorted_tables
        }


def _files(root: Path) -> dict[str, bytes]:
    if not root.exists():
        return {}
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def _dirs(app) -> tuple[Path, Path]:
    return Path(app.config["STORAGE_DIR"]) / "objects", Path(app.config["KEYS_DIR"])


def _is_empty(app) -> bool:
    objects, keys = _dirs(app)
    return not any(_rows(app).values()) and not _files(objects) and not _files(keys)


def _restore(app, archive: Path, *extra: str):
    return app.test_cli_runner().invoke(args=["restore", str(archive), *extra])


def _rewrite(source: Path, target: Path, change) -> Path:
    """Copy an archive member by member through ``change(list of (TarInfo, bytes))``; the
    result is a well-formed .tar.gz, so only the manifest check can catch the change."""
    with tarfile.open(source, "r:gz") as tar:
        members = [(m, tar.extractfile(m).read()) for m in tar.getmembers()]
    with tarfile.open(target, "w:gz") as out:
        for info, data in change(members):
            if info.isreg():
                info.size = len(data)
                out.addfile(info, io.BytesIO(data))
            else:
                out.addfile(info)
    return target


def _edit_manifest(members, edit):
    result = []
    for info, data in members:
        if info.name == service.MANIFEST:
            manifest = json.loads(data)
            edit(manifest)
            data = json.dumps(manifest).encode()
        result.append((info, data))
    return result


# --- fixtures -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def source(app, tmp_path_factory):
    """One issued statement and some evidence, backed up through the CLI; what was there."""
    with setup(app):
        world = World()
        case, statement = world.issued_case()
        draft = world.open_case("Second case, still a draft")
        world.attach(draft, "E1", "meter-readings-2025.pdf", BIG_PDF)
        world.attach(draft, "S1", "Politik-Grüße.txt", "Grüße aus Köln\n".encode())
    # Deliver the notification emails here and now, so the worker (whose late delivery
    # never rewrites a recorded outcome) cannot change them between backup and snapshot.
    from verification.mail.models import OutboundEmail
    from verification.mail.services import deliver

    with setup(app):
        for message_id in db.session.scalars(select(OutboundEmail.id)).all():
            deliver(message_id)
    path = tmp_path_factory.mktemp("backups") / "backup.tar.gz"
    result = app.test_cli_runner().invoke(args=["backup", "--output", str(path)])
    assert result.exit_code == 0, result.output
    assert "Backup written to" in result.output
    objects, keys = _dirs(app)
    return {
        "archive": path,
        "rows": _rows(app),
        "objects": _files(objects),
        "keys": _files(keys),
        "statement_number": statement.number,
    }


@pytest.fixture(scope="module")
def target_app(app, settings, tmp_path_factory):
    """A second instance: its own database (migrated), storage and keys folders."""
    from flask_migrate import upgrade

    instance = tmp_path_factory.mktemp("restore-instance")
    url = make_url(settings["DATABASE_URL"])
    if url.get_backend_name() == "postgresql":
        url = url.set(database=f"{url.database}_restore")
    else:
        url = url.set(database=str(instance / "restore.sqlite"))
    url = url.render_as_string(hide_password=False)
    _prepare_database(url)
    target = create_app({**settings, "DATABASE_URL": url, "TESTING": True}, str(instance))
    app.extensions["celery"].set_default()  # tasks keep going to the session's broker
    with target.app_context():
        upgrade()
    yield target
    dispose_engines(target)


@pytest.fixture
def target(target_app):
    """The second instance, empty at the start of each test and emptied again after it."""
    assert _is_empty(target_app)
    yield target_app
    with target_app.app_context():
        db.session.rollback()
        for table in reversed(db.metadata.sorted_tables):
            db.session.execute(table.delete())
        db.session.commit()
    for folder in _dirs(target_app):
        shutil.rmtree(folder, ignore_errors=True)


# --- the happy path -----------------------------------------------------------------------


def test_restore_into_an_empty_instance_gives_everything_back(source, target):
    result = _restore(target, source["archive"], "--yes")
    assert result.exit_code == 0, result.output
    assert "every member matches the manifest" in result.output

    # Every row of every table, value for value (dates, aware datetimes, booleans, texts).
    assert _rows(target) == source["rows"]
    objects, keys = _dirs(target)
    assert _files(objects) == source["objects"]
    assert _files(keys) == source["keys"]
    private = [k for k in source["keys"] if k.endswith(".key.pem")]
    assert private and all(b"ENCRYPTED PRIVATE KEY" in source["keys"][k] for k in private)

    with target.app_context():
        store = target.extensions["file_store"]
        assert db.session.scalar(select(func.count()).select_from(Case)) == 2
        assert db.session.scalar(select(func.count()).select_from(Answer)) > 0
        assert db.session.scalar(select(func.count()).select_from(Finding)) > 0
        evidence = db.session.scalars(select(EvidenceFile)).all()
        assert len(evidence) == 3
        for item in evidence:
            data = store.path(item.sha256).read_bytes()
            assert hashlib.sha256(data).hexdigest() == item.sha256 and len(data) == item.size
            assert (
                data == source["objects"][store.path(item.sha256).relative_to(objects).as_posix()]
            )
        assert BIG_PDF in {store.path(e.sha256).read_bytes() for e in evidence}
        statement = db.session.scalars(select(Statement)).one()
        assert statement.number == source["statement_number"]
        pdf = store.path(statement.pdf_sha256).read_bytes()
        assert hashlib.sha256(pdf).hexdigest() == statement.pdf_sha256
        # New rows follow the restored ones (PostgreSQL sequences were moved on).
        highest = max(row["id"] for row in source["rows"]["organisation"])
        assert create_organisation(OrgKind.SME, "Newcomer Ltd").id == highest + 1
        db.session.rollback()

    # The restored instance vouches for the restored statement: trust anchors, keys, file.
    r = target.test_client().post(
        "/api/v1/verify", data={"file": (io.BytesIO(pdf), "statement.pdf")}
    )
    assert r.status_code == 200 and r.json["ok"] is True, r.json
    assert r.json["statement_number"] == source["statement_number"]


def test_the_manifest_lists_every_member_with_counts_and_revision(source, target):
    manifest = service.verify_archive(source["archive"])
    assert manifest["format"] == service.FORMAT
    assert manifest["created_at"].endswith("+00:00")
    tables = {t["name"]: t["rows"] for t in manifest["database"]["tables"]}
    assert tables == {name: len(rows) for name, rows in source["rows"].items()}
    with target.app_context(), db.engine.connect() as conn:
        assert manifest["database"]["revision"] == service.database_revision(conn)
    names = {m["name"] for m in manifest["members"]}
    assert {f"storage/objects/{k}" for k in source["objects"]} <= names
    assert {f"keys/{k}" for k in source["keys"]} <= names
    with tarfile.open(source["archive"], "r:gz") as tar:
        assert [m.name for m in tar.getmembers()][-1] == service.MANIFEST
        assert {m.name for m in tar.getmembers()} == names | {service.MANIFEST}


def test_backup_never_overwrites(app, source):
    before = source["archive"].read_bytes()
    result = app.test_cli_runner().invoke(args=["backup", "--output", str(source["archive"])])
    assert result.exit_code != 0 and "already exists" in result.output
    assert source["archive"].read_bytes() == before


def test_answering_no_changes_nothing(source, target):
    result = target.test_cli_runner().invoke(args=["restore", str(source["archive"])], input="n\n")
    assert result.exit_code != 0 and "Aborted" in result.output
    assert _is_empty(target)


# --- refused archives ---------------------------------------------------------------------


def test_a_flipped_byte_is_refused_and_nothing_changes(source, target, tmp_path):
    damaged = tmp_path / "damaged.tar.gz"
    data = bytearray(source["archive"].read_bytes())
    data[len(data) // 2] ^= 0x01
    damaged.write_bytes(bytes(data))
    result = _restore(target, damaged, "--yes")
    assert result.exit_code == 1
    assert "damaged" in result.output and "Nothing was changed" in result.output
    assert _is_empty(target)


def test_an_altered_member_is_refused_by_name(source, target, tmp_path):
    def alter(members):
        return [(i, d + b"\n" if i.name == "keys/demo/ca.cert.pem" else d) for i, d in members]

    result = _restore(target, _rewrite(source["archive"], tmp_path / "a.tar.gz", alter), "--yes")
    assert result.exit_code == 1
    assert "ca.cert.pem" in result.output and "the manifest says" in result.output
    assert _is_empty(target)


def test_a_changed_row_is_refused(source, target, tmp_path):
    def alter(members):
        return [
            (i, d.replace(b'"state":"issued"', b'"state":"ISSUED"'))
            if i.name == "database/verification_case.jsonl"
            else (i, d)
            for i, d in members
        ]

    result = _restore(target, _rewrite(source["archive"], tmp_path / "r.tar.gz", alter), "--yes")
    assert result.exit_code == 1
    assert "database/verification_case.jsonl: SHA-256 differs" in result.output
    assert _is_empty(target)


def test_an_added_member_is_refused(source, target, tmp_path):
    def add(members):
        extra = tarfile.TarInfo("storage/objects/00/00/" + "0" * 64)
        return [*members[:-1], (extra, b"planted"), members[-1]]

    result = _restore(target, _rewrite(source["archive"], tmp_path / "p.tar.gz", add), "--yes")
    assert result.exit_code == 1 and "not listed in the manifest" in result.output
    assert "0" * 64 in result.output
    assert _is_empty(target)


def test_a_removed_member_is_refused(source, target, tmp_path):
    removed = []

    def remove(members):
        kept = [(i, d) for i, d in members if not i.name.endswith(".key.pem")]
        removed.extend(i.name for i, d in members if i.name.endswith(".key.pem"))
        return kept

    result = _restore(target, _rewrite(source["archive"], tmp_path / "m.tar.gz", remove), "--yes")
    assert result.exit_code == 1 and "missing from the archive" in result.output
    assert removed and all(name in result.output for name in removed)
    assert _is_empty(target)


def _link(name, kind, linkname="/etc/passwd"):
    info = tarfile.TarInfo(name)
    info.type, info.linkname = kind, linkname
    return info


@pytest.mark.parametrize(
    ("member", "message"),
    [
        (tarfile.TarInfo("../outside"), "not a plain relative path"),
        (tarfile.TarInfo("keys/../../outside"), "not a plain relative path"),
        (tarfile.TarInfo("/etc/cron.d/evil"), "not a plain relative path"),
        (_link("keys/demo/evil.pem", tarfile.SYMTYPE), "is a link"),
        (_link("keys/demo/hard.pem", tarfile.LNKTYPE, "keys/demo/ca.key.pem"), "is a link"),
        (_link("keys/demo", tarfile.DIRTYPE, ""), "not a regular file"),
    ],
    ids=["dotdot", "dotdot-inside", "absolute", "symlink", "hardlink", "directory"],
)
def test_unsafe_members_are_refused(source, target, tmp_path, member, message):
    def plant(members):
        return [(member, b"x" if member.isreg() else b""), *members]

    def listed(manifest):
        manifest["members"].append({"name": member.name, "size": 1, "sha256": "0" * 64})

    def change(members):
        return _edit_manifest(plant(members), listed)

    result = _restore(target, _rewrite(source["archive"], tmp_path / "u.tar.gz", change), "--yes")
    assert result.exit_code == 1 and "Unsafe member refused" in result.output
    assert message in result.output
    assert _is_empty(target) and not (tmp_path.parent / "outside").exists()


def test_another_revision_is_refused_with_the_reason(source, target, tmp_path):
    def older(members):
        return _edit_manifest(
            members, lambda m: m["database"].__setitem__("revision", "0002_emissions")
        )

    result = _restore(target, _rewrite(source["archive"], tmp_path / "o.tar.gz", older), "--yes")
    assert result.exit_code == 1
    assert "Revision mismatch" in result.output and "0002_emissions" in result.output
    assert "flask db upgrade 0002_emissions" in result.output
    assert _is_empty(target)


def test_not_an_archive_is_refused(target, tmp_path):
    junk = tmp_path / "junk.tar.gz"
    junk.write_bytes(b"not a backup at all\n" * 100)
    result = _restore(target, junk, "--yes")
    assert result.exit_code == 1 and "cannot be read as a .tar.gz archive" in result.output
    assert _is_empty(target)


# --- refused targets ----------------------------------------------------------------------


def test_a_database_with_rows_is_refused(app, source):
    with setup(app):
        create_organisation(OrgKind.SME, "Already here Ltd")
    before = _rows(app)
    result = _restore(app, source["archive"], "--yes")
    assert result.exit_code == 1
    assert "empty instance" in result.output and "organisation" in result.output
    assert _rows(app) == before


def test_a_key_folder_with_files_is_refused(source, target):
    _, keys = _dirs(target)
    keys.mkdir(parents=True, exist_ok=True)
    (keys / "stray.pem").write_bytes(b"left over")
    result = _restore(target, source["archive"], "--yes")
    assert result.exit_code == 1 and "KEYS_DIR" in result.output and "stray.pem" in result.output
    assert not any(_rows(target).values())
    assert _files(keys) == {"stray.pem": b"left over"}


# --- failing midway -----------------------------------------------------------------------


def test_a_failure_midway_rolls_back_and_removes_the_files(source, target, monkeypatch):
    real = _Restorer.write_file
    calls = []

    def failing(self, *args, **kwargs):
        calls.append(args)
        if len(calls) == 3:
            raise OSError(28, "No space left on device")
        return real(self, *args, **kwargs)

    monkeypatch.setattr(_Restorer, "write_file", failing)
    result = _restore(target, source["archive"], "--yes")
    assert result.exit_code == 1, result.output
    assert "undone" in result.output and "No space left on device" in result.output
    assert len(calls) == 3
    assert _is_empty(target)
    objects, keys = _dirs(target)
    assert not objects.exists() and not keys.exists()


# --- values -------------------------------------------------------------------------------


class Colour(Enum):
    RED = "r"
    BLUE = "b"


def test_values_round_trip_without_loss():
    """Types the schema may grow into: what goes out as JSON comes back equal."""
    table = Table(
        "sample",
        MetaData(),
        Column("id", Integer, primary_key=True),
        Column("flag", Boolean),
        Column("amount", Numeric(20, 6)),
        Column("ratio", Float),
        Column("at", UTCDateTime()),
        Column("naive", DateTime()),
        Column("day", Date),
        Column("clock", Time),
        Column("span", Interval),
        Column("blob", LargeBinary),
        Column("ident", Uuid),
        Column("colour", SAEnum(Colour)),
        Column("doc", JSON),
        Column("label", String(50)),
    )
    import uuid

    row = {
        "id": 2**40,
        "flag": False,
        "amount": Decimal("12345678901234.000100"),
        "ratio": 0.1,
        "at": datetime(2025, 3, 30, 1, 30, 0, 123456, tzinfo=UTC),
        "naive": datetime(2025, 1, 1, 12, 0),
        "day": date(2024, 2, 29),
        "clock": time(23, 59, 59, 999999),
        "span": timedelta(days=3, microseconds=7),
        "blob": bytes(range(256)),
        "ident": uuid.uuid4(),
        "colour": Colour.BLUE,
        "doc": {"a": [1, 2.5, None, "ü"]},
        "label": "Grüße \u2028 \x00",
    }
    line = json.dumps({k: service.encode_value(v) for k, v in row.items()})
    back = {k: service.decoder(table.c[k])(v) for k, v in json.loads(line).items()}
    assert back == row
    assert all(service.decoder(c)(None) is None for c in table.columns if c.name != "doc")
