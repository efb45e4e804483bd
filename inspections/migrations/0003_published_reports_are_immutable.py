"""Published inspection reports and their items cannot be changed in PostgreSQL, by any statement the app
role can send (issue 17).

Plain PL/pgSQL triggers, deliberately not django-pgtrigger: every pgtrigger trigger function first asks
``_pgtrigger_should_ignore()``, which reads the session setting ``pgtrigger.ignore`` — and any role may
``SET LOCAL`` a custom setting, so the app could switch pgtrigger's protection off for its own transaction.
These functions read no setting at all. They are created by the owner role (migrations run as the owner),
so the app role, which owns nothing and is not a superuser, can neither replace nor disable them
(``ALTER TABLE … DISABLE TRIGGER`` needs ownership, ``session_replication_role`` needs a superuser).

* A report that is not a draft: UPDATE and DELETE refused, except the one move the versioning makes —
  published → superseded when its correction is published — with nothing else changed.
* Items of a report that is not a draft: UPDATE and DELETE refused (also moving an item into such a
  report). The parent row is read ``FOR SHARE``, so an item change racing the publication waits for it
  and then sees the report published. INSERT is not refused (the demo data writes published reports with
  their items in one transaction); an added item changes the report's SHA-256, which the nightly tamper
  check recomputes.
* TRUNCATE of either table: refused for every role without the table owner's privileges (the owner can
  disable triggers anyway, and the test suite, running as the owner, empties tables between tests).
"""

from django.db import migrations

from core.postgres import PostgresSQL

FUNCTIONS = r"""
CREATE FUNCTION inspections_report_immutable() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND OLD.status = 'published' AND NEW.status = 'superseded'
       AND (to_jsonb(NEW) - 'status' - 'updated_at') = (to_jsonb(OLD) - 'status' - 'updated_at') THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'anxin: % of inspection report % refused: a % report is immutable', TG_OP, OLD.id, OLD.status
        USING HINT = 'A correction is a new version (inspections.services.report_correct).';
END
$$;

CREATE FUNCTION inspections_item_immutable() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    parent_status text;
BEGIN
    EXECUTE format('SELECT status FROM %I.inspections_inspectionreport WHERE id = $1 FOR SHARE', TG_TABLE_SCHEMA)
        INTO parent_status USING OLD.report_id;
    IF parent_status <> 'draft' THEN
        RAISE EXCEPTION 'anxin: % of an item of inspection report % refused: a % report is immutable',
            TG_OP, OLD.report_id, parent_status;
    END IF;
    IF TG_OP = 'DELETE' THEN
        RETURN OLD;
    END IF;
    IF NEW.report_id IS DISTINCT FROM OLD.report_id THEN
        EXECUTE format('SELECT status FROM %I.inspections_inspectionreport WHERE id = $1 FOR SHARE', TG_TABLE_SCHEMA)
            INTO parent_status USING NEW.report_id;
        IF parent_status <> 'draft' THEN
            RAISE EXCEPTION 'anxin: moving an item into inspection report % refused: a % report is immutable',
                NEW.report_id, parent_status;
        END IF;
    END IF;
    RETURN NEW;
END
$$;

CREATE FUNCTION inspections_refuse_truncate() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF pg_has_role(current_user, (SELECT relowner FROM pg_class WHERE oid = TG_RELID), 'USAGE') THEN
        RETURN NULL;
    END IF;
    RAISE EXCEPTION 'anxin: TRUNCATE of % refused: published inspection reports are immutable', TG_TABLE_NAME;
END
$$;
"""

TRIGGERS = """
CREATE TRIGGER inspections_report_immutable
    BEFORE UPDATE OR DELETE ON inspections_inspectionreport
    FOR EACH ROW WHEN (OLD.status <> 'draft') EXECUTE FUNCTION inspections_report_immutable();
CREATE TRIGGER inspections_item_immutable
    BEFORE UPDATE OR DELETE ON inspections_inspectionitem
    FOR EACH ROW EXECUTE FUNCTION inspections_item_immutable();
CREATE TRIGGER inspections_report_no_truncate
    BEFORE TRUNCATE ON inspections_inspectionreport
    FOR EACH STATEMENT EXECUTE FUNCTION inspections_refuse_truncate();
CREATE TRIGGER inspections_item_no_truncate
    BEFORE TRUNCATE ON inspections_inspectionitem
    FOR EACH STATEMENT EXECUTE FUNCTION inspections_refuse_truncate();
"""

REVERSE = """
DROP TRIGGER IF EXISTS inspections_item_no_truncate ON inspections_inspectionitem;
DROP TRIGGER IF EXISTS inspections_report_no_truncate ON inspections_inspectionreport;
DROP TRIGGER IF EXISTS inspections_item_immutable ON inspections_inspectionitem;
DROP TRIGGER IF EXISTS inspections_report_immutable ON inspections_inspectionreport;
DROP FUNCTION IF EXISTS inspections_refuse_truncate();
DROP FUNCTION IF EXISTS inspections_item_immutable();
DROP FUNCTION IF EXISTS inspections_report_immutable();
"""


class Migration(migrations.Migration):
    dependencies = [("inspections", "0002_checklist_definitions")]

    operations = [PostgresSQL(sql=FUNCTIONS + TRIGGERS, reverse_sql=REVERSE)]
