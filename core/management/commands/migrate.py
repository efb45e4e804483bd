"""``migrate`` as the owner role (DESIGN.md "Database roles").

``DATABASE_URL`` is the app role, which owns nothing and may create nothing, so it cannot migrate. When
``DATABASE_OWNER_URL`` is set as well (only for the release step), ``manage.py migrate`` connects to the
same database as the owner: every table, index and trigger function is created by (and belongs to) the
owner, data migrations and ``post_migrate`` handlers run as the owner too — the default connection itself
is switched, so nothing can slip through to the app role by using the default alias. Afterwards the owner
grants the app role — the user of ``DATABASE_URL`` — data rights on every table and sequence, now and for
tables created later (``core.postgres.app_role_grant``). Without ``DATABASE_OWNER_URL`` this is Django's
``migrate`` unchanged (SQLite, or a database with one role).
"""

from django.conf import settings
from django.core.management.base import CommandError
from django.core.management.commands.migrate import Command as DjangoMigrate
from django.db import DEFAULT_DB_ALIAS, connections

from core.postgres import app_role_grant

SAME_DATABASE = ("ENGINE", "NAME", "HOST", "PORT")


class Command(DjangoMigrate):
    help = DjangoMigrate.help + " Connects as the owner role when DATABASE_OWNER_URL is set."

    def handle(self, *args, **options):
        owner = getattr(settings, "DATABASE_OWNER", None)
        if not owner or options["database"] != DEFAULT_DB_ALIAS:
            return super().handle(*args, **options)
        app_role = self.connect_as_owner(owner)
        super().handle(*args, **options)
        if not options.get("plan") and not options.get("check_unapplied"):
            self.grant(app_role, options["verbosity"])

    def connect_as_owner(self, owner: dict) -> str:
        """Switch the default connection to the owner's credentials; returns the app role's name."""
        connection = connections[DEFAULT_DB_ALIAS]
        current = connection.settings_dict
        if connection.vendor != "postgresql":
            raise CommandError("DATABASE_OWNER_URL is for PostgreSQL only.")
        if any(str(owner.get(key) or "") != str(current.get(key) or "") for key in SAME_DATABASE):
            raise CommandError("DATABASE_OWNER_URL must name the same database (engine, host, port, name) as DATABASE_URL.")
        app_role = current["USER"]
        if not app_role or app_role == owner["USER"]:
            raise CommandError("DATABASE_URL must name the app role and DATABASE_OWNER_URL the owner role: two roles.")
        connection.close()
        current.update(USER=owner["USER"], PASSWORD=owner.get("PASSWORD", ""))
        return app_role

    def grant(self, role: str, verbosity: int) -> None:
        connection = connections[DEFAULT_DB_ALIAS]
        with connection.cursor() as cursor:
            cursor.execute("SELECT rolsuper OR rolbypassrls FROM pg_roles WHERE rolname = %s", [role])
            row = cursor.fetchone()
        if row is None:
            raise CommandError(f"The app role {role!r} does not exist: create it with scripts/db_roles.sql.")
        if row[0]:
            raise CommandError(
                f"The app role {role!r} is a superuser or bypasses row security: it could switch off the triggers "
                "that keep signed records unchanged. Recreate it with scripts/db_roles.sql."
            )
        app_role_grant(connection, role)
        if verbosity:
            self.stdout.write(f"Granted the app role {role!r} data rights on the owner's tables and sequences.")
