"""Signed contracts, their signatures and PDFs, and published inspection reports (with their items) cannot
be changed by anything the app can send to PostgreSQL (DESIGN.md "Database roles").

The suite itself connects as the owner (or a superuser) — it creates the test database. These tests open a
second connection to that test database AS THE APP ROLE: with .ci/run's split, the role of DATABASE_URL
(settings.APP_DATABASE); on a developer's superuser connection, a throw-away role shaped like it
(LOGIN, NOSUPERUSER, owns nothing), dropped afterwards. Each test tries one way round the triggers.

Run on PostgreSQL, e.g. DATABASE_URL=postgres://postgres@127.0.0.1:5432/anxin_x .venv/bin/pytest tests/security
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from importlib import import_module

import pytest
from django.apps import apps
from django.conf import settings
from django.db import connection

from contracts.models import Contract, Signature
from contracts.services import contract_pdfs_render
from contracts.tests.factories import reserve, signed_order
from core.postgres import app_role_grant, quote_ident
from inspections.models import ChecklistItemDefinition, InspectionItem, InspectionReport
from inspections.tests.factories import draft_report, published_report
from marketplace.tests.factories import ListingFactory

pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL (roles, triggers)"),
    pytest.mark.django_db(transaction=True),
]

psycopg2 = pytest.importorskip("psycopg2")

#: django-pgtrigger's own switch: any session may set it, and pgtrigger's trigger functions obey it.
PGTRIGGER_IGNORE = (
    "SET LOCAL pgtrigger.ignore = "
    "'{pgtrigger_protect_signed_contract_e2eb0,pgtrigger_protect_signature_93088,pgtrigger_protect_effective_amendment_fb77b}'"
)


@dataclass(frozen=True)
class Target:
    table: str
    column: str  # a column an attacker would like to rewrite
    value: str


TARGETS = {
    "signed contract": Target("contracts_contract", "content_zh", "'伪造的合同文本'"),
    "signature": Target("contracts_signature", "typed_name", "'Forged Name'"),
    "contract PDF": Target("contracts_contractpdf", "sha256", "repeat('0', 64)"),
    "published report": Target("inspections_inspectionreport", "summary", "'No accident, honest'"),
    "report item": Target("inspections_inspectionitem", "result", "'ok'"),
}


@pytest.fixture(scope="module")
def app_role(django_db_setup, django_db_blocker):
    """Connection keywords of a role shaped like the production app role, granted like it on the test database."""
    with django_db_blocker.unblock():
        app = getattr(settings, "APP_DATABASE", {})
        with connection.cursor() as cursor:
            cursor.execute("SELECT rolname, rolsuper FROM pg_roles WHERE rolname = current_user")
            me, superuser = cursor.fetchone()
        temporary = None
        if app.get("USER") and app["USER"] != me:
            role, password = app["USER"], app.get("PASSWORD") or ""
        elif superuser:
            temporary = role = f"anxin_test_app_{os.getpid()}"
            password = secrets.token_urlsafe(16)
            with connection.cursor() as cursor:
                cursor.execute(
                    f"CREATE ROLE {quote_ident(role)} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION "
                    "NOBYPASSRLS PASSWORD %s",
                    [password],
                )
        else:
            pytest.skip("needs the two roles (DATABASE_URL = app, DATABASE_OWNER_URL = owner) or a superuser connection")
        app_role_grant(connection, role)
        settings_dict = connection.settings_dict
        yield {
            "host": settings_dict["HOST"] or "127.0.0.1",
            "port": settings_dict["PORT"] or 5432,
            "dbname": settings_dict["NAME"],
            "user": role,
            "password": password,
        }
        if temporary:
            with connection.cursor() as cursor:
                cursor.execute(f"DROP OWNED BY {quote_ident(temporary)}")
                cursor.execute(f"DROP ROLE {quote_ident(temporary)}")


def as_app(app_role: dict, *statements: str) -> list:
    """Run ``statements`` in one transaction as the app role (rolled back on the first error); the last
    statement's rows, if it returns any."""
    conn = psycopg2.connect(**app_role)
    try:
        with conn, conn.cursor() as cursor:  # commits, or rolls back on an error
            for statement in statements:
                cursor.execute(statement)
            return cursor.fetchall() if cursor.description else []
    finally:
        conn.close()


