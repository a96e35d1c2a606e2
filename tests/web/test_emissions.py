"""Activity data through HTTP: lines, imports, certificates, verified values, API, CLI."""

from __future__ import annotations

import io
import json
from decimal import Decimal

from openpyxl import Workbook
from sqlalchemy import func, select

from tests.factories import World, setup, sign_in
from verification.cases.models import Case
from verification.emissions import services as emissions
from verification.emissions.models import ActivityLine, FactorDataset, Instrument
from verification.extensions import db

GOOD_CSV = (
    "category,factor,quantity,unit,site,period_start,period_end,data_type\n"
    "stationary_combustion,ipcc2006-t2.3-gas-diesel-oil,12,t,Mill,2025-01-01,2025-12-31,metered\n"
    "stationary_combustion,desnz2024-natural-gas-kwh-gross-cv,100,GJ,Mill,,,invoice\n"
    "purchased_electricity,cn-mee-2023-national-grid,100,MWh,Mill,,,metered\n"
)
EXPECTED_DIGEST = "8eeeb78f6c008a28e0b9069d48e1f1031ee98867ebb8800229b31550b080d346"
BAD_CSV = GOOD_CSV + (
    "purchased_electricity,cn-mee-2023-national-grid,10,litre,Mill,,,metered\n"
    "stationary_combustion,no-such-factor,1,t,Mill,,,metered\n"
    "purchased_electricity,cn-mee-2023-national-grid,abc,kWh,Mill,,,metered\n"
)


def _count(app, model):
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


def _draft(app):
    with setup(app):
        world = World()
        case = world.open_case()
    return world, case


def _post_file(client, url, name, content):
    return client.post(
        url,
        data={"file": (io.BytesIO(content), name)},
        content_type="multipart/form-data",
        follow_redirects=True,
    )


def test_a_line_by_form_shows_its_figure_and_chain(app, client):
    world, case = _draft(app)
    sign_in(client, world.sme_user)
    r = client.post(
        f"/cases/{case.id}/emissions/lines",
        data={
            "category": "stationary_combustion",
            "factor": "ipcc2006-t2.3-gas-diesel-oil",
            "quantity": "12",
            "unit": "t",
            "data_type": "metered",
        },
        follow_redirects=True,
    )
    assert "added" in r.text
    # 12 t = 0.012 Gg x 43.0 TJ/Gg = 0.516 TJ; CO2 0.516 x 74100 = 38235.6 kg;
    # AR6: CH4 1.548 kg x 27.9 + N2O 0.3096 kg x 273 = 43.1892 + 84.5208 -> 38363.31 kg
    assert "38.363" in r.text
    assert "43.0 TJ/Gg" in r.text


def test_an_incompatible_unit_is_refused_with_the_reason(app, client):
    world, case = _draft(app)
    sign_in(client, world.sme_user)
    r = client.post(
        f"/cases/{case.id}/emissions/lines",
        data={
            "category": "purchased_electricity",
            "factor": "cn-mee-2023-national-grid",
            "quantity": "10",
            "unit": "litre",
            "data_type": "metered",
        },
        follow_redirects=True,
    )
    assert "litre" in r.text and "kWh" in r.text
    assert _count(app, ActivityLine) == 0


def test_import_with_bad_rows_imports_nothing_and_names_each_row(app, client):
    world, case = _draft(app)
    sign_in(client, world.sme_user)
    r = _post_file(client, f"/cases/{case.id}/emissions/import", "lines.csv", BAD_CSV.encode())
    assert "Nothing was imported" in r.text
    for row in ("Row 5", "Row 6", "Row 7"):
        assert row in r.text
    assert "Row 2" not in r.text
    assert _count(app, ActivityLine) == 0
    r = _post_file(client, f"/cases/{case.id}/emissions/import", "lines.csv", GOOD_CSV.encode())
    assert "3 lines imported" in r.text
    assert _count(app, ActivityLine) == 3


def test_xlsx_import_and_csv_export(app, client):
    world, case = _draft(app)
    book = Workbook()
    sheet = book.active
    for row in GOOD_CSV.strip().splitlines():
        sheet.append([cell or None for cell in row.split(",")])
    sheet["C3"] = 100.0  # a number typed into the spreadsheet
    buffer = io.BytesIO()
    book.save(buffer)
    sign_in(client, world.sme_user)
    r = _post_file(client, f"/cases/{case.id}/emissions/import", "lines.xlsx", buffer.getvalue())
    assert "3 lines imported" in r.text
    with client.get(f"/cases/{case.id}/emissions/export.csv") as r:
        text = r.data.decode()
    assert text.splitlines()[0].startswith("line,scope,category")
    # 100 GJ = 27777.78 kWh (100 x 1000 / 3.6) x 0.18290 = 5080.5555... kg CO2e
    assert "5080.55" in text
    # per gas for the IPCC line: 38235.6 kg CO2, 1.548 kg CH4, 0.3096 kg N2O, AR6
    assert "38235.6,1.548,0.3096,38363.31" in text and ",AR6," in text
    with client.get(f"/cases/{case.id}/emissions/template.csv") as r:
        assert r.data.decode().startswith("category,factor,quantity")


