"""A certificate covers one claim: claimed afresh once on the platform, and again only after
the claims before it lost their force (a withdrawn case; the case of a statement the new
case corrects). Each later claim follows the one before it, so the chain stays on record."""

from __future__ import annotations

import html

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from tests.factories import World, setup, sign_in
from verification.cases import permissions as perm
from verification.cases import services as cases
from verification.emissions import services as emissions
from verification.emissions.models import Instrument
from verification.extensions import db
from verification.statements.models import StatementCorrection
from verification.workflow.rules import Action

GRID = dict(
    scope=2,
    category="purchased_electricity",
    factor_key="cn-mee-2023-national-grid",
    quantity="100",
    unit="MWh",
)
REASON = "The electricity of the second site was left out; corrected figures verified."


def _claim(world, case, line, tracking_id="GEC-2025-0042"):
    certificate = Instrument(
        tracking_id=tracking_id, kind="gec", volume_mwh="60", vintage=2025, factor_kg_per_kwh="0"
    )
    return emissions.add_instrument(case, world.sme_user, line, certificate)


def _form(line_id: int, tracking_id="GEC-2025-0042") -> dict:
    return {
        "line": line_id,
        "tracking_id": tracking_id,
        "kind": "gec",
        "volume_mwh": "60",
        "vintage": "2025",
        "factor_kg_per_kwh": "0",
    }


def _claims(app, tracking_id="GEC-2025-0042") -> list[tuple[int, int | None]]:
    """(case, claim followed) of every claim of a certificate, oldest first."""
    with app.app_context():
        rows = db.session.execute(
            select(Instrument.case_id, Instrument.follows_id, Instrument.id)
            .where(Instrument.tracking_id == tracking_id)
            .order_by(Instrument.id)
        ).all()
    ids = {row.id: row.case_id for row in rows}
    return [(row.case_id, ids.get(row.follows_id)) for row in rows]


@pytest.fixture
def corrected(app):
    """An issued statement whose case claimed a certificate, and a new draft case of the
    same organisation at the same body with its own grid-electricity line."""
    with setup(app):
        world = World()
        old_case, statement = world.issued_case()
        _claim(world, old_case, world.add_line(old_case, **GRID))
        draft = world.open_case("Corrected figures")
        line = world.add_line(draft, **GRID)
    return world, old_case, statement, draft, line


def test_a_correction_claims_again_the_certificates_of_the_statement_it_corrects(app, corrected):
    world, old_case, statement, draft, line = corrected
    sme = app.test_client()
    sign_in(sme, world.sme_user)
    url = f"/cases/{draft.id}/emissions/instruments"

    # Not yet marked as the correction: refused, saying where and what to do.
    page = html.unescape(sme.post(url, data=_form(line.id), follow_redirects=True).text)
    assert f"already claimed in case {old_case.id}" in page
    assert "ask its verification body to mark this case as the correction" in page
    assert _claims(app) == [(old_case.id, None)]

    # The body's administrator marks the draft (a draft may be marked from the start).
    admin = app.test_client()
    sign_in(admin, world.vb_admin)
    assert f'value="{draft.id}"' in admin.get(f"/statements/{statement.number}/supersede").text
    r = admin.post(
        f"/statements/{statement.number}/supersede", data={"case": draft.id, "reason": REASON}
    )
    assert r.status_code == 302
    with app.app_context():
        assert db.session.get(StatementCorrection, draft.id).statement_id == statement.id

    page = sme.post(url, data=_form(line.id), follow_redirects=True).text
    assert "Certificate GEC-2025-0042 claimed." in page
    assert _claims(app) == [(old_case.id, None), (draft.id, old_case.id)]
    with app.app_context():
        result, problems = emissions.result_of(db.session.get(type(draft), draft.id))
    assert problems is None
    # The certificate covers 60 MWh in the correction: 60 MWh x 0.5306 kg/kWh less market-based.
    totals = result.totals
    assert totals.scope2_location_kg - totals.scope2_market_kg == 31836

    # Claimed once in the correction; another organisation is still refused, with no hint.
    page = html.unescape(sme.post(url, data=_form(line.id), follow_redirects=True).text)
    assert f"already claimed in case {draft.id}" in page
    with setup(app):
        stranger = World()
        foreign = stranger.open_case()
        foreign_line = stranger.add_line(foreign, **GRID)
    other = app.test_client()
    sign_in(other, stranger.sme_user)
    page = html.unescape(
        other.post(
            f"/cases/{foreign.id}/emissions/instruments",
            data=_form(foreign_line.id),
            follow_redirects=True,
        ).text
    )
    assert f"already claimed in case {draft.id}" in page
    assert "mark this case as the correction" not in page
    assert len(_claims(app)) == 2


def test_a_withdrawn_case_frees_its_certificates(app):
    with setup(app):
        world = World()
        withdrawn = world.open_case("Started, then abandoned")
        _claim(world, withdrawn, world.add_line(withdrawn, **GRID))
        again = world.open_case("Started again")
        again_line = world.add_line(again, **GRID)
    with setup(app), pytest.raises(emissions.EmissionsError, match=f"case {withdrawn.id}"):
        _claim(world, db.session.merge(again), db.session.merge(again_line))
    with setup(app):
        case, user = db.session.merge(withdrawn), db.session.merge(world.sme_user)
        cases.transition(case, Action.WITHDRAW, user, perm.actor(user, case))
    with setup(app):
        _claim(world, db.session.merge(again), db.session.merge(again_line))
    assert _claims(app) == [(withdrawn.id, None), (again.id, withdrawn.id)]


def test_the_database_keeps_one_fresh_claim_and_one_follower_per_claim(app):
    """What two requests at the same moment would meet: the checks above passed for both."""
    with setup(app):
        world = World()
        first = world.open_case()
        line = world.add_line(first, **GRID)
        claim = _claim(world, first, line)
        second = world.open_case()
        second_line = world.add_line(second, **GRID)

    def insert(follows_id):
        with app.app_context():
            db.session.add(
                Instrument(
                    tracking_id="GEC-2025-0042",
                    follows_id=follows_id,
                    case_id=second.id,
                    line_id=second_line.id,
                    kind="gec",
                    volume_mwh="60",
                    vintage=2025,
                    created_by_id=world.sme_user.id,
                )
            )
            db.session.commit()

    with pytest.raises(IntegrityError):
        insert(None)  # a second fresh claim of the same id
    insert(claim.id)
    with pytest.raises(IntegrityError):
        insert(claim.id)  # a second claim following the same one
    with app.app_context():
        count = select(func.count()).select_from(Instrument)
        assert db.session.scalar(count) == 2
