"""The four shipped methodologies load, are as large as promised, and cite their frameworks.

They also fit the rest of the product: every carbon factor they name is in the factor
library, and an answer given in one can be reused by another that asks the same thing
(the reuse rule in verification/cases/answers.py matches on a shared reference).
"""

from types import SimpleNamespace

import pytest

from verification.carbon.factors import shipped_library
from verification.carbon.units import is_convertible
from verification.cases.answers import reusable
from verification.methodologies.model import Methodology, load_file
from verification.methodologies.registry import DATA_DIR

# file -> (code, kind, at least this many criteria)
SHIPPED = {
    "sme-esg-core-1.0.0.yaml": ("sme-esg-core", "esg", 40),
    "ghg-inventory-1.0.0.yaml": ("ghg-inventory", "ghg_inventory", 20),
    "product-footprint-1.0.0.yaml": ("product-footprint", "product_footprint", 12),
    "cbam-installation-1.0.0.yaml": ("cbam-installation", "cbam_installation", 15),
}


def _load(name: str) -> Methodology:
    return load_file(DATA_DIR / name)


@pytest.mark.parametrize("name", sorted(SHIPPED))
def test_file_loads_with_its_code_kind_and_version(name):
    code, kind, _ = SHIPPED[name]
    m = _load(name)
    assert (m.code, m.kind, m.version) == (code, kind, "1.0.0")
    assert name == f"{m.code}-{m.version}.yaml"
    assert m.summary.strip() and m.sources
    assert len(m.content_hash) == 64


@pytest.mark.parametrize("name", sorted(SHIPPED))
def test_file_has_at_least_the_promised_number_of_criteria(name):
    assert len(_load(name).criteria) >= SHIPPED[name][2]


@pytest.mark.parametrize("name", sorted(SHIPPED))
def test_every_criterion_cites_a_framework_and_explains_itself(name):
    for c in _load(name).criteria:
        assert c.references, f"{c.code} has no reference"
        assert len(set(c.references)) == len(c.references), f"{c.code} repeats a reference"
        assert c.question.strip() and c.guidance.strip(), f"{c.code} lacks question or guidance"


@pytest.mark.parametrize("name", sorted(SHIPPED))
def test_header_says_a_published_version_is_never_edited(name):
    lines = (DATA_DIR / name).read_text(encoding="utf-8").split("\ncode:")[0].splitlines()
    assert lines and all(line.startswith("#") for line in lines)
    header = " ".join(line.lstrip("#").strip() for line in lines)
    assert "written for this platform" in header
    assert "never edited" in header


@pytest.mark.parametrize("name", sorted(SHIPPED))
def test_every_theme_is_used_and_every_pillar_has_criteria(name):
    m = _load(name)
    assert {t.code for t in m.themes} == {c.theme for c in m.criteria}
    assert set(m.pillar_weights) == {c.pillar for c in m.criteria}


def test_sme_esg_core_covers_e_s_g_with_grades_and_sector_weights():
    m = _load("sme-esg-core-1.0.0.yaml")
    by_pillar = {p: [c for c in m.criteria if c.pillar == p] for p in "ESG"}
    assert all(len(items) >= 10 for items in by_pillar.values()), {
        p: len(items) for p, items in by_pillar.items()
    }
    assert [g.grade for g in m.grades] == ["AAA", "AA", "A", "BBB", "BB", "B", "CCC"]
    assert m.grades[-1].min == 0
    assert len(m.sector_weights) >= 6
    # manufacturing, construction, trade, transport, agriculture, ICT
    assert {"A", "C", "F", "G", "H", "J"} <= set(m.sector_weights)
    assert m.sector_weights["C"]["E-CLIMATE"] > 1
    answer_types = {c.answer_type for c in m.criteria}
    assert answer_types == {"yes_no", "yes_no_partial", "number", "choice", "text", "evidence"}
    assert any(c.mandatory and c.evidence_required for c in m.criteria)


