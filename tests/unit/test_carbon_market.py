"""Market-based Scope 2: certificates, PPAs, residual mix or grid average with a flag."""

from datetime import date
from decimal import Decimal

import pytest

from verification.carbon.calc import calculate
from verification.carbon.errors import CarbonError
from verification.carbon.factors import FactorLibrary, load_csv, shipped_library
from verification.carbon.model import ActivityLine, CalcInput, Instrument

CN_2023 = "cn-mee-2023-national-grid"
YEAR_2023 = {"period_start": date(2023, 1, 1), "period_end": date(2023, 12, 31)}
# No residual mix is shipped (no source read): this one is a test fixture, not a figure.
RESIDUAL_CSV = (
    "key,dataset,version,region,activity,table,basis_unit,co2,ch4,n2o,co2e,ncv_tj_per_gg,"
    "gases,source,licence,scope_hint,kind\n"
    "fixture-residual-cn,Fixture,1,CN,residual mix,,kWh,,,,0.6,,CO2e,"
    "test fixture (not a published value),none,2,residual_mix\n"
)


def electricity(id, mwh, *instruments, **kw):
    fields = {**YEAR_2023, **kw}
    return ActivityLine(
        id, 2, "electricity", CN_2023, Decimal(mwh), "MWh", data_type="metered",
        instruments=instruments, **fields,
    )  # fmt: skip


def gec(tracking_id, mwh, vintage=2023):
    return Instrument(tracking_id, "gec", Decimal(mwh), vintage, "CN")


def calc(lines, instruments, library=None, **kw):
    inp = CalcInput(tuple(lines), tuple(instruments), **kw)
    return calculate(inp, library or shipped_library())


def test_certificate_covers_part_and_the_rest_goes_at_grid_average_with_a_flag():
    r = calc([electricity("L1", "100", "GEC-1")], [gec("GEC-1", "60")]).lines[0]
    m = r.market
    assert r.co2e_kg == Decimal("53060")  # location-based: 100000 kWh x 0.5306
    assert [(a.tracking_id, a.mwh, a.co2e_kg) for a in m.allocations] == [
        ("GEC-1", Decimal("60"), Decimal("0"))
    ]
    assert m.remainder_mwh == Decimal("40")
    assert m.remainder_method == "grid_average" and m.remainder_factor.key == CN_2023
    assert m.co2e_kg == r.market_co2e_kg == Decimal("21224")  # 40000 kWh x 0.5306
    assert m.chain == (
        "GEC-1 (gec): 60 MWh x 0 kg CO2e/kWh = 0 kg CO2e",
        "100 MWh - 60 MWh = 40 MWh = 40000 kWh x 0.5306 kg CO2e/kWh (cn-mee-2023-national-grid)"
        " = 21224 kg CO2e",
        "0 + 21224 = 21224 kg CO2e",
    )
    flags = {f.code: str(f.message) for f in r.flags}
    assert flags["residual_mix_missing"] == "Residual mix not available for CN; grid average used."


def test_the_rest_goes_at_the_residual_mix_when_the_library_has_one():
    library = FactorLibrary(
        [*shipped_library().values(), *load_csv(RESIDUAL_CSV, source_name="fixture")]
    )
    r = calc([electricity("L1", "100", "GEC-1")], [gec("GEC-1", "60")], library).lines[0]
    assert r.market.remainder_method == "residual_mix"
    assert r.market.co2e_kg == Decimal("24000")  # 40000 kWh x 0.6 (fixture)
    assert "residual_mix_missing" not in [f.code for f in r.flags]
    assert r.market.chain == (
        "GEC-1 (gec): 60 MWh x 0 kg CO2e/kWh = 0 kg CO2e",
        "100 MWh - 60 MWh = 40 MWh = 40000 kWh x 0.6 kg CO2e/kWh (fixture-residual-cn)"
        " = 24000 kg CO2e",
        "0 + 24000 = 24000 kg CO2e",
    )


