"""Load the GB/T 30323-2013 checklist (13 structural positions + ~100 lines) from data/."""

import json
from pathlib import Path

from django.db import migrations

DATA = Path(__file__).resolve().parent.parent / "data" / "checklist_gbt30323.json"


def load(apps, schema_editor):
    Definition = apps.get_model("inspections", "ChecklistItemDefinition")
    for row in json.loads(DATA.read_text(encoding="utf-8")):
        code = row.pop("code")
        Definition.objects.update_or_create(code=code, defaults=row)


def unload(apps, schema_editor):
    apps.get_model("inspections", "ChecklistItemDefinition").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("inspections", "0001_initial")]
    operations = [migrations.RunPython(load, unload)]
