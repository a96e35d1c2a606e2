"""Exact decimal arithmetic for the engine: one fixed context, and plain text for output."""

from __future__ import annotations

from decimal import (
    ROUND_HALF_EVEN,
    Context,
    Decimal,
    DivisionByZero,
    InvalidOperation,
    Overflow,
)

# Fixed here so results never depend on the caller's thread-local decimal context.
# 28 significant digits is Python's default; only non-terminating divisions round.
CONTEXT = Context(
    prec=28,
    rounding=ROUND_HALF_EVEN,
    traps=[InvalidOperation, DivisionByZero, Overflow],
)
ZERO = Decimal(0)


def plain(value: Decimal) -> str:
    """Exact decimal text, no exponent and no trailing zeros: ``Decimal("5.160E+2")`` -> "516"."""
    if not value:
        return "0"  # also turns Decimal("-0") into "0"
    return format(value.normalize(CONTEXT), "f")


def as_given(value: Decimal) -> str:
    """Decimal text as written (published factors keep their digits: "0.18290", "43.0")."""
    return format(value, "f")
