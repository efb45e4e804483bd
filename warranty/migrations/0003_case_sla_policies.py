"""Staff-editable case SLA policies (one row per type of case, DESIGN.md defaults) and the cases' own next
SLA check (``next_reminder_at``, indexed for the sweep), filled in for the cases already open."""

import datetime as dt

from django.db import migrations, models

# acknowledge / assess / complete in working days, reminder hours before a deadline (DESIGN.md "Deadlines").
DEFAULTS = {"acknowledge_working_days": 1, "assess_working_days": 3, "complete_working_days": 10, "reminder_lead_hours": 24}
CASE_TYPES = ["request_return", "request_exchange", "request_repair", "claim"]
OPEN = {
    "AfterSalesRequest": ["submitted", "under_assessment", "approved", "in_progress"],
    "WarrantyClaim": ["submitted", "under_review", "authorised"],
}


def forwards(apps, schema_editor):
    Policy = apps.get_model("warranty", "CaseSlaPolicy")
    for case_type in CASE_TYPES:
        Policy.objects.get_or_create(case_type=case_type, defaults=DEFAULTS)
    lead = dt.timedelta(hours=DEFAULTS["reminder_lead_hours"])
    for name, statuses in OPEN.items():
        model = apps.get_model("warranty", name)
        for case in model.objects.filter(status__in=statuses, next_deadline_at__isnull=False).iterator():
            # A deadline already breached is not looked at again; the others are reminded 24 h ahead.
            if case.breached_at is not None and case.breached_at >= case.next_deadline_at:
                continue
            model.objects.filter(pk=case.pk).update(next_reminder_at=case.next_deadline_at - lead)


class Migration(migrations.Migration):
    dependencies = [
        ("warranty", "0002_default_policy"),
    ]

    operations = [
        migrations.CreateModel(
            name="CaseSlaPolicy",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                (
                    "case_type",
                    models.CharField(
                        choices=[
                            ("request_return", "After-sales request: return"),
                            ("request_exchange", "After-sales request: exchange"),
                            ("request_repair", "After-sales request: free repair"),
                            ("claim", "Warranty claim"),
                        ],
                        max_length=20,
                        unique=True,
                        verbose_name="type of case",
                    ),
                ),
                (
                    "acknowledge_working_days",
                    models.PositiveSmallIntegerField(default=1, verbose_name="acknowledge within (working days)"),
                ),
                (
                    "assess_working_days",
                    models.PositiveSmallIntegerField(default=3, verbose_name="assess / authorise within (working days)"),
                ),
                (
                    "complete_working_days",
                    models.PositiveSmallIntegerField(
                        default=10,
                        help_text="For warranty claims: when the repair shop gives no estimated completion date.",
                        verbose_name="complete within (working days)",
                    ),
                ),
                (
                    "reminder_lead_hours",
                    models.PositiveSmallIntegerField(default=24, verbose_name="remind the handler (hours before a deadline)"),
                ),
                ("updated_at", models.DateTimeField(auto_now=True)),
            ],
            options={
                "verbose_name": "case SLA policy",
                "verbose_name_plural": "case SLA policies",
                "ordering": ["case_type"],
            },
        ),
        migrations.AddField(
            model_name="aftersalesrequest",
            name="next_reminder_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="next SLA check"),
        ),
        migrations.AddField(
            model_name="warrantyclaim",
            name="next_reminder_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="next SLA check"),
        ),
        migrations.AddIndex(
            model_name="aftersalesrequest",
            index=models.Index(
                condition=models.Q(("status__in", ["submitted", "under_assessment", "approved", "in_progress"])),
                fields=["next_reminder_at"],
                name="warranty_request_sla_due_idx",
            ),
        ),
        migrations.AddIndex(
            model_name="warrantyclaim",
            index=models.Index(
                condition=models.Q(("status__in", ["submitted", "under_review", "authorised"])),
                fields=["next_reminder_at"],
                name="warranty_claim_sla_due_idx",
            ),
        ),
        migrations.AddConstraint(
            model_name="caseslapolicy",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("acknowledge_working_days__gte", 1),
                    ("acknowledge_working_days__lte", models.F("assess_working_days")),
                    ("assess_working_days__lte", models.F("complete_working_days")),
                ),
                name="warranty_sla_deadlines_in_order",
                violation_error_message="Deadlines must be in order: 1 ≤ acknowledge ≤ assess ≤ complete.",
            ),
        ),
        migrations.RunPython(forwards, migrations.RunPython.noop),
    ]
