"""Start the guarantee of every delivered or returned order that has none (``services.coverage_backfill``)."""

from django.core.management.base import BaseCommand

from warranty.services import coverage_backfill


class Command(BaseCommand):
    help = (
        "Start the guarantee (30-day window and warranty, from the recorded delivery) of every delivered or "
        "returned order that has none. Safe to run again: orders that have one are left alone."
    )

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="List the orders without starting anything.")

    def handle(self, *args, dry_run: bool = False, **options):
        result = coverage_backfill(dry_run=dry_run)
        verb = "would start" if dry_run else "started"
        for order in result.started:
            self.stdout.write(
                f"order #{order.pk} ({order.get_status_display()}, delivered {order.delivered_at:%Y-%m-%d}): {verb}"
            )
        for order, reason in result.failed:
            self.stderr.write(self.style.ERROR(f"order #{order.pk}: not started: {reason}"))
        summary = f"{len(result.started)} guarantee(s) {verb}, {len(result.failed)} failed."
        self.stdout.write(self.style.SUCCESS(summary) if not result.failed else self.style.WARNING(summary))
