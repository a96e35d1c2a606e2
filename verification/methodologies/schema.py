"""The JSON Schema every methodology file is checked against before it is read.

The schema says what a file may contain; :mod:`.model` then checks what a schema cannot
(codes unique, themes known, grade bands descending, sector weights naming real themes).
Files written before themes existed (criteria carrying ``pillar`` instead of ``theme``)
still load: each pillar then forms one theme of its own.
"""

from __future__ import annotations

ANSWER_TYPES = ("yes_no", "yes_no_partial", "number", "choice", "text", "evidence")
EVIDENCE_RULES = ("required", "optional", "none")
KINDS = ("esg", "ghg_inventory", "product_footprint", "cbam_installation")
# Frameworks a criterion may cite. A reference is "<framework> <clause>", e.g. "GRI 302-1".
FRAMEWORKS = (
    "GRI",
    "ESRS",
    "IFRS S1",
    "IFRS S2",
    "ISO 14064-1",
    "ISO 14064-3",
    "ISO 14065",
    "ISO 14067",
    "ISO 14001",
    "ISO 45001",
    "ISO 37001",
    "ISO 50001",
    "GHG Protocol",
    "CBAM",
    "GB/T",
    "GB",
    "PCAF",
    "TCFD",
    "UNGC",
    "ILO",
)

_NUMBER = {"type": "number", "minimum": 0}
_TEXT = {"type": "string", "minLength": 1}
_REFERENCE = {
    "type": "string",
    "pattern": "^(" + "|".join(f.replace("/", "\\/") for f in FRAMEWORKS) + ") \\S.*$",
}

SCHEMA: dict = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "required": ["code", "version", "title", "pillars", "criteria"],
    "additionalProperties": False,
    "properties": {
        "code": {"type": "string", "pattern": "^[a-z0-9][a-z0-9-]{1,62}$"},
        "version": {"type": "string", "pattern": "^[0-9]+\\.[0-9]+\\.[0-9]+$"},
        "title": _TEXT,
        "summary": {"type": "string"},
        "kind": {"enum": list(KINDS)},
        "sources": {"type": "array", "items": _TEXT},
        "pillars": {
            "type": "object",
            "minProperties": 1,
            "additionalProperties": False,
            "patternProperties": {
                "^[ESG]$": {
                    "type": "object",
                    "required": ["weight"],
                    "additionalProperties": False,
                    "properties": {"title": _TEXT, "weight": _NUMBER},
                }
            },
        },
        "themes": {
            "type": "array",
            "minItems": 1,
            "items": {
                "type": "object",
                "required": ["code", "pillar", "title", "weight"],
                "additionalProperties": False,
                "properties": {
                    "code": {"type": "string", "pattern": "^[A-Z][A-Z0-9-]{0,31}$"},
                    "pillar": {"enum": ["E", "S", "G"]},
                    "title": _TEXT,
                    "weight": _NUMBER,
                },
            },
        },
        "grades": {
            "type": "array",
            "minItems": 2,
            "items": {
                "type": "object",
                "required": ["grade", "min"],
                "additionalProperties": False,
                "properties": {
                    "grade": {"type": "string", "pattern": "^[A-Z][A-Za-z+-]{0,7}$"},
                    "min": {"type": "number", "minimum": 0, "maximum": 100},
                    "label": {"type": "string"},
                },
            },
        },
        "sectors": {
            "type": "object",
            "additionalProperties": False,
            "patternProperties": {
                "^[A-U]$": {
                    "type": "object",
                    "required": ["themes"],
                    "additionalProperties": False,
                    "properties": {
                        "note": {"type": "string"},
                        "themes": {
                            "type": "object",
                            "minProperties": 1,
                            "additionalProperties": _NUMBER,
                        },
                    },
                }
            },
        },
        "criteria": {
            "type": "array",
            "minItems": 1,
            "items": {
                "type": "object",
                "required": ["code", "question", "answer", "weight"],
                "additionalProperties": False,
                "oneOf": [{"required": ["theme"]}, {"required": ["pillar"]}],
                "properties": {
                    "code": {"type": "string", "pattern": "^[A-Z][A-Z0-9.-]{0,31}$"},
                    "theme": {"type": "string"},
                    "pillar": {"enum": ["E", "S", "G"]},
                    "question": _TEXT,
                    "guidance": {"type": "string"},
                    "answer": {"enum": list(ANSWER_TYPES)},
                    "unit": _TEXT,
                    "units": {"type": "array", "minItems": 1, "items": _TEXT},
                    "options": {
                        "type": "array",
                        "minItems": 2,
                        "items": {
                            "type": "object",
                            "required": ["value", "label", "points"],
                            "additionalProperties": False,
                            "properties": {
                                "value": {"type": "string", "pattern": "^[a-z0-9_]{1,32}$"},
                                "label": _TEXT,
                                "points": {"type": "number", "minimum": 0, "maximum": 1},
                            },
                        },
                    },
                    "carbon": {
                        "type": "object",
                        "required": ["factor", "units"],
                        "additionalProperties": False,
                        "properties": {
                            "factor": _TEXT,
                            "units": {"type": "array", "minItems": 1, "items": _TEXT},
                        },
                    },
                    "mandatory": {"type": "boolean"},
                    "evidence": {"enum": list(EVIDENCE_RULES)},
                    "evidence_required": {"type": "boolean"},
                    "weight": {"type": "number", "exclusiveMinimum": 0},
                    "references": {"type": "array", "items": _REFERENCE},
                },
                "allOf": [
                    {
                        "if": {"properties": {"answer": {"const": "choice"}}},
                        "then": {"required": ["options"]},
                        "else": {"not": {"required": ["options"]}},
                    },
                    {
                        "if": {"required": ["carbon"]},
                        "then": {"properties": {"answer": {"const": "number"}}},
                    },
                    {
                        "if": {"required": ["unit"]},
                        "then": {"properties": {"answer": {"const": "number"}}},
                    },
                ],
            },
        },
    },
}