def test_a_certificate_larger_than_the_consumption_covers_only_the_consumption():
    r = calc([electricity("L1", "50", "GEC-1")], [gec("GEC-1", "80")]).lines[0]
    assert r.market.allocations[0].mwh == Decimal("50")
    assert r.market.co2e_kg == Decimal("0")
    assert "certificate_excess" in [f.code for f in r.flags]  # 30 MWh not used


def test_a_second_use_of_a_certificate_is_refused_naming_both_lines():
    lines = [electricity("L1", "100", "GEC-1"), electricity("L2", "100", "GEC-1")]
    with pytest.raises(CarbonError) as caught:
        calc(lines, [gec("GEC-1", "200")])
    assert str(caught.value) == (
        "Line L2: certificate GEC-1 is already claimed by line L1; it cannot also cover "
        "line L2: a certificate covers one claim."
    )
    assert caught.value.line_id == "L2"


def test_a_ppa_feeds_several_lines_in_order_until_its_volume_is_used():
    ppa = Instrument("PPA-1", "ppa", Decimal("100"), 2023, "CN", Decimal("0.1"))
    result = calc([electricity("L1", "80", "PPA-1"), electricity("L2", "50", "PPA-1")], [ppa])
    first, second = (r.market for r in result.lines)
    assert first.co2e_kg == Decimal("8000")  # 80000 kWh x 0.1
    assert second.allocations[0].mwh == Decimal("20")  # what the PPA has left
    # 20000 kWh x 0.1 = 2000; 30 MWh not covered: 30000 kWh x 0.5306 = 15918
    assert second.co2e_kg == Decimal("17918")


def test_over_allocating_an_instrument_across_lines_is_refused():
    ppa = Instrument("PPA-1", "ppa", Decimal("50"), 2023, "CN", Decimal("0.1"))
    lines = [electricity("L1", "50", "PPA-1"), electricity("L2", "30", "PPA-1")]
    with pytest.raises(
        CarbonError, match="Line L2: instrument PPA-1 is over-allocated: its 50 MWh"
    ):
        calc(lines, [ppa])


def test_unknown_or_repeated_claims_are_refused():
    with pytest.raises(CarbonError, match="Line L1: instrument GEC-9 is not in the input"):
        calc([electricity("L1", "10", "GEC-9")], [])
    with pytest.raises(CarbonError, match="Line L1: instrument GEC-1 is claimed twice"):
        calc([electricity("L1", "10", "GEC-1", "GEC-1")], [gec("GEC-1", "5")])
    with pytest.raises(CarbonError, match="instruments listed twice: GEC-1"):
        calc([electricity("L1", "10")], [gec("GEC-1", "5"), gec("GEC-1", "5")])


def test_only_grid_electricity_lines_claim_instruments():
    with pytest.raises(CarbonError, match="Line F1: only Scope 2 electricity lines"):
        ActivityLine("F1", 1, "fuel", "ipcc2006-t2.3-natural-gas", Decimal(1), "t",
                     instruments=("GEC-1",))  # fmt: skip
    fossil = ActivityLine("F2", 2, "electricity", "cn-mee-2023-national-fossil-generation",
                          Decimal(1), "MWh", instruments=("GEC-1",))  # fmt: skip
    with pytest.raises(CarbonError, match="Line F2: only lines with a grid-average"):
        calc([fossil], [gec("GEC-1", "1")])


def test_a_vintage_outside_the_period_is_a_warning_on_the_line():
    r = calc([electricity("L1", "10", "GEC-1")], [gec("GEC-1", "10", vintage=2021)]).lines[0]
    warning = next(f for f in r.flags if f.code == "vintage_outside_period")
    assert warning.severity == "warning"
    assert str(warning.message) == (
        "Instrument GEC-1 has vintage 2021, outside the line's reporting period "
        "(2023-01-01 to 2023-12-31)."
    )
    assert r.market.co2e_kg == Decimal("0")  # still counted: the verifier judges the flag


def test_lines_without_instruments_are_market_based_at_the_remainder_factor():
    result = calc([electricity("L1", "10")], [])
    assert result.totals.scope2_market_kg == result.totals.scope2_location_kg == Decimal("5306")
    assert result.lines[0].market.allocations == ()
