"""Carbon engine benchmark: 10,000 activity lines through `calculate`.

`.venv/bin/python bench/carbon.py` from the repository root; see bench/README.md.
"""

import gc
import sys
import time
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from verification.carbon.calc import calculate  # noqa: E402
from verification.carbon.document import result_to_dict  # noqa: E402
from verification.carbon.factors import shipped_library  # noqa: E402
from verification.carbon.model import ActivityLine, CalcInput, Instrument  # noqa: E402

LINES = 10_000
RUNS = 5
TARGET_S = 1.0
START, END = date(2023, 1, 1), date(2023, 12, 31)

# (scope, category, factor key, unit): a mix of fuels, units and scopes, taken in turn
MIX = (
    (1, "stationary combustion", "ipcc2006-t2.3-gas-diesel-oil", "t"),
    (1, "stationary combustion", "ipcc2006-t2.3-gas-diesel-oil", "kg"),
    (1, "stationary combustion", "ipcc2006-t2.3-natural-gas", "GJ"),
    (1, "stationary combustion", "ipcc2006-t2.3-other-bituminous-coal", "t"),
    (1, "stationary combustion", "ipcc2006-t2.3-lpg", "TJ"),
    (1, "stationary combustion", "desnz2024-natural-gas-kwh-gross-cv", "kWh"),
    (1, "stationary combustion", "desnz2024-natural-gas-kwh-gross-cv", "therm"),
    (1, "mobile combustion", "desnz2024-diesel-average-biofuel-blend-litre", "L"),
    (2, "purchased electricity", "cn-mee-2023-national-grid", "MWh"),
    (2, "purchased electricity", "cn-mee-2023-guangdong-grid", "kWh"),
    (2, "purchased electricity", "cn-mee-2022-north-china-grid", "MWh"),
    (2, "purchased electricity", "desnz2024-uk-electricity-generated-kwh", "GJ"),
    (3, "upstream transport", "desnz2024-diesel-average-biofuel-blend-litre", "m3"),
    (3, "business travel", "desnz2024-diesel-average-biofuel-blend-litre", "L"),
)
DATA_TYPES = ("metered", "invoice", "estimate", "metered")


def build_input() -> CalcInput:
    """10,000 lines; every 5th electricity line claims a certificate, every 7th a shared PPA."""
    lines: list[ActivityLine] = []
    instruments: list[Instrument] = [
        Instrument("PPA-BENCH", "ppa", Decimal("1000000"), 2023, "CN", Decimal("0.05"))
    ]
    for i in range(LINES):
        scope, category, factor, unit = MIX[i % len(MIX)]
        quantity = Decimal(f"{(i * 37) % 997 + 1}.{i % 100:02d}")
        claims: tuple[str, ...] = ()
        if scope == 2 and factor.startswith("cn-"):
            if i % 5 == 0:
                tracking_id = f"GEC-BENCH-{i:06d}"
                instruments.append(Instrument(tracking_id, "gec", Decimal("0.5"), 2023, "CN"))
                claims = (tracking_id,)
            elif i % 7 == 0:
                claims = ("PPA-BENCH",)
        verified = quantity * Decimal("0.98") if i % 4 == 0 else None
        lines.append(
            ActivityLine(
                id=f"L{i:05d}",
                scope=scope,
                category=category,
                factor=factor,
                quantity=quantity,
                unit=unit,
                site=f"site {i % 12}",
                period_start=START,
                period_end=END,
                data_type=DATA_TYPES[i % len(DATA_TYPES)],
                evidence=(f"EV-{i}",),
                verified_quantity=verified,
                verified_reason="meter readings" if verified is not None else None,
                instruments=claims,
            )
        )
    return CalcInput(
        lines=tuple(lines),
        instruments=tuple(instruments),
        region="CN",
        revenue=(Decimal("250000000"), "CNY"),
        employees=Decimal("900"),
        production=(Decimal("120000"), "t", "1 t of product"),
        cbam_goods_tonnes=Decimal("120000"),
    )


def best_of(runs: int, work: Callable[[], object]) -> float:
    """Best wall time in seconds of `runs` timed runs, after one untimed warm-up run."""
    work()
    times = []
    for _ in range(runs):
        gc.collect()
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> int:
    start = time.perf_counter()
    library = shipped_library()  # builds the pint registry and loads the factor CSVs
    inp = build_input()
    result = calculate(inp, library)
    cold_s = time.perf_counter() - start
    # a real computation: the totals are the sums of the lines (to 28 significant digits)
    assert abs(result.totals.location_kg - sum(r.co2e_kg for r in result.lines)) < Decimal("1e-12")
    quantities = [line.quantity for line in inp.lines]
    factor = Decimal("0.5306")

    def baseline() -> Decimal:
        total = Decimal(0)
        for q in quantities:
            total += q * factor
        return total

    baseline_s = best_of(RUNS, baseline)
    calc_s = best_of(RUNS, lambda: calculate(inp, library))
    dict_s = best_of(RUNS, lambda: result_to_dict(result))
    scope2 = sum(1 for line in inp.lines if line.scope == 2)
    claimed = sum(1 for line in inp.lines if line.instruments)

    print(
        f"{LINES} lines ({scope2} Scope 2, {claimed} claiming instruments), "
        f"best of {RUNS} after a warm-up:"
    )
    print(
        f"  calculate       {calc_s * 1000:8.1f} ms per {LINES} lines"
        f"  {LINES / calc_s:10.0f} lines/s"
    )
    print(f"  result_to_dict  {dict_s * 1000:8.1f} ms")
    print(
        f"  baseline        {baseline_s * 1000:8.1f} ms  (a plain loop adding {LINES} Decimal "
        "products)"
    )
    print(f"  calculate / baseline = {calc_s / baseline_s:.0f}x")
    print(
        f"  cold first run  {cold_s * 1000:8.1f} ms  (pint registry, factor CSVs, building the "
        "input, empty caches)"
    )
    ok = calc_s < TARGET_S
    verdict = "under" if ok else "OVER"
    print(f"target: {LINES} lines in under {TARGET_S:g} s: {verdict} ({calc_s:.3f} s)")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
