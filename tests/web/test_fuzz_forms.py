"""Hypothesis against every form, as every role: no server error, nothing half-written.

The routes are every rule of ``app.url_map`` that takes POST, except the JSON API (which
``test_fuzz_api.py`` covers with schemathesis). Their fields are read from the forms on the
app's own pages, crawled as the role under test, so a new form is fuzzed without touching
this file; a route whose form was not seen gets every field seen anywhere. Each example
POSTs generated values (unicode, control characters, huge strings, numbers, dates, files,
missing, repeated and extra fields) to a URL built with ids of cases in every state. Every
route starts from the same rows (saved once, put back before each route), so a route that
moves a case on (submit, withdraw) does not take the draft away from the next one.

The checks: no 5xx; no answer takes longer than ``SLOW_SECONDS`` (a request that one
person can make cost minutes of a worker is a denial of service); and when the answer is a
refusal (a 4xx, or a page or redirect that flashes an error and no success) the database
rows and the file store are as before.

Bounded and deterministic: ``FUZZ_EXAMPLES`` examples (default 15) per route and role,
from a seed fixed per route and role, no example database. Failing examples are not shrunk
(a slow one would take hours to shrink); the message describes the request instead.
"""

from __future__ import annotations

import io
import os
import re
import time
import traceback
import zlib
from dataclasses import dataclass, field
from datetime import date
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import pytest
from celery.app.task import Task
from hypothesis import HealthCheck, Phase, Verbosity, example, given, seed, settings
from hypothesis import strategies as st
from sqlalchemy import select
from werkzeug.exceptions import HTTPException
from werkzeug.routing import AnyConverter, BuildError, IntegerConverter, RequestRedirect

from tests.factories import ANSWERS, PDF_BYTES, World, setup, sign_in
from verification.accounts.models import User
from verification.cases import permissions as perm
from verification.cases import services as cases
from verification.cases.models import Case
from verification.emissions.models import ActivityLine
from verification.evidence.models import EvidenceFile
from verification.extensions import db
from verification.methodologies import registry
from verification.review import services as review
from verification.workflow.rules import Action

ROLES = ("anonymous", "sme", "vb_admin", "verifier", "reviewer", "lender", "admin")
MAX_EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "15"))
# Tables that record attempts by design, refused ones included (login throttling).
ATTEMPT_TABLES = {"login_attempt"}
# Columns the Celery worker changes on its own, whenever it delivers: a message queued by an
# earlier test (SQLite reuses row ids once a table is emptied) may be delivered in the
# middle of this one. A refused request must not queue mail; delivering is not its doing.
DELIVERY_COLUMNS = {"outbound_email": {"status", "sent_at", "error"}}
MISSING_ID = 987654
SLOW_SECONDS = 3.0  # the app answers these in milliseconds
# Every field at once in the first example of each route: long, and not ASCII (a validator
# that is quadratic in the length shows here), yet within Werkzeug's 500 kB per form field.
LONG = "é" * 150_000
REDIRECTS = {301, 302, 303, 307, 308}

# --- values --------------------------------------------------------------------------------

