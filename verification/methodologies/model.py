"""Loading and validating methodology files.

A file is first checked against :data:`.schema.SCHEMA`, then for what a schema cannot say.
A broken file is refused with :class:`MethodologyError` naming the file, the path inside it
and the problem. A loaded methodology carries the SHA-256 of its file so a case can pin the
exact content it was opened on.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

import yaml
from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError

from .schema import ANSWER_TYPES, FRAMEWORKS, SCHEMA

PILLARS = ("E", "S", "G")
PILLAR_TITLES = {"E": "Environment", "S": "Social", "G": "Governance"}
__all__ = ["ANSWER_TYPES", "PILLARS", "Methodology", "MethodologyError", "load_file", "parse"]

_VALIDATOR = Draft202012Validator(SCHEMA)


class MethodologyError(ValueError):
    """A methodology file that cannot be used; the message says where and why."""


@dataclass(frozen=True)
class CarbonSpec:
    factor: str  # key in the factor library
    units: tuple[str, ...]  # units the organisation may answer in


@dataclass(frozen=True)
class Option:
    value: str
    label: str
    points: Decimal  # share of the criterion's weight this choice earns, 0 to 1


@dataclass(frozen=True)
class Theme:
    code: str
    pillar: str
    title: str
    weight: Decimal


@dataclass(frozen=True)
class Grade:
    grade: str
    min: Decimal
    label: str = ""


@dataclass(frozen=True)
class Criterion:
    code: str
    pillar: str
    question: str
    guidance: str
    answer_type: str
    mandatory: bool
    evidence: str  # "required", "optional" or "none"
    weight: Decimal
    references: tuple[str, ...]
    theme: str = ""
    carbon: CarbonSpec | None = None
    units: tuple[str, ...] = ()  # for number answers: the units accepted (empty: a count)
    options: tuple[Option, ...] = ()

    @property
    def evidence_required(self) -> bool:
        return self.evidence == "required"

    @property
    def accepts_evidence(self) -> bool:
        return self.evidence != "none"

    @property
    def frameworks(self) -> tuple[str, ...]:
        """The frameworks this criterion serves, read from its references."""
        found = []
        for ref in self.references:
            name = max((f for f in FRAMEWORKS if ref.startswith(f + " ")), key=len)
            if name not in found:
                found.append(name)
        return tuple(found)

    def option(self, value: str) -> Option | None:
        return next((o for o in self.options if o.value == value), None)


@dataclass(frozen=True)
class Methodology:
    code: str
    version: str
    title: str
    pillar_weights: dict[str, Decimal]
    criteria: tuple[Criterion, ...]
    content_hash: str
    source: str
    kind: str = "esg"
    summary: str = ""
    sources: tuple[str, ...] = ()
    pillar_titles: dict[str, str] = field(default_factory=dict)
    themes: tuple[Theme, ...] = ()
    grades: tuple[Grade, ...] = ()  # best first; each band starts at ``min``
    sector_weights: dict[str, dict[str, Decimal]] = field(default_factory=dict)

    @property
    def key(self) -> tuple[str, str]:
        return (self.code, self.version)

    @property
    def label(self) -> str:
        return f"{self.code} {self.version}"

    def criterion(self, code: str) -> Criterion:
        for c in self.criteria:
            if c.code == code:
                return c
        raise KeyError(code)

    def theme(self, code: str) -> Theme:
        for t in self.themes:
            if t.code == code:
                return t
        raise KeyError(code)


def load_file(path: Path) -> Methodology:
    """Read and validate one methodology file. Raises :class:`MethodologyError`."""
    return load_bytes(path.read_bytes(), source=path.name)


def load_bytes(raw: bytes, *, source: str) -> Methodology:
    try:
        doc = yaml.safe_load(raw)
    except yaml.YAMLError as exc:
        raise MethodologyError(f"{source}: not valid YAML: {exc}") from exc
    return parse(doc, source=source, content_hash=hashlib.sha256(raw).hexdigest())


def _where(path) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(top)"


def _item_keys(doc, path) -> set[str]:
    """The keys of the mapping holding the value at ``path`` in ``doc``."""
    node = doc
    for part in list(path)[:-1]:
        node = node[part]
    return set(node) if isinstance(node, dict) else set()


def _schema_problem(error: ValidationError, doc=None) -> tuple[str, str]:
    """(where, problem) for one schema error, in words a methodology author can act on."""
    where = _where(error.absolute_path)
    if error.validator == "required":
        missing = error.message.split("'")[1]
        return (f"{where}.{missing}" if where != "(top)" else missing), "missing"
    if error.validator == "additionalProperties":
        allowed = set(error.schema.get("properties", {}))
        patterns = [re.compile(p) for p in error.schema.get("patternProperties", {})]
        unknown = sorted(
            k for k in error.instance if k not in allowed and not any(p.search(k) for p in patterns)
        )
        return where, f"unknown key(s) {', '.join(map(repr, unknown))}"
    if error.validator == "enum":
        return where, f"must be one of {', '.join(map(str, error.validator_value))}"
    if error.validator == "oneOf":
        return where, "give either a theme or a pillar (exactly one)"
    if error.validator == "type":
        return where, f"expected {error.validator_value}, got {error.instance!r}"
    if error.validator == "pattern" and ".references" in where:
        return where, (
            f"{error.instance!r} does not name a known framework and clause "
            f"({', '.join(FRAMEWORKS)})"
        )
    if error.validator == "pattern" and where == "version":
        return where, f"{error.instance!r} is not a version: use MAJOR.MINOR.PATCH, e.g. 1.0.0"
    if error.validator == "pattern" and where.endswith("code"):
        return where, f"{error.instance!r} is not a valid code ({error.validator_value})"
    if error.validator in ("exclusiveMinimum", "minimum"):
        word = "greater than" if error.validator == "exclusiveMinimum" else "at least"
        return where, f"must be {word} {error.validator_value}, got {error.instance!r}"
    if error.validator == "maximum":
        return where, f"must be at most {error.validator_value}, got {error.instance!r}"
    if error.validator == "const" and where.endswith(".answer"):
        instance = error.instance
        item = where.rsplit(".", 1)[0]
        keys = _item_keys(doc, error.absolute_path)
        reason = "carbon factors" if "carbon" in keys else "units" if "unit" in keys else "units"
        return f"{item}.answer", f"{reason} need a number answer, not {instance!r}"
    if error.validator == "not" and "options" in str(error.validator_value):
        return where, "options are only for choice answers"
    if error.validator == "const":
        return where, f"must be {error.validator_value!r} here"
    return where, error.message


def parse(doc: object, *, source: str, content_hash: str) -> Methodology:
    """Validate a parsed document. Raises :class:`MethodologyError`."""

    def fail(where: str, problem: str) -> MethodologyError:
        return MethodologyError(f"{source}: {where}: {problem}")

    error = _first_error(list(_VALIDATOR.iter_errors(doc)))
    if error is not None:
        raise fail(*_schema_problem(error, doc))
    assert isinstance(doc, dict)
    pillars = doc["pillars"]
    weights = {p: Decimal(str(v["weight"])) for p, v in pillars.items()}
    if not any(weights.values()):
        raise fail("pillars", "at least one pillar needs a weight above zero")
    themes = _themes(doc, pillars, fail)
    by_theme = {t.code: t for t in themes}
    criteria: list[Criterion] = []
    seen: set[str] = set()
    for i, item in enumerate(doc["criteria"]):
        where = f"criteria[{i}]"
        criterion = _criterion(item, where, fail, by_theme, "themes" in doc, pillars)
        if criterion.code in seen:
            raise fail(f"{where}.code", f"duplicate code {criterion.code!r}")
        seen.add(criterion.code)
        criteria.append(criterion)
    return Methodology(
        code=doc["code"],
        version=doc["version"],
        title=doc["title"],
        kind=doc.get("kind", "esg"),
        summary=doc.get("summary", ""),
        sources=tuple(doc.get("sources", ())),
        pillar_weights=weights,
        pillar_titles={p: v.get("title", PILLAR_TITLES[p]) for p, v in pillars.items()},
        themes=themes,
        grades=_grades(doc.get("grades"), fail),
        sector_weights=_sectors(doc.get("sectors") or {}, by_theme, fail),
        criteria=tuple(criteria),
        content_hash=content_hash,
        source=source,
    )


def _first_error(errors: list[ValidationError]) -> ValidationError | None:
    """The error to report: in the first item (in file order) that has any, the deepest one,
    so the message points at the offending key rather than at its whole item."""
    if not errors:
        return None

    def item(error: ValidationError) -> tuple:
        return tuple((0, p) if isinstance(p, int) else (1, str(p)) for p in error.absolute_path)[:2]

    first = min(item(e) for e in errors)
    candidates = [e for e in errors if item(e) == first]
    return max(candidates, key=lambda e: len(e.absolute_path))


def _themes(doc: dict, pillars: dict, fail) -> tuple[Theme, ...]:
    if "themes" not in doc:  # a file without themes: each pillar is one theme
        return tuple(
            Theme(p, p, pillars[p].get("title", PILLAR_TITLES[p]), Decimal(1)) for p in pillars
        )
    themes: list[Theme] = []
    for i, t in enumerate(doc["themes"]):
        if t["pillar"] not in pillars:
            raise fail(f"themes[{i}].pillar", f"pillar {t['pillar']} is not listed in pillars")
        if any(x.code == t["code"] for x in themes):
            raise fail(f"themes[{i}].code", f"duplicate theme {t['code']!r}")
        themes.append(Theme(t["code"], t["pillar"], t["title"], Decimal(str(t["weight"]))))
    return tuple(themes)


def _grades(items, fail) -> tuple[Grade, ...]:
    if not items:
        return ()
    grades = tuple(Grade(g["grade"], Decimal(str(g["min"])), g.get("label", "")) for g in items)
    for i in range(1, len(grades)):
        if grades[i].min >= grades[i - 1].min:
            raise fail(f"grades[{i}].min", "bands must be listed best first, each lower")
        if grades[i].grade in {g.grade for g in grades[:i]}:
            raise fail(f"grades[{i}].grade", f"duplicate grade {grades[i].grade!r}")
    if grades[-1].min != 0:
        raise fail(f"grades[{len(grades) - 1}].min", "the lowest band must start at 0")
    return grades


def _sectors(items: dict, by_theme: dict, fail) -> dict[str, dict[str, Decimal]]:
    out: dict[str, dict[str, Decimal]] = {}
    for letter, spec in items.items():
        for theme in spec["themes"]:
            if theme not in by_theme:
                raise fail(f"sectors.{letter}.themes.{theme}", "no such theme")
        out[letter] = {t: Decimal(str(f)) for t, f in spec["themes"].items()}
    return out


def _criterion(item: dict, where: str, fail, themes: dict, themed: bool, pillars) -> Criterion:
    if themed:
        if "theme" not in item:
            raise fail(f"{where}.theme", "missing (this file defines themes)")
        if item["theme"] not in themes:
            raise fail(f"{where}.theme", f"no theme {item['theme']!r} is defined")
        theme = themes[item["theme"]]
    else:
        if "pillar" not in item:
            raise fail(f"{where}.pillar", "missing (this file defines no themes)")
        if item["pillar"] not in pillars:
            raise fail(f"{where}.pillar", f"pillar {item['pillar']} is not listed in pillars")
        theme = themes[item["pillar"]]
    carbon = None
    if "carbon" in item:
        carbon = CarbonSpec(factor=item["carbon"]["factor"], units=tuple(item["carbon"]["units"]))
    units = tuple(item.get("units") or ([item["unit"]] if "unit" in item else ()))
    if carbon and not units:
        units = carbon.units
    evidence = item.get("evidence") or ("required" if item.get("evidence_required") else "optional")
    if item.get("mandatory") and evidence == "none" and item["answer"] == "evidence":
        raise fail(f"{where}.evidence", "an evidence-only item cannot refuse evidence")
    if item["answer"] == "evidence" and evidence == "optional":
        evidence = "required"
    options = tuple(
        Option(o["value"], o["label"], Decimal(str(o["points"]))) for o in item.get("options", ())
    )
    if len({o.value for o in options}) != len(options):
        raise fail(f"{where}.options", "option values must be unique")
    return Criterion(
        code=item["code"],
        pillar=theme.pillar,
        theme=theme.code,
        question=item["question"],
        guidance=item.get("guidance", ""),
        answer_type=item["answer"],
        mandatory=bool(item.get("mandatory", False)),
        evidence=evidence,
        weight=Decimal(str(item["weight"])),
        references=tuple(item.get("references") or ()),
        carbon=carbon,
        units=units,
        options=options,
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
