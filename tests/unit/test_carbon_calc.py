"""The carbon calculation against hand-computed figures (arithmetic in the comments)."""

import json
from decimal import Decimal, localcontext

import pytest

from verification.carbon.calc import ENGINE_VERSION, calculate
from verification.carbon.errors import CarbonError
from verification.carbon.factors import FactorLibrary, load_csv, shipped_library
from verification.carbon.model import ActivityLine, CalcInput, Instrument

DIESEL = "ipcc2006-t2.3-gas-diesel-oil"
UK_GAS = "desnz2024-natural-gas-kwh-gross-cv"
UK_DIESEL = "desnz2024-diesel-average-biofuel-blend-litre"
CN_2023 = "cn-mee-2023-national-grid"
NORTH_2022 = "cn-mee-2022-north-china-grid"

# A spend-based factor exists in no shipped dataset: this one is a test fixture, not a figure.
SPEND_CSV = (
    "key,dataset,version,region,activity,table,basis_unit,co2,ch4,n2o,co2e,ncv_tj_per_gg,"
    "gases,source,licence,scope_hint,kind\n"
    "fixture-spend-gbp,Fixture,1,GB,purchased services,,GBP,,,,0.5,,CO2e,"
    "test fixture (not a published value),none,3,other\n"
)


def line(id, factor, quantity, unit, scope=1, **kw):
    kw.setdefault("data_type", "metered")
    return ActivityLine(id, scope, kw.pop("category", "c"), factor, Decimal(quantity), unit, **kw)


def calc(*lines, library=None, **kw):
    return calculate(CalcInput(tuple(lines), **kw), library or shipped_library())


def test_ipcc_diesel_by_mass_through_its_ncv():
    r = calc(line("L1", DIESEL, "12", "t")).lines[0]
    assert r.energy_tj == Decimal("0.516")  # 12 t = 0.012 Gg; 0.012 Gg x 43.0 TJ/Gg
    assert r.co2_kg == Decimal("38235.6")  # 0.516 TJ x 74100 kg/TJ
    assert r.ch4_kg == Decimal("1.548")  # 0.516 x 3
    assert r.n2o_kg == Decimal("0.3096")  # 0.516 x 0.6
    # AR6: 38235.6 + 1.548 x 27.9 + 0.3096 x 273 = 38235.6 + 43.1892 + 84.5208
    assert r.co2e_kg == Decimal("38363.31")
    assert r.chain == (
        "12 t = 0.012 Gg",
        "0.012 Gg x 43.0 TJ/Gg (NCV) = 0.516 TJ",
        "0.516 TJ x 74100 kg CO2/TJ = 38235.6 kg CO2",
        "0.516 TJ x 3 kg CH4/TJ = 1.548 kg CH4",
        "0.516 TJ x 0.6 kg N2O/TJ = 0.3096 kg N2O",
        "38235.6 kg CO2 + 1.548 kg CH4 x 27.9 + 0.3096 kg N2O x 273 = 38363.31 kg CO2e (AR6)",
    )
    assert r.factor.table.startswith("Vol. 2 Ch. 2 Table 2.3") and r.co2e_method == "gwp"


@pytest.mark.parametrize(
    "gwp, expected",
    [
        ("AR5", Decimal("38360.988")),  # 38235.6 + 1.548 x 28 (43.344) + 0.3096 x 265 (82.044)
        ("AR6", Decimal("38363.31")),  # + 43.1892 + 84.5208
        ("AR6-fossil-CH4", Decimal("38366.2512")),  # + 1.548 x 29.8 (46.1304) + 84.5208
        ("AR6-non-fossil-CH4", Decimal("38361.9168")),  # + 1.548 x 27.0 (41.796) + 84.5208
    ],
)
def test_gwp_sets(gwp, expected):
    result = calc(line("L1", DIESEL, "12", "t"), gwp_set=gwp)
    assert result.lines[0].co2e_kg == expected
    assert result.gwp.name == gwp and result.as_dict()["gwp"]["set"] == gwp


def test_an_unknown_gwp_set_is_refused():
    with pytest.raises(CarbonError, match="Unknown GWP set AR4; known sets: AR5, AR6"):
        calc(line("L1", DIESEL, "12", "t"), gwp_set="AR4")


