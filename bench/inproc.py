"""The benchmark steps that run inside Django against the bench database.

``python -m bench.inproc <step> [options]`` with ``DJANGO_SETTINGS_MODULE=bench.settings`` and
``DATABASE_URL`` pointing at the bench database (``bench/run.py`` starts these subprocesses). Each step
prints one line ``BENCH_JSON {...}`` with its result.

Steps: ``build`` (dataset), ``capture`` (render pages in-process, record their SQL), ``sweep`` (SLA sweep
vs raw SQL), ``pdf`` (contract PDF through the project's renderer or bare weasyprint).
"""

from __future__ import annotations

import argparse
import json
import re
import resource
import sys
import time

TRANSACTION_CONTROL = re.compile(r"^\s*(BEGIN|COMMIT|ROLLBACK|SAVEPOINT|RELEASE SAVEPOINT|ROLLBACK TO SAVEPOINT)\b", re.I)


def _emit(payload: dict) -> None:
    sys.stdout.write("BENCH_JSON " + json.dumps(payload, default=str) + "\n")
    sys.stdout.flush()


def step_build(args) -> dict:
    from bench import dataset

    started = time.monotonic()
    stats = dataset.build(listings=args.listings, cases=args.cases, log=lambda m: print(m, file=sys.stderr, flush=True))
    stats["contract_id"], stats["contract_error"] = _make_contract()
    stats["build_seconds"] = round(time.monotonic() - started, 2)
    return stats


def _make_contract():
    """A reserved order with its drafted contract (the real services), for the PDF measurement."""
    from accounts.models import User
    from contracts.services import order_reserve
    from marketplace.models import Listing

    try:
        buyer = User.objects.get(username="bench_buyer0")
        listing = Listing.objects.get(pk=6)
        order = order_reserve(buyer=buyer, listing=listing)
        return order.contract.pk, ""
    except Exception as exc:  # a contracts change must not stop the other measurements
        return None, f"{type(exc).__name__}: {exc}"


