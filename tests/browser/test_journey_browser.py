"""The five steps of the journey in a real browser, as four different people.

Each person has their own browser context (their own cookies) on the live server, with
CSRF on; the statement is rendered and signed by the real Celery worker. A full-page
screenshot of each step is kept under test-artifacts/browser/.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.people import (
    Person,
    assert_no_problems,
    expect_flash,
    expect_state,
    wait_for_statement,
)
from tests.factories import PASSWORD, Clock, World, setup
from verification.statements import keys_service

pytestmark = [pytest.mark.browser, pytest.mark.worker]

CSV = b"month,site,kwh\n2025-01,Shaoxing mill,1000\n2025-02,Shaoxing mill,1100\n"
ORGANISATION = "Browser Weaving Co., Ltd."
CASE_TITLE = "FY2025 browser journey"
ISSUANCE_TIMEOUT_MS = 60_000  # the worker renders and signs the PDF
# criterion -> the verifier's finding
FINDINGS = {
    "E1": "conforms",
    "E2": "conforms",
    "E3": "not_applicable",
    "S1": "conforms",
    "S2": "conforms",
    "G1": "observation",
    "G2": "conforms",
}


def _signed(pdf: bytes, offset: int) -> bool:
    """Whether the byte at ``offset`` lies in the /ByteRange the signature covers."""
    found = re.search(rb"/ByteRange\s*\[\s*(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s*\]", pdf)
    assert found, "the statement PDF carries no signature /ByteRange"
    a, b, c, d = map(int, found.groups())
    return a <= offset < a + b or c <= offset < c + d


def test_journey_in_the_browser(
    app, live_server, worker, new_context, artifacts, tmp_path, monkeypatch
):
    clock = Clock(monkeypatch)  # two-factor codes and re-authentication read this clock
    with setup(app):
        world = World()  # the VB admin and the reviewer have two-factor authentication on
        keys_service.init_demo(world.vb)
        # The verifier sets it up in the browser (step 3).
        world.verifier.totp_secret = world.verifier.totp_enabled_at = None
    people: list[Person] = []

    def person(name: str) -> Person:
        people.append(Person(new_context(), name))
        return people[-1]

    # 1. A new SME registers, opens a case, answers, uploads evidence and submits.
    sme = person("SME")
    page = sme.page
    page.goto("/register")
    page.get_by_label("Organisation name").fill(ORGANISATION)
    page.get_by_label("Country").fill("cn")
    page.get_by_label("Sector").select_option("C")
    page.get_by_label("Your name").fill("Wang Fang")
    page.get_by_label("Email").fill("wang.fang@weaving.example.com")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Repeat password").fill(PASSWORD)
    page.get_by_role("button", name="Register").click()
    # An SME admin is an administrator: two-factor authentication comes first.
    sme.set_up_two_factor(clock, artifacts, "01a-sme-two-factor-setup.png")

    page.goto("/cases/new")
    page.get_by_label("Title").fill(CASE_TITLE)
    page.get_by_label("Methodology").select_option(label="SME ESG starter checklist (1.0.0)")
    page.get_by_label("Verification body").select_option(str(world.vb.id))
    page.get_by_label("Reporting period starts").fill("2025-01-01")
    page.get_by_label("Reporting period ends").fill("2025-12-31")
    page.get_by_label("Sites the case covers").fill("Shaoxing mill, 88 Keqiao Road")
    page.get_by_label("Organisational boundary").select_option("operational_control")
    page.get_by_role("button", name="Open case").click()
    expect(page).to_have_url(re.compile(r"/cases/\d+$"))
    case_id = int(re.search(r"/cases/(\d+)$", page.url).group(1))
    expect_state(page, "draft")
    criteria = page.locator("article.criterion")
    expect(criteria).to_have_count(len(FINDINGS))
    codes = criteria.evaluate_all("els => els.map(e => e.id.replace('criterion-', ''))")
    assert codes == list(FINDINGS), "the methodology changed: update the answers and FINDINGS"
    expect(page.locator(".blockers")).to_contain_text("Mandatory criteria not answered")

    def answer(name: str):
        return page.locator(f'[form="answers-form"][name="{name}"]')

    answer("answer-E1").fill("12,000")
    answer("unit-E1").select_option("kWh")
    for code in ("E2", "E3", "S1", "G1"):
        page.locator(f'[form="answers-form"][name="answer-{code}"][value="yes"]').check()
    answer("answer-S2").fill("40")
    answer("answer-G2").fill("The managing director.")
    page.locator("#save-answers").click()
    expect_flash(page, "7 answers saved")
    expect(answer("answer-E1")).to_have_value("12000")

    evidence_file = tmp_path / "meter.csv"
    evidence_file.write_bytes(CSV)
    upload = page.locator("#criterion-E1 form.upload")
    upload.locator('input[type="file"]').set_input_files(evidence_file)
    upload.get_by_role("button", name="Upload").click()
    expect_flash(page, "meter.csv attached to E1")
    expect(page.locator("#criterion-E1 a.evidence-file")).to_have_text("meter.csv")
    expect(page.locator(".blockers")).to_have_count(0)

    page.locator("#action-submit").click()
    expect_state(page, "submitted")
    expect(page.locator("#criterion-E1 .answer")).to_contain_text("12000 kWh")
    expect(page.locator("#save-answers")).to_have_count(0)
    sme.screenshot(artifacts, "01-sme-case-submitted.png")

    # 2. The verification body's admin assigns a verifier and a technical reviewer.
    admin = person("VB admin")
    admin.sign_in(world.vb_admin.email, clock.code(world.vb_admin.totp_secret))
    admin.open_case(case_id, CASE_TITLE)
    page = admin.page
    page.locator("#action-assign").click()
    page.get_by_label("Verifier", exact=True).select_option(str(world.verifier.id))
    page.get_by_label("Technical reviewer", exact=True).select_option(str(world.reviewer.id))
    page.locator("#assign-submit").click()
    expect(page).to_have_url(re.compile(rf"/cases/{case_id}$"))
    expect_flash(page, "Team assigned")
    expect_state(page, "assigned")
    expect(page.locator(".meta").nth(1)).to_contain_text(world.verifier.name)
    expect(page.locator(".meta").nth(1)).to_contain_text(world.reviewer.name)
    admin.screenshot(artifacts, "02-vb-admin-team-assigned.png")

    # 3. The verifier sets up two-factor authentication, downloads the evidence, records a
    #    finding on every criterion and sends the case to technical review.
    verifier = person("verifier")
    page = verifier.page
    page.goto("/login")
    page.get_by_label("Email").fill(world.verifier.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    verifier.set_up_two_factor(clock, artifacts, "03a-verifier-two-factor-setup.png")
    verifier.open_case(case_id, CASE_TITLE)
    page = verifier.page
    download, content = verifier.download("#criterion-E1 a.evidence-file", tmp_path / "got.csv")
    assert download.suggested_filename == "meter.csv"
    assert content == CSV
    for code, outcome in FINDINGS.items():
        page.locator(f"#finding-{code}").click()
        expect(page).to_have_url(re.compile(rf"/cases/{case_id}/criteria/{code}/finding$"))
        page.locator(f'input[name="outcome"][value="{outcome}"]').check()
        page.get_by_label("Note").fill(f"{code} checked against the evidence.")
        page.locator("#finding-submit").click()
        expect(page).to_have_url(re.compile(rf"/cases/{case_id}#criterion-{code}$"))
        expect_flash(page, f"Finding recorded on {code}")
        expect(page.locator(f"#criterion-{code} .outcome")).to_have_class(
            re.compile(rf"\boutcome-{outcome}\b")
        )
    expect_state(page, "in_review")
    # Sending on needs the conclusion (docs/workflow.md): drafted on its own page.
    blockers = page.locator("#blockers-send_to_technical_review")
    expect(blockers).to_contain_text("Draft the conclusion first")
    page.locator("#open-conclusion").click()
    page.get_by_label("Level of assurance").select_option("limited")
    page.get_by_label("Materiality threshold (%)").fill("5")
    page.get_by_label("Opinion", exact=True).select_option("unmodified")
    page.locator("#conclusion-submit").click()
    expect_flash(page, "Conclusion saved")
    page.get_by_role("link", name=f"← {CASE_TITLE}").click()
    expect(blockers).to_have_count(0)
    page.locator("#action-send_to_technical_review").click()
    expect_state(page, "in_technical_review")
    expect(page.locator("#finding-E1")).to_have_count(0)
    verifier.screenshot(artifacts, "03-verifier-sent-to-technical-review.png")

    # 4. The technical reviewer approves, confirming password and code first since the
    #    sign-in is more than ten minutes old; the page follows the worker until the PDF
    #    is ready.
    reviewer = person("reviewer")
    reviewer.sign_in(world.reviewer.email, clock.code(world.reviewer.totp_secret))
    reviewer.open_case(case_id, CASE_TITLE)
    page = reviewer.page
    clock.advance(app.config["REAUTH_MAX_AGE_SECONDS"] + 1)
    page.locator("#action-approve").click()
    expect(page).to_have_url(re.compile(rf"/reauth\?next=/cases/{case_id}$"))
    expect(page.locator(".flash.info")).to_contain_text("confirm it is you first")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_label("Authentication code").fill(clock.code(world.reviewer.totp_secret))
    reviewer.screenshot(artifacts, "04-reviewer-reauthenticates.png")
    page.locator("#reauth-submit").click()
    expect(page).to_have_url(re.compile(rf"/cases/{case_id}$"))
    expect_flash(page, "Confirmed")
    expect_state(page, "in_technical_review")
    page.locator("#action-approve").click()
    expect(page).to_have_url(re.compile(rf"/cases/{case_id}$"))
    expect(page.locator("#issuance")).to_be_visible()
    # Right after the redirect the job is still queued or under way (case.js polls it);
    # a very fast worker may already be done, and then the page shows the link itself.
    expect(page.locator("#issuance-status, #download-statement").first).to_be_visible()
    if page.locator("#issuance-status").count():
        expect(page.locator("#issuance-status")).to_be_visible()
        expect(page.locator("#issuance .progress")).to_have_attribute(
            "data-status", re.compile(r"^(queued|rendering|signing|done)$")
        )
        reviewer.screenshot(artifacts, "04a-reviewer-issuance-in-progress.png")
    wait_for_statement(reviewer, case_id, ISSUANCE_TIMEOUT_MS)
    # case.js rewrites the badge's text (not its class) once the statement is issued.
    expect(page.locator("#case-state")).to_have_text(re.compile(r"^\s*issued\s*$", re.I))
    reviewer.screenshot(artifacts, "04b-reviewer-statement-issued.png")

    # 5. The SME downloads the signed PDF ...
    page = sme.page
    page.reload()
    expect_state(page, "issued")
    download, pdf = sme.download("#download-statement", tmp_path / "sme.pdf")
    assert pdf.startswith(b"%PDF")
    number = download.suggested_filename.removesuffix(".pdf")
    assert re.fullmatch(r"VS-\d{4}-\d{6}", number), number
    expect(page.locator("#issuance")).to_contain_text(number)
    sme.screenshot(artifacts, "05a-sme-statement-issued.png")

    # ... and anyone finds it in the registry and checks it.
    public = person("anonymous")
    page = public.page
    page.goto("/registry")
    page.get_by_label("Search").fill("Browser Weaving")
    page.get_by_role("button", name="Search").click()
    # (the methodology and status filters are sent too, empty)
    expect(page).to_have_url(re.compile(r"/registry\?q=Browser\+Weaving(&|$)"))
    row = page.locator("table.list tbody tr", has_text=number)
    expect(row).to_have_count(1)
    expect(row).to_contain_text(ORGANISATION)
    expect(row.locator(".status")).to_have_class(re.compile(r"\bstatus-valid\b"))
    row.get_by_role("link", name=number).click()
    expect(page).to_have_url(re.compile(rf"/registry/{re.escape(number)}$"))
    expect(page.locator("#statement-status")).to_have_class(re.compile(r"\bstatus-valid\b"))
    expect(page.locator("#statement-status")).to_have_text(re.compile(r"^\s*valid\s*$", re.I))
    public.screenshot(artifacts, "05b-registry-statement.png")
    _download, public_pdf = public.download("#download-pdf", tmp_path / "public.pdf")
    assert public_pdf == pdf

    page.goto("/verify")
    page.get_by_label("Statement PDF").set_input_files(tmp_path / "public.pdf")
    page.locator("#verify-submit").click()
    report = page.locator("#verify-report")
    expect(report.locator("h2")).to_have_text("All checks passed")
    expect(report.locator("li.check.ok")).to_have_count(4)
    expect(report.locator("li.check.fail")).to_have_count(0)
    for check in ("signature_intact", "signer_trusted", "registered", "status"):
        expect(report.locator(f'li.check.ok[data-check="{check}"]')).to_have_count(1)
    public.screenshot(artifacts, "05c-verify-genuine.png")

    tampered = bytearray(pdf)
    middle = len(tampered) // 2
    assert _signed(pdf, middle), "the middle byte should be covered by the signature"
    tampered[middle] ^= 0x01
    (tmp_path / "tampered.pdf").write_bytes(bytes(tampered))
    page.get_by_label("Statement PDF").set_input_files(tmp_path / "tampered.pdf")
    page.locator("#verify-submit").click()
    report = page.locator("#verify-report")
    expect(report.locator("h2")).to_have_text("This file does not pass every check")
    expect(report.locator('li.check.fail[data-check="signature_intact"]')).to_have_count(1)
    expect(report.locator('li.check.fail[data-check="registered"]')).to_have_count(1)
    public.screenshot(artifacts, "05d-verify-tampered.png")

    assert_no_problems(people)
