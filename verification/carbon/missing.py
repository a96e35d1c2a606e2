"""Factors the product was asked to ship but does not, and why: shown as "not shipped".

A factor ships only with a value read in its publication (or in the project's domain
reference, which cites it). For these there was none, so no number is given anywhere.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..messages import N_, Message


@dataclass(frozen=True)
class MissingFactor:
    key: str
    what: Message
    why: Message


_NO_SOURCE = N_(
    "Not shipped: no source read. The project's domain reference gives no value for it."
)

MISSING: tuple[MissingFactor, ...] = (
    MissingFactor("desnz2024-petrol", N_("UK DESNZ 2024: petrol"), _NO_SOURCE),
    MissingFactor("desnz2024-lpg", N_("UK DESNZ 2024: LPG"), _NO_SOURCE),
    MissingFactor(
        "desnz2024-freight-road-tkm", N_("UK DESNZ 2024: road freight per tonne-km"), _NO_SOURCE
    ),
    MissingFactor(
        "desnz2024-freight-rail-tkm", N_("UK DESNZ 2024: rail freight per tonne-km"), _NO_SOURCE
    ),
    MissingFactor(
        "desnz2024-freight-sea-tkm", N_("UK DESNZ 2024: sea freight per tonne-km"), _NO_SOURCE
    ),
    MissingFactor(
        "cn-mee-2022-other-regional-grids",
        N_(
            "China MEE and NBS, 2022 regional grid factors other than North China "
            "(announcement No. 33 of 2024)"
        ),
        _NO_SOURCE,
    ),
    MissingFactor(
        "cn-mee-2023-other-regions-and-provinces",
        N_(
            "China MEE and NBS, 2023 regional and provincial factors other than Guangdong "
            "and Sichuan (announcement No. 47 of 2025)"
        ),
        _NO_SOURCE,
    ),
    MissingFactor(
        "cn-lifecycle-electricity-2023",
        N_("China life-cycle electricity carbon-footprint factor for product footprints, 2023"),
        N_(
            "Not shipped: the domain reference gives a value but says only that it is "
            '"published separately", without naming the publication, so it has no source '
            "to ship with."
        ),
    ),
    MissingFactor(
        "cn-lifecycle-electricity-2024",
        N_("China life-cycle electricity carbon-footprint factor for product footprints, 2024"),
        N_(
            "Not shipped: the domain reference gives a value but says only that it is "
            '"published separately", without naming the publication, so it has no source '
            "to ship with."
        ),
    ),
    MissingFactor(
        "residual-mix",
        N_("Residual-mix electricity factors, any region"),
        N_(
            "Not shipped: no source read. Market-based Scope 2 uses the grid average for "
            "uncovered electricity, with a visible flag, until an admin imports one."
        ),
    ),
    MissingFactor(
        "ipcc2006-t2.2-t2.4",
        N_(
            "IPCC 2006 Vol. 2 Ch. 2 Table 2.2 (energy industries) and Table 2.4 "
            "(commercial/institutional) CH4 and N2O defaults"
        ),
        N_(
            "Not shipped: no source read. The domain reference gives only the Table 2.3 "
            "(manufacturing industries and construction) values."
        ),
    ),
    MissingFactor(
        "ipcc2006-fuel-densities",
        N_("Densities of the IPCC fuels (litres or m3 of fuel to mass)"),
        N_(
            "Not shipped: the IPCC defaults give energy per mass (NCV, TJ/Gg), not density, "
            "so a volume of fuel cannot use an IPCC factor: enter its mass, or use a "
            "per-litre factor such as DESNZ diesel."
        ),
    ),
)
