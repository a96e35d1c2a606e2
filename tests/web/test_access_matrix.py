"""Every route x every role x a user of another organisation, against the expected answer.

A route that is not listed here fails the test until it is given a rule, and every view
must declare its route-level rule with ``@public`` or ``@signed_in``.
"""

from __future__ import annotations

from sqlalchemy import select

from tests.factories import World, setup, sign_in, user
from verification.accounts.models import Role
from verification.cases import permissions as perm
from verification.emissions.models import ActivityLine
from verification.evidence.models import EvidenceFile
from verification.extensions import db
from verification.review import services as review
from verification.statements.models import TrustAnchor

ACTORS = (
    "anonymous",
    "sme",
    "other_sme",
    "vb_admin",
    "other_vb_admin",
    "verifier",
    "other_verifier",
    "reviewer",
    "lender",
    "lender_admin",
    "admin",
)


def expect(default: int, **exceptions: int) -> dict[str, int]:
    """``lender_admin`` answers as ``lender`` unless given: the lender portal is the same for
    both; only the team and organisation pages (and two-factor) tell them apart."""
    unknown = set(exceptions) - set(ACTORS)
    assert not unknown, unknown
    if "lender" in exceptions:
        exceptions.setdefault("lender_admin", exceptions["lender"])
    return {actor: exceptions.get(actor, default) for actor in ACTORS}


LOGIN = 302  # anonymous users are sent to the login page
ALL_OK = expect(200)
CASE_TEAM = dict(sme=200, vb_admin=200, verifier=200, reviewer=200, admin=200)
# SME-only changes tried on a case past draft: the owner hears 409, outsiders 404, others 403.
SME_EDIT_ON_SUBMITTED = expect(403, anonymous=LOGIN, sme=409, other_sme=404)
VB_ADMINS = expect(403, anonymous=LOGIN, vb_admin=200, other_vb_admin=200)
LENDERS = expect(403, anonymous=LOGIN, lender=200)