def test_desnz_natural_gas_given_in_gigajoules():
    r = calc(line("G1", UK_GAS, "10", "GJ")).lines[0]
    kwh = Decimal(10) * 1000 / Decimal("3.6")  # 1 GJ = 1000/3.6 kWh
    assert r.basis_quantity == kwh == Decimal("2777.777777777777777777777778")
    assert r.co2e_kg == kwh * Decimal("0.18290")
    assert r.co2e_kg == Decimal("508.0555555555555555555555556")  # 10000/3.6 x 0.1829
    assert (r.co2_kg, r.ch4_kg, r.n2o_kg) == (None, None, None)
    assert r.co2e_method == "published"
    assert r.chain == (
        "10 GJ = 2777.777777777777777777777778 kWh",
        "2777.777777777777777777777778 kWh x 0.18290 kg CO2e/kWh"
        " = 508.0555555555555555555555556 kg CO2e",
    )
    assert [f.code for f in r.flags] == ["gwp_not_applied"]
    # the published CO2e is the same whatever the case's GWP set
    assert calc(line("G1", UK_GAS, "10", "GJ"), gwp_set="AR5").lines[0].co2e_kg == r.co2e_kg


def test_china_2023_grid_in_megawatt_hours():
    r = calc(line("E1", CN_2023, "12.5", "MWh", scope=2)).lines[0]
    assert r.basis_quantity == Decimal("12500")
    assert r.co2_kg == r.co2e_kg == Decimal("6632.5")  # 12500 kWh x 0.5306 kg CO2/kWh
    assert "co2_only" in [f.code for f in r.flags]


def test_north_china_grid_2022():
    r = calc(line("E1", NORTH_2022, "250", "MWh", scope=2)).lines[0]
    assert r.co2e_kg == Decimal("169400")  # 250000 kWh x 0.6776


def test_desnz_diesel_in_litres():
    r = calc(line("D1", UK_DIESEL, "1000", "L")).lines[0]
    assert r.co2e_kg == Decimal("2512.79")  # 1000 litre x 2.51279


@pytest.mark.parametrize(
    "factor, unit, message",
    [
        (CN_2023, "L", "Line X1: L \\(volume\\) cannot be converted to kWh \\(energy\\)"),
        (DIESEL, "litre", "Line X1: litre is a volume.*no density"),
        (DIESEL, "kWx", "Line X1: Unknown unit kWx"),
        ("fixture-spend-gbp", "USD", "Line X1: USD cannot be converted to GBP.*exchange rate"),
        ("no-such-factor", "kWh", "Line X1: Factor no-such-factor is not in the library"),
    ],
)
def test_a_unit_that_cannot_reach_the_factor_is_an_error_naming_the_line(factor, unit, message):
    library = FactorLibrary([*shipped_library().values(), *load_csv(SPEND_CSV, source_name="f")])
    with pytest.raises(CarbonError, match=message) as caught:
        calc(line("X1", factor, "100", unit, scope=2), library=library)
    assert caught.value.line_id == "X1"


def test_data_quality_per_line_and_weighted_by_co2e():
    library = FactorLibrary([*shipped_library().values(), *load_csv(SPEND_CSV, source_name="f")])
    result = calc(
        line("A", CN_2023, "10", "MWh", scope=2, verified_quantity=Decimal("10")),  # 5306 kg
        line("B", CN_2023, "20", "MWh", scope=2, data_type="estimate"),  # 10612 kg
        line("C", CN_2023, "1", "MWh", scope=2, data_type="invoice"),
        line("D", CN_2023, "1", "MWh", scope=2, data_type="estimate", verified_quantity=Decimal(1)),
        line("E", "fixture-spend-gbp", "100", "GBP", scope=3, data_type="spend"),
        library=library,
    )
    assert [r.data_quality for r in result.lines] == [1, 4, 2, 3, 5]
    two = calc(
        line("A", CN_2023, "10", "MWh", scope=2, verified_quantity=Decimal("10")),
        line("B", CN_2023, "20", "MWh", scope=2, data_type="estimate"),
    )
    # (5306 x 1 + 10612 x 4) / (5306 + 10612) = 47754 / 15918 = 3
    assert two.data_quality == Decimal(3)


def test_misstatement_over_verified_lines_against_materiality():
    lines = (
        line("A", CN_2023, "100", "MWh", scope=2, verified_quantity=Decimal("96")),
        line("B", DIESEL, "500", "t"),  # not verified: outside the misstatement
    )
    result = calc(*lines)
    m = result.misstatement
    assert (m.reported_kg, m.verified_kg) == (Decimal("53060"), Decimal("50937.6"))
    # |53060 - 50937.6| / 50937.6 = 2122.4 / 50937.6 = 4/96 = 1/24
    assert m.misstatement == Decimal(1) / Decimal(24)
    assert m.lines == 1 and not result.material  # 0.0417 <= 0.05
    assert calc(*lines, materiality=Decimal("0.04")).material  # 0.0417 > 0.04
    v = result.lines[0].verification
    assert v.co2e_kg == Decimal("50937.6") and v.difference_kg == Decimal("2122.4")
    assert "verified_without_reason" in [f.code for f in result.lines[0].flags]


def test_nothing_verified_is_not_material_and_has_no_ratio():
    m = calc(line("A", CN_2023, "1", "MWh", scope=2)).misstatement
    assert (m.lines, m.misstatement, m.material) == (0, None, False)


