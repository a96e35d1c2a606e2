"""Methodology files are validated on load; errors name the file, the path and the problem."""

import pytest
import yaml

from verification.methodologies.model import MethodologyError, load_directory, load_file, parse
from verification.methodologies.registry import DATA_DIR


def test_shipped_methodologies_load():
    found = load_directory(DATA_DIR)
    starter = found[("sme-esg-starter", "1.0.0")]
    assert {c.pillar for c in starter.criteria} == {"E", "S", "G"}
    assert any(c.evidence_required for c in starter.criteria)
    assert sum(1 for c in starter.criteria if c.carbon) == 1
    assert len(starter.content_hash) == 64


def _doc():
    return yaml.safe_load((DATA_DIR / "sme-esg-starter-1.0.0.yaml").read_text())


@pytest.mark.parametrize(
    "mutate, message",
    [
        (lambda d: d.pop("version"), "m.yaml: version: missing"),
        (lambda d: d["criteria"][1].update(pillar="X"), "m.yaml: criteria[1].pillar: must be one"),
        (
            lambda d: d["criteria"][0].update(weight="heavy"),
            "criteria[0].weight: expected number, got 'heavy'",
        ),
        (lambda d: d["criteria"][2].update(code="E1"), "criteria[2].code: duplicate code 'E1'"),
        (lambda d: d["criteria"][0]["carbon"].pop("units"), "criteria[0].carbon.units"),
        (lambda d: d["pillars"].update(X={"weight": 1}), "pillars: unknown key(s) 'X'"),
        (lambda d: d["criteria"][1].pop("pillar"), "criteria[1]: give either a theme or a pillar"),
        (lambda d: d.update(colour="red"), "m.yaml: (top): unknown key(s) 'colour'"),
    ],
)
def test_broken_files_are_refused_with_where_and_why(mutate, message):
    doc = _doc()
    mutate(doc)
    with pytest.raises(MethodologyError) as exc:
        parse(doc, source="m.yaml", content_hash="0" * 64)
    assert message in str(exc.value)


def test_invalid_yaml_names_the_file(tmp_path):
    path = tmp_path / "broken.yaml"
    path.write_text("code: [unclosed")
    with pytest.raises(MethodologyError, match="broken.yaml: not valid YAML"):
        load_file(path)
