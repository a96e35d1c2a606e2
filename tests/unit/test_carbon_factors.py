"""The factor library: shipped values equal the published figures, CSV import is all or nothing."""

from decimal import Decimal

import pytest

from verification.carbon.decimals import as_given
from verification.carbon.errors import CarbonError
from verification.carbon.factors import (
    COLUMNS,
    MISSING,
    FactorLibrary,
    load_csv,
    shipped_library,
)

# key -> (co2, ch4, n2o, co2e, ncv TJ/Gg), as printed in REFERENCE.md (kg per basis unit).
# Written as text so a dropped trailing zero ("0.1829" for "0.18290") fails too.
PUBLISHED = {
    # IPCC 2006 Vol. 2, Table 2.3 (manufacturing industries and construction), kg/TJ
    "ipcc2006-t2.3-natural-gas": ("56100", "1", "0.1", None, "48.0"),
    "ipcc2006-t2.3-gas-diesel-oil": ("74100", "3", "0.6", None, "43.0"),
    "ipcc2006-t2.3-motor-gasoline": ("69300", "3", "0.6", None, "44.3"),
    "ipcc2006-t2.3-residual-fuel-oil": ("77400", "3", "0.6", None, "40.4"),
    "ipcc2006-t2.3-lpg": ("63100", "1", "0.1", None, "47.3"),
    "ipcc2006-t2.3-other-bituminous-coal": ("94600", "10", "1.5", None, "25.8"),
    # UK DESNZ 2024, kg CO2e per kWh (gross CV) / litre / kWh
    "desnz2024-natural-gas-kwh-gross-cv": (None, None, None, "0.18290", None),
    "desnz2024-diesel-average-biofuel-blend-litre": (None, None, None, "2.51279", None),
    "desnz2024-uk-electricity-generated-kwh": (None, None, None, "0.20705", None),
    # China MEE and NBS, kg CO2/kWh
    "cn-mee-2022-national-grid": ("0.5366", None, None, None, None),
    "cn-mee-2022-north-china-grid": ("0.6776", None, None, None, None),
    "cn-mee-2023-national-grid": ("0.5306", None, None, None, None),
    "cn-mee-2023-national-fossil-generation": ("0.8273", None, None, None, None),
    "cn-mee-2023-guangdong-grid": ("0.4419", None, None, None, None),
    "cn-mee-2023-sichuan-grid": ("0.1564", None, None, None, None),
}
BASIS = {"ipcc": "TJ", "desnz2024-diesel-average-biofuel-blend-litre": "litre"}


def _text(value: Decimal | None) -> str | None:
    return None if value is None else as_given(value)


def test_every_shipped_factor_is_a_published_figure_and_nothing_else_ships():
    library = shipped_library()
    assert set(library) == set(PUBLISHED)
    for key, expected in PUBLISHED.items():
        f = library.get(key)
        found = (f.co2, f.ch4, f.n2o, f.co2e, f.ncv_tj_per_gg)
        assert tuple(_text(v) for v in found) == expected, key
        assert f.source and f.licence and f.dataset and f.version, key


def test_factors_carry_their_provenance():
    library = shipped_library()
    diesel = library.get("ipcc2006-t2.3-gas-diesel-oil")
    assert diesel.basis_unit == "TJ"
    assert "Table 2.3" in diesel.table
    assert diesel.gases == "CO2, CH4, N2O"
    assert diesel.kind == "fuel" and diesel.scope_hint == 1
    gas = library.get("desnz2024-natural-gas-kwh-gross-cv")
    assert gas.co2e == Decimal("0.18290") and gas.basis_unit == "kWh"
    assert "gross calorific value" in gas.activity
    assert gas.licence == "Open Government Licence"
    assert library.get("desnz2024-diesel-average-biofuel-blend-litre").basis_unit == "litre"
    north = library.get("cn-mee-2022-north-china-grid")
    assert "No. 33 of 2024" in north.source and north.gases == "CO2"
    assert "No. 47 of 2025" in library.get("cn-mee-2023-sichuan-grid").source
    assert library.get("cn-mee-2023-national-grid").kind == "grid_average"


def test_missing_factors_are_listed_and_not_shipped():
    library = shipped_library()
    keys = {m.key for m in MISSING}
    assert {
        "desnz2024-petrol",
        "desnz2024-lpg",
        "desnz2024-freight-road-tkm",
        "desnz2024-freight-rail-tkm",
        "desnz2024-freight-sea-tkm",
        "cn-lifecycle-electricity-2023",
        "cn-lifecycle-electricity-2024",
        "residual-mix",
    } <= keys
    assert not keys & set(library)
    assert all(str(m.why).startswith("Not shipped") for m in MISSING)
    # the life-cycle values appear in the reference but not in the product
    assert all("0.6205" not in str(m.why) and "0.5777" not in str(m.why) for m in MISSING)