def test_certificates_lower_market_based_scope_2_and_cannot_be_used_twice(app, client):
    with setup(app):
        world = World()
        case = world.open_case()
        line = world.add_line(
            case,
            scope=2,
            category="purchased_electricity",
            factor_key="cn-mee-2023-national-grid",
            quantity="100",
            unit="MWh",
        )
        other = world.open_case("Another case")
        other_line = world.add_line(
            other,
            scope=2,
            category="purchased_electricity",
            factor_key="cn-mee-2023-national-grid",
            quantity="50",
            unit="MWh",
        )
    sign_in(client, world.sme_user)
    certificate = {
        "line": line.id,
        "tracking_id": "GEC-2025-0001",
        "kind": "gec",
        "volume_mwh": "60",
        "vintage": "2025",
        "factor_kg_per_kwh": "0",
    }
    r = client.post(
        f"/cases/{case.id}/emissions/instruments", data=certificate, follow_redirects=True
    )
    assert "claimed" in r.text
    with app.app_context():
        result, problems = emissions.result_of(db.session.get(Case, case.id))
    assert problems is None
    # location: 100 MWh x 0.5306 = 53060 kg; market: 40 MWh uncovered at the grid average
    # (no residual mix is shipped) = 21224 kg, flagged
    assert result.totals.scope2_location_kg == Decimal("53060.0000")
    assert result.totals.scope2_market_kg == Decimal("21224")
    r = client.post(
        f"/cases/{other.id}/emissions/instruments",
        data={**certificate, "line": other_line.id},
        follow_redirects=True,
    )
    assert "already claimed in case" in r.text and f"L{line.id}" in r.text
    assert _count(app, Instrument) == 1


def test_verified_values_give_the_misstatement(app, client):
    with setup(app):
        world = World()
        case = world.assigned_case()
        line = db.session.scalar(select(ActivityLine).where(ActivityLine.case_id == case.id))
    sign_in(client, world.verifier)
    r = client.post(
        f"/cases/{case.id}/emissions/lines/{line.id}/verify",
        data={"verified_quantity": "11.4", "verified_reason": "Fuel invoices add to 11.4 t"},
        follow_redirects=True,
    )
    assert "Verified value recorded" in r.text
    client.post(f"/cases/{case.id}/emissions/materiality", data={"materiality": "0.02"})
    with app.app_context():
        result, _ = emissions.result_of(db.session.get(Case, case.id))
    m = result.misstatement
    # only the diesel line is verified: |12 - 11.4| / 11.4 of the same factor chain
    assert m.misstatement.quantize(Decimal("0.0001")) == Decimal("0.0526")
    assert m.materiality == Decimal("0.02") and m.material is True
    # the material misstatement rules out an unmodified opinion (one threshold per case:
    # the conclusion's 2 % is the carbon engine's)
    for criterion in ("E1", "E2", "E3", "S1", "S2", "G1", "G2"):
        client.post(f"/cases/{case.id}/criteria/{criterion}/finding", data={"outcome": "conforms"})
    conclusion = {"assurance_level": "limited", "materiality_percent": "2", "opinion": "unmodified"}
    client.post(f"/cases/{case.id}/conclusion", data=conclusion)
    r = client.post(f"/cases/{case.id}/actions/send_to_technical_review")
    assert r.status_code == 409 and "materiality threshold" in r.text
    # an adverse opinion with its basis is consistent with the misstatement
    adverse = {**conclusion, "opinion": "adverse", "basis": "Diesel overstated by 5.3 %."}
    client.post(f"/cases/{case.id}/conclusion", data=adverse)
    assert client.post(f"/cases/{case.id}/actions/send_to_technical_review").status_code == 302


def test_api_and_cli_calculate_a_document(app, client, tmp_path):
    doc = {
        "gwp_set": "AR5",
        "lines": [
            {
                "id": "boiler",
                "scope": 1,
                "category": "stationary_combustion",
                "factor": "ipcc2006-t2.3-gas-diesel-oil",
                "quantity": "12",
                "unit": "t",
                "data_type": "metered",
            }
        ],
    }
    body = client.post("/api/v1/carbon/calc", json=doc).get_json()
    # AR5: 38235.6 + 1.548 x 28 + 0.3096 x 265 = 38235.6 + 43.344 + 82.044
    assert body["totals"]["location_kg"] == "38360.988"
    bad = client.post("/api/v1/carbon/calc", json={**doc, "gwp_set": "AR9"})
    assert bad.status_code == 422 and bad.get_json()["problems"]
    path = tmp_path / "doc.json"
    path.write_text(json.dumps(doc))
    out = app.test_cli_runner().invoke(args=["carbon", "calc", str(path)])
    assert out.exit_code == 0, out.output
    assert json.loads(out.output) == body


