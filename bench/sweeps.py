"""The SLA sweep benchmark (issue 15): the complaint SLA sweep against hand-written SQL doing the same writes.

At N open complaints with 1 % due (``bench.dataset.build``), side by side in one process and one run:

* **sweep**: the Celery task body ``complaints.tasks.complaint_sla_sweep_task()``, called until a call finds
  nothing due (one call drains everything unless its time budget runs out);
* **raw**: ONE hand-written statement doing the same writes on the same rows — the state UPDATE (the due
  rows' ``next_reminder_at`` moves to their deadline) and the notification INSERT (one reminder per row, same
  kind, parameters, link and dedupe key, ``ON CONFLICT DO NOTHING``) — and nothing else;

each ``repeats`` times, alternating which goes first, the dataset restored (rows, notifications, outbox,
audit; then ``VACUUM ANALYZE``) after every run; best of each. Also reported: rows/s, statements per batch,
Celery messages and outbox rows the sweep produced (0 per row: one e-mail task per run), the plan of the
sweep's batch SELECT (partial index ``complaint_sla_due_idx``), and checks that both wrote the same.

From ``bench/run.py``: run ``measure(repeats=3)`` inside Django on the bench database (e.g. as the body of
``bench/inproc.py``'s ``sweep`` step); it returns a dict (``measure.__doc__``). ``evaluate(result)`` gives
the pass/fail of the targets, ``summary(result)`` the README lines.

Standalone (builds its own database first, PostgreSQL only; run under the shared bench lock)::

    flock /tmp/anxin-bench.lock .venv/bin/python -m bench.sweeps --cases 200000 \\
        --db-url postgres://postgres@127.0.0.1:5432/h_clocks_bench [--skip-build] [--json out.json]
"""

from __future__ import annotations

import argparse
import json
import math
import os
import re
import sys
import time
from pathlib import Path

TARGET_RATIO = 3.0
SAVEPOINTS = re.compile(r"^\s*(SAVEPOINT|RELEASE SAVEPOINT|ROLLBACK TO SAVEPOINT)\b", re.I)


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# --- inside Django ---------------------------------------------------------------------------------


def _due_sql(table: str) -> str:
    return f"{table}.status = ANY(%(open)s) AND {table}.paused_at IS NULL AND {table}.next_reminder_at <= %(now)s"


def _prepare(now) -> list[tuple]:
    """Point every due row's deadline 30–200 minutes after ``now`` (as the dataset was built), so that in
    every run each due row is a reminder ahead of its deadline, however long ago the dataset was built.
    Returns the snapshot (id, next_reminder_at, next_deadline_at, updated_at) that ``_restore`` puts back."""
    from django.db import connection, transaction

    from complaints.models import Complaint

    table = Complaint._meta.db_table
    params = {"open": list(Complaint.OPEN_STATUSES), "now": now}
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET next_deadline_at = %(now)s + (30 + id %% 170) * interval '1 minute' WHERE {_due_sql(table)}",
            params,
        )
        cursor.execute(
            f"SELECT id, next_reminder_at, next_deadline_at, updated_at FROM {table} WHERE {_due_sql(table)} ORDER BY id", params
        )
        return cursor.fetchall()


def _restore(snapshot: list[tuple], marks: dict) -> None:
    """Put the due rows back as they were and delete what a run wrote (notifications, outbox, audit rows)."""
    from django.db import connection, transaction

    from complaints.models import Complaint

    table = Complaint._meta.db_table
    columns = list(zip(*snapshot, strict=True)) if snapshot else [[], [], [], []]
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} AS c SET next_reminder_at = v.r, next_deadline_at = v.d, updated_at = v.u "
            "FROM unnest(%s::bigint[], %s::timestamptz[], %s::timestamptz[], %s::timestamptz[]) AS v(id, r, d, u) "
            "WHERE c.id = v.id",
            [list(column) for column in columns],
        )
        for model, last in marks.items():
            cursor.execute(f"DELETE FROM {model._meta.db_table} WHERE id > %s", [last])
    with connection.cursor() as cursor:
        for model in (Complaint, *marks):
            cursor.execute(f"VACUUM ANALYZE {model._meta.db_table}")


def _marks() -> dict:
    from core.models import AuditEvent, OutboxMessage
    from notifications.models import Notification

    return {
        m: m.objects.order_by("-pk").values_list("pk", flat=True).first() or 0 for m in (Notification, OutboxMessage, AuditEvent)
    }


