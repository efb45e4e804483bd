"""Signed contracts, effective amendments and every signature cannot be changed in PostgreSQL, by any
statement the app role can send (issue 17).

The django-pgtrigger ``Protect`` triggers of 0002 are replaced by plain PL/pgSQL triggers. Every pgtrigger
trigger function first asks ``_pgtrigger_should_ignore()``, which reads the session setting
``pgtrigger.ignore`` — and any role may ``SET LOCAL`` a custom setting, so the app could switch the
protection off for its own transaction. These functions read no setting at all. They are created by the
owner role (migrations run as the owner), so the app role, which owns nothing and is not a superuser, can
neither replace nor disable them (``ALTER TABLE … DISABLE TRIGGER`` needs ownership,
``session_replication_role`` needs a superuser).

* contract: UPDATE and DELETE refused once ``signed_at`` is set (the countersignature sets it, with the
  PDF and its hash, in the last UPDATE the row ever gets).
* amendment: likewise once ``effective_at`` is set.
* signature: UPDATE and DELETE always refused.
* TRUNCATE of any of the three: refused for every role without the table owner's privileges (the owner
  can disable triggers anyway, and the test suite, running as the owner, empties tables between tests).
"""

import pgtrigger.migrations
from django.db import migrations

from core.postgres import PostgresSQL

FUNCTIONS = r"""
CREATE FUNCTION contracts_signed_immutable() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    RAISE EXCEPTION 'anxin: % of % % refused: a signed record is immutable', TG_OP, TG_TABLE_NAME, OLD.id
        USING HINT = 'Changes after signing are amendments or a cancellation, each signed again.';
END
$$;

CREATE FUNCTION contracts_refuse_truncate() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF pg_has_role(current_user, (SELECT relowner FROM pg_class WHERE oid = TG_RELID), 'USAGE') THEN
        RETURN NULL;
    END IF;
    RAISE EXCEPTION 'anxin: TRUNCATE of % refused: signed records are immutable', TG_TABLE_NAME;
END
$$;
"""

TRIGGERS = """
CREATE TRIGGER contracts_contract_immutable
    BEFORE UPDATE OR DELETE ON contracts_contract
    FOR EACH ROW WHEN (OLD.signed_at IS NOT NULL) EXECUTE FUNCTION contracts_signed_immutable();
CREATE TRIGGER contracts_amendment_immutable
    BEFORE UPDATE OR DELETE ON contracts_amendment
    FOR EACH ROW WHEN (OLD.effective_at IS NOT NULL) EXECUTE FUNCTION contracts_signed_immutable();
CREATE TRIGGER contracts_signature_immutable
    BEFORE UPDATE OR DELETE ON contracts_signature
    FOR EACH ROW EXECUTE FUNCTION contracts_signed_immutable();
CREATE TRIGGER contracts_contract_no_truncate
    BEFORE TRUNCATE ON contracts_contract FOR EACH STATEMENT EXECUTE FUNCTION contracts_refuse_truncate();
CREATE TRIGGER contracts_amendment_no_truncate
    BEFORE TRUNCATE ON contracts_amendment FOR EACH STATEMENT EXECUTE FUNCTION contracts_refuse_truncate();
CREATE TRIGGER contracts_signature_no_truncate
    BEFORE TRUNCATE ON contracts_signature FOR EACH STATEMENT EXECUTE FUNCTION contracts_refuse_truncate();
"""

REVERSE = """
DROP TRIGGER IF EXISTS contracts_signature_no_truncate ON contracts_signature;
DROP TRIGGER IF EXISTS contracts_amendment_no_truncate ON contracts_amendment;
DROP TRIGGER IF EXISTS contracts_contract_no_truncate ON contracts_contract;
DROP TRIGGER IF EXISTS contracts_signature_immutable ON contracts_signature;
DROP TRIGGER IF EXISTS contracts_amendment_immutable ON contracts_amendment;
DROP TRIGGER IF EXISTS contracts_contract_immutable ON contracts_contract;
DROP FUNCTION IF EXISTS contracts_refuse_truncate();
DROP FUNCTION IF EXISTS contracts_signed_immutable();
"""


class Migration(migrations.Migration):
    dependencies = [
        ("contracts", "0002_amendment_contract_contractcounter_delivery_payment_and_more"),
    ]

    operations = [
        pgtrigger.migrations.RemoveTrigger(model_name="amendment", name="protect_effective_amendment"),
        pgtrigger.migrations.RemoveTrigger(model_name="contract", name="protect_signed_contract"),
        pgtrigger.migrations.RemoveTrigger(model_name="signature", name="protect_signature"),
        PostgresSQL(sql=FUNCTIONS + TRIGGERS, reverse_sql=REVERSE),
    ]