def test_admin_imports_a_dataset_version(app, client):
    with setup(app):
        world = World()
    header = GOOD_CSV  # not a factor file
    factor_csv = (
        "key,dataset,version,region,activity,table,basis_unit,co2,ch4,n2o,co2e,ncv_tj_per_gg,"
        "gases,source,licence,scope_hint,kind\n"
        "acme-2025-steam,Acme supplier factors,2025,CN,purchased steam,,GJ,,,,68.5,,"
        "CO2e,Acme Steam Co. supplier declaration 2025,Supplier data,2,other\n"
    )
    sign_in(client, world.admin)
    r = client.post(
        "/admin/factors",
        data={"name": "Wrong", "version": "1", "file": (io.BytesIO(header.encode()), "bad.csv")},
        content_type="multipart/form-data",
        follow_redirects=True,
    )
    assert "Nothing was imported" in r.text
    r = client.post(
        "/admin/factors",
        data={
            "name": "Acme",
            "version": "2025",
            "file": (io.BytesIO(factor_csv.encode()), "f.csv"),
        },
        content_type="multipart/form-data",
        follow_redirects=True,
    )
    assert "1 factors imported" in r.text and "acme-2025-steam" in r.text
    again = client.post(
        "/admin/factors",
        data={
            "name": "Acme",
            "version": "2025b",
            "file": (io.BytesIO(factor_csv.encode()), "f.csv"),
        },
        content_type="multipart/form-data",
        follow_redirects=True,
    )
    assert "already exist" in again.text
    assert _count(app, FactorDataset) == 1


def test_the_same_case_gives_the_same_result_on_every_database(app):
    """This digest is the same on SQLite and PostgreSQL (the suite runs on both)."""
    import hashlib

    with setup(app):
        world = World()
        case = world.open_case()
        for row in GOOD_CSV.strip().splitlines()[1:]:
            category, factor, quantity, unit, *_rest = row.split(",")
            world.add_line(
                case,
                scope=2 if category == "purchased_electricity" else 1,
                category=category,
                factor_key=factor,
                quantity=quantity,
                unit=unit,
            )
    with app.app_context():
        result, _ = emissions.result_of(db.session.get(Case, case.id))
        document = result.as_dict()
    for line in document["lines"]:  # database ids differ between runs; the figures may not
        line["line"]["id"] = "-"
    digest = hashlib.sha256(json.dumps(document, sort_keys=True).encode()).hexdigest()
    # 38363.31 (diesel, AR6) + 5080.5555... (100 GJ = 27777.77... kWh x 0.18290) + 53060
    assert Decimal(document["totals"]["location_kg"]).quantize(Decimal("0.000001")) == Decimal(
        "96503.865556"
    )
    assert digest == EXPECTED_DIGEST


def test_denominators_give_intensities_and_cbam(app, client):
    world, case = _draft(app)
    sign_in(client, world.sme_user)
    client.post(
        f"/cases/{case.id}/emissions/import",
        data={"file": (io.BytesIO(GOOD_CSV.encode()), "lines.csv")},
        content_type="multipart/form-data",
    )
    r = client.post(
        f"/cases/{case.id}/emissions/profile",
        data={"production_quantity": "50", "revenue_currency": "CNY", "gwp_set": "AR6"},
        follow_redirects=True,
    )
    assert "unit of the production quantity" in r.text
    r = client.post(
        f"/cases/{case.id}/emissions/profile",
        data={
            "revenue": "1000000",
            "revenue_currency": "CNY",
            "employees": "40",
            "production_quantity": "50",
            "production_unit": "t",
            "declared_unit": "t of yarn",
            "cbam_goods_tonnes": "50",
            "gwp_set": "AR6",
        },
        follow_redirects=True,
    )
    assert "Saved" in r.text
    with app.app_context():
        result, problems = emissions.result_of(db.session.get(Case, case.id))
    assert problems is None
    # direct: (38363.31 + 5080.5555...) kg / 1000 / 50 t; indirect: 53060 kg / 1000 / 50 t
    assert result.cbam.indirect_t_per_t == Decimal("1.0612")
    assert result.cbam.direct_t_per_t.quantize(Decimal("0.000001")) == Decimal("0.868877")
    per = {i.basis: i for i in result.intensities}
    assert per["employee"].location_kg.quantize(Decimal("0.001")) == Decimal("2412.597")