def _raw_statement(now) -> tuple[str, dict]:
    """The hand-written equivalent: the state UPDATE and the notification INSERT, one statement."""
    from django.urls import reverse

    from complaints.models import Complaint, DeadlineKind
    from complaints.notices import REMINDER
    from notifications.kinds import localized
    from notifications.models import Notification

    table = Complaint._meta.db_table
    user_table = Complaint._meta.get_field("assignee").related_model._meta.db_table
    labels = {kind: json.dumps(localized(DeadlineKind(kind).label), ensure_ascii=False) for kind in DeadlineKind.values}
    prefix, suffix = reverse("admin:complaints_complaint_change", args=[987654321]).split("987654321")
    iso = "to_char(d.next_deadline_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"+00:00\"')"
    sql = f"""
        WITH d AS (
            UPDATE {table} SET next_reminder_at = next_deadline_at, updated_at = %(now)s
            WHERE {_due_sql(table)}
            RETURNING id, number, subject, assignee_id, next_deadline_kind, next_deadline_at
        )
        INSERT INTO {Notification._meta.db_table}
            (recipient_id, kind, subject, body, params, url, dedupe_key, email_pending, email_claim, created_at)
        SELECT d.assignee_id, %(kind)s, '', '',
               jsonb_build_object(
                   'number', d.number,
                   'kind', CASE d.next_deadline_kind WHEN 'ack' THEN %(ack)s::jsonb WHEN 'response' THEN %(response)s::jsonb
                                ELSE %(resolve)s::jsonb END,
                   'due', jsonb_build_object('_dt', {iso}),
                   'subject', d.subject),
               %(prefix)s || d.id || %(suffix)s,
               'complaint:' || d.id || ':' || d.next_deadline_kind || ':' || {iso} || ':remind',
               u.email <> '', '', %(now)s
        FROM d JOIN {user_table} u ON u.id = d.assignee_id
        ON CONFLICT (dedupe_key) DO NOTHING
    """
    params = {
        "now": now,
        "open": list(Complaint.OPEN_STATUSES),
        "kind": REMINDER.code,
        "prefix": prefix,
        "suffix": suffix,
        **labels,
    }
    return sql, params


def _run_raw(now) -> tuple[float, int]:
    from django.db import connection, transaction

    sql, params = _raw_statement(now)
    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)
        written = cursor.rowcount
    return time.perf_counter() - started, written


def _run_sweep() -> dict:
    from celery.signals import after_task_publish
    from django.db import connection

    from complaints.tasks import complaint_sla_sweep_task
    from core.outbox import outbox_wait_idle

    statements: list[str] = []
    published: list[str] = []

    def count(execute, sql, params, many, context):
        if not SAVEPOINTS.match(sql):
            statements.append(sql)
        return execute(sql, params, many, context)

    def on_publish(sender=None, **kwargs):
        published.append(str(sender))

    after_task_publish.connect(on_publish, weak=False)
    calls, totals = 0, {}
    try:
        with connection.execute_wrapper(count):
            started = time.perf_counter()
            while True:
                result = complaint_sla_sweep_task()
                calls += 1
                for key, value in (result or {}).items():
                    totals[key] = totals.get(key, 0) + value
                if not result or not result.get("checked") or calls >= 1000:
                    break
            seconds = time.perf_counter() - started
        outbox_wait_idle(timeout=30)  # the run's one e-mail task leaves from the publisher thread
    finally:
        after_task_publish.disconnect(on_publish)
    selects = sum(1 for sql in statements if "FOR UPDATE" in sql and "SKIP LOCKED" in sql)
    # Every call ends with a SELECT that finds nothing; what a call costs besides its batches: the lock,
    # that last SELECT and the unlock, plus one outbox row for the run's e-mails when it did something.
    batches = max(1, selects - calls)
    outbox = sum(1 for sql in statements if sql.startswith("INSERT") and "core_outboxmessage" in sql.split("(")[0])
    return {
        "seconds": seconds,
        "calls": calls,
        "result": totals,
        "statements": len(statements),
        "batches": batches,
        "per_batch": (len(statements) - 3 * calls - outbox) / batches,
        "published": published,
    }


def _sweep_plan(now) -> str:
    from django.db import transaction

    from complaints.services.sweep import ComplaintClock

    with transaction.atomic():
        return ComplaintClock().due(now).select_for_update(skip_locked=True, of=("self",))[:1000].explain()


