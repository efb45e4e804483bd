"""Seed the DESIGN.md defaults: component groups and parts, exclusions, the default policy, extension plans."""

from decimal import Decimal

from django.db import migrations

GROUPS = [
    ("engine", "Engine", "发动机", True, [
        ("engine_block", "Cylinder block", "缸体"),
        ("cylinder_head", "Cylinder head", "缸盖"),
        ("crankshaft", "Crankshaft", "曲轴"),
        ("camshaft", "Camshaft", "凸轮轴"),
        ("pistons", "Pistons and connecting rods", "活塞及连杆"),
        ("timing_system", "Timing system (chain/belt, tensioner)", "正时系统"),
        ("oil_pump", "Oil pump", "机油泵"),
        ("turbocharger", "Turbocharger", "涡轮增压器"),
        ("intake_manifold", "Intake and exhaust manifolds", "进排气歧管"),
        ("engine_ecu", "Engine control unit (ECU)", "发动机控制单元"),
    ]),
    ("transmission", "Transmission", "变速箱", True, [
        ("gearbox_case", "Transmission case", "变速箱壳体"),
        ("gears", "Gears and shafts", "齿轮及轴"),
        ("torque_converter", "Torque converter", "液力变矩器"),
        ("valve_body", "Valve body", "阀体"),
        ("clutch_pack", "Clutch pack (automatic)", "离合器组（自动变速箱）"),
        ("tcu", "Transmission control unit (TCU)", "变速箱控制单元"),
        ("differential", "Differential", "差速器"),
    ]),
    ("ev_drive", "EV drive", "电驱系统", True, [
        ("drive_motor", "Drive motor", "驱动电机"),
        ("motor_controller", "Motor controller (inverter)", "电机控制器"),
        ("traction_battery", "Traction battery", "动力电池"),
        ("battery_management", "Battery management system", "电池管理系统"),
    ]),
    ("wear_items", "Wear items (not covered)", "易损件（不在保修范围）", False, [
        ("brake_pads", "Brake pads and discs", "刹车片及刹车盘"),
        ("clutch_disc", "Clutch disc (manual)", "离合器片（手动挡）"),
        ("tyres", "Tyres", "轮胎"),
        ("wiper_blades", "Wiper blades", "雨刮片"),
        ("battery_12v", "12 V battery", "12V 蓄电池"),
        ("filters", "Filters, oil and fluids", "滤芯、机油及油液"),
    ]),
]

EXCLUSIONS = [
    ("wear_items", "Wear items (brakes, tyres, clutch disc, wipers, filters, fluids, 12 V battery)", "易损件（刹车、轮胎、离合器片、雨刮、滤芯、油液、12V 蓄电池）"),
    ("accident", "Damage from accidents, flood or fire", "事故、水淹、火烧造成的损坏"),
    ("misuse", "Misuse (racing, overloading, driving with warning lights on)", "使用不当（赛车、超载、亮故障灯继续行驶等）"),
    ("modification", "Modifications and non-original parts", "改装及非原厂零件"),
    ("missed_maintenance", "Damage from missed scheduled maintenance", "未按规定保养造成的损坏"),
]

PLANS = [
    ("+12 months / +20,000 km", "延保 12 个月 / 2 万公里", 12, 20000, Decimal("2980")),
    ("+24 months / +40,000 km", "延保 24 个月 / 4 万公里", 24, 40000, Decimal("4980")),
]


def seed(apps, schema_editor):
    ComponentGroup = apps.get_model("warranty", "ComponentGroup")
    Part = apps.get_model("warranty", "Part")
    Exclusion = apps.get_model("warranty", "Exclusion")
    WarrantyPolicy = apps.get_model("warranty", "WarrantyPolicy")
    ExtendedWarrantyPlan = apps.get_model("warranty", "ExtendedWarrantyPlan")

    covered = []
    for g_pos, (code, name_en, name_zh, is_covered, parts) in enumerate(GROUPS):
        group, _ = ComponentGroup.objects.get_or_create(code=code, defaults={"name_en": name_en, "name_zh": name_zh, "position": g_pos})
        if is_covered:
            covered.append(group)
        for p_pos, (p_code, p_en, p_zh) in enumerate(parts):
            Part.objects.get_or_create(code=p_code, defaults={"group": group, "name_en": p_en, "name_zh": p_zh, "position": p_pos})
    exclusions = [
        Exclusion.objects.get_or_create(code=code, defaults={"name_en": en, "name_zh": zh, "position": pos})[0]
        for pos, (code, en, zh) in enumerate(EXCLUSIONS)
    ]
    if not WarrantyPolicy.objects.exists():
        policy = WarrantyPolicy.objects.create(
            name="安心车标准保障 2026 / Anxin standard guarantee 2026", is_active=True, window_days=30, window_km=3000, warranty_months=12, warranty_km=20000
        )
        policy.covered_groups.set(covered)
        policy.exclusions.set(exclusions)
    for en, zh, months, km, price in PLANS:
        ExtendedWarrantyPlan.objects.get_or_create(extra_months=months, extra_km=km, defaults={"name_en": en, "name_zh": zh, "price": price})


class Migration(migrations.Migration):
    dependencies = [("warranty", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
