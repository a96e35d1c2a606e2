"""Units of the carbon engine: exact conversions, currencies kept apart, clear errors."""

import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest

from verification.carbon.errors import CarbonError
from verification.carbon.units import convert, is_convertible, multiplier, unit_info


def test_gigajoule_to_kilowatt_hour_is_the_exact_rational_rounded_once():
    # 1 GJ = 1e9 J; 1 kWh = 3.6e6 J -> 1 GJ = 1000/3.6 kWh = 2500/9 kWh
    assert multiplier("GJ", "kWh") == (Decimal(2500), Decimal(9))
    assert convert(Decimal("1"), "GJ", "kWh") == Decimal(1000) / Decimal("3.6")
    assert convert(Decimal("1"), "GJ", "kWh") == Decimal("277.7777777777777777777777778")
    # 9 GJ = 2500 kWh exactly: the multiplication comes before the one division
    assert convert(Decimal("9"), "GJ", "kWh") == Decimal("2500")


def test_decimal_multiples_convert_exactly():
    assert convert(Decimal("12"), "t", "Gg") == Decimal("0.012")
    assert convert(Decimal("23.26"), "MWh", "kWh") == Decimal("23260")
    assert convert(Decimal("0.516"), "TJ", "GJ") == Decimal("516")
    assert convert(Decimal("2.5"), "m3", "litre") == Decimal("2500")
    assert convert(Decimal("750"), "L", "m3") == Decimal("0.75")


def test_therm_is_pints_ec_therm():
    # pint: therm = 1e5 Btu, Btu = 1055.056 J -> 105,505,600 J; 1 kWh = 3,600,000 J
    assert convert(Decimal("1"), "therm", "MJ") == Decimal("105.5056")
    assert convert(Decimal("1"), "therm", "kWh") == Decimal("105505600") / Decimal("3600000")
    # the US therm is a different unit: 105.4804 MJ
    assert convert(Decimal("1"), "US_therm", "MJ") == Decimal("105.4804")


def test_tonne_kilometre():
    # 20 t carried 150 km = 3000 tkm
    assert convert(Decimal("3000"), "tkm", "t * km") == Decimal("3000")
    assert convert(Decimal("3000"), "tonne_km", "kg * km") == Decimal("3000000")
    assert unit_info("tkm").dimension == "mass x distance"


def test_currencies_never_convert_into_each_other():
    assert convert(Decimal("12.50"), "GBP", "GBP") == Decimal("12.50")
    with pytest.raises(CarbonError, match="USD cannot be converted to CNY.*no exchange rate"):
        convert(Decimal("1"), "USD", "CNY")
    assert unit_info("EUR").currency == "EUR"
    assert unit_info("kWh").currency is None


@pytest.mark.parametrize(
    "unit, message",
    [
        ("kWx", "Unknown unit kWx"),
        ("12 kWh", "Unknown unit 12 kWh"),
        ("", "The unit is missing"),
        ("percent", "not a unit of measure"),
        ("degC", "offset scale"),
    ],
)
def test_unknown_or_unusable_units_are_refused(unit, message):
    with pytest.raises(CarbonError, match=message):
        convert(Decimal("1"), unit, "kWh")


def test_incompatible_units_name_both_units_and_dimensions():
    with pytest.raises(CarbonError) as caught:
        convert(Decimal("5"), "litre", "kWh")
    assert str(caught.value) == "litre (volume) cannot be converted to kWh (energy)."
    assert not is_convertible("litre", "kWh")


def test_kt_is_a_knot_in_pint_not_a_kilotonne():
    # a trap for users: the error is loud, never a silent number
    with pytest.raises(CarbonError, match="kt .* cannot be converted to t"):
        convert(Decimal("1"), "kt", "t")


def test_the_multiplier_is_cached_per_pair():
    multiplier("MJ", "kWh")
    before = multiplier.cache_info().hits
    for _ in range(100):
        convert(Decimal("3.6"), "MJ", "kWh")
    assert multiplier.cache_info().hits == before + 100
    assert convert(Decimal("3.6"), "MJ", "kWh") == Decimal("1")


def test_the_callers_decimal_context_cannot_spoil_the_cached_units():
    # pint computes a unit's size in the decimal context current at first use and caches
    # it: with precision 6, a bare registry keeps 1 therm = 1.05506E+11 g m2/s2 for good.
    # The engine builds and queries its registry in its own context; a fresh interpreter
    # shows it.
    code = (
        "from decimal import Decimal, getcontext\n"
        "getcontext().prec = 6\n"
        "from verification.carbon.units import convert\n"
        "print(convert(Decimal(1), 'therm', 'MJ'), convert(Decimal(1), 'mile', 'm'))\n"
    )
    root = Path(__file__).resolve().parents[2]
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=root, capture_output=True, text=True, check=True
    )
    assert out.stdout.split() == ["105.5056", "1609.344"]