# endpoint -> (method, path built from the data, expected status per actor)
RULES = {
    "main.index": ("GET", lambda d: "/", ALL_OK),
    "main.dashboard": ("GET", lambda d: "/dashboard", expect(302)),
    "main.language": ("GET", lambda d: "/language/zh?next=/registry", expect(303)),
    "accounts.login": ("GET", lambda d: "/login", ALL_OK),
    "accounts.logout": ("POST", lambda d: "/logout", expect(302)),
    "accounts.register": ("GET", lambda d: "/register", expect(302, anonymous=200)),
    # Two-factor: required roles have it on (tests/factories.user), the others have not.
    "twofactor.challenge": ("GET", lambda d: "/login/two-factor", expect(302)),
    "twofactor.reauth": ("GET", lambda d: "/reauth", expect(200, anonymous=LOGIN)),
    "twofactor.settings": ("GET", lambda d: "/account/two-factor", expect(200, anonymous=LOGIN)),
    "twofactor.setup": (
        "GET",
        lambda d: "/account/two-factor/setup",
        expect(302, lender=200, lender_admin=302),
    ),
    "twofactor.disable": ("POST", lambda d: "/account/two-factor/disable", expect(302)),
    "twofactor.recovery_codes": (
        "POST",
        lambda d: "/account/two-factor/recovery-codes",
        expect(302),
    ),
    "admin.index": ("GET", lambda d: "/admin/", expect(403, anonymous=LOGIN, admin=200)),
    "admin.outbox": ("GET", lambda d: "/admin/outbox", expect(403, anonymous=LOGIN, admin=200)),
    "team.index": (
        "GET",
        lambda d: "/team",
        expect(
            403,
            anonymous=LOGIN,
            sme=200,
            other_sme=200,
            vb_admin=200,
            other_vb_admin=200,
            lender_admin=200,
        ),
    ),
    "team.set_active": (
        # on the SME admin's own account: nobody may change it (themselves included)
        "POST",
        lambda d: f"/team/{d['sme_user']}/reactivate",
        expect(
            404,
            anonymous=LOGIN,
            verifier=403,
            other_verifier=403,
            reviewer=403,
            lender=403,
            lender_admin=404,
            admin=302,
        ),
    ),
    "organisations.edit": (
        # the SME's own page: its admin and platform admins; another organisation's admin
        # does not learn it exists
        "GET",
        lambda d: f"/organisations/{d['sme_org']}",
        expect(
            403,
            anonymous=LOGIN,
            sme=200,
            other_sme=404,
            vb_admin=404,
            other_vb_admin=404,
            lender_admin=404,
            admin=200,
        ),
    ),
    "organisations.invite": (
        # an empty form: the page again, with what is missing (platform admins only)
        "POST",
        lambda d: f"/organisations/{d['sme_org']}/invite",
        expect(403, anonymous=LOGIN, admin=200),
    ),
    "team.accept": ("GET", lambda d: "/invite/no-such-token", expect(410)),
    "team.forgot": ("GET", lambda d: "/forgot", ALL_OK),
    "tokens.index": (
        "GET",
        lambda d: "/account/api-tokens/",
        expect(403, anonymous=LOGIN, lender=200, admin=200),
    ),
    "tokens.revoke": (
        "POST",
        lambda d: "/account/api-tokens/999999/revoke",
        expect(403, anonymous=LOGIN, lender=404, admin=404),
    ),
    "api.me": ("GET", lambda d: "/api/v1/me", expect(401)),
    "team.reset": ("GET", lambda d: "/reset/no-such-token", expect(410)),
    "team.new_organisation": (
        "GET",
        lambda d: "/admin/organisations/new",
        expect(403, anonymous=LOGIN, admin=200),
    ),
    "admin.factors": ("GET", lambda d: "/admin/factors", expect(403, anonymous=LOGIN, admin=200)),
    "api.statement": ("GET", lambda d: f"/api/v1/statements/{d['number']}", ALL_OK),
    "api.statements": ("GET", lambda d: "/api/v1/statements?status=valid", ALL_OK),
    "api.verify": ("POST", lambda d: "/api/v1/verify", expect(400)),
    "api.carbon_calc": ("POST", lambda d: "/api/v1/carbon/calc", expect(400)),
    "api.openapi": ("GET", lambda d: "/api/v1/openapi.json", ALL_OK),
    # The lender portal (lender analysts only) and the lender API (tokens; the public part
    # answers everyone). Token answers by scope and role: tests/web/test_lender_api.py.
    "lender.index": ("GET", lambda d: "/lender/", LENDERS),
    "lender.alerts": ("GET", lambda d: "/lender/alerts", LENDERS),
    "lender.portfolio": ("GET", lambda d: "/lender/portfolio", LENDERS),
    "lender.portfolio_csv": ("GET", lambda d: "/lender/portfolio.csv", LENDERS),
    "lender.add": (
        # an empty form: the analyst is sent back to the watchlist with the error
        "POST",
        lambda d: "/lender/watchlist",
        expect(403, anonymous=LOGIN, lender=302),
    ),
    "lender.remove": (
        "POST",
        lambda d: "/lender/watchlist/999999/remove",
        expect(403, anonymous=LOGIN, lender=404),
    ),
    "lender_api.organisations": ("GET", lambda d: "/api/v1/organisations?q=sme", ALL_OK),
    "lender_api.verify_hash": ("GET", lambda d: f"/api/v1/verify/{d['pdf_sha256']}", ALL_OK),
    "lender_api.watchlist": ("GET", lambda d: "/api/v1/watchlist", expect(401)),
    "lender_api.watch": ("POST", lambda d: "/api/v1/watchlist", expect(401)),
    "lender_api.unwatch": ("DELETE", lambda d: "/api/v1/watchlist/1", expect(401)),
    "lender_api.portfolio_summary": ("GET", lambda d: "/api/v1/portfolio", expect(401)),
    "cases.index": ("GET", lambda d: "/cases/", expect(200, anonymous=LOGIN, lender=403)),
    "cases.new": (
        "GET",
        lambda d: "/cases/new",
        expect(403, anonymous=LOGIN, sme=200, other_sme=200),
    ),
    "cases.show": (
        "GET",
        lambda d: f"/cases/{d['assigned']}",
        expect(404, anonymous=LOGIN, **CASE_TEAM),
    ),
    "audit.case_trail": (
        "GET",
        lambda d: f"/cases/{d['assigned']}/audit",
        expect(404, anonymous=LOGIN, **CASE_TEAM),
    ),
    "cases.save_answers": (
        "POST",
        lambda d: f"/cases/{d['assigned']}/answers",
        expect(403, anonymous=LOGIN, sme=409, other_sme=404),
    ),
    "cases.act": (
        "POST",
        lambda d: f"/cases/{d['assigned']}/actions/submit",
        expect(
            403,
            anonymous=LOGIN,
            sme=409,
            other_sme=404,
            other_vb_admin=404,
            other_verifier=404,
            lender=404,
        ),
    ),
    "cases.save_scope": (
        "POST",
        lambda d: f"/cases/{d['assigned']}/scope",
        expect(403, anonymous=LOGIN, sme=409, other_sme=404),
    ),
    "evidence.upload": (
        "POST",
        lambda d: f"/cases/{d['assigned']}/criteria/E1/evidence",
        expect(403, anonymous=LOGIN, sme=409, other_sme=404),
    ),
    "evidence.link": (
        "POST",
        lambda d: f"/cases/{d['assigned']}/criteria/E2/evidence/link",
        expect(403, anonymous=LOGIN, sme=409, other_sme=404),
    ),
    "evidence.replace": (
        "POST",
        lambda d: f"/cases/{d['assigned']}/evidence/{d['evidence']}/replace",
        expect(403, anonymous=LOGIN, sme=409, other_sme=404),
    ),
    "verifying.nonconformity": (
        "GET",
        lambda d: f"/cases/{d['assigned']}/criteria/S1/nonconformity",
        expect(404, anonymous=LOGIN, **CASE_TEAM),
    ),
    "verifying.conclusion": (
        "GET",
        lambda d: f"/cases/{d['assigned']}/conclusion",
        expect(404, anonymous=LOGIN, **CASE_TEAM),
    ),
    "scores.show": (
        "GET",
        lambda d: f"/cases/{d['assigned']}/score",
        expect(404, anonymous=LOGIN, **CASE_TEAM),
    ),
    "scores.plan_csv": (
        "GET",
        lambda d: f"/cases/{d['assigned']}/score/plan.csv",
        expect(404, anonymous=LOGIN, **CASE_TEAM),
    ),
    "scores.json": (
        "GET",
        lambda d: f"/cases/{d['assigned']}/score.json",
        expect(404, anonymous=LOGIN, **CASE_TEAM),
    ),
    "verifying.site_visit": (
        # an empty form: the verifier is sent back to the page with the errors
        "POST",
        lambda d: f"/cases/{d['assigned']}/site-visits",
        expect(403, anonymous=LOGIN, verifier=302, other_verifier=404),
    ),
    "verifying.return_case": (
        "GET",
        lambda d: f"/cases/{d['assigned']}/return",
        expect(403, anonymous=LOGIN, reviewer=200),
    ),
    "evidence.download": (
        "GET",
        lambda d: f"/evidence/{d['evidence']}",
        expect(404, anonymous=LOGIN, **CASE_TEAM),
    ),
    "review.assign": (
        "GET",
        lambda d: f"/cases/{d['submitted']}/assign",
        expect(403, anonymous=LOGIN, vb_admin=200, other_vb_admin=404),
    ),
    "review.finding": (
        "GET",
        lambda d: f"/cases/{d['assigned']}/criteria/E1/finding",
        expect(403, anonymous=LOGIN, verifier=200, other_verifier=404),
    ),
    # The roster pages are about the signed-in admin's own body; another body's
    # accreditation is not theirs to see. "end" runs before "remove" (which deletes it).
    "vb.roster": ("GET", lambda d: "/vb/roster", VB_ADMINS),
    "vb.workload": ("GET", lambda d: "/vb/workload", VB_ADMINS),
    "vb.end_accreditation": (
        "POST",
        lambda d: f"/vb/roster/{d['accreditation']}/end",
        expect(403, anonymous=LOGIN, vb_admin=302, other_vb_admin=404),
    ),
    "vb.remove_accreditation": (
        "POST",
        lambda d: f"/vb/roster/{d['accreditation']}/remove",
        expect(403, anonymous=LOGIN, vb_admin=302, other_vb_admin=404),
    ),
    "vb.conflicts": (
        "GET",
        lambda d: "/vb/conflicts",
        expect(
            403,
            anonymous=LOGIN,
            vb_admin=200,
            other_vb_admin=200,
            verifier=200,
            other_verifier=200,
            reviewer=200,
        ),
    ),
    "statements.progress": (
        "GET",
        lambda d: f"/cases/{d['issued']}/issuance.json",
        expect(404, anonymous=LOGIN, **CASE_TEAM),
    ),
    "statements.retry": (
        # the issued case's job is done: nothing to retry
        "POST",
        lambda d: f"/cases/{d['issued']}/issuance/retry",
        expect(403, anonymous=LOGIN, vb_admin=409, other_vb_admin=404, admin=409),
    ),
    # Only an administrator of the issuing body changes a statement (it stays valid here).
    "statements.revoke": (
        "GET",
        lambda d: f"/statements/{d['number']}/revoke",
        expect(403, anonymous=LOGIN, vb_admin=200),
    ),
    "statements.supersede": (
        "GET",
        lambda d: f"/statements/{d['number']}/supersede",
        expect(403, anonymous=LOGIN, vb_admin=200),
    ),
    "emissions.show": (
        "GET",
        lambda d: f"/cases/{d['assigned']}/emissions/",
        expect(404, anonymous=LOGIN, **CASE_TEAM),
    ),
    "emissions.template": (
        "GET",
        lambda d: f"/cases/{d['assigned']}/emissions/template.csv",
        expect(404, anonymous=LOGIN, **CASE_TEAM),
    ),
    "emissions.export": (
        "GET",
        lambda d: f"/cases/{d['assigned']}/emissions/export.csv",
        expect(404, anonymous=LOGIN, **CASE_TEAM),
    ),
    "emissions.add_line": (
        "POST",
        lambda d: f"/cases/{d['assigned']}/emissions/lines",
        SME_EDIT_ON_SUBMITTED,
    ),
    "emissions.delete_line": (
        "POST",
        lambda d: f"/cases/{d['assigned']}/emissions/lines/{d['line']}/delete",
        SME_EDIT_ON_SUBMITTED,
    ),
    "emissions.import_lines": (
        "POST",
        lambda d: f"/cases/{d['assigned']}/emissions/import",
        SME_EDIT_ON_SUBMITTED,
    ),
    "emissions.add_instrument": (
        "POST",
        lambda d: f"/cases/{d['assigned']}/emissions/instruments",
        SME_EDIT_ON_SUBMITTED,
    ),
    "emissions.save_profile": (
        "POST",
        lambda d: f"/cases/{d['assigned']}/emissions/profile",
        SME_EDIT_ON_SUBMITTED,
    ),
    "emissions.verify_line": (
        "GET",
        lambda d: f"/cases/{d['assigned']}/emissions/lines/{d['line']}/verify",
        expect(403, anonymous=LOGIN, verifier=200, other_verifier=404),
    ),
    "emissions.materiality": (
        "POST",
        lambda d: f"/cases/{d['assigned']}/emissions/materiality",
        expect(403, anonymous=LOGIN, verifier=302, other_verifier=404),
    ),
    "clarifications.index": (
        "GET",
        lambda d: f"/cases/{d['assigned']}/clarifications",
        expect(404, anonymous=LOGIN, **CASE_TEAM),
    ),
    "clarifications.raise_request": (
        # no fields: the case's verifier hears that the form is incomplete
        "POST",
        lambda d: f"/cases/{d['assigned']}/clarifications",
        expect(403, anonymous=LOGIN, verifier=400, other_verifier=404),
    ),
    "clarifications.reply": (
        "POST",
        lambda d: f"/cases/{d['assigned']}/clarifications/999999/messages",
        expect(403, anonymous=LOGIN, sme=404, other_sme=404, verifier=404, other_verifier=404),
    ),
    "clarifications.close": (
        "POST",
        lambda d: f"/cases/{d['assigned']}/clarifications/999999/close",
        expect(403, anonymous=LOGIN, verifier=404, other_verifier=404),
    ),
    "notifications.index": ("GET", lambda d: "/notifications", expect(200, anonymous=LOGIN)),
    "notifications.mark_read": (
        "POST",
        lambda d: "/notifications/read",
        expect(302, anonymous=LOGIN),
    ),
    "registry.index": ("GET", lambda d: "/registry", ALL_OK),
    "registry.statement": ("GET", lambda d: f"/registry/{d['number']}", ALL_OK),
    "registry.pdf": ("GET", lambda d: f"/registry/{d['number']}.pdf", ALL_OK),
    "registry.verify": ("GET", lambda d: "/verify", ALL_OK),
    "registry.trust": ("GET", lambda d: "/trust", ALL_OK),
    "registry.trust_pem": ("GET", lambda d: f"/trust/{d['anchor']}.pem", ALL_OK),
    "static": ("GET", lambda d: "/static/site.css", ALL_OK),
}


