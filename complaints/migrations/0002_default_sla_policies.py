"""Default SLA policies, one per category and priority, so staff see (and edit) the numbers in the admin."""

from django.db import migrations

# (ack, first response, resolve, reopened) in working days; DESIGN.md defaults for normal priority.
BY_PRIORITY = {"urgent": (1, 1, 3, 2), "high": (1, 2, 5, 3), "normal": (1, 3, 7, 3), "low": (1, 3, 7, 3)}
CATEGORIES = ["vehicle_quality", "after_sales", "delivery", "contract", "other"]


def create(apps, schema_editor):
    SlaPolicy = apps.get_model("complaints", "SlaPolicy")
    for category in CATEGORIES:
        for priority, (ack, response, resolve, reopen) in BY_PRIORITY.items():
            SlaPolicy.objects.get_or_create(
                category=category,
                priority=priority,
                defaults={"ack_working_days": ack, "response_working_days": response, "resolve_working_days": resolve, "reopen_working_days": reopen},
            )


class Migration(migrations.Migration):
    dependencies = [("complaints", "0001_initial")]
    operations = [migrations.RunPython(create, migrations.RunPython.noop)]