def measure(*, repeats: int = 3) -> dict:
    """Measure the complaint SLA sweep against the raw SQL on the current database (built by
    ``bench.dataset.build``); leaves the dataset as it found it. Returns::

        open_cases, due_rows, repeats,
        raw_seconds (best), raw_runs, raw_rows_per_s, raw_rows (notifications the raw INSERT wrote),
        sweep_seconds (best), sweep_runs, sweep_rows_per_s, ratio (sweep / raw, target ≤ 3),
        task_calls, batches, batch_size, statements (all of the run), statements_per_batch (without the
        run's lock, unlock, final empty SELECT and its one outbox row), celery_messages, celery_task_names,
        outbox_rows, notifications, audit_rows, still_due_after, same_writes (both wrote one reminder per
        due row and left nothing due), plan (EXPLAIN of the batch SELECT), index_used
    """
    from django.db import connection
    from django.utils import timezone

    from complaints.models import Complaint
    from core.models import AuditEvent, OutboxMessage
    from notifications.models import Notification

    if connection.vendor != "postgresql":
        raise RuntimeError("the sweep benchmark needs PostgreSQL")
    now = timezone.now()
    snapshot = _prepare(now)
    due = len(snapshot)
    marks = _marks()
    _restore(snapshot, marks)  # a clean start: VACUUM ANALYZE after the preparation
    plan = _sweep_plan(now)
    raw_runs, sweep_runs, raw_rows, last = [], [], 0, None
    for repetition in range(repeats):
        order = ("raw", "sweep") if repetition % 2 == 0 else ("sweep", "raw")
        for which in order:
            if which == "raw":
                seconds, raw_rows = _run_raw(timezone.now())
                raw_runs.append(seconds)
                raw_left = Complaint.objects.due_for_sla(timezone.now()).count()
            else:
                last = _run_sweep()
                sweep_runs.append(last["seconds"])
                last["notifications"] = Notification.objects.filter(pk__gt=marks[Notification]).count()
                last["outbox_rows"] = OutboxMessage.objects.filter(pk__gt=marks[OutboxMessage]).count()
                last["audit_rows"] = AuditEvent.objects.filter(pk__gt=marks[AuditEvent]).count()
                last["still_due"] = Complaint.objects.due_for_sla(timezone.now()).count()
            _restore(snapshot, marks)
    raw_best, sweep_best = min(raw_runs), min(sweep_runs)
    batches = last["batches"]
    return {
        "open_cases": Complaint.objects.open().count(),
        "due_rows": due,
        "repeats": repeats,
        "raw_seconds": raw_best,
        "raw_runs": raw_runs,
        "raw_rows": raw_rows,
        "raw_rows_per_s": due / raw_best if raw_best else None,
        "sweep_seconds": sweep_best,
        "sweep_runs": sweep_runs,
        "sweep_rows_per_s": due / sweep_best if sweep_best else None,
        "ratio": sweep_best / raw_best if raw_best else None,
        "task_calls": last["calls"],
        "sweep_result": last["result"],
        "batches": batches,
        "batch_size": math.ceil(due / batches) if due else 0,
        "statements": last["statements"],
        "statements_per_batch": last["per_batch"],
        "celery_messages": len(last["published"]),
        "celery_task_names": sorted(set(last["published"])),
        "outbox_rows": last["outbox_rows"],
        "notifications": last["notifications"],
        "audit_rows": last["audit_rows"],
        "still_due_after": last["still_due"],
        "same_writes": raw_rows == due == last["notifications"] and last["still_due"] == 0 and raw_left == 0,
        "plan": plan,
        "index_used": "complaint_sla_due_idx" in plan,
    }


def evaluate(result: dict) -> dict:
    """The issue-15 targets: sweep ≤ 3× raw; no Celery message or outbox row per row (one per run)."""
    per_row = max(result["celery_messages"], result["outbox_rows"]) / max(1, result["due_rows"])
    return {
        "sweep_vs_raw": {"value": result["ratio"], "target": f"<= {TARGET_RATIO}", "pass": result["ratio"] <= TARGET_RATIO},
        "sweep_messages_per_row": {"value": per_row, "target": "== 0 per row (≤ 1 per run)", "pass": per_row < 0.01},
        "sweep_same_writes": {"value": result["same_writes"], "target": "True", "pass": bool(result["same_writes"])},
        "sweep_index_used": {"value": result["index_used"], "target": "True", "pass": bool(result["index_used"])},
    }


def summary(result: dict) -> list[str]:
    """The README lines for the sweep figures."""
    return [
        f"SLA sweep: {result['open_cases']:,} open complaints, {result['due_rows']:,} due → "
        f"task body {result['sweep_seconds']:.2f} s ({result['sweep_rows_per_s']:,.0f} rows/s) vs raw UPDATE+INSERT "
        f"{result['raw_seconds']:.2f} s ({result['raw_rows_per_s']:,.0f} rows/s) = {result['ratio']:.2f}× (best of {result['repeats']})",
        f"{result['batches']} batches of ≤ {result['batch_size']:,} rows, {result['statements_per_batch']:.1f} statements per batch, "
        f"{result['task_calls']} task call(s); Celery messages {result['celery_messages']}, outbox rows {result['outbox_rows']} "
        f"(0 per row); notifications {result['notifications']:,}; nothing left due: {result['still_due_after'] == 0}",
    ]


# --- standalone ------------------------------------------------------------------------------------


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(prog="python -m bench.sweeps", description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=200_000, help="open complaints (1 %% due)")
    parser.add_argument(
        "--db-url", default=os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/h_clocks_bench")
    )
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--skip-build", action="store_true", help="measure the dataset of the previous run")
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args(argv)

    from bench.run import standalone_django

    standalone_django(name="sweeps", db_url=args.db_url, fresh=not args.skip_build, log=log)
    if not args.skip_build:
        from bench import dataset

        log(f"dataset: {args.cases:,} open complaints (COPY)")
        dataset.build(listings=10, cases=args.cases, log=log)
    log(f"measuring (best of {args.repeats})")
    result = measure(repeats=args.repeats)
    result["targets"] = evaluate(result)
    for line in summary(result):
        print(line)
    for name, target in result["targets"].items():
        print(f"  {name}: {target['value']} ({target['target']}) {'PASS' if target['pass'] else 'FAIL'}")
    if args.json:
        args.json.write_text(json.dumps(result, indent=2, default=str, ensure_ascii=False))
    return result


if __name__ == "__main__":
    main()
