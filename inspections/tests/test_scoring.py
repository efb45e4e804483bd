"""Score → grade boundaries and verdicts, per the documented rule."""

import pytest

from inspections.models import ChecklistItemDefinition, InspectionItem
from inspections.scoring import evaluate, grade_for

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("score", "grade"),
    [(100, 1), (90, 1), (89, 2), (60, 2), (59, 3), (20, 3), (19, 4), (0, 4)],
)
def test_grade_boundaries_follow_the_standard(score, grade):
    assert grade_for(score, is_accident=False) == grade


@pytest.mark.parametrize("score", [100, 90, 50, 0])
def test_an_accident_car_is_grade_5_whatever_its_score(score):
    assert grade_for(score, is_accident=True) == 5


def _defs():
    return {d.code: d for d in ChecklistItemDefinition.objects.all()}


def test_the_checklist_ships_as_data_with_13_structural_positions_and_over_100_lines():
    defs = ChecklistItemDefinition.objects.all()
    assert defs.count() >= 113
    assert defs.filter(kind="structure").count() == 13
    sections = list(defs.order_by("position").values_list("section", flat=True).distinct())
    order = []
    for s in sections:
        if s not in order:
            order.append(s)
    assert order == ["structure", "exterior", "engine_bay", "cabin", "startup", "road_test", "chassis"]
    assert defs.filter(evidence="flood").exists() and defs.filter(evidence="fire").exists()


def test_all_ok_scores_100_grade_1():
    result = evaluate((d, "ok") for d in _defs().values())
    assert (result.score, result.grade, result.is_accident) == (100, 1, False)


def test_deductions_reach_exactly_90_then_89():
    d = _defs()
    # engine bay majors deduct 6, exterior majors 3, exterior minors 1
    ten = [(d["EB01"], "major"), (d["BE01"], "major"), (d["BE02"], "minor")]
    assert evaluate(ten).score == 90
    assert evaluate(ten).grade == 1
    eleven = [*ten, (d["BE03"], "minor")]
    assert evaluate(eleven).score == 89
    assert evaluate(eleven).grade == 2


def test_a_section_never_goes_below_zero():
    d = _defs()
    cabin = [(x, "major") for x in d.values() if x.section == "cabin"]
    result = evaluate(cabin)
    assert result.section_scores["cabin"] == (0, 10)
    assert result.score == 90


def test_any_structural_defect_makes_an_accident_car_grade_5():
    d = _defs()
    result = evaluate([(d["ST02"], "minor")])
    assert result.is_accident and result.grade == 5 and result.score == 100
    assert result.accident_evidence == [d["ST02"]]


def test_flood_needs_one_major_or_three_minor_evidence_lines():
    d = _defs()
    flood = [x for x in d.values() if x.evidence == "flood"]
    assert not evaluate([(flood[0], "minor"), (flood[1], "minor")]).is_flood
    assert evaluate([(flood[0], "minor"), (flood[1], "minor"), (flood[2], "minor")]).is_flood
    assert evaluate([(flood[0], "major")]).is_flood
    fire = [x for x in d.values() if x.evidence == "fire"]
    result = evaluate([(fire[0], "major")])
    assert result.is_fire and not result.is_flood and result.fire_evidence == [fire[0]]


def test_not_checked_deducts_nothing_but_is_counted():
    d = _defs()
    result = evaluate([(d["SU01"], InspectionItem.Result.NOT_CHECKED)])
    assert result.score == 100 and result.not_checked_count == 1