TRICKY = [
    "",
    " ",
    "\x00",
    "a\x00b",
    "0",
    "-1",
    "-0",
    "0.0000000000000000000000000001",
    "1e309",
    "1E+999999",
    "NaN",
    "-Infinity",
    "9" * 60,
    "12,000",
    "1,2,3",
    ".5",
    "0000-00-00",
    "2025-02-30",
    "9999-12-31",
    "0001-01-01",
    "２０２５",
    "١٢",
    "𝟘𝟙",
    "\u202egnp.exe",
    "\ufeff12",
    "<script>alert(1)</script>",
    "' OR '1'='1",
    "%00",
    "../../etc/passwd",
    "null",
    "[]",
    "{}",
    "true",
]
PLAUSIBLE = [
    "12",
    "12000",
    "0.05",
    "2025",
    "1000",
    "kWh",
    "MWh",
    "t",
    "L",
    "CN",
    "cn",
    "yes",
    "no",
    "Plant 1",
    "A note.",
    "correct-horse-battery",
    "someone@example.com",
    "2025-01-01",
    "2025-12-31",
]
HUGE = st.builds(
    lambda ch, n: ch * n,
    st.sampled_from(["9", "é", "😀", "\x00", "x "]),
    # under and over FORM_FIELD_MAX_CHARS (20,000), which refuses the whole request
    st.sampled_from([3_000, 19_000, 60_000]),
)
GARBAGE = st.one_of(
    st.text(max_size=40),
    st.text(st.characters(max_codepoint=0x1F, exclude_characters="\x00"), max_size=8),
    st.sampled_from(TRICKY),
    st.integers(-(10**40), 10**40).map(str),
    st.decimals(allow_nan=True, allow_infinity=True).map(str),
    st.floats().map(repr),
    st.dates().map(date.isoformat),
    HUGE,
)
SMALL = st.one_of(st.sampled_from(PLAUSIBLE + TRICKY), st.text(max_size=20))
FILE_CONTENT = st.one_of(
    st.sampled_from(
        [
            PDF_BYTES,
            b"",
            b"month,site,kwh\n2025-01,Mill,1000\n",
            b"category,factor,quantity,unit,data_type\nx,y,-1,kWh,metered\n",
            b"key,dataset,version\n",
            b"PK\x03\x04" + b"\x00" * 40,
            b"\xef\xbb\xbf\xff\xfe\x00",
            b"%PDF-1.7\n" + b"\x00" * 64,
        ]
    ),
    st.binary(max_size=300),
)
FILE_NAME = st.one_of(
    st.sampled_from(
        ["invoice.pdf", "lines.csv", "lines.xlsx", "", "../../x.pdf", "a" * 300 + ".pdf"]
        + ["файл.csv", "x\x00.pdf", "CON", ".pdf", "no-extension"]
    ),
    st.text(max_size=30),
)
FILES = st.builds(lambda content, name: (io.BytesIO(content), name), FILE_CONTENT, FILE_NAME)
EXTRA = st.dictionaries(st.text(min_size=1, max_size=12), SMALL, max_size=3)


@dataclass
class Field:
    kind: str  # an <input> type, "select" or "textarea"
    options: set[str] = field(default_factory=set)


def value_strategy(f: Field) -> st.SearchStrategy:
    if f.kind == "file":
        return st.one_of(FILES, SMALL)
    good = [st.sampled_from(sorted(f.options))] if f.options else []
    if f.kind == "date":
        good.append(st.dates().map(date.isoformat))
    if f.kind == "email":
        good.append(st.emails())
    good.append(st.sampled_from(PLAUSIBLE))
    one = st.one_of(*good, GARBAGE)
    return st.one_of(one, st.lists(one, min_size=2, max_size=3))  # also a repeated field


def body_strategy(fields: dict[str, Field]) -> st.SearchStrategy:
    """Any subset of the fields, each valid-looking or not, plus unknown ones."""
    optional = {name: value_strategy(f) for name, f in sorted(fields.items())}
    return st.builds(
        lambda known, extra, multipart: ({**extra, **known}, multipart),
        st.fixed_dictionaries({}, optional=optional),
        EXTRA,
        st.booleans(),
    )


# --- the forms on the app's pages ----------------------------------------------------------


