"""Loading and validating methodology files.

A broken file is refused with :class:`MethodologyError` naming the file, the path inside it
and the problem. A loaded methodology carries the SHA-256 of its file so a case can pin the
exact content it was opened on.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path

import yaml

PILLARS = ("E", "S", "G")
ANSWER_TYPES = ("yes_no", "number", "text")


class MethodologyError(ValueError):
    """A methodology file that cannot be used; the message says where and why."""


@dataclass(frozen=True)
class CarbonSpec:
    factor: str  # key in the factor library
    units: tuple[str, ...]  # units the organisation may answer in


@dataclass(frozen=True)
class Criterion:
    code: str
    pillar: str
    question: str
    guidance: str
    answer_type: str
    mandatory: bool
    evidence_required: bool
    weight: Decimal
    references: tuple[str, ...]
    carbon: CarbonSpec | None = None


@dataclass(frozen=True)
class Methodology:
    code: str
    version: str
    title: str
    pillar_weights: dict[str, Decimal]
    criteria: tuple[Criterion, ...]
    content_hash: str
    source: str

    @property
    def key(self) -> tuple[str, str]:
        return (self.code, self.version)

    def criterion(self, code: str) -> Criterion:
        for c in self.criteria:
            if c.code == code:
                return c
        raise KeyError(code)


def load_file(path: Path) -> Methodology:
    """Read and validate one methodology file. Raises :class:`MethodologyError`."""
    raw = path.read_bytes()
    try:
        doc = yaml.safe_load(raw)
    except yaml.YAMLError as exc:
        raise MethodologyError(f"{path.name}: not valid YAML: {exc}") from exc
    return parse(doc, source=path.name, content_hash=hashlib.sha256(raw).hexdigest())


def parse(doc: object, *, source: str, content_hash: str) -> Methodology:
    """Validate a parsed document. Raises :class:`MethodologyError`."""

    def fail(where: str, problem: str) -> MethodologyError:
        return MethodologyError(f"{source}: {where}: {problem}")

    if not isinstance(doc, dict):
        raise fail("(top)", "expected a mapping")
    for key in ("code", "version", "title", "pillars", "criteria"):
        if key not in doc:
            raise fail(key, "missing")
    pillars = doc["pillars"]
    if not isinstance(pillars, dict) or set(pillars) != set(PILLARS):
        raise fail("pillars", f"must list exactly {', '.join(PILLARS)}")
    weights = {
        p: _decimal(
            pillars[p].get("weight") if isinstance(pillars[p], dict) else None,
            fail,
            f"pillars.{p}.weight",
        )
        for p in PILLARS
    }
    items = doc["criteria"]
    if not isinstance(items, list) or not items:
        raise fail("criteria", "must be a non-empty list")
    criteria: list[Criterion] = []
    seen: set[str] = set()
    for i, item in enumerate(items):
        where = f"criteria[{i}]"
        criteria.append(_criterion(item, where, fail))
        if criteria[-1].code in seen:
            raise fail(f"{where}.code", f"duplicate code {criteria[-1].code!r}")
        seen.add(criteria[-1].code)
    return Methodology(
        code=str(doc["code"]),
        version=str(doc["version"]),
        title=str(doc["title"]),
        pillar_weights=weights,
        criteria=tuple(criteria),
        content_hash=content_hash,
        source=source,
    )


def _decimal(value: object, fail, where: str) -> Decimal:
    try:
        result = Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise fail(where, f"expected a number, got {value!r}") from None
    if value is None or not result.is_finite() or result < 0:
        raise fail(where, f"expected a non-negative number, got {value!r}")
    return result


def _criterion(item: object, where: str, fail) -> Criterion:
    if not isinstance(item, dict):
        raise fail(where, "expected a mapping")
    for key in ("code", "pillar", "question", "answer", "weight"):
        if key not in item:
            raise fail(f"{where}.{key}", "missing")
    if item["pillar"] not in PILLARS:
        raise fail(f"{where}.pillar", f"must be one of {', '.join(PILLARS)}")
    if item["answer"] not in ANSWER_TYPES:
        raise fail(f"{where}.answer", f"must be one of {', '.join(ANSWER_TYPES)}")
    carbon = None
    if "carbon" in item:
        spec = item["carbon"]
        if item["answer"] != "number" or not isinstance(spec, dict) or "factor" not in spec:
            raise fail(f"{where}.carbon", "needs a number answer and a factor key")
        units = tuple(spec.get("units") or ())
        if not units:
            raise fail(f"{where}.carbon.units", "list at least one unit")
        carbon = CarbonSpec(factor=str(spec["factor"]), units=units)
    refs = item.get("references") or []
    if not isinstance(refs, list):
        raise fail(f"{where}.references", "expected a list")
    return Criterion(
        code=str(item["code"]),
        pillar=item["pillar"],
        question=str(item["question"]),
        guidance=str(item.get("guidance", "")),
        answer_type=item["answer"],
        mandatory=bool(item.get("mandatory", False)),
        evidence_required=bool(item.get("evidence_required", False)),
        weight=_decimal(item["weight"], fail, f"{where}.weight"),
        references=tuple(str(r) for r in refs),
        carbon=carbon,
    )


def load_directory(directory: Path) -> dict[tuple[str, str], Methodology]:
    """Load every ``*.yaml`` in ``directory``; the first broken file stops the load."""
    found: dict[tuple[str, str], Methodology] = {}
    for path in sorted(directory.glob("*.yaml")):
        m = load_file(path)
        if m.key in found:
            raise MethodologyError(f"{path.name}: {m.code} {m.version} is defined twice")
        found[m.key] = m
    return found