def refused(app_role: dict, *statements: str) -> str:
    """The error PostgreSQL gives the app role for ``statements`` (the test fails when there is none)."""
    with pytest.raises(psycopg2.Error) as error:
        as_app(app_role, *statements)
    return str(error.value)


def checklist_loaded() -> None:
    """The checklist comes from a data migration; a transactional test's flush empties it for the next one."""
    if not ChecklistItemDefinition.objects.exists():
        import_module("inspections.migrations.0002_checklist_definitions").load(apps, None)


@pytest.fixture
def records(buyer, dealer, inspector):
    """A signed contract (two signatures) and a published report, committed, so the app role sees them."""
    checklist_loaded()
    order = signed_order(buyer=buyer, dealer=dealer)
    pdf = contract_pdfs_render(contract_id=order.contract.pk)[0]
    listing = ListingFactory(dealer=dealer)
    report = published_report(vehicle=listing.vehicle, inspector=inspector, listing=listing)
    assert report.items.exists()
    return {
        "contracts_contract": order.contract.pk,
        "contracts_signature": Signature.objects.filter(contract=order.contract).order_by("pk").first().pk,
        "contracts_contractpdf": pdf.pk,
        "inspections_inspectionreport": report.pk,
        "inspections_inspectionitem": report.items.order_by("pk").first().pk,
    }


def _update(target: Target, pk: int) -> str:
    return f"UPDATE {target.table} SET {target.column} = {target.value} WHERE id = {pk}"


def _snapshot(records: dict) -> dict:
    contract = Contract.objects.get(pk=records["contracts_contract"])
    report = InspectionReport.objects.get(pk=records["inspections_inspectionreport"])
    return {
        "contract": (contract.content_zh, contract.compute_content_hash() == contract.content_hash, contract.signed_at),
        "signatures": sorted(Signature.objects.filter(contract=contract).values_list("pk", "typed_name", "content_hash")),
        "pdfs": sorted(contract.pdfs.values_list("pk", "language", "sha256")),
        "report": (report.status, report.summary, report.content_hash),
        "items": sorted(InspectionItem.objects.filter(report=report).values_list("pk", "result", "note")),
    }


# --- the role itself ------------------------------------------------------------------------------


def test_the_app_role_is_no_superuser_owns_nothing_and_cannot_become_the_owner(app_role):
    [(superuser, bypass, owned)] = as_app(
        app_role,
        "SELECT r.rolsuper, r.rolbypassrls, (SELECT count(*) FROM pg_class c WHERE c.relowner = r.oid)"
        " FROM pg_roles r WHERE r.rolname = current_user",
    )
    [(owner,)] = as_app(app_role, "SELECT tableowner FROM pg_tables WHERE tablename = 'contracts_contract'")
    assert (superuser, bypass, owned) == (False, False, 0)
    assert "permission denied" in refused(app_role, f"SET ROLE {quote_ident(owner)}")


# --- every way round the triggers, on every protected table -----------------------------------------


@pytest.mark.parametrize("name", TARGETS)
def test_a_raw_update_is_refused(app_role, records, name):
    target = TARGETS[name]
    before = _snapshot(records)
    assert "immutable" in refused(app_role, _update(target, records[target.table]))
    assert _snapshot(records) == before


@pytest.mark.parametrize("name", TARGETS)
def test_a_raw_delete_is_refused(app_role, records, name):
    target = TARGETS[name]
    before = _snapshot(records)
    assert "immutable" in refused(app_role, f"DELETE FROM {target.table} WHERE id = {records[target.table]}")
    assert _snapshot(records) == before


