"""What the browser tests share: a person in their own browser context, with what went wrong
on their pages recorded, and the checks every step makes (the state badge, the flash)."""

from __future__ import annotations

import re
from pathlib import Path

from playwright.sync_api import Page, expect
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from tests.factories import PASSWORD, Clock

ISSUANCE_TIMEOUT_MS = 60_000  # the worker renders and signs the PDF


class Person:
    """One browser context and page, with what went wrong on it recorded."""

    def __init__(self, context, name: str):
        self.name = name
        self.page: Page = context.new_page()
        self.problems: list[str] = []  # asserted empty at the end of the journey
        self.csp_violations: list[str] = []  # also console errors; asserted on their own
        self.trace: list[str] = []  # what the page did, for the failure message
        self.page.on("pageerror", lambda exc: self.problems.append(f"JS error: {exc}"))
        self.page.on("console", self._console)
        self.page.on("response", self._response)
        self.page.on("requestfailed", lambda r: self.trace.append(f"FAILED {r.method} {r.url}"))

    def _console(self, message) -> None:
        self.trace.append(f"console.{message.type}: {message.text}")
        where = message.location.get("url", "")
        # The app serves no favicon; Chromium's own request for it is not a page problem.
        if message.type == "error" and not where.endswith("/favicon.ico"):
            self.problems.append(f"console error: {message.text} ({where})")
        if "Content Security Policy" in message.text:
            self.csp_violations.append(f"{message.text} ({where})")

    def _response(self, response) -> None:
        self.trace.append(f"{response.request.method} {response.url} -> {response.status}")
        if response.status >= 500:
            self.problems.append(f"{response.status} {response.url}")
        if response.request.resource_type == "document" and not response.headers.get(
            "content-security-policy"
        ):
            self.problems.append(f"no Content-Security-Policy on {response.url}")

    def diagnosis(self, json_url: str) -> str:
        """What the page shows and what the server says, when a wait runs out."""
        reply = self.page.request.get(json_url)
        return "\n".join(
            [
                f"{self.name} at {self.page.url}",
                f"{json_url} now answers {reply.status}: {reply.text()[:500]}",
                *self.trace[-25:],
            ]
        )

    def sign_in(self, email: str, code: str | None = None) -> None:
        """Password, then the code of the authenticator app when one is given."""
        page = self.page
        page.goto("/login")
        page.get_by_label("Email").fill(email)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        if code is not None:
            expect(page).to_have_url(re.compile(r"/login/two-factor$"))
            page.get_by_label("Authentication code").fill(code)
            page.get_by_role("button", name="Verify").click()
        expect(page).to_have_url(re.compile(r"/cases/$"))
        expect(page.get_by_role("button", name="Sign out")).to_be_visible()

    def set_up_two_factor(self, clock: Clock, folder: Path, shot: str) -> None:
        """Signed in with a password only, sent to enrolment: scan (read the key), confirm
        with the app's code, keep the recovery codes, go on."""
        page = self.page
        expect(page).to_have_url(re.compile(r"/account/two-factor/setup\?next=/dashboard$"))
        expect(page.locator("figure.qr svg")).to_be_visible()
        secret = page.locator("#totp-secret").inner_text().replace(" ", "")
        self.screenshot(folder, shot)
        page.get_by_label("Authentication code").fill(clock.code(secret))
        page.locator("#setup-submit").click()
        expect(page.locator("#recovery-codes li")).to_have_count(10)
        page.locator("#recovery-codes-done").click()
        expect(page).to_have_url(re.compile(r"/cases/$"))

    def reauthenticate(self, next_path: str, code: str, folder: Path, shot: str) -> None:
        """Sent to /reauth by an action that needs a recent sign-in: password and code, then
        back to ``next_path``."""
        page = self.page
        expect(page).to_have_url(re.compile(rf"/reauth\?next={re.escape(next_path)}$"))
        expect(page.locator(".flash.info")).to_contain_text("confirm it is you first")
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_label("Authentication code").fill(code)
        self.screenshot(folder, shot)
        page.locator("#reauth-submit").click()
        expect(page).to_have_url(re.compile(rf"{re.escape(next_path)}$"))
        expect_flash(page, "Confirmed")

    def open_case(self, case_id: int, title: str) -> None:
        """From the list of cases, by the case's title."""
        page = self.page
        page.goto("/cases/")
        page.get_by_role("link", name=title, exact=True).click()
        expect(page).to_have_url(re.compile(rf"/cases/{case_id}$"))

    def download(self, selector: str, save_to: Path):
        with self.page.expect_download() as info:
            self.page.locator(selector).click()
        download = info.value
        assert download.failure() is None, download.failure()
        download.save_as(save_to)
        return download, save_to.read_bytes()

    def screenshot(self, folder: Path, name: str) -> None:
        self.page.screenshot(path=folder / name, full_page=True)


def expect_state(page: Page, state: str) -> None:
    """The case badge shows ``state`` (its class carries the machine name; the text is
    translated)."""
    expect(page.locator("#case-state")).to_have_class(re.compile(rf"\bstate-{state}\b"))


def expect_flash(page: Page, text: str) -> None:
    expect(page.locator(".flash.success")).to_contain_text(text)


def wait_for_statement(person: Person, case_id: int, timeout_ms: int = ISSUANCE_TIMEOUT_MS) -> None:
    """On the case page after approval: wait until case.js shows the statement's download
    link (the worker issued it), failing with what the page and the server say if the job
    failed or the wait ran out."""
    page = person.page
    progress_url = f"/cases/{case_id}/issuance.json"
    try:
        page.wait_for_function(
            """() => document.getElementById("download-statement")
                  || document.querySelector("#issuance .progress[data-status=failed]")""",
            polling=250,  # a timer, not requestAnimationFrame
            timeout=timeout_ms,
        )
    except PlaywrightTimeoutError as exc:
        raise AssertionError(f"no statement link:\n{person.diagnosis(progress_url)}") from exc
    if not page.locator("#download-statement").count():
        raise AssertionError(f"issuance failed:\n{person.diagnosis(progress_url)}")


def assert_no_problems(people: list[Person]) -> None:
    """No JS error, console error, 5xx or page without a Content-Security-Policy, for anyone."""
    csp_violations = [f"{p.name}: {v}" for p in people for v in p.csp_violations]
    # A helper module's asserts are not rewritten by pytest: say what was found.
    assert csp_violations == [], "the Content-Security-Policy was violated:\n" + "\n".join(
        csp_violations
    )
    problems = [f"{p.name}: {problem}" for p in people for problem in p.problems]
    assert problems == [], "problems on the pages:\n" + "\n".join(problems)
