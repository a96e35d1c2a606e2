"""What the engine takes in: activity lines, contractual instruments and case settings.

Each class checks its own fields when built and raises :class:`CarbonError` naming the
line or instrument, so a bad value never reaches the arithmetic.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from ..messages import N_, Message
from .errors import CarbonError

SCOPES = (1, 2, 3)
DATA_TYPES = ("metered", "invoice", "estimate", "spend")
INSTRUMENT_KINDS = ("gec", "go", "irec", "ppa", "supplier")
# One certificate, one claim: these tracking ids may be claimed by a single line only.
CERTIFICATE_KINDS = ("gec", "go", "irec")


def _repeated(ids: Iterable[str]) -> str:
    return ", ".join(sorted(i for i, n in Counter(ids).items() if n > 1))


def _decimal(value: object, *, positive: bool = False) -> bool:
    """A finite, non-negative Decimal (strictly positive if asked): never a float."""
    if not isinstance(value, Decimal) or not value.is_finite() or value < 0:
        return False
    return value > 0 if positive else True


@dataclass(frozen=True)
class ActivityLine:
    id: str
    scope: int
    category: str
    factor: str
    quantity: Decimal
    unit: str
    site: str | None = None
    period_start: date | None = None
    period_end: date | None = None
    data_type: str = "estimate"  # the cautious default: an unverified estimate scores 4
    evidence: tuple[str, ...] = ()
    verified_quantity: Decimal | None = None
    verified_reason: str | None = None
    instruments: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        def fail(problem: Message) -> CarbonError:
            return CarbonError(
                N_("Line %(line)s: %(problem)s", line=self.id, problem=problem), line_id=self.id
            )

        if not isinstance(self.id, str) or not self.id:
            raise CarbonError(N_("An activity line has no id."))
        object.__setattr__(self, "evidence", tuple(self.evidence))
        object.__setattr__(self, "instruments", tuple(self.instruments))
        if self.scope not in SCOPES or isinstance(self.scope, bool):
            raise fail(N_("the scope must be 1, 2 or 3."))
        if not _decimal(self.quantity):
            raise fail(N_("the quantity must be a non-negative decimal number."))
        if self.verified_quantity is not None and not _decimal(self.verified_quantity):
            raise fail(N_("the verified quantity must be a non-negative decimal number."))
        if self.data_type not in DATA_TYPES:
            raise fail(N_("the data type must be one of %(known)s.", known=", ".join(DATA_TYPES)))
        if self.period_start and self.period_end and self.period_end < self.period_start:
            raise fail(N_("the period ends before it starts."))
        if self.instruments and self.scope != 2:
            raise fail(N_("only Scope 2 electricity lines can claim instruments."))


@dataclass(frozen=True)
class Instrument:
    """A contractual instrument: a certificate (GEC, GO, I-REC) at 0 kg/kWh, or a PPA or
    supplier contract at its own factor (kg CO2e per kWh)."""

    tracking_id: str
    kind: str
    volume_mwh: Decimal
    vintage: int
    region: str | None = None
    factor_kg_per_kwh: Decimal = Decimal(0)

    def __post_init__(self) -> None:
        def fail(problem: Message) -> CarbonError:
            return CarbonError(
                N_("Instrument %(id)s: %(problem)s", id=self.tracking_id, problem=problem)
            )

        if not isinstance(self.tracking_id, str) or not self.tracking_id:
            raise CarbonError(N_("An instrument has no tracking id."))
        if self.kind not in INSTRUMENT_KINDS:
            raise fail(N_("the kind must be one of %(known)s.", known=", ".join(INSTRUMENT_KINDS)))
        if not _decimal(self.volume_mwh, positive=True):
            raise fail(N_("the volume must be a positive decimal number of MWh."))
        if not isinstance(self.vintage, int) or isinstance(self.vintage, bool):
            raise fail(N_("the vintage must be a year."))
        if not _decimal(self.factor_kg_per_kwh):
            raise fail(N_("the factor must be a non-negative decimal number of kg CO2e/kWh."))
        if self.kind in CERTIFICATE_KINDS and self.factor_kg_per_kwh != 0:
            raise fail(N_("a certificate's factor is 0 kg CO2e/kWh."))

    @property
    def is_certificate(self) -> bool:
        return self.kind in CERTIFICATE_KINDS


@dataclass(frozen=True)
class CalcInput:
    lines: tuple[ActivityLine, ...]
    instruments: tuple[Instrument, ...] = ()
    gwp_set: str = "AR6"
    materiality: Decimal = Decimal("0.05")
    revenue: tuple[Decimal, str] | None = None  # (amount, currency code)
    employees: Decimal | None = None
    production: tuple[Decimal, str, str] | None = None  # (quantity, unit, declared unit label)
    cbam_goods_tonnes: Decimal | None = None
    region: str | None = None  # for the residual-mix lookup

    def __post_init__(self) -> None:
        def fail(problem: Message) -> CarbonError:
            return CarbonError(N_("Case settings: %(problem)s", problem=problem))

        object.__setattr__(self, "lines", tuple(self.lines))
        object.__setattr__(self, "instruments", tuple(self.instruments))

        repeated = _repeated(line.id for line in self.lines)
        if repeated:
            raise fail(N_("line ids must be unique; repeated: %(ids)s.", ids=repeated))
        repeated = _repeated(i.tracking_id for i in self.instruments)
        if repeated:
            raise fail(N_("instruments listed twice: %(ids)s.", ids=repeated))
        if not _decimal(self.materiality, positive=True) or self.materiality > 1:
            raise fail(N_("the materiality threshold must be a fraction above 0 and at most 1."))
        if self.revenue is not None and not _decimal(self.revenue[0], positive=True):
            raise fail(N_("the revenue must be a positive decimal number."))
        if self.employees is not None and not _decimal(self.employees, positive=True):
            raise fail(N_("the number of employees must be a positive decimal number."))
        if self.production is not None and not _decimal(self.production[0], positive=True):
            raise fail(N_("the production quantity must be a positive decimal number."))
        if self.cbam_goods_tonnes is not None and not _decimal(
            self.cbam_goods_tonnes, positive=True
        ):
            raise fail(N_("the CBAM goods quantity must be a positive decimal number of tonnes."))
