"""Browser fixtures: Debian's Chromium driven through Playwright's sync API.

Playwright cannot download its own browsers here, so the system Chromium is launched
directly. Its profile, caches and temporary files go to a folder of the test session
(HOME and TMPDIR point there), never to the real home directory.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, expect, sync_playwright

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
ACTION_TIMEOUT_MS = 15_000  # clicks, fills, waits for an element
NAVIGATION_TIMEOUT_MS = 30_000  # page loads, form posts (the first one compiles templates)
VIEWPORT = {"width": 1280, "height": 900}


def pytest_collection_modifyitems(config, items):
    """Run the tests that use the browser after all the others.

    While Playwright's sync API is started, its event loop counts as running in the main
    thread, so any later test that calls asyncio.run() (pyHanko's signing does) would fail
    with "asyncio.run() cannot be called from a running event loop". The browser is
    session-scoped, so it must only start once nothing else is left to run.
    """
    items.sort(key=lambda item: "browser" in getattr(item, "fixturenames", ()))


@pytest.fixture(scope="session")
def browser(tmp_path_factory) -> Iterator[Browser]:
    if not os.access(CHROMIUM, os.X_OK):
        pytest.fail(f"{CHROMIUM} not found: install Debian's chromium package (make sysdeps)")
    home = tmp_path_factory.mktemp("chromium-home")
    tmp = home / "tmp"
    tmp.mkdir()
    env = {
        **os.environ,
        "HOME": str(home),
        "TMPDIR": str(tmp),
        "XDG_CONFIG_HOME": str(home / ".config"),
        "XDG_CACHE_HOME": str(home / ".cache"),
    }
    expect.set_options(timeout=ACTION_TIMEOUT_MS)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS, env=env, timeout=60_000
        )
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def new_context(browser, live_server) -> Iterator[Callable[[], BrowserContext]]:
    """Makes a fresh browser context (its own cookies) on the live server; closes them all."""
    contexts: list[BrowserContext] = []

    def make() -> BrowserContext:
        context = browser.new_context(
            base_url=live_server, accept_downloads=True, viewport=VIEWPORT, locale="en-GB"
        )
        context.set_default_timeout(ACTION_TIMEOUT_MS)
        context.set_default_navigation_timeout(NAVIGATION_TIMEOUT_MS)
        contexts.append(context)
        return context

    yield make
    for context in contexts:
        context.close()


@pytest.fixture(scope="session")
def artifacts() -> Path:
    """Screenshots kept after the run (test-artifacts/ is gitignored), none left from before."""
    path = ROOT / "test-artifacts" / "browser"
    path.mkdir(parents=True, exist_ok=True)
    for old in path.glob("*.png"):
        old.unlink()
    return path