class FormParser(HTMLParser):
    """Each form's method and action, and its fields (also those outside it with form=)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: dict[str, dict] = {}
        self.fields: dict[str, dict[str, Field]] = {}
        self._open: str | None = None
        self._select: Field | None = None

    def handle_starttag(self, tag, attrs):
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            key = a.get("id") or f"form-{len(self.forms)}"
            self.forms[key] = {
                "method": a.get("method", "get").lower(),
                "action": a.get("action", ""),
            }
            self._open = key
        elif tag in ("input", "select", "textarea", "button") and a.get("name"):
            owner = a.get("form") or self._open
            if owner is None:
                return
            kind = a.get("type", "text") if tag == "input" else tag
            f = self.fields.setdefault(owner, {}).setdefault(a["name"], Field(kind))
            if kind in ("radio", "checkbox", "hidden", "submit", "button") and "value" in a:
                f.options.add(a["value"])
            if tag == "select":
                self._select = f
        elif tag == "option" and self._select is not None and "value" in a:
            self._select.options.add(a["value"])

    def handle_endtag(self, tag):
        if tag == "form":
            self._open = None
        elif tag == "select":
            self._select = None


@dataclass
class Catalogue:
    """What the crawl saw: fields and URL arguments of each POST endpoint."""

    fields: dict[str, dict[str, Field]] = field(default_factory=dict)
    args: dict[str, list[dict]] = field(default_factory=dict)

    def add_page(self, adapter, page_url: str, html: str) -> None:
        parser = FormParser()
        parser.feed(html)
        for key, form in parser.forms.items():
            if form["method"] != "post":
                continue
            path = urlsplit(urljoin(page_url, form["action"])).path
            try:
                endpoint, args = adapter.match(path, method="POST")
            except (HTTPException, RequestRedirect):
                continue
            seen = self.fields.setdefault(endpoint, {})
            for name, f in parser.fields.get(key, {}).items():
                if name == "csrf_token":  # CSRF is off in the test app
                    continue
                seen.setdefault(name, Field(f.kind)).options |= f.options
            if args not in self.args.setdefault(endpoint, []):
                self.args[endpoint].append(args)

    def every_field(self) -> dict[str, Field]:
        merged: dict[str, Field] = {}
        for fields in self.fields.values():
            for name, f in fields.items():
                merged.setdefault(name, Field(f.kind)).options |= f.options
        return merged


# --- the world ---------------------------------------------------------------------------


def build_world(app) -> tuple[World, dict[str, list]]:
    """Users of every role and cases in every state; the ids URLs are built from."""
    with setup(app):
        world = World()
        draft = world.open_case("Draft case")
        cases.save_answers(draft, world.sme_user, ANSWERS)
        world.attach(draft)
        world.add_line(draft)
        world.add_line(
            draft,
            scope=2,
            category="purchased_electricity",
            factor_key="cn-mee-2023-national-grid",
            quantity="1000",
            unit="kWh",
        )
        world.submitted_case()
        world.assigned_case()
        in_review = world.assigned_case()
        review.record_finding(
            in_review, world.verifier, perm.actor(world.verifier, in_review), "E1", "conforms", ""
        )
        world.reviewed_case()
        cases.open_case(
            world.other_sme_user,
            registry.get("sme-esg-starter", "1.0.0"),
            world.vb,
            "Someone else's case",
            date(2025, 1, 1),
            date(2025, 12, 31),
        )
    with app.app_context():
        ids = {
            "case_id": list(db.session.scalars(select(Case.id).order_by(Case.id))),
            "line_id": list(db.session.scalars(select(ActivityLine.id).order_by(ActivityLine.id))),
            "evidence_id": list(
                db.session.scalars(select(EvidenceFile.id).order_by(EvidenceFile.id))
            ),
            "user_id": list(db.session.scalars(select(User.id).order_by(User.id))),
            # objects of a case, with their case: URLs that name both get matching pairs
            "line_id@case": [
                tuple(row)
                for row in db.session.execute(
                    select(ActivityLine.case_id, ActivityLine.id).order_by(ActivityLine.id)
                )
            ],
        }
    ids["code"] = [*ANSWERS, "ZZ9"]
    ids["action"] = [str(a) for a in Action] + ["no-such-action"]
    return world, ids


def arg_strategy(rule, name: str, ids: dict[str, list]) -> st.SearchStrategy:
    converter = rule._converters[name]
    if isinstance(converter, AnyConverter):
        return st.sampled_from(sorted(converter.items))
    if name in ids:
        return st.sampled_from([*ids[name], MISSING_ID] if name.endswith("_id") else ids[name])
    if isinstance(converter, IntegerConverter):
        every = sorted({i for key, v in ids.items() if key.endswith("_id") for i in v})
        return st.sampled_from([*every, 0, MISSING_ID])
    return st.one_of(st.sampled_from(["x", "0", "no-such-token"]), st.text(min_size=1, max_size=60))


def url_args_strategy(rule, ids: dict[str, list]) -> st.SearchStrategy:
    independent = st.fixed_dictionaries({a: arg_strategy(rule, a, ids) for a in rule.arguments})
    owned = [a for a in rule.arguments if "case_id" in rule.arguments and f"{a}@case" in ids]
    if not owned:
        return independent
    name = owned[0]
    matched = st.tuples(independent, st.sampled_from(ids[f"{name}@case"])).map(
        lambda t: {**t[0], "case_id": t[1][0], name: t[1][1]}
    )
    return st.one_of(matched, independent)


def default_args(rule, ids: dict[str, list]) -> dict:
    args = {}
    for name in rule.arguments:
        converter = rule._converters[name]
        if isinstance(converter, AnyConverter):
            args[name] = sorted(converter.items)[0]
        elif name in ids and ids[name]:
            args[name] = ids[name][0]
        else:
            args[name] = "x"
    return args


def first_url(adapter, rule, ids: dict[str, list]) -> list[str]:
    """URLs of a GET rule for the crawl: one per case when it takes a case."""
    base = default_args(rule, ids)
    owned = [a for a in rule.arguments if "case_id" in base and f"{a}@case" in ids]
    if owned:
        variants = [{**base, "case_id": c, owned[0]: o} for c, o in ids[f"{owned[0]}@case"]]
    elif "case_id" in base:
        variants = [{**base, "case_id": c} for c in ids["case_id"]]
    else:
        variants = [base]
    urls = []
    for values in variants:
        try:
            urls.append(adapter.build(rule.endpoint, values, method="GET"))
        except (BuildError, ValueError):
            continue
    return urls


def crawl(app, client, ids) -> Catalogue:
    catalogue = Catalogue()
    adapter = app.url_map.bind("localhost")
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.endpoint == "static" or rule.rule.startswith("/api"):
            continue
        for url in first_url(adapter, rule, ids):
            with client.get(url) as response:  # closes the file a download opened
                if response.status_code == 200 and response.mimetype == "text/html":
                    catalogue.add_page(adapter, url, response.get_data(as_text=True))
    return catalogue


def form_rules(app) -> list:
    return sorted(
        (
            rule
            for rule in app.url_map.iter_rules()
            if "POST" in rule.methods and not rule.rule.startswith("/api/")
        ),
        key=lambda rule: rule.endpoint,
    )


def save_rows(app) -> dict[str, list[dict]]:
    with app.app_context():
        return {
            table.name: [dict(row._mapping) for row in db.session.execute(select(table))]
            for table in db.metadata.sorted_tables
        }


def restore_rows(app, saved: dict[str, list[dict]]) -> None:
    with app.app_context():
        for table in reversed(db.metadata.sorted_tables):
            db.session.execute(table.delete())
        for table in db.metadata.sorted_tables:
            if saved[table.name]:
                db.session.execute(table.insert(), saved[table.name])
        db.session.commit()


# --- the check -----------------------------------------------------------------------------


def _compared(table):
    skip = DELIVERY_COLUMNS.get(table.name, set())
    return select(*(c for c in table.columns if c.name not in skip))


def snapshot(app) -> dict:
    """Every row of every table (but the attempt logs) and every stored file."""
    with app.app_context():
        state = {
            table.name: sorted(repr(tuple(row)) for row in db.session.execute(_compared(table)))
            for table in db.metadata.sorted_tables
            if table.name not in ATTEMPT_TABLES
        }
        store = app.extensions["file_store"]
        state["<file store>"] = sorted(
            str(p.relative_to(store.objects)) for p in store.objects.rglob("*") if p.is_file()
        )
        db.session.rollback()
    return state


def flashed(client, response) -> set[str]:
    """The categories of the messages the response flashed (shown, or kept for the redirect)."""
    if response.status_code in REDIRECTS:
        with client.session_transaction() as session:
            return {category for category, _message in session.get("_flashes", [])}
    if response.mimetype == "text/html":
        return set(re.findall(r'class="flash (\w+)"', response.get_data(as_text=True)))
    return set()


def describe(data: dict, multipart: bool) -> str:
    """The request body in a line: long values by their length and first characters."""

    def short(value) -> str:
        if isinstance(value, tuple):
            return f"<file {short(value[1])}, {len(value[0].getvalue())} bytes>"
        if isinstance(value, list):
            return "[" + ", ".join(short(v) for v in value) + "]"
        return repr(value) if len(value) <= 40 else f"{value[:12]!r}... ({len(value)} chars)"

    fields = ", ".join(f"{short(k)}: {short(v)}" for k, v in data.items())
    return ("multipart " if multipart else "") + "{" + fields + "}"


def fuzz(app, rule, role: str, user_id: int | None, catalogue: Catalogue, ids, state):
    adapter = app.url_map.bind("localhost")
    fields = catalogue.fields.get(rule.endpoint) or catalogue.every_field()
    generated = url_args_strategy(rule, ids)
    seen = catalogue.args.get(rule.endpoint, [])
    url_args = st.one_of(st.sampled_from(seen), generated) if seen else generated
    long_body = {name: LONG for name, f in fields.items() if f.kind != "file"}

    @seed(zlib.crc32(f"{rule.endpoint} {role}".encode()))
    @settings(
        max_examples=MAX_EXAMPLES,
        deadline=None,
        database=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
        verbosity=Verbosity.quiet,
        print_blob=False,
    )
    @given(args=url_args, body=body_strategy(fields))
    @example(args=seen[0] if seen else default_args(rule, ids), body=(long_body, True))
    def run(args, body):
        data, multipart = body
        try:
            url = adapter.build(rule.endpoint, args, method="POST")
        except (BuildError, ValueError):
            url = adapter.build(rule.endpoint, seen[0], method="POST") if seen else rule.rule
        client = app.test_client()
        if user_id is not None:
            with app.app_context():
                sign_in(client, db.session.get(User, user_id))
        what = f"POST {url} as {role} with {describe(data, multipart)}"
        options = {"content_type": "multipart/form-data"} if multipart else {}
        started = time.perf_counter()
        response = client.post(url, data=data, **options)
        took = time.perf_counter() - started
        # Werkzeug's test client spools a large multipart body to a temporary file it does
        # not close itself.
        response.request.environ["wsgi.input"].close()
        status = response.status_code
        assert status < 500, f"{what}: answered {status}"
        assert took < SLOW_SECONDS, f"{what}: took {took:.1f} s"
        after = snapshot(app)
        kinds = flashed(client, response)
        if status >= 400 or ("error" in kinds and "success" not in kinds):
            changed = [name for name in after if after[name] != state["db"][name]]
            assert changed == [], f"{what}: refused ({status}) but changed {changed}"
        state["db"] = after

    run()


@pytest.mark.parametrize("role", ROLES)
def test_every_form_survives_fuzzing(app, monkeypatch, role):
    # Nothing leaves the process: an approval or an email queues no Celery message.
    monkeypatch.setattr(Task, "apply_async", lambda self, *args, **kwargs: None)
    world, ids = build_world(app)
    users = {
        "sme": world.sme_user,
        "vb_admin": world.vb_admin,
        "verifier": world.verifier,
        "reviewer": world.reviewer,
        "lender": world.lender,
        "admin": world.admin,
    }
    user_id = users[role].id if role in users else None
    client = app.test_client()
    if user_id is not None:
        sign_in(client, users[role])
    catalogue = crawl(app, client, ids)
    rules = form_rules(app)
    assert {"cases.save_answers", "emissions.add_line", "accounts.login"} <= {
        r.endpoint for r in rules
    }
    saved = save_rows(app)
    failures = []
    for rule in rules:
        restore_rows(app, saved)
        state = {"db": snapshot(app)}
        try:
            fuzz(app, rule, role, user_id, catalogue, ids, state)
        except Exception as exc:  # every route is fuzzed; all failures are reported together
            failures.append(f"{rule.endpoint}: {''.join(traceback.format_exception_only(exc))}")
    assert failures == [], "\n".join(failures)
