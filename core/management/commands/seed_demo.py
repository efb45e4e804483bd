"""python manage.py seed_demo — idempotent demo data for every app.

Each app may ship a ``demo.py`` with ``seed(*, stdout, rng)``; they run in INSTALLED_APPS order
(accounts before marketplace before inspections ...), so later apps build on earlier data without
this command importing any app directly (apps are discovered like the admin discovers ``admin.py``). Running it twice creates nothing new.

All apps seed in one transaction: the tasks their services queue (e-mails, the signed contracts' PDFs) leave
the outbox once, after everything is written — never a publisher racing the seed for SQLite's write lock —
and the worker does that work after start-up. Nothing slow runs here: demo PDFs render in the worker or on
first download. Each app's line says how long it took.

The demo users' passwords are hashed with few PBKDF2 rounds while seeding (``DemoPasswordHasher``): the demo
signs 17 contract signatures, each re-checking a password, and 50 customers are created — at full strength
that alone took 45 s. The password is public (README); the first real sign-in upgrades the hash to the
configured strength (Django re-hashes when the rounds differ).
"""

import random
import time
from importlib import import_module

from django.apps import apps
from django.conf import settings
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.core.management.base import BaseCommand
from django.db import transaction
from django.test.utils import override_settings
from django.utils.module_loading import module_has_submodule


class DemoPasswordHasher(PBKDF2PasswordHasher):
    """PBKDF2 with few rounds, for the public demo password only (see the module docstring)."""

    iterations = 1000


class Command(BaseCommand):
    help = "Create demo users, dealers, cars, reports, orders and cases (safe to run again)."

    def add_arguments(self, parser):
        parser.add_argument("--cars", type=int, default=200, help="Number of demo cars (default 200).")
        parser.add_argument("--seed", type=int, default=20261123, help="Random seed, for reproducible data.")

    def handle(self, *args, cars: int, seed: int, **options):
        from core.outbox import outbox_wait_idle

        rng = random.Random(seed)
        started = time.monotonic()
        hashers = [f"{__name__}.DemoPasswordHasher", *settings.PASSWORD_HASHERS]
        with override_settings(PASSWORD_HASHERS=hashers), transaction.atomic():
            for config in apps.get_app_configs():
                if not module_has_submodule(config.module, "demo"):
                    continue
                module = import_module(f"{config.name}.demo")
                app_started = time.monotonic()
                self.stdout.write(f"Seeding {config.label} …")
                module.seed(stdout=self.stdout, rng=rng, cars=cars)
                self.stdout.write(f"  ({time.monotonic() - app_started:.1f} s)")
        outbox_wait_idle(timeout=10.0)  # the queued tasks reach the broker before this process exits
        self.stdout.write(self.style.SUCCESS(f"Demo data ready in {time.monotonic() - started:.0f} s."))