def test_ghg_product_and_cbam_files_are_environmental_checklists():
    for name in ("ghg-inventory-1.0.0.yaml", "product-footprint-1.0.0.yaml"):
        assert set(_load(name).pillar_weights) == {"E"}
    assert set(_load("cbam-installation-1.0.0.yaml").pillar_weights) <= {"E", "G"}


@pytest.mark.parametrize("name", sorted(SHIPPED))
def test_every_carbon_factor_is_in_the_library_and_fits_the_units(name):
    library = shipped_library()
    for c in _load(name).criteria:
        if c.carbon is None:
            continue
        assert c.answer_type == "number"
        assert c.carbon.factor in library, f"{c.code}: no factor {c.carbon.factor!r}"
        basis = library[c.carbon.factor].basis_unit
        for unit in c.carbon.units:
            assert is_convertible(unit, basis), f"{c.code}: {unit} does not convert to {basis}"


def test_the_esg_and_ghg_files_name_the_expected_factors():
    carbon = {
        c.code: c.carbon.factor
        for name in ("sme-esg-core-1.0.0.yaml", "ghg-inventory-1.0.0.yaml")
        for c in _load(name).criteria
        if c.carbon
    }
    assert carbon["E-CL-01"] == carbon["GI-S-05"] == "cn-mee-2023-national-grid"
    assert carbon["E-CL-02"] == carbon["GI-S-02"] == "desnz2024-natural-gas-kwh-gross-cv"


def test_esg_core_and_ghg_inventory_share_references_for_the_same_questions():
    esg = _load("sme-esg-core-1.0.0.yaml")
    ghg = _load("ghg-inventory-1.0.0.yaml")
    shared = {r for c in esg.criteria for r in c.references} & {
        r for c in ghg.criteria for r in c.references
    }
    assert len(shared) >= 3, shared
    electricity = set(esg.criterion("E-CL-01").references) & set(
        ghg.criterion("GI-S-05").references
    )
    assert {"GHG Protocol Scope 2 Guidance", "GRI 302-1"} <= electricity


def _answered(m: Methodology) -> dict:
    """A stand-in answer to every criterion, in its first unit or option."""
    return {
        c.code: SimpleNamespace(
            value=c.options[0].value if c.options else "1",
            unit=c.units[0] if c.units else None,
        )
        for c in m.criteria
    }


@pytest.mark.parametrize("name", sorted(SHIPPED))
def test_a_second_case_on_the_same_methodology_reuses_each_answer_for_its_own_item(name):
    m = _load(name)
    found = reusable(m, m, _answered(m))
    wrong = {code: old for code, (old, _) in found.items() if old != code}
    assert not wrong, f"items prefilled from a different item: {wrong}"


# (old file, old item) -> (new file, new item): the same question asked in both
EXPECTED_REUSE = {
    ("sme-esg-core-1.0.0.yaml", "E-CL-01"): ("ghg-inventory-1.0.0.yaml", "GI-S-05"),
    ("sme-esg-core-1.0.0.yaml", "E-CL-02"): ("ghg-inventory-1.0.0.yaml", "GI-S-02"),
    ("sme-esg-core-1.0.0.yaml", "E-CL-03"): ("ghg-inventory-1.0.0.yaml", "GI-S-03"),
    ("sme-esg-core-1.0.0.yaml", "E-CL-04"): ("ghg-inventory-1.0.0.yaml", "GI-S-06"),
    ("sme-esg-core-1.0.0.yaml", "E-CL-06"): ("ghg-inventory-1.0.0.yaml", "GI-B-04"),
}


def test_answers_flow_between_methodologies_only_where_the_question_is_the_same():
    loaded = {name: _load(name) for name in SHIPPED}
    found = set()
    for old_name, old in loaded.items():
        for new_name, new in loaded.items():
            if new_name == old_name:
                continue
            for code, (old_code, _) in reusable(new, old, _answered(old)).items():
                found.add(((old_name, old_code), (new_name, code)))
    expected = set(EXPECTED_REUSE.items()) | {(new, old) for old, new in EXPECTED_REUSE.items()}
    assert found == expected