@pytest.mark.parametrize("name", TARGETS)
def test_truncate_is_refused_and_the_trigger_refuses_it_even_with_the_privilege(app_role, records, name):
    target = TARGETS[name]
    before = _snapshot(records)
    assert "permission denied" in refused(app_role, f"TRUNCATE {target.table} CASCADE")
    # Defence in depth: a role somebody granted TRUNCATE by mistake is still refused by the trigger.
    with connection.cursor() as cursor:
        cursor.execute(f"GRANT TRUNCATE ON ALL TABLES IN SCHEMA public TO {quote_ident(app_role['user'])}")
    try:
        assert "immutable" in refused(app_role, f"TRUNCATE {target.table} CASCADE")
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"REVOKE TRUNCATE ON ALL TABLES IN SCHEMA public FROM {quote_ident(app_role['user'])}")
    assert _snapshot(records) == before


@pytest.mark.parametrize("name", TARGETS)
def test_pgtrigger_ignore_does_not_switch_the_protection_off(app_role, records, name):
    target = TARGETS[name]
    before = _snapshot(records)
    assert "immutable" in refused(app_role, PGTRIGGER_IGNORE, _update(target, records[target.table]))
    assert _snapshot(records) == before


@pytest.mark.parametrize("name", TARGETS)
def test_session_replication_role_replica_cannot_be_set(app_role, records, name):
    target = TARGETS[name]
    before = _snapshot(records)
    message = refused(app_role, "SET LOCAL session_replication_role = replica", _update(target, records[target.table]))
    assert "permission denied" in message and "session_replication_role" in message
    assert "permission denied" in refused(app_role, "SET session_replication_role = replica")
    assert _snapshot(records) == before


@pytest.mark.parametrize("name", TARGETS)
def test_disabling_or_dropping_the_triggers_is_refused(app_role, records, name):
    target = TARGETS[name]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT t.tgname, p.proname FROM pg_trigger t JOIN pg_proc p ON p.oid = t.tgfoid"
            " WHERE t.tgrelid = %s::regclass AND NOT t.tgisinternal",
            [target.table],
        )
        triggers = cursor.fetchall()
    assert triggers, f"no trigger on {target.table}"
    before = _snapshot(records)
    for statement in (
        f"ALTER TABLE {target.table} DISABLE TRIGGER ALL",
        f"ALTER TABLE {target.table} DISABLE TRIGGER USER",
        *(f"ALTER TABLE {target.table} DISABLE TRIGGER {tg}" for tg, _ in triggers),
        *(f"DROP TRIGGER {tg} ON {target.table}" for tg, _ in triggers),
        *(
            f"CREATE OR REPLACE FUNCTION {fn}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$"
            for _, fn in triggers
        ),
        f"ALTER TABLE {target.table} OWNER TO CURRENT_USER",
    ):
        message = refused(app_role, statement, _update(target, records[target.table]))
        assert "must be owner" in message or "permission denied" in message, (statement, message)
    assert _snapshot(records) == before


# --- what the app legitimately does still works -----------------------------------------------------


def test_the_app_role_can_still_do_what_the_services_do(app_role, records, buyer, dealer, inspector):
    """The refusals come from the triggers, not from missing rights: drafts stay writable, and a published
    report may move to superseded (its correction's publication) with nothing else changed."""
    draft_order = reserve(buyer=buyer, dealer=dealer)
    listing = ListingFactory(dealer=dealer)
    draft = draft_report(vehicle=listing.vehicle, inspector=inspector, listing=listing)
    report = records["inspections_inspectionreport"]
    as_app(
        app_role,
        f"UPDATE contracts_contract SET delivery_place = 'Showroom 2' WHERE id = {draft_order.contract.pk}",
        f"UPDATE inspections_inspectionitem SET note = 'checked twice' WHERE report_id = {draft.pk}",
        f"UPDATE inspections_inspectionreport SET summary = 'draft text' WHERE id = {draft.pk}",
    )
    assert "immutable" in refused(
        app_role, f"UPDATE inspections_inspectionreport SET status = 'superseded', summary = 'sneaked in' WHERE id = {report}"
    )
    as_app(app_role, f"UPDATE inspections_inspectionreport SET status = 'superseded', updated_at = now() WHERE id = {report}")
    assert InspectionReport.objects.get(pk=report).status == InspectionReport.Status.SUPERSEDED
    assert "immutable" in refused(app_role, f"UPDATE inspections_inspectionreport SET status = 'published' WHERE id = {report}")
