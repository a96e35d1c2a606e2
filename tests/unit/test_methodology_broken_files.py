"""Broken methodology files are refused with a message naming the file, the path and the problem.

Each file in tests/fixtures/methodologies/broken/ is a valid methodology broken in exactly
one way (its first comment line says how).
"""

from pathlib import Path

import pytest

from verification.methodologies.model import MethodologyError, load_file

BROKEN = Path(__file__).resolve().parent.parent / "fixtures" / "methodologies" / "broken"

# file -> fragment the message must contain: the path inside the file, then the problem
EXPECTED = {
    "invalid_yaml.yaml": "not valid YAML",
    "missing_version.yaml": "version: missing",
    "bad_version.yaml": "version: '1.0' is not a version: use MAJOR.MINOR.PATCH",
    "unknown_top_level_key.yaml": "(top): unknown key(s) 'owner'",
    "criterion_without_question.yaml": "criteria[1].question: missing",
    "unknown_answer_type.yaml": "criteria[2].answer: must be one of yes_no, yes_no_partial",
    "choice_without_options.yaml": "criteria[1].options: missing",
    "options_on_yes_no.yaml": "criteria[2]: options are only for choice answers",
    "carbon_on_text.yaml": "criteria[2].answer: carbon factors need a number answer",
    "unknown_theme.yaml": "criteria[2].theme: no theme 'S-WORKFORCE' is defined",
    "theme_on_unlisted_pillar.yaml": "themes[2].pillar: pillar G is not listed in pillars",
    "duplicate_criterion_code.yaml": "criteria[2].code: duplicate code 'E-01'",
    "grades_not_descending.yaml": "grades[1].min: bands must be listed best first",
    "lowest_grade_not_zero.yaml": "grades[2].min: the lowest band must start at 0",
    "sector_unknown_theme.yaml": "sectors.C.themes.E-POLLUTION: no such theme",
    "unknown_framework_reference.yaml": (
        "criteria[1].references[1]: 'PAS 2050 5.1' does not name a known framework"
    ),
    "weight_zero.yaml": "criteria[0].weight: must be greater than 0, got 0",
    "option_points_too_high.yaml": ("criteria[1].options[1].points: must be at most 1, got 1.5"),
}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_broken_file_is_refused_naming_file_path_and_problem(name):
    with pytest.raises(MethodologyError) as exc:
        load_file(BROKEN / name)
    message = str(exc.value)
    assert message.startswith(f"{name}: "), message
    assert EXPECTED[name] in message, message


def test_every_fixture_is_in_the_table_and_says_what_is_broken():
    files = {p.name for p in BROKEN.glob("*.yaml")}
    assert files == set(EXPECTED)
    assert len(files) >= 12
    for name in files:
        assert (BROKEN / name).read_text(encoding="utf-8").startswith("# Broken on purpose: ")