def test_every_route_has_a_rule(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    assert endpoints - set(RULES) == set(), "routes without an access rule in this test"
    assert set(RULES) - endpoints == set(), "rules for routes that no longer exist"
    undeclared = [
        name
        for name, view in app.view_functions.items()
        if name != "static" and not hasattr(view, "access_rule")
    ]
    assert undeclared == [], "views without @public or @signed_in"


def test_route_role_matrix(app):
    with setup(app):
        world = World()
        submitted = world.submitted_case()
        assigned = world.assigned_case()
        # A major non-conformity on S1, so its thread has a page.
        review.record_finding(
            assigned, world.verifier, perm.actor(world.verifier, assigned), "S1", "major_nc", ""
        )
        evidence = db.session.scalar(
            select(EvidenceFile.id).where(EvidenceFile.case_id == assigned.id)
        )
        line = db.session.scalar(select(ActivityLine.id).where(ActivityLine.case_id == assigned.id))
        issued, statement = world.issued_case()
        anchor = db.session.scalar(select(TrustAnchor.fingerprint))
        lender_admin = user(world.lender.organisation, Role.LENDER_ADMIN)
    data = {
        "submitted": submitted.id,
        "assigned": assigned.id,
        "issued": issued.id,
        "evidence": evidence,
        "number": statement.number,
        "pdf_sha256": statement.pdf_sha256,
        "anchor": anchor,
        "line": line,
        "sme_user": world.sme_user.id,
        "sme_org": world.sme.id,
        "accreditation": world.accreditations[0].id,
    }
    users = {
        "sme": world.sme_user,
        "other_sme": world.other_sme_user,
        "vb_admin": world.vb_admin,
        "other_vb_admin": world.other_vb_admin,
        "verifier": world.verifier,
        "other_verifier": world.other_verifier,
        "reviewer": world.reviewer,
        "lender": world.lender,
        "lender_admin": lender_admin,
        "admin": world.admin,
    }
    mismatches = []
    for endpoint, (method, path, expected) in RULES.items():
        for actor in ACTORS:
            client = app.test_client()
            if actor != "anonymous":
                sign_in(client, users[actor])
            url = path(data)
            with client.open(url, method=method) as response:
                if response.status_code != expected[actor]:
                    mismatches.append(
                        f"{endpoint} {method} {url} as {actor}: "
                        f"{response.status_code}, expected {expected[actor]}"
                    )
    assert mismatches == [], "\n".join(mismatches)
