"""python manage.py seed_demo — idempotent demo data for every app.

Each app may ship a ``demo.py`` with ``seed(*, stdout, rng)``; they run in INSTALLED_APPS order
(accounts before marketplace before inspections ...), so later apps build on earlier data without
this command importing any app directly (apps are discovered like the admin discovers ``admin.py``). Running it twice creates nothing new.
"""

import random
from importlib import import_module

from django.apps import apps
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils.module_loading import module_has_submodule


class Command(BaseCommand):
    help = "Create demo users, dealers, cars, reports, orders and cases (safe to run again)."

    def add_arguments(self, parser):
        parser.add_argument("--cars", type=int, default=200, help="Number of demo cars (default 200).")
        parser.add_argument("--seed", type=int, default=20261123, help="Random seed, for reproducible data.")

    def handle(self, *args, cars: int, seed: int, **options):
        rng = random.Random(seed)
        for config in apps.get_app_configs():
            if not module_has_submodule(config.module, "demo"):
                continue
            module = import_module(f"{config.name}.demo")
            self.stdout.write(f"Seeding {config.label} …")
            with transaction.atomic():
                module.seed(stdout=self.stdout, rng=rng, cars=cars)
        self.stdout.write(self.style.SUCCESS("Demo data ready."))
