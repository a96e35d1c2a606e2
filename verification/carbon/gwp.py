"""Global warming potentials (100-year) that turn kg of CH4 and N2O into kg CO2e.

Values as given in the project's domain reference (REFERENCE.md), which cites the IPCC
Fifth (AR5) and Sixth (AR6, Working Group I) Assessment Reports. Each set says which CH4
value it uses, and every result records the set it was computed with.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from ..messages import N_, Message
from .errors import CarbonError

AR5_SOURCE = "IPCC Fifth Assessment Report (AR5), GWP100"
AR6_SOURCE = "IPCC Sixth Assessment Report (AR6), Working Group I, GWP100"


@dataclass(frozen=True)
class GwpSet:
    name: str
    ch4: Decimal
    n2o: Decimal
    description: Message
    source: str
    co2: Decimal = Decimal(1)


GWP_SETS: dict[str, GwpSet] = {
    s.name: s
    for s in (
        GwpSet(
            "AR5",
            Decimal("28"),
            Decimal("265"),
            N_("AR5 GWP100: CH4 28 (one value for all methane), N2O 265."),
            AR5_SOURCE,
        ),
        GwpSet(
            "AR6",
            Decimal("27.9"),
            Decimal("273"),
            N_(
                "AR6 GWP100: CH4 27.9 (the value that does not separate fossil from "
                "non-fossil methane), N2O 273."
            ),
            AR6_SOURCE,
        ),
        GwpSet(
            "AR6-fossil-CH4",
            Decimal("29.8"),
            Decimal("273"),
            N_("AR6 GWP100 with the fossil-methane value: CH4 29.8, N2O 273."),
            AR6_SOURCE,
        ),
        GwpSet(
            "AR6-non-fossil-CH4",
            Decimal("27.0"),
            Decimal("273"),
            N_("AR6 GWP100 with the non-fossil-methane value: CH4 27.0, N2O 273."),
            AR6_SOURCE,
        ),
    )
}


def gwp_set(name: str) -> GwpSet:
    """The named set. Raises :class:`CarbonError` listing the known sets."""
    try:
        return GWP_SETS[name]
    except (KeyError, TypeError):
        raise CarbonError(
            N_(
                "Unknown GWP set %(name)s; known sets: %(known)s.",
                name=str(name),
                known=", ".join(GWP_SETS),
            )
        ) from None
