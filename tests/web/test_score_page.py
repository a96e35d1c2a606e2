"""The score page: drill-down to each criterion's reason and evidence, the improvement plan
(page and CSV), the canonical scorecard as JSON, and the peer benchmark (five peers or none)."""

from __future__ import annotations

import csv
import io
import re
from decimal import Decimal
from html import escape

import pytest

from tests.factories import PDF_BYTES, World, org, setup, sign_in, user
from verification.accounts.models import OrgKind, Role
from verification.cases import services as cases
from verification.cases.models import Case
from verification.extensions import db
from verification.messages import N_
from verification.scoring import canonical
from verification.scoring import services as scoring
from verification.scoring.plan import Action, improvement_plan

ANSWERS = {
    "E-CL-01": ("12000", "kWh"),  # with evidence: self-declared, full weight
    "E-WA-01": ("800", "m3"),  # evidence required, none attached: 0
    "E-CL-05": ("partial", None),  # half the weight
    "S-HR-02": ("no", None),  # the answer earns nothing
    "G-MG-02": ("The managing director.", None),
}


def _open(world, title="Core case", creator=None):
    return world.open_case(title, "sme-esg-core", creator=creator)


@pytest.fixture
def scored(app):
    """A draft sme-esg-core case (sector C) with answers of every kind of outcome."""
    with setup(app):
        world = World()
        case = _open(world)
        cases.save_answers(case, world.sme_user, ANSWERS)
        bills = world.attach(case, "E-CL-01", "bills.pdf", PDF_BYTES + b"%bills\n")
        licence = world.attach(case, "G-MG-01", "licence.pdf", PDF_BYTES + b"%licence\n")
    return world, case.id, {"E-CL-01": bills.id, "G-MG-01": licence.id}


def _card(app, case_id):
    with app.test_request_context():
        return scoring.scorecard_for(db.session.get(Case, case_id))


def _block(page: str, criterion: str) -> str:
    """The HTML of one criterion's <details> element."""
    start = page.index(f'id="criterion-{criterion}"')
    return page[start : page.index("</details>", start)]


def test_page_shows_grade_themes_and_each_criterion_with_reason_and_evidence(app, client, scored):
    world, case_id, files = scored
    _given, card = _card(app, case_id)
    sign_in(client, world.sme_user)
    page = client.get(f"/cases/{case_id}/score")
    assert page.status_code == 200
    text = page.text
    assert card.grade and f'<span class="grade" id="score-grade">{card.grade}</span>' in text
    assert f'<span id="score-overall">{scoring.display(card.overall)}</span>' in text
    for theme in card.themes:
        assert f'id="theme-{theme.code}"' in text and escape(theme.title) in text
    for c in card.criteria:
        block = _block(text, c.code)
        assert escape(str(c.why)) in block, c.code
        assert f"<code>{c.rule}</code>" in block
    assert "self_declared" in _block(text, "E-CL-01")
    assert "evidence.missing" in _block(text, "E-WA-01")
    assert "answer.none" in _block(text, "S-HR-02")
    assert "Self-declared, not yet verified: 1.5 of 3." in _block(text, "E-CL-05")
    # Evidence links go to the files whose hash the engine used, under their criterion.
    assert f'href="/evidence/{files["E-CL-01"]}"' in _block(text, "E-CL-01")
    assert f'href="/evidence/{files["G-MG-01"]}"' in _block(text, "G-MG-01")
    assert "/evidence/" not in _block(text, "E-WA-01")
    # Sector C weights climate by 1.5; a theme the sector leaves alone shows no factor.
    climate = text[text.index('id="theme-E-CLIMATE"') :]
    assert "× 1.5" in climate[: climate.index("</summary>")]
    water = text[text.index('id="theme-E-WATER"') :]
    assert "×" not in water[: water.index("</summary>")]
    # Charts are inline SVG; the page needs no script and no inline style (CSP).
    # (E-CL-01's electricity is also an activity line: the case has a carbon result.)
    assert text.count("<svg") == 2
    assert 'id="pillar-chart"><svg' in text and 'id="scope-chart"><svg' in text
    assert '<td id="rating-status">self-declared</td>' in text
    assert "Not rated: the figures are self-declared" in text
    assert "<script" not in text and " style=" not in text and " on" + "click" not in text
    assert "Fewer than five verified peers" in text


def test_the_plan_is_shown_with_points_to_members(app, client, scored):
    world, case_id, _files = scored
    given, card = _card(app, case_id)
    with app.app_context():
        plan = improvement_plan(given, card)
    sign_in(client, world.sme_member)
    text = client.get(f"/cases/{case_id}/score").text
    rows = re.findall(r'<tr class="plan-action">(.*?)</tr>', text, re.S)
    assert len(rows) == min(10, len(plan))
    for row, action in zip(rows, plan, strict=False):
        assert f">{action.criterion}</a>" in row
        assert f"+{scoring.display(action.gain)}</td>" in row
    assert f'href="/cases/{case_id}/score/plan.csv"' in text


