"""Server-side damage diagram: a top view of a car whose panels are coloured by the worst finding.

Each checklist line names a ``diagram_panel``; this module owns the geometry of those panel ids.
The output is inline SVG (no script, CSP-safe) that WeasyPrint also renders in the PDF.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from .models import InspectionItem

COLOURS = {
    "major": ("#dc3545", "#a71d2a"),
    "minor": ("#ffc107", "#b58500"),
    "ok": ("#eef2f6", "#8795a8"),
}
STRUCTURE_OK = ("#ffffff", "#8795a8")
SEVERITY_RANK = {InspectionItem.Result.MAJOR: 2, InspectionItem.Result.MINOR: 1}

# panel id -> list of SVG shape elements (without fill/stroke). Car faces up (front at the top).
_SIDE = {
    "fender_front": "M40,60 Q40,44 58,42 L60,42 L60,140 L40,140 Z",
    "door_front": "M40,142 L60,142 L60,224 L40,224 Z",
    "door_rear": "M40,226 L60,226 L60,300 L40,300 Z",
    "fender_rear": "M40,302 L60,302 L60,394 L58,394 Q40,392 40,378 Z",
}


def _path(d: str) -> str:
    return f'<path d="{d}"/>'


def _rect(x, y, w, h, r=3) -> str:
    return f'<rect x="{x}" y="{y}" width="{w}" height="{h}" rx="{r}"/>'


def _panels() -> dict[str, list[str]]:
    p: dict[str, list[str]] = {
        "front_bumper": [_path("M46,40 Q46,16 120,14 Q194,16 194,40 Z")],
        "headlights": [_rect(50, 30, 26, 8, 3), _rect(164, 30, 26, 8, 3)],
        "hood": [_path("M62,44 L178,44 L178,128 Q120,122 62,128 Z")],
        "windshield": [_path("M64,132 Q120,124 176,132 L170,168 Q120,162 70,168 Z")],
        "roof": [_rect(70, 172, 100, 112, 8)],
        "rear_glass": [_path("M70,288 Q120,294 170,288 L176,318 Q120,326 64,318 Z")],
        "trunk": [_path("M62,322 Q120,330 178,322 L178,392 L62,392 Z")],
        "taillights": [_rect(48, 396, 24, 8, 3), _rect(168, 396, 24, 8, 3)],
        "rear_bumper": [_path("M46,396 L194,396 Q194,424 120,426 Q46,424 46,396 Z")],
        "lf_fender": [_path(_SIDE["fender_front"])],
        "lf_door": [_path(_SIDE["door_front"])],
        "lr_door": [_path(_SIDE["door_rear"])],
        "lr_fender": [_path(_SIDE["fender_rear"])],
        "rf_fender": [_path("M200,60 Q200,44 182,42 L180,42 L180,140 L200,140 Z")],
        "rf_door": [_path("M200,142 L180,142 L180,224 L200,224 Z")],
        "rr_door": [_path("M200,226 L180,226 L180,300 L200,300 Z")],
        "rr_fender": [_path("M200,302 L180,302 L180,394 L182,394 Q200,392 200,378 Z")],
        "l_sill": [_rect(33, 144, 6, 154, 2)],
        "r_sill": [_rect(201, 144, 6, 154, 2)],
        "lf_wheel": [_rect(24, 66, 14, 50, 4)],
        "rf_wheel": [_rect(202, 66, 14, 50, 4)],
        "lr_wheel": [_rect(24, 320, 14, 50, 4)],
        "rr_wheel": [_rect(202, 320, 14, 50, 4)],
        "l_mirror": [_path("M40,150 L22,156 L24,166 L40,164 Z")],
        "r_mirror": [_path("M200,150 L218,156 L216,166 L200,164 Z")],
    }
    return p


def _structure() -> dict[str, list[str]]:
    return {
        "l_rail": [_rect(74, 50, 10, 74, 2)],
        "r_rail": [_rect(156, 50, 10, 74, 2)],
        "lf_tower": ['<circle cx="98" cy="104" r="9"/>'],
        "rf_tower": ['<circle cx="142" cy="104" r="9"/>'],
        "lr_tower": ['<circle cx="92" cy="346" r="9"/>'],
        "rr_tower": ['<circle cx="148" cy="346" r="9"/>'],
        "l_a_pillar": [_rect(60, 132, 9, 14, 2)],
        "r_a_pillar": [_rect(171, 132, 9, 14, 2)],
        "l_b_pillar": [_rect(60, 219, 9, 12, 2)],
        "r_b_pillar": [_rect(171, 219, 9, 12, 2)],
        "l_c_pillar": [_rect(60, 286, 9, 14, 2)],
        "r_c_pillar": [_rect(171, 286, 9, 14, 2)],
    }


PANELS = _panels()
STRUCTURE = _structure()
BODY_OUTLINE = "M46,40 Q46,14 120,12 Q194,14 194,40 L200,60 L200,378 Q198,424 120,428 Q42,424 40,378 L40,60 Z"


def _worst(items: Iterable[InspectionItem]) -> dict[str, InspectionItem]:
    worst: dict[str, InspectionItem] = {}
    for item in items:
        panel = item.definition.diagram_panel
        rank = SEVERITY_RANK.get(item.result, 0)
        if not panel or not rank:
            continue
        current = worst.get(panel)
        if current is None or rank > SEVERITY_RANK[current.result]:
            worst[panel] = item
    return worst


def _shape_group(
    panel: str, shapes: list[str], item: InspectionItem | None, default: tuple[str, str], link: bool, extra: str = ""
) -> str:
    if item is not None:
        fill, stroke = COLOURS[item.result]
        label = f"{item.definition.code} {item.definition.name} — {item.get_result_display()}"
        if item.defect_code:
            label += f" ({item.defect_code})"
    else:
        fill, stroke = default
        label = ""
    body = "".join(shapes)
    title = f"<title>{escape(label)}</title>" if label else ""
    group = f'<g class="dg-{panel}" fill="{fill}" stroke="{stroke}" stroke-width="1.2"{extra}>{title}{body}</g>'
    if item is not None and link:
        return f'<a href="#item-{escape(item.definition.code)}">{group}</a>'
    return group


def damage_diagram_svg(items: Iterable[InspectionItem], *, link: bool = True, width: int | None = None) -> SafeString:
    """Inline SVG of the car with every panel/structural position coloured by its worst finding.

    ``items`` need ``definition`` loaded; only findings matter, so passing just the findings is enough.
    """
    worst = _worst(items)
    body_item = worst.get("body")
    size = f' width="{int(width)}"' if width else ""
    label = escape(_("Damage diagram"))
    title = escape(_("Damage diagram (top view, front at the top)"))
    front = escape(_("Front"))
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 240 444" role="img" class="damage-diagram"{size} aria-label="{label}">',
        f"<title>{title}</title>",
        f'<text x="120" y="8" text-anchor="middle" font-size="8" fill="#6c757d">▲ {front}</text>',
    ]
    outline_stroke = COLOURS[body_item.result][1] if body_item else "#5b6b80"
    parts.append(f'<path d="{BODY_OUTLINE}" fill="#f8fafc" stroke="{outline_stroke}" stroke-width="{3 if body_item else 1.5}"/>')
    for panel, shapes in PANELS.items():
        parts.append(_shape_group(panel, shapes, worst.get(panel), COLOURS["ok"], link))
    for panel, shapes in STRUCTURE.items():
        parts.append(
            _shape_group(
                panel,
                shapes,
                worst.get(panel),
                STRUCTURE_OK,
                link,
                extra=' stroke-dasharray="2 1.5"' if panel not in worst else "",
            )
        )
    if body_item is not None and link:
        parts.append(
            f'<a href="#item-{escape(body_item.definition.code)}"><text x="120" y="440" text-anchor="middle" font-size="8" fill="#a71d2a">{escape(body_item.definition.name)}</text></a>'
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every interpolated text is escaped above