def _case(**kw):
    return calc(
        line("S1", DIESEL, "12", "t"),  # 38363.31 kg (AR6)
        line("S2", CN_2023, "100", "MWh", scope=2, instruments=("GEC-1",)),  # 53060 kg
        line("S3", UK_DIESEL, "1000", "L", scope=3, category="upstream transport"),  # 2512.79
        line("S4", UK_DIESEL, "10", "L", scope=3, category="business travel"),  # 25.1279
        instruments=(Instrument("GEC-1", "gec", Decimal("60"), 2023),),
        **kw,
    )


def test_totals_by_scope_both_scope2_methods_and_scope3_by_category():
    t = _case().totals
    assert t.scope1_kg == Decimal("38363.31")
    assert t.scope2_location_kg == Decimal("53060")
    assert t.scope2_market_kg == Decimal("21224")  # 40 MWh not covered x 530.6 kg/MWh
    assert t.scope3_by_category == {
        "business travel": Decimal("25.1279"),
        "upstream transport": Decimal("2512.79"),
    }
    assert t.scope3_kg == Decimal("2537.9179")
    assert t.location_kg == Decimal("93961.2279")  # 38363.31 + 53060 + 2537.9179
    assert t.market_kg == Decimal("62125.2279")  # 38363.31 + 21224 + 2537.9179


def test_intensities_per_revenue_employee_and_product():
    result = _case(
        revenue=(Decimal("1000000"), "CNY"),
        employees=Decimal("50"),
        production=(Decimal("500"), "t", "1 t of grey-iron castings"),
    )
    revenue, employee, product = result.intensities
    assert (revenue.basis, revenue.per) == ("revenue", "CNY")
    assert revenue.location_kg == Decimal("0.0939612279")  # 93961.2279 / 1000000
    assert revenue.market_kg == Decimal("0.0621252279")  # 62125.2279 / 1000000
    assert employee.location_kg == Decimal("1879.224558")  # 93961.2279 / 50
    assert (product.per, product.location_kg) == ("t", Decimal("187.9224558"))  # / 500


def test_product_footprint_per_declared_unit():
    fp = _case(production=(Decimal("500"), "t", "1 t of grey-iron castings")).product_footprint
    assert fp.declared_unit == "1 t of grey-iron castings"
    assert fp.scope1_kg == Decimal("76.72662")  # 38363.31 / 500
    assert fp.scope2_location_kg == Decimal("106.12")  # 53060 / 500
    assert fp.scope2_market_kg == Decimal("42.448")  # 21224 / 500
    assert fp.scope3_kg == Decimal("5.0758358")  # 2537.9179 / 500
    assert fp.market_kg == Decimal("124.2504558")  # 62125.2279 / 500


def test_cbam_specific_embedded_emissions_per_tonne_of_good():
    cbam = _case(cbam_goods_tonnes=Decimal("200")).cbam
    assert cbam.direct_t == Decimal("38.36331")  # Scope 1: 38363.31 kg
    assert cbam.indirect_t == Decimal("53.06")  # Scope 2 electricity, location-based
    assert cbam.direct_t_per_t == Decimal("0.19181655")  # 38.36331 / 200
    assert cbam.indirect_t_per_t == Decimal("0.2653")  # 53.06 / 200
    assert cbam.total_t_per_t == Decimal("0.45711655")


def test_revenue_in_an_unknown_currency_is_refused():
    with pytest.raises(CarbonError, match="revenue currency JPY is not one of CNY, USD"):
        _case(revenue=(Decimal("1"), "JPY"))


def test_the_same_input_gives_the_same_result_whatever_the_callers_decimal_context():
    first = _case(revenue=(Decimal("3"), "USD")).as_dict()
    with localcontext() as ctx:
        ctx.prec = 6
        second = _case(revenue=(Decimal("3"), "USD")).as_dict()
    assert json.dumps(first) == json.dumps(second)
    assert first["engine_version"] == ENGINE_VERSION == "carbon-2"
    assert first["intensities"][0]["location_kg"] == "31320.4093"  # 93961.2279 / 3


def test_result_numbers_are_plain_strings_without_exponent():
    data = _case(cbam_goods_tonnes=Decimal("1000000")).as_dict()

    def strings(node):
        if isinstance(node, dict):
            for v in node.values():
                yield from strings(v)
        elif isinstance(node, list):
            for v in node:
                yield from strings(v)
        elif isinstance(node, str):
            yield node

    numeric = [s for s in strings(data) if s[:1].isdigit() and " " not in s]
    assert numeric and not [s for s in numeric if "E" in s or "e" in s]
    assert data["cbam"]["direct_t_per_t"] == "0.00003836331"