def test_plan_csv_lists_the_whole_plan_by_gain(app, client, scored):
    world, case_id, _files = scored
    given, card = _card(app, case_id)
    with app.app_context():
        plan = improvement_plan(given, card)
    sign_in(client, world.sme_user)
    response = client.get(f"/cases/{case_id}/score/plan.csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    header, *rows = list(csv.reader(io.StringIO(response.text)))
    assert header == ["rank", "criterion", "action", "what to do", "points added"]
    assert len(rows) == len(plan) > 10
    assert [r[0] for r in rows] == [str(i) for i in range(1, len(plan) + 1)]
    assert [r[1] for r in rows] == [a.criterion for a in plan]
    gains = [Decimal(r[4]) for r in rows]
    assert gains == sorted(gains, reverse=True) and gains[-1] > 0
    first = rows[0]
    assert first[3] == str(plan[0].what)


def test_plan_csv_neutralises_formula_like_cells(app, client, scored, monkeypatch):
    from verification.scoring import views

    world, case_id, _files = scored
    evil = Action("answer", "=E-CL-01", Decimal("2.25"), N_("=HYPERLINK(%(u)s)", u='"x"'))
    also = Action("improve", "@SUM", Decimal("1"), N_("-1+1"))
    monkeypatch.setattr(views, "improvement_plan", lambda given, card: [evil, also])
    sign_in(client, world.sme_user)
    rows = list(csv.reader(io.StringIO(client.get(f"/cases/{case_id}/score/plan.csv").text)))
    assert rows[1] == ["1", "'=E-CL-01", "Answer", '\'=HYPERLINK("x")', "2.3"]
    assert rows[2] == ["2", "'@SUM", "Improve the practice", "'-1+1", "1.0"]


def test_score_json_carries_the_recomputable_output_hash(app, client, scored):
    world, case_id, _files = scored
    _given, card = _card(app, case_id)
    sign_in(client, world.sme_user)
    body = client.get(f"/cases/{case_id}/score.json").get_json()
    claimed = body.pop("output_sha256")
    assert claimed == card.output_hash == canonical.sha256(body)
    assert body == canonical.output_dict(card)
    assert body["grade"] == card.grade and len(body["criteria"]) == len(card.criteria)


def _peer(world, n: int, answers: dict | None):
    """Another SME of sector C with an issued sme-esg-core scorecard."""
    organisation = org(OrgKind.SME, f"Peer Works {n}")
    owner = user(organisation, Role.SME_ADMIN)
    case = _open(world, f"Peer case {n}", creator=owner)
    if answers is None:
        answers = {
            c.code: ("yes", None)
            for c in cases.methodology_of(case).criteria
            if c.answer_type in ("yes_no", "yes_no_partial") and not c.evidence_required
        }
    cases.save_answers(case, owner, answers)
    given, card = scoring.scorecard_for(case)
    scoring.store(case, given, card, statement_number=f"VS-2026-9{n:05d}")
    return card


PEER_ANSWERS = [
    {},
    {"E-CL-05": ("yes", None)},
    {"E-CL-05": ("yes", None), "S-HR-02": ("yes", None)},
    {"E-CL-05": ("yes", None), "S-HR-02": ("yes", None), "S-HR-03": ("yes", None)},
    None,  # a leader: every yes/no question of the methodology answered "yes"
]


def test_peer_block_needs_five_verified_peers_and_names_none(app, client, scored):
    world, case_id, _files = scored
    with setup(app):
        for n, answers in enumerate(PEER_ANSWERS[:4]):
            _peer(world, n, answers)
        # An unissued scorecard of another organisation is no peer.
        outsider = org(OrgKind.SME, "Peer Works draft")
        draft = _open(world, "Draft", creator=user(outsider, Role.SME_ADMIN))
        scoring.store(draft, *scoring.scorecard_for(draft), statement_number=None)
    sign_in(client, world.sme_user)
    text = client.get(f"/cases/{case_id}/score").text
    assert "Fewer than five verified peers" in text
    assert "verified peers in the sector;" not in text

    with setup(app):
        _peer(world, 4, PEER_ANSWERS[4])
        peers = [Decimal(r) for r in _issued_overalls()]
    assert len(peers) == 5
    _given, card = _card(app, case_id)
    below = sum(1 for p in peers if p < card.overall)
    text = client.get(f"/cases/{case_id}/score").text
    assert "Fewer than five verified peers" not in text
    position = re.search(r'<p id="peer-position">(.*?)</p>', text).group(1)
    assert position.startswith(f"5 verified peers in the sector; this case scores above {below} ")
    assert 0 < below < 5
    assert "Peer Works" not in text and "Peer case" not in text


def _issued_overalls():
    from sqlalchemy import select

    from verification.scoring.models import StoredScorecard

    return db.session.scalars(
        select(StoredScorecard.overall).where(StoredScorecard.statement_number.is_not(None))
    ).all()
