"""PostgreSQL-only pieces of the database-role split (DESIGN.md "Database roles").

Two roles share one database: the *owner* role owns every table, sequence and trigger function (it runs
the migrations); the *app* role, which the web processes and workers connect as, owns nothing and is not
a superuser. Only an owner (or a superuser) can disable, drop or replace a trigger, and only a superuser
can set ``session_replication_role``, so the triggers that keep signed contracts and published reports
unchanged hold against everything the app itself can send.

* ``PostgresSQL``: a ``RunSQL`` that runs only on PostgreSQL. The embedded default (SQLite) has neither
  roles nor PL/pgSQL; there the services' own checks are the only guard.
* ``app_role_grant``: what the owner grants the app role on what it owns — data rights on every table,
  the sequences behind them, and the same for tables created later (``ALTER DEFAULT PRIVILEGES``).
  Never TRUNCATE, TRIGGER, REFERENCES or any right to change the schema.
"""

from __future__ import annotations

from contextlib import contextmanager

from django.db import migrations, transaction

#: Data rights only: the app reads and writes rows; it never changes or empties a table.
APP_TABLE_PRIVILEGES = "SELECT, INSERT, UPDATE, DELETE"


class PostgresSQL(migrations.RunSQL):
    """``RunSQL`` (with its reverse SQL) applied on PostgreSQL only; a no-op on other databases."""

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_forwards(app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_backwards(app_label, schema_editor, from_state, to_state)


def quote_ident(name: str) -> str:
    """A PostgreSQL identifier, quoted (role and schema names come from configuration)."""
    return '"' + name.replace('"', '""') + '"'


def app_role_grant_sql(role: str, *, schema: str = "public") -> list[str]:
    """The statements (run by the owner role) that give ``role`` the app's rights in ``schema``."""
    role, schema = quote_ident(role), quote_ident(schema)
    return [
        f"GRANT USAGE ON SCHEMA {schema} TO {role}",
        f"GRANT {APP_TABLE_PRIVILEGES} ON ALL TABLES IN SCHEMA {schema} TO {role}",
        f"GRANT USAGE ON ALL SEQUENCES IN SCHEMA {schema} TO {role}",
        # Tables and sequences the owner creates later (every future migration) are covered too.
        f"ALTER DEFAULT PRIVILEGES IN SCHEMA {schema} GRANT {APP_TABLE_PRIVILEGES} ON TABLES TO {role}",
        f"ALTER DEFAULT PRIVILEGES IN SCHEMA {schema} GRANT USAGE ON SEQUENCES TO {role}",
    ]


def app_role_grant(connection, role: str) -> None:
    """Grant ``role`` the app's rights on everything the connected (owner) role owns in the current schema."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_schema()")
        schema = cursor.fetchone()[0]
        for statement in app_role_grant_sql(role, schema=schema):
            cursor.execute(statement)


def role_is_safe_for_the_app(connection) -> tuple[bool, str]:
    """(True, "") when the connected role is neither a superuser nor the owner of any table: the shape
    the app must run in. Otherwise (False, why)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT r.rolsuper, r.rolbypassrls, EXISTS (SELECT 1 FROM pg_class c WHERE c.relowner = r.oid AND c.relkind = 'r')"
            " FROM pg_roles r WHERE r.rolname = current_user"
        )
        superuser, bypass_rls, owns_tables = cursor.fetchone()
    if superuser:
        return False, "the app connects as a superuser (it could set session_replication_role = replica)"
    if bypass_rls:
        return False, "the app role has BYPASSRLS"
    if owns_tables:
        return False, "the app role owns tables (it could disable their triggers)"
    return True, ""


@contextmanager
def triggers_disabled(connection, *tables: str):
    """Run the block with the user triggers of ``tables`` disabled — possible only for their owner (or a
    superuser), never for the app role. For tests that play the owner altering a record, and for a
    deliberate owner-run repair. A no-op outside PostgreSQL. Runs inside one transaction, so the triggers
    are back on for everyone else the moment it ends."""
    if connection.vendor != "postgresql":
        yield
        return
    with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
        # Django's foreign keys are deferred: their pending checks would block ALTER TABLE, so run them now.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        for table in tables:
            cursor.execute(f"ALTER TABLE {quote_ident(table)} DISABLE TRIGGER USER")
        yield
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        for table in tables:
            cursor.execute(f"ALTER TABLE {quote_ident(table)} ENABLE TRIGGER USER")
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")