def test_an_unknown_factor_is_a_clear_error():
    with pytest.raises(CarbonError, match="Factor no-such-key is not in the library"):
        shipped_library().get("no-such-key")


def test_no_residual_mix_is_shipped():
    assert shipped_library().residual_mix("CN") is None


HEADER = ",".join(COLUMNS)
GOOD = (
    f"{HEADER}\n"
    "fixture-a,Fixture,1,XX,thing a,T1,kWh,0.5,,,,,CO2,test fixture,none,2,grid_average\n"
    'fixture-b,Fixture,1,XX,"fuel b, boilers",T2,TJ,70000,3,0.6,,42.5,"CO2, CH4, N2O",'
    "test fixture,none,1,fuel\n"
    "fixture-c,Fixture,1,XX,residual,,kWh,,,,0.7,,CO2e,test fixture,none,2,residual_mix\n"
)


def test_a_good_file_loads_every_row():
    factors = load_csv(GOOD, source_name="good.csv")
    assert [f.key for f in factors] == ["fixture-a", "fixture-b", "fixture-c"]
    b = factors[1]
    assert (b.co2, b.ch4, b.n2o, b.ncv_tj_per_gg) == (
        Decimal("70000"),
        Decimal("3"),
        Decimal("0.6"),
        Decimal("42.5"),
    )
    assert b.activity == "fuel b, boilers" and b.co2e is None and b.per_gas
    library = FactorLibrary(factors)
    assert library.residual_mix("XX") == factors[2]


def test_one_bad_row_is_reported_with_its_number_and_nothing_loads():
    text = GOOD + "fixture-d,Fixture,1,XX,bad,,kWh,0.5,,,0.6,,CO2,test fixture,none,2,other\n"
    with pytest.raises(CarbonError) as caught:
        load_csv(text, source_name="import.csv")
    error = caught.value
    assert [str(p) for p in error.problems] == [
        "import.csv row 5: give per-gas values (co2, ch4, n2o) or co2e, not both."
    ]
    assert "nothing was loaded" in str(error)


def test_every_bad_row_is_reported():
    text = (
        f"{HEADER}\n"
        "Bad Key,Fixture,1,XX,a,,kWh,0.5,,,,,CO2,src,none,2,grid_average\n"
        "fixture-e,Fixture,1,XX,e,,furlongz,1,,,,,CO2,src,none,2,other\n"
        'fixture-f,Fixture,1,XX,f,,kWh,"56,100",,,,,CO2,src,none,4,coal\n'
        "fixture-g,,1,XX,g,,litre,,,,2.5,43.0,CO2e,src,none,1,fuel\n"
        "fixture-g,Fixture,1,XX,g,,kWh,,,,,,CO2e,src,none,1,fuel\n"
        "fixture-h,Fixture,1\n"
    )
    with pytest.raises(CarbonError) as caught:
        load_csv(text, source_name="x.csv")
    problems = [str(p) for p in caught.value.problems]
    assert problems == [
        "x.csv row 2: key Bad Key must be 1 to 128 lower-case letters, digits, '.', '_' or '-'.",
        "x.csv row 3: basis_unit: Unknown unit furlongz.",
        "x.csv row 4: co2 56,100 is not a plain decimal number such as 0.18290.",
        "x.csv row 4: kind coal is not one of grid_average, residual_mix, fuel, other.",
        "x.csv row 4: scope_hint must be 1, 2, 3 or empty.",
        "x.csv row 5: dataset is empty.",
        "x.csv row 5: ncv_tj_per_gg needs an energy basis_unit (such as TJ).",
        "x.csv row 6: no value: give co2 (with ch4 and n2o if published) or co2e.",
        "x.csv row 6: key fixture-g is already used in row 5.",
        "x.csv row 7: 3 cells where the header has 17.",
    ]


def test_a_wrong_header_is_refused():
    with pytest.raises(CarbonError, match=r"missing: kind; unknown: sort"):
        load_csv(HEADER.replace(",kind", ",sort") + "\n", source_name="h.csv")
    with pytest.raises(CarbonError, match="is empty"):
        load_csv("", source_name="e.csv")


def test_a_key_in_two_datasets_is_refused():
    factors = load_csv(GOOD, source_name="good.csv")
    with pytest.raises(CarbonError, match="Factor fixture-a is defined twice"):
        FactorLibrary([*factors, factors[0]])
