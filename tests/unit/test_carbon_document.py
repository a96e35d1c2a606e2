"""The JSON input document: the worked example in docs/carbon.md, and clear problems."""

import json
import re
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from verification.carbon.calc import calculate
from verification.carbon.document import parse_document, result_to_dict
from verification.carbon.errors import CarbonError
from verification.carbon.factors import shipped_library

DOCS = Path(__file__).resolve().parents[2] / "docs" / "carbon.md"


def worked_example() -> dict:
    blocks = re.findall(r"```json\n(.*?)```", DOCS.read_text(encoding="utf-8"), re.S)
    return json.loads(next(b for b in blocks if '"carbon-input/1"' in b))


def minimal(**line) -> dict:
    base = {
        "id": "L1",
        "scope": 2,
        "category": "electricity",
        "factor": "cn-mee-2023-national-grid",
        "quantity": "10",
        "unit": "MWh",
        "data_type": "metered",
    }
    return {"lines": [{**base, **line}]}


def test_the_worked_example_in_the_docs_gives_the_documented_numbers():
    inp = parse_document(worked_example())
    assert inp.lines[1].quantity == Decimal("100") and inp.lines[1].period_end == date(2023, 12, 31)
    data = result_to_dict(calculate(inp, shipped_library()))
    # the figures the docs state (each worked out there by hand)
    assert data["totals"] == {
        "scope1_kg": "38363.31",
        "scope2_location_kg": "53060",
        "scope2_market_kg": "21224",
        "scope3_kg": "2512.79",
        "scope3_by_category": {"upstream transport": "2512.79"},
        "location_kg": "93936.1",
        "market_kg": "62100.1",
    }
    assert [(i["basis"], i["location_kg"], i["market_kg"]) for i in data["intensities"]] == [
        ("revenue", "0.0939361", "0.0621001"),
        ("employee", "1878.722", "1242.002"),
        ("product", "187.8722", "124.2002"),
    ]
    assert data["cbam"]["direct_t_per_t"] == "0.07672662"
    assert data["cbam"]["indirect_t_per_t"] == "0.10612"
    assert data["cbam"]["total_t_per_t"] == "0.18284662"
    assert data["product_footprint"]["market_kg"] == "124.2002"
    assert [line["data_quality"] for line in data["lines"]] == [1, 1, 4]
    l2 = data["lines"][1]
    assert l2["line"]["id"] == "L2" and l2["line"]["instruments"] == ["GEC-2023-000123"]
    assert (l2["co2e_kg"], l2["market_co2e_kg"]) == ("53060", "21224")
    assert l2["factor"]["source"].endswith("announcement No. 47 of 2025 (electricity CO2 "
                                           "emission factors for 2023)")  # fmt: skip
    assert l2["verification"]["co2e_kg"] == "50937.6"  # 96000 kWh x 0.5306
    # (38363.31 x 1 + 53060 x 1 + 2512.79 x 4) / 93936.1 = 101474.47 / 93936.1
    assert data["data_quality"] == str(Decimal("101474.47") / Decimal("93936.1"))
    # |91423.31 - 89300.91| / 89300.91 = 2122.4 / 89300.91
    assert data["misstatement"]["misstatement"] == str(Decimal("2122.4") / Decimal("89300.91"))
    assert data["material"] is False
    assert set(data["factors"]) == {
        "cn-mee-2023-national-grid",
        "desnz2024-diesel-average-biofuel-blend-litre",
        "ipcc2006-t2.3-gas-diesel-oil",
    }
    assert data["factors"]["desnz2024-diesel-average-biofuel-blend-litre"]["co2e"] == "2.51279"


def test_the_result_is_identical_when_computed_twice():
    first = result_to_dict(calculate(parse_document(worked_example()), shipped_library()))
    second = result_to_dict(calculate(parse_document(worked_example()), shipped_library()))
    assert first == second
    assert json.dumps(first) == json.dumps(second)  # key order too


def test_every_problem_is_reported_with_its_json_path():
    doc = {
        "gwp_set": "AR6",
        "materiality": 0.05,
        "colour": "green",
        "instruments": [{"tracking_id": "G1", "kind": "gec", "volume_mwh": "x"}],
        "lines": [
            {
                "id": "L1",
                "scope": 2,
                "category": "electricity",
                "factor": "cn-mee-2023-national-grid",
                "quantity": 12.5,
                "unit": "MWh",
                "data_type": "metered",
                "period_start": "2023-13-01",
            },
            {"id": "L2", "scope": "two"},
        ],
    }
    with pytest.raises(CarbonError) as caught:
        parse_document(doc)
    assert [str(p) for p in caught.value.problems] == [
        "$.colour: unknown field.",
        "$.instruments[0].vintage: is required.",
        '$.instruments[0].volume_mwh: must be a decimal number written as a string, e.g. "12.5".',
        '$.lines[0].quantity: write the number as a string, e.g. "12.5", so no digit is lost.',
        "$.lines[0].period_start: must be a date written YYYY-MM-DD.",
        "$.lines[1].category: is required.",
        "$.lines[1].data_type: is required.",
        "$.lines[1].factor: is required.",
        "$.lines[1].quantity: is required.",
        "$.lines[1].unit: is required.",
        "$.lines[1].scope: must be a whole number.",
        '$.materiality: write the number as a string, e.g. "12.5", so no digit is lost.',
    ]


def test_model_checks_are_reported_with_the_path_too():
    with pytest.raises(CarbonError) as caught:
        parse_document(minimal(scope=4, quantity="-3"))
    assert [str(p) for p in caught.value.problems] == [
        "$.lines[0]: Line L1: the scope must be 1, 2 or 3."
    ]
    with pytest.raises(CarbonError, match=r"\$: Case settings: line ids must be unique"):
        parse_document({"lines": [minimal()["lines"][0], minimal()["lines"][0]]})


def test_a_minimal_document_takes_the_defaults():
    inp = parse_document(minimal())
    assert (inp.gwp_set, inp.materiality, inp.region) == ("AR6", Decimal("0.05"), None)
    assert inp.lines[0].evidence == () and inp.lines[0].instruments == ()


def test_a_document_that_is_not_an_object_is_refused():
    with pytest.raises(CarbonError, match=r"\$: must be an object"):
        parse_document([])  # type: ignore[arg-type]
    with pytest.raises(CarbonError, match=r"\$.format: must be carbon-input/1"):
        parse_document({**minimal(), "format": "v0"})


def test_a_null_required_field_is_reported():
    with pytest.raises(CarbonError) as caught:
        parse_document(minimal(quantity=None))
    assert [str(p) for p in caught.value.problems] == ["$.lines[0].quantity: is required."]
