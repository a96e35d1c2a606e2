"""The in-depth verification workflow in a real browser, as four people.

On the methodology sme-esg-starter 1.0.0: the SME answers and submits; the VB admin assigns
the team; the verifier raises a major non-conformity and a clarification request (the case
waits for the client); the SME answers both; the verifier closes the non-conformity, records
a site visit and the conclusion and sends the case on; the technical reviewer returns it
once, then approves after re-authenticating, and the real Celery worker issues the
statement. Only clicks and form fills after the initial set-up; a full-page screenshot of
each step is kept under test-artifacts/browser/.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import Page, expect

from tests.browser.people import (
    Person,
    assert_no_problems,
    expect_flash,
    expect_state,
    wait_for_statement,
)
from tests.factories import PDF_BYTES, Clock, World, setup
from verification.statements import keys_service

pytestmark = [pytest.mark.browser, pytest.mark.worker]

CASE_TITLE = "FY2025 workflow in depth"
METER_CSV = b"month,site,kwh\n2025-11,Main plant,1000\n2025-12,Main plant,1100\n"
CORRECTED_CSV = b"employee,contract_signed\nA-001,2025-03-01\nA-002,2025-03-04\n"
QUESTION = "Please send the December invoice"
RETURN_REASON = "Say which meters the site visit sampled."
SITE = "Main plant, Shaoxing"
# criterion -> the verifier's finding
FINDINGS = {
    "E1": "conforms",
    "E2": "conforms",
    "E3": "conforms",
    "S1": "major_nc",
    "S2": "conforms",
    "G1": "conforms",
    "G2": "conforms",
}


def _badge(page: Page, state: str, text: str) -> None:
    """The state badge by its machine name and by what the person reads."""
    expect_state(page, state)
    expect(page.locator("#case-state")).to_have_text(re.compile(rf"^\s*{text}\s*$", re.I))


def _blockers(page: Page):
    return page.locator("#blockers-send_to_technical_review")


def test_workflow_in_depth_in_the_browser(
    app, live_server, worker, new_context, artifacts, tmp_path, monkeypatch
):
    clock = Clock(monkeypatch)  # two-factor codes and re-authentication read this clock
    with setup(app):
        world = World()  # every person here has two-factor authentication on
        keys_service.init_demo(world.vb)
    people: list[Person] = []

    def person(name: str, user) -> Person:
        people.append(Person(new_context(), name))
        people[-1].sign_in(user.email, clock.code(user.totp_secret))
        return people[-1]

    def shot(who: Person, name: str) -> None:
        who.screenshot(artifacts, f"workflow-{name}.png")

    def file(name: str, content: bytes):
        path = tmp_path / name
        path.write_bytes(content)
        return path

    # 1. The SME admin opens a case, answers every criterion, attaches evidence, submits.
    sme = person("SME", world.sme_user)
    page = sme.page
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
    case_url = f"/cases/{case_id}"
    _badge(page, "draft", "draft")
    codes = page.locator("article.criterion").evaluate_all(
        "els => els.map(e => e.id.replace('criterion-', ''))"
    )
    assert sorted(codes) == sorted(FINDINGS), "the methodology changed: update the story"
    expect(page.locator("#blockers-submit")).to_contain_text("Mandatory criteria not answered")

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
    expect(page.locator("#blockers-submit")).to_contain_text("Evidence required but not attached")

    upload = page.locator("#criterion-E1 form.upload").first
    upload.locator('input[type="file"]').set_input_files(file("meter.csv", METER_CSV))
    upload.get_by_role("button", name="Upload").click()
    expect_flash(page, "meter.csv attached to E1")
    expect(page.locator("#blockers-submit")).to_have_count(0)
    page.locator("#action-submit").click()
    _badge(page, "submitted", "submitted")
    expect(page.locator("#criterion-E1 .answer")).to_contain_text("12000 kWh")
    shot(sme, "01-sme-submitted")

    # 2. The VB admin assigns the verifier (with a second verifier on the team, where the
    #    page offers it) and the technical reviewer.
    admin = person("VB admin", world.vb_admin)
    admin.open_case(case_id, CASE_TITLE)
    page = admin.page
    page.locator("#action-assign").click()
    expect(page).to_have_url(re.compile(rf"{case_url}/assign$"))
    expect(page.locator(f"#candidate-{world.verifier.id}")).to_have_class(
        re.compile(r"\beligible\b")
    )
    page.get_by_label("Verifier", exact=True).select_option(str(world.verifier.id))
    if page.locator('select[name="team"]').count():
        page.locator('select[name="team"]').select_option(str(world.other_verifier.id))
    if page.locator('input[name="due_on"]').count():
        due = (datetime.now(UTC).date() + timedelta(days=30)).isoformat()
        page.locator('input[name="due_on"]').fill(due)
    page.get_by_label("Technical reviewer", exact=True).select_option(str(world.reviewer.id))
    shot(admin, "02a-vb-admin-assign-form")
    page.locator("#assign-submit").click()
    expect(page).to_have_url(re.compile(rf"{case_url}$"))
    expect_flash(page, "Team assigned")
    _badge(page, "assigned", "assigned")
    team_line = page.locator(".meta").nth(1)
    expect(team_line).to_contain_text(world.verifier.name)
    expect(team_line).to_contain_text(world.reviewer.name)
    shot(admin, "02-vb-admin-assigned")

    # 3. The verifier records the findings (S1: a major non-conformity) and asks about E1.
    verifier = person("verifier", world.verifier)
    verifier.open_case(case_id, CASE_TITLE)
    page = verifier.page
    for code, outcome in FINDINGS.items():
        page.locator(f"#finding-{code}").click()
        expect(page).to_have_url(re.compile(rf"{case_url}/criteria/{code}/finding$"))
        page.locator(f'input[name="outcome"][value="{outcome}"]').check()
        note = (
            "No signed contracts for the seasonal staff."
            if outcome == "major_nc"
            else f"{code} checked against the evidence."
        )
        page.get_by_label("Note").fill(note)
        page.locator("#finding-submit").click()
        expect(page).to_have_url(re.compile(rf"{case_url}#criterion-{code}$"))
        expect_flash(page, f"Finding recorded on {code}")
        expect(page.locator(f"#criterion-{code} .outcome")).to_have_class(
            re.compile(rf"\boutcome-{outcome}\b")
        )
        if code == "E1":  # the first finding starts the review
            _badge(page, "in_review", "in review")
            expect(_blockers(page)).to_contain_text("Criteria without a finding")
    expect(page.locator("#nc-S1")).to_have_class(re.compile(r"\bnc-open\b"))
    expect(page.locator("#verification-summary")).to_contain_text("S1")
    expect(_blockers(page)).not_to_contain_text("Criteria without a finding")
    expect(_blockers(page)).to_contain_text("Draft the conclusion first")
    shot(verifier, "03a-verifier-findings")

    page.locator("#open-clarifications").click()
    expect(page).to_have_url(re.compile(rf"{case_url}/clarifications$"))
    expect(page.locator("#no-clarifications")).to_be_visible()
    due_on = (datetime.now(UTC).date() + timedelta(days=7)).isoformat()
    new_request = page.locator("#new-request")
    new_request.get_by_label("About").select_option("E1")
    new_request.get_by_label("Subject").fill("December electricity")
    new_request.get_by_label("Question").fill(QUESTION)
    new_request.get_by_label("Due on").fill(due_on)
    page.locator("#raise-request").click()
    expect_flash(page, "Clarification request raised")
    thread = page.locator("article.clarification", has_text=QUESTION)
    expect(thread).to_have_count(1)
    expect(thread).to_have_attribute("data-status", "open")
    expect(thread.locator(".meta").first).to_contain_text(f"due {due_on}")
    _badge(page, "awaiting_client", "awaiting the client")
    request_id = thread.get_attribute("id").removeprefix("c")
    page.get_by_role("link", name=f"← {CASE_TITLE}").click()
    expect(page).to_have_url(re.compile(rf"{case_url}$"))
    _badge(page, "awaiting_client", "awaiting the client")
    expect(page.locator("#open-clarifications").locator("xpath=..")).to_contain_text("open on: E1")
    expect(page.locator("#action-send_to_technical_review")).to_have_count(0)
    shot(verifier, "03-verifier-awaiting-client")

    # 4. The SME sees both in the bell, answers the request with a file (the review resumes)
    #    and sends a correction of S1 with new evidence.
    page = sme.page
    page.goto(case_url)
    _badge(page, "awaiting_client", "awaiting the client")
    expect(page.locator("#bell .count")).to_have_class(re.compile(r"\bunread\b"))
    expect(page.locator("#bell .count")).not_to_have_text("0")
    page.locator("#bell").click()
    expect(page).to_have_url(re.compile(r"/notifications$"))
    notes = page.locator("tr.notification.unread")
    expect(notes.filter(has_text="A non-conformity was raised on S1")).to_have_count(1)
    expect(notes.filter(has_text="The verifier asks for clarification")).to_have_count(1)
    shot(sme, "04a-sme-notifications")

    page.goto(case_url)
    page.locator("#open-clarifications").click()
    thread = page.locator(f"#c{request_id}")
    expect(thread).to_contain_text(QUESTION)
    page.locator(f"#body-{request_id}").fill("Attached: the December invoice from the utility.")
    page.locator(f"#file-{request_id}").set_input_files(file("december-invoice.pdf", PDF_BYTES))
    page.locator(f"#answer-{request_id}").click()
    expect_flash(page, "Message sent")
    expect(thread).to_have_attribute("data-status", "answered")
    expect(thread.locator("a.evidence-file")).to_have_text("december-invoice.pdf")
    _badge(page, "in_review", "in review")
    shot(sme, "04b-sme-clarification-answered")

    page.goto(case_url)
    _badge(page, "in_review", "in review")
    e1_files = page.locator("#criterion-E1 a.evidence-file")
    expect(e1_files.filter(has_text="december-invoice.pdf")).to_have_count(1)
    page.locator("#nc-S1").click()
    expect(page).to_have_url(re.compile(rf"{case_url}/criteria/S1/nonconformity$"))
    expect(page.locator("#nc-status")).to_have_text("open")
    page.get_by_label("What was corrected").fill("Contracts signed with all seasonal staff.")
    page.get_by_label("New evidence (optional)").set_input_files(
        file("contracts.csv", CORRECTED_CSV)
    )
    page.locator("#correction-submit").click()
    expect_flash(page, "Correction sent to the verifier")
    correction = page.locator("#nc-thread li.step-correction")
    expect(correction).to_have_count(1)
    expect(correction).to_contain_text("Contracts signed with all seasonal staff.")
    expect(correction.locator("a.evidence-file")).to_be_visible()
    expect(page.locator("#correction-submit")).to_have_count(1)  # still open until closed
    shot(sme, "04-sme-correction-sent")

    # 5. The verifier closes the non-conformity, records a site visit and the conclusion,
    #    and sends the case to technical review.
    page = verifier.page
    page.goto(case_url)
    _badge(page, "in_review", "in review")
    page.locator("#nc-S1").click()
    expect(page.locator("#nc-thread li.step-correction")).to_contain_text("seasonal staff")
    page.get_by_label("Close the non-conformity").check()
    page.get_by_label("Note", exact=True).fill("Contracts seen.")
    page.locator("#nc-respond").click()
    expect_flash(page, "Non-conformity closed")
    expect(page.locator("#nc-status")).to_have_text("closed")
    expect(page.locator("#nc-respond")).to_have_count(0)
    page.get_by_role("link", name=f"← {CASE_TITLE}").click()
    expect(page.locator("#nc-S1")).to_have_class(re.compile(r"\bnc-closed\b"))
    expect(_blockers(page)).to_have_text(re.compile(r"^\s*Draft the conclusion first"))

    page.locator("#open-conclusion").click()
    expect(page).to_have_url(re.compile(rf"{case_url}/conclusion$"))
    page.get_by_label("Date", exact=True).fill("2025-12-10")
    page.get_by_label("Site", exact=True).fill(SITE)
    page.get_by_label("Kind of visit").select_option("physical")
    page.get_by_label("Notes", exact=True).fill("Meters and contracts sampled.")
    page.locator("#site-visit-submit").click()
    expect_flash(page, "Site visit recorded")
    expect(page.locator("#site-visits")).to_contain_text(SITE)
    page.get_by_label("Level of assurance").select_option("limited")
    page.get_by_label("Materiality threshold (%)").fill("5")
    page.get_by_label("Opinion", exact=True).select_option("unmodified")
    page.locator("#conclusion-submit").click()
    expect_flash(page, "Conclusion saved")
    expect(page.locator("#conclusion-opinion")).to_have_text("Unmodified")
    expect(page.locator("#conclusion-summary")).to_contain_text("5 %")
    expect(page.locator("#conclusion-problems")).to_have_count(0)
    shot(verifier, "05a-verifier-conclusion")

    page.get_by_role("link", name=f"← {CASE_TITLE}").click()
    expect(page.locator("#case-opinion")).to_have_text("Unmodified")
    expect(_blockers(page)).to_have_count(0)
    page.locator("#action-send_to_technical_review").click()
    _badge(page, "in_technical_review", "in technical review")
    expect(page.locator("#finding-E1")).to_have_count(0)
    shot(verifier, "05-verifier-sent-to-technical-review")

    # 6. The technical reviewer returns the case once ...
    reviewer = person("reviewer", world.reviewer)
    reviewer.open_case(case_id, CASE_TITLE)
    page = reviewer.page
    page.locator("#action-return").click()
    expect(page).to_have_url(re.compile(rf"{case_url}/return$"))
    page.get_by_label("What the verifier must look at again").fill(RETURN_REASON)
    page.locator("#return-submit").click()
    expect(page).to_have_url(re.compile(rf"{case_url}$"))
    expect_flash(page, "Returned to the verifier")
    _badge(page, "in_review", "in review")
    expect(page.locator("#action-approve")).to_have_count(0)
    returned = page.locator('table.audit tr[data-action="return_to_verifier"]')
    expect(returned).to_have_count(1)
    expect(returned).to_contain_text(world.reviewer.name)
    expect(returned).to_contain_text(RETURN_REASON)
    shot(reviewer, "06a-reviewer-returned")

    # ... the verifier sees it back in review and sends it on again ...
    page = verifier.page
    page.reload()
    _badge(page, "in_review", "in review")
    expect(page.locator("#finding-E1")).to_be_visible()
    expect(_blockers(page)).to_have_count(0)
    page.locator("#action-send_to_technical_review").click()
    _badge(page, "in_technical_review", "in technical review")

    # ... and the reviewer approves, confirming password and code first (the sign-in is
    # more than ten minutes old); the real worker issues the statement.
    page = reviewer.page
    page.reload()
    _badge(page, "in_technical_review", "in technical review")
    clock.advance(app.config["REAUTH_MAX_AGE_SECONDS"] + 1)
    page.locator("#action-approve").click()
    reviewer.reauthenticate(
        case_url, clock.code(world.reviewer.totp_secret), artifacts, "workflow-06b-reauth.png"
    )
    _badge(page, "in_technical_review", "in technical review")
    page.locator("#action-approve").click()
    expect(page).to_have_url(re.compile(rf"{case_url}$"))
    expect(page.locator("#issuance")).to_be_visible()
    wait_for_statement(reviewer, case_id)
    expect(page.locator("#case-state")).to_have_text(re.compile(r"^\s*issued\s*$", re.I))
    shot(reviewer, "06-reviewer-statement-issued")

    # 7. The SME sees the issued statement and the whole story in the audit trail.
    page = sme.page
    page.goto(case_url)
    _badge(page, "issued", "issued")
    expect(page.locator("#download-statement")).to_be_visible()
    expect(page.locator("#case-opinion")).to_have_text("Unmodified")
    trail = page.locator("table.audit")
    returned = trail.locator('tr[data-action="return_to_verifier"]')
    expect(returned).to_have_count(1)
    expect(returned).to_contain_text(RETURN_REASON)
    for action, count in {
        "send_to_technical_review": 2,
        "request_clarification": 1,
        "resume_review": 1,
        "nonconformity_closed": 1,
        "conclusion_drafted": 1,
        "site_visit_recorded": 1,
        "approve": 1,
        "issue": 1,
    }.items():
        expect(trail.locator(f'tr[data-action="{action}"]')).to_have_count(count)
    shot(sme, "07-sme-issued")

    assert_no_problems(people)
