"""The interface in Simplified Chinese (verification/translations/zh): the catalogue covers
the template and keeps every placeholder; the browser's language or the switcher chooses
it; every page renders in it, for every role, without an error."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from tests.factories import sign_in
from tests.web.test_fuzz_forms import build_world, first_url

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = ROOT / "verification/translations/messages.pot"
CATALOGUE = ROOT / "verification/translations/zh/LC_MESSAGES/messages.po"
# What must come through a translation unchanged: %-style and {}-style placeholders, tags.
PLACEHOLDER = re.compile(r"%\([^)]+\)[sdif]|%[sdif%]|\{[^}]*\}|</?[a-z][^>]*>")


def _read(path: Path):
    with path.open("rb") as f:
        return read_po(f)


@pytest.fixture(scope="module")
def zh(app):
    """The catalogue, compiled where Flask-Babel looks if `make` has not done it yet."""
    catalogue = _read(CATALOGUE)
    compiled = CATALOGUE.with_suffix(".mo")
    if not compiled.exists() or compiled.stat().st_mtime < CATALOGUE.stat().st_mtime:
        with compiled.open("wb") as f:
            write_mo(f, catalogue)
    return catalogue


def _text(message) -> tuple[str, ...]:
    return message.id if isinstance(message.id, tuple) else (message.id,)


def _strings(message) -> tuple[str, ...]:
    return message.string if isinstance(message.string, tuple) else (message.string,)


def test_every_message_is_translated_and_keeps_its_placeholders(zh):
    template = _read(TEMPLATE)
    assert not zh.fuzzy, "the catalogue is marked fuzzy: pybabel would not compile it"
    problems = []
    for message in template:
        if not message.id:
            continue
        translated = zh.get(message.id)
        if translated is None or not all(_strings(translated)) or translated.fuzzy:
            problems.append(f"untranslated: {_text(message)[0]!r}")
            continue
        wanted = sorted(PLACEHOLDER.findall(_text(message)[-1]))
        for string in _strings(translated):
            if sorted(PLACEHOLDER.findall(string)) != wanted:
                problems.append(f"placeholders differ: {_text(message)[0]!r} -> {string!r}")
    assert problems == [], "\n".join(problems[:20])


def _zh(message_id: str, catalogue) -> str:
    return catalogue.get(message_id).string


def test_the_browser_language_chooses_the_interface(app, zh):
    chinese = app.test_client().get("/login", headers={"Accept-Language": "zh-CN,zh;q=0.9"})
    assert '<html lang="zh">' in chinese.text
    assert _zh("Sign in", zh) in chinese.text and ">Sign in<" not in chinese.text
    english = app.test_client().get("/login", headers={"Accept-Language": "en-GB,en;q=0.8"})
    assert '<html lang="en">' in english.text and "Sign in" in english.text


def test_the_switcher_remembers_the_choice(app, zh):
    client = app.test_client()
    page = client.get("/registry")
    assert 'href="/language/zh?next=/registry"' in page.text
    switched = client.get("/language/zh?next=/registry")
    assert switched.status_code == 303 and switched.headers["Location"] == "/registry"
    assert "HttpOnly" in switched.headers["Set-Cookie"]
    assert '<html lang="zh">' in client.get("/registry").text
    # back to English, whatever the browser says
    client.get("/language/en?next=/registry")
    page = client.get("/registry", headers={"Accept-Language": "zh-CN"})
    assert '<html lang="en">' in page.text
    assert client.get("/language/fr").status_code == 404
    for elsewhere in ("//evil.example/x", "https://evil.example/", "/\\evil.example"):
        r = client.get("/language/zh", query_string={"next": elsewhere})
        assert r.headers["Location"] == "/", elsewhere


@pytest.mark.parametrize("role", ["anonymous", "sme", "verifier", "reviewer", "lender", "admin"])
def test_every_page_renders_in_chinese(app, zh, role):
    world, ids = build_world(app)
    client = app.test_client()
    client.set_cookie("lang", "zh")
    if role != "anonymous":
        users = {
            "sme": world.sme_user,
            "verifier": world.verifier,
            "reviewer": world.reviewer,
            "lender": world.lender,
            "admin": world.admin,
        }
        sign_in(client, users[role])
    adapter = app.url_map.bind("localhost")
    seen, failures = 0, []
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.endpoint in ("static", "main.language"):
            continue
        if rule.rule.startswith("/api"):
            continue
        for url in first_url(adapter, rule, ids):
            with client.get(url) as response:
                if response.status_code >= 500:
                    failures.append(f"{url}: {response.status_code}")
                elif response.mimetype == "text/html" and response.status_code == 200:
                    seen += 1
                    if '<html lang="zh">' not in response.get_data(as_text=True):
                        failures.append(f"{url}: not in Chinese")
    assert failures == [], failures
    assert seen >= 5
