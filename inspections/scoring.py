"""How a report's score, grade and verdicts follow from its items (pure functions, no queries).

The rule, shown to buyers on every report page:

1. **Score (0–100).** Each section of GB/T 30323-2013 carries points: body exterior 20,
   engine bay 20, cabin 10, start-up 20, road test 15, chassis 15. Every checklist line
   deducts its own points for a *minor* or a *major* finding (e.g. a body panel 1 / 3,
   an engine-bay line 2 / 6). A section never drops below 0. "OK" and "not checked"
   deduct nothing. The score is the sum of the section scores.
2. **Grade** from the score, as in the standard: 1 (≥ 90), 2 (60 – < 90), 3 (20 – < 60),
   4 (< 20).
3. **Accident car** — any defect on one of the 13 structural positions (body symmetry,
   A/B/C pillars, front longitudinal beams, shock-absorber mounts). It overrides the
   score: grade 5.
4. **Flood car / fire car** — a *major* finding on any line marked as flood (fire)
   evidence, or *minor* findings on three or more such lines. The lines that count are
   listed as the evidence.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from .models import SECTION_POINTS, ChecklistItemDefinition, InspectionItem, Section

GRADE_THRESHOLDS = ((90, 1), (60, 2), (20, 3))
ACCIDENT_GRADE = 5
EVIDENCE_MINOR_THRESHOLD = 3

MINOR = InspectionItem.Result.MINOR
MAJOR = InspectionItem.Result.MAJOR
NOT_CHECKED = InspectionItem.Result.NOT_CHECKED


def grade_for(score: int, *, is_accident: bool) -> int:
    """Grade 1–4 from the score; an accident car is grade 5 whatever its score."""
    if is_accident:
        return ACCIDENT_GRADE
    for threshold, grade in GRADE_THRESHOLDS:
        if score >= threshold:
            return grade
    return 4


@dataclass
class Evaluation:
    score: int
    grade: int
    is_accident: bool
    is_flood: bool
    is_fire: bool
    minor_count: int
    major_count: int
    not_checked_count: int
    section_scores: dict[str, tuple[int, int]] = field(default_factory=dict)  # section -> (score, max)
    accident_evidence: list = field(default_factory=list)
    flood_evidence: list = field(default_factory=list)
    fire_evidence: list = field(default_factory=list)


def _verdict(findings: list[tuple[ChecklistItemDefinition, str]]) -> bool:
    return any(result == MAJOR for _, result in findings) or len(findings) >= EVIDENCE_MINOR_THRESHOLD


def evaluate(pairs: Iterable[tuple[ChecklistItemDefinition, str]]) -> Evaluation:
    """Apply the rule in the module docstring to ``(definition, result)`` pairs."""
    deductions = dict.fromkeys(SECTION_POINTS, 0)
    minor = major = not_checked = 0
    accident, flood, fire = [], [], []
    for definition, result in pairs:
        if result == NOT_CHECKED:
            not_checked += 1
            continue
        if result not in (MINOR, MAJOR):
            continue
        if result == MINOR:
            minor += 1
        else:
            major += 1
        deductions[definition.section] = deductions.get(definition.section, 0) + definition.deduction(result)
        if definition.kind == ChecklistItemDefinition.Kind.STRUCTURE:
            accident.append((definition, result))
        if definition.evidence == ChecklistItemDefinition.Evidence.FLOOD:
            flood.append((definition, result))
        elif definition.evidence == ChecklistItemDefinition.Evidence.FIRE:
            fire.append((definition, result))
    section_scores = {}
    for section, points in SECTION_POINTS.items():
        if points:
            section_scores[section] = (max(0, points - deductions.get(section, 0)), points)
    score = sum(s for s, _ in section_scores.values())
    is_accident = bool(accident)
    return Evaluation(
        score=score,
        grade=grade_for(score, is_accident=is_accident),
        is_accident=is_accident,
        is_flood=_verdict(flood),
        is_fire=_verdict(fire),
        minor_count=minor,
        major_count=major,
        not_checked_count=not_checked,
        section_scores=section_scores,
        accident_evidence=[d for d, _ in accident],
        flood_evidence=[d for d, _ in flood],
        fire_evidence=[d for d, _ in fire],
    )


def section_label(section: str) -> str:
    return Section(section).label
