"""Set-based sweeps: take the due rows a batch at a time, change each batch with one statement, go on
until nothing is due or the run's time budget is spent.

A batch is one transaction:

1. ``lock_batch``: the due rows, read through the partial index on the due column (the caller's ordered
   queryset) and locked ``FOR UPDATE OF <table> SKIP LOCKED`` — two overlapping workers split the rows
   instead of queueing on each other, and a row a person is editing right now is left for the next batch;
2. the caller decides in Python what each row becomes (no query per row);
3. ``update_rows``: ONE ``UPDATE … FROM unnest(…)`` (PostgreSQL) / ``UPDATE … FROM (VALUES …)`` (SQLite)
   writes every row's own values;
4. audit rows with one ``bulk_create``, notifications with one ``notify_many`` (the app's part).

``run_batches`` repeats that until a batch finds nothing, the time budget runs out (the next beat run goes
on where this one stopped) or the run lost its lock. Inside a Celery task the budget is the one
``sweep_run`` set, below the task's soft time limit.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable, Iterator, Sequence

from django.db import connections, router
from django.db.models import Model, QuerySet
from django.urls import reverse
from django.utils import timezone

from .locks import lock_lost, sweep_lock

#: How long one sweep run keeps taking batches (seconds); below ``core.tasks.SWEEP_SOFT_TIME_LIMIT``.
SWEEP_BUDGET_SECONDS = 180.0

_run = threading.local()


@contextlib.contextmanager
def sweep_run(name: str, *, budget: float = SWEEP_BUDGET_SECONDS) -> Iterator[bool]:
    """Hold the sweep lock ``name`` for one run with a time budget; yields False when another run has it."""
    with sweep_lock(name) as acquired:
        if not acquired:
            yield False
            return
        outer = getattr(_run, "state", None)
        _run.state = (name, time.monotonic() + budget)
        try:
            yield True
        finally:
            _run.state = outer


def lock_batch[M: Model](queryset: QuerySet[M], *, size: int) -> list[M]:
    """At most ``size`` rows of the (ordered, indexed) ``queryset``, locked for this transaction and skipping
    rows another transaction holds. Only the queryset's own table is locked, not the rows it joins."""
    return list(queryset.select_for_update(skip_locked=True, of=("self",))[:size])


def update_rows(objs: Sequence[Model], fields: Sequence[str], *, touch: str | None = "updated_at") -> int:
    """Write ``fields`` of every object (each its own values) with ONE UPDATE; ``touch`` (an ``auto_now``
    field) is set to now on all of them. Returns the number of rows updated.

    ``bulk_update`` would build ``CASE WHEN id = … THEN …`` with one branch per row, which PostgreSQL
    evaluates row by branch (quadratic in the batch); a join against the values is linear.
    """
    if not objs:
        return 0
    model = type(objs[0])
    meta = model._meta
    connection = connections[router.db_for_write(model)]
    quote = connection.ops.quote_name
    columns = [meta.pk, *(meta.get_field(name) for name in fields)]
    values = [_column_values(column, objs, connection) for column in columns]
    table = quote(meta.db_table)
    assignments = [f"{quote(column.column)} = v.{quote(column.column)}" for column in columns[1:]]
    params: list = []
    if touch:
        assignments.append(f"{quote(meta.get_field(touch).column)} = %s")
        params.append(meta.get_field(touch).get_db_prep_save(timezone.now(), connection))
    pk = quote(meta.pk.column)
    set_clause = ", ".join(assignments)
    if connection.vendor == "postgresql":
        # Each column travels as ONE array literal ('{…}'::timestamptz[]): psycopg2 would spell a list as
        # ARRAY['…'::timestamptz, …], thousands of casts for the parser per batch. The extra ``= ANY(ids)``
        # lets the planner find the rows through the primary key (it cannot see into unnest(), and would
        # otherwise hash-join against a scan of the whole table).
        values = [_pg_array(column_values) for column_values in values]
        arrays = ", ".join(f"%s::{_array_type(column, connection)}[]" for column in columns)
        names = ", ".join(quote(column.column) for column in columns)
        sql = (
            f"UPDATE {table} SET {set_clause} FROM unnest({arrays}) AS v({names}) "  # noqa: S608 - quoted names, values as parameters
            f"WHERE {table}.{pk} = v.{pk} AND {table}.{pk} = ANY(%s::{_array_type(meta.pk, connection)}[])"
        )
        params = [*params, *values, values[0]]  # SET … = %s comes before FROM unnest(…)
    else:  # SQLite ≥ 3.33: UPDATE … FROM a VALUES list (whose columns SQLite calls column1, column2, …)
        rows = ", ".join(["(" + ", ".join(["%s"] * len(columns)) + ")"] * len(objs))
        named = ", ".join(f"column{i} AS {quote(column.column)}" for i, column in enumerate(columns, start=1))
        sql = f"UPDATE {table} SET {set_clause} FROM (SELECT {named} FROM (VALUES {rows})) AS v WHERE {table}.{pk} = v.{pk}"  # noqa: S608
        params = [*params, *(value for row in zip(*values, strict=True) for value in row)]  # SET's %s comes first
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount


# Fields whose Python value is already what the database adapter takes (no per-row get_db_prep_save).
_PLAIN = {
    "AutoField",
    "BigAutoField",
    "BigIntegerField",
    "BooleanField",
    "CharField",
    "DateTimeField",
    "ForeignKey",
    "IntegerField",
    "PositiveIntegerField",
    "PositiveSmallIntegerField",
    "SmallIntegerField",
    "TextField",
}


def _column_values(field, objs: Sequence[Model], connection) -> list:
    attname = field.attname
    if field.get_internal_type() in _PLAIN and connection.vendor == "postgresql":
        return [getattr(obj, attname) for obj in objs]
    return [field.get_db_prep_save(getattr(obj, attname), connection) for obj in objs]


def _pg_array(values: list) -> str:
    """A PostgreSQL array literal of ``values`` (NULL for None; every other element quoted and escaped)."""
    items = []
    for value in values:
        if value is None:
            items.append("NULL")
        elif isinstance(value, bool):
            items.append("t" if value else "f")
        else:
            items.append('"' + str(value).replace("\\", "\\\\").replace('"', '\\"') + '"')
    return "{" + ",".join(items) + "}"


def _array_type(field, connection) -> str:
    # The primary key's plain type (no identity/serial); a foreign key's db_type is its target's type.
    return field.rel_db_type(connection) if field.primary_key else field.db_type(connection)


def url_for_each(viewname: str) -> Callable[[int], str]:
    """``reverse(viewname, args=[pk])`` for many rows: reversed once, then filled in per row (a reverse
    through the admin's URL patterns costs more than everything else a sweep does for a row)."""
    marker = 918273645
    head, tail = reverse(viewname, args=[marker]).split(str(marker))
    return lambda pk: f"{head}{pk}{tail}"


def run_batches(step: Callable[[], tuple[int, dict]], *, totals: dict, budget: float | None = None) -> dict:
    """Call ``step()`` — one batch in its own transaction, returning (rows taken, counts) — until a batch takes
    no row, the time budget is spent or the run's lock was lost. Returns ``totals`` with the counts added."""
    name, deadline = getattr(_run, "state", None) or ("", time.monotonic() + (budget or SWEEP_BUDGET_SECONDS))
    if budget is not None:
        deadline = min(deadline, time.monotonic() + budget)
    while True:
        taken, counts = step()
        for key, value in counts.items():
            totals[key] = totals.get(key, 0) + value
        if not taken or time.monotonic() >= deadline or (name and lock_lost(name)):
            return totals