def step_capture(args) -> dict:
    """Render each URL in-process (same settings, same database) twice; record the second run's SQL."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    comparer = Client(HTTP_HOST="127.0.0.1")
    for pk in args.compare_ids:
        comparer.post("/compare/add/", {"listing": pk})
    pages = {}
    for url in args.urls:
        # Like wrk: no cookies (a fresh client per request), except the compare page's session cookie.
        client = comparer if url.startswith("/compare/") else Client(HTTP_HOST="127.0.0.1")
        client.get(url)  # warm: templates, translations, connection
        if client is not comparer:
            client = Client(HTTP_HOST="127.0.0.1")
        with CaptureQueriesContext(connection) as captured:
            response = client.get(url)
        sql = [q["sql"] for q in captured.captured_queries]
        offsets = [int(m) for q in sql for m in re.findall(r"\bOFFSET (\d+)", q)]
        pages[url] = {
            "status": response.status_code,
            "bytes": len(response.content),
            "statements": len(sql),
            "queries": sum(1 for q in sql if not TRANSACTION_CONTROL.match(q)),
            "sql": sql,
            "offset": max(offsets) if offsets else 0,
        }
    session_cookie = comparer.cookies.get("sessionid")
    return {"pages": pages, "session": session_cookie.value if session_cookie else ""}


def step_sweep(args) -> dict:
    """SLA sweep over the open complaints vs the raw indexed SELECT … FOR UPDATE + UPDATE of the same rows."""
    from celery.signals import after_task_publish
    from django.db import connection, transaction
    from django.utils import timezone

    from complaints.models import Complaint
    from complaints.tasks import complaint_sla_sweep_task
    from core.models import AuditEvent, OutboxMessage
    from notifications.models import Notification

    published: list[str] = []

    def count_publish(sender=None, **kwargs):
        published.append(str(sender))

    after_task_publish.connect(count_publish, weak=False)
    table = Complaint._meta.db_table
    open_statuses = list(Complaint.OPEN_STATUSES)
    now = timezone.now()
    select_sql = (
        f"SELECT id, next_deadline_at FROM {table} WHERE status = ANY(%s) AND paused_at IS NULL "
        "AND next_reminder_at <= %s ORDER BY next_reminder_at FOR UPDATE"
    )
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT id, next_reminder_at FROM {table} WHERE status = ANY(%s) AND paused_at IS NULL AND next_reminder_at <= %s",
            [open_statuses, now],
        )
        snapshot = cursor.fetchall()
        cursor.execute("EXPLAIN " + select_sql, [open_statuses, now])
        plan = "\n".join(row[0] for row in cursor.fetchall())

    def restore():
        ids = [row[0] for row in snapshot]
        reminders = [row[1] for row in snapshot]
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {table} AS c SET next_reminder_at = v.at FROM unnest(%s::bigint[], %s::timestamptz[]) AS v(id, at) "
                "WHERE c.id = v.id",
                [ids, reminders],
            )

    # Raw reference: one indexed SELECT … FOR UPDATE of the due rows and one UPDATE of them, committed.
    raw_runs = []
    for _ in range(args.raw_repeats):
        started = time.perf_counter()
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(select_sql, [open_statuses, now])
            rows = cursor.fetchall()
            cursor.execute(
                f"UPDATE {table} SET next_reminder_at = next_deadline_at, updated_at = %s WHERE id = ANY(%s)",
                [now, [r[0] for r in rows]],
            )
        raw_runs.append(time.perf_counter() - started)
        restore()
    raw_rows = len(rows)

    before = (OutboxMessage.objects.count(), Notification.objects.count(), AuditEvent.objects.count())
    last_pks = [
        m.objects.order_by("-pk").values_list("pk", flat=True).first() or 0 for m in (OutboxMessage, Notification, AuditEvent)
    ]
    published.clear()
    totals: dict = {}
    calls = 0
    started = time.perf_counter()
    while True:
        result = complaint_sla_sweep_task()
        calls += 1
        if not result:
            break
        for key, value in result.items():
            totals[key] = totals.get(key, 0) + value
        if not result.get("checked") or calls > 100_000:
            break
    service_seconds = time.perf_counter() - started
    after = (OutboxMessage.objects.count(), Notification.objects.count(), AuditEvent.objects.count())
    still_due = Complaint.objects.due_for_sla(timezone.now()).count()
    # Leave the dataset as it was, so ``--skip-build`` can measure again.
    restore()
    for model, last in zip((OutboxMessage, Notification, AuditEvent), last_pks, strict=True):
        model.objects.filter(pk__gt=last).delete()
    raw_best = min(raw_runs)
    processed = totals.get("checked", 0)
    return {
        "open_cases": Complaint.objects.open().count(),
        "due_rows": len(snapshot),
        "raw_rows": raw_rows,
        "raw_seconds": raw_best,
        "raw_runs": raw_runs,
        "raw_rows_per_s": raw_rows / raw_best if raw_best else None,
        "raw_plan": plan,
        "service_seconds": service_seconds,
        "service_rows": processed,
        "service_rows_per_s": processed / service_seconds if service_seconds else None,
        "service_result": totals,
        "task_calls": calls - 1 if calls > 1 else calls,
        "still_due_after": still_due,
        "outbox_rows": after[0] - before[0],
        "notifications": after[1] - before[1],
        "audit_rows": after[2] - before[2],
        "celery_messages": len(published),
        "celery_task_names": sorted(set(published)),
        "ratio": service_seconds / raw_best if raw_best else None,
    }


def step_pdf(args) -> dict:
    """Seconds per contract PDF in a warm process: the project's renderer or bare weasyprint on the same HTML."""
    from django.template.loader import render_to_string

    from contracts.models import Contract

    contract = Contract.objects.order_by("pk").first()
    if contract is None:  # the build could not make one (contracts code mid-change): try again now
        contract_id, error = _make_contract()
        if contract_id is None:
            raise RuntimeError(f"no contract to render: {error}")
        contract = Contract.objects.get(pk=contract_id)
    html = render_to_string(
        "contracts/pdf/contract.html", {"c": contract, "signatures": [], "buyer_sig": None, "dealer_sig": None}
    )
    from weasyprint import HTML

    from core.pdf import render_pdf

    renderers = {"project": lambda: render_pdf(html), "bare": lambda: HTML(string=html).write_pdf()}
    modes = ["project", "bare"] if args.mode == "both" else [args.mode]
    cold = {}
    for mode in modes:  # cold: fonts, CSS
        started = time.perf_counter()
        pdf = renderers[mode]()
        cold[mode] = time.perf_counter() - started
    times: dict[str, list[float]] = {mode: [] for mode in modes}
    for _ in range(args.iterations):  # interleaved, so both see the same machine
        for mode in modes:
            started = time.perf_counter()
            pdf = renderers[mode]()
            times[mode].append(time.perf_counter() - started)
    pages = len(HTML(string=html).render().pages)  # outside the timings
    result = {"pages": pages, "bytes": len(pdf), "html_chars": len(html)}
    for mode in modes:
        ordered = sorted(times[mode])
        result[mode] = {"cold_seconds": cold[mode], "seconds": ordered, "median_seconds": ordered[len(ordered) // 2]}
    result["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return result


def main(argv=None) -> None:
    import django

    parser = argparse.ArgumentParser(prog="python -m bench.inproc")
    sub = parser.add_subparsers(dest="step", required=True)
    build = sub.add_parser("build")
    build.add_argument("--listings", type=int, required=True)
    build.add_argument("--cases", type=int, required=True)
    capture = sub.add_parser("capture")
    capture.add_argument("--compare-ids", type=lambda v: [int(x) for x in v.split(",") if x], default=[])
    capture.add_argument("urls", nargs="+")
    sweep = sub.add_parser("sweep")
    sweep.add_argument("--raw-repeats", type=int, default=3)
    pdf = sub.add_parser("pdf")
    pdf.add_argument("--mode", choices=["project", "bare", "both"], required=True)
    pdf.add_argument("--iterations", type=int, default=5)
    args = parser.parse_args(argv)
    django.setup()
    _emit({"build": step_build, "capture": step_capture, "sweep": step_sweep, "pdf": step_pdf}[args.step](args))


if __name__ == "__main__":
    main()
