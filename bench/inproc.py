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
    """The complaint SLA sweep against hand-written SQL doing the same writes (``bench.sweeps``)."""
    from bench import sweeps

    return sweeps.measure(repeats=args.raw_repeats)


def step_cursor(args) -> dict:
    """The seek key of the last car before page ``--page`` of the browse query (what following "Next" that many
    times would carry), found once by OFFSET here so the measured request is the seek a visitor makes."""
    from django.http import QueryDict

    from marketplace import browse
    from marketplace.filters import BrowseQuery
    from marketplace.models import Listing

    query = BrowseQuery(QueryDict(args.query))
    sort = browse.SORTS[query.sort]
    rows = query.apply(Listing.objects.public()).order_by(*sort.order)
    offset = (args.page - 1) * browse.PAGE_SIZE - 1
    anchor = rows.only(sort.column, "id")[offset : offset + 1].first()
    return {"after": sort.key_of(anchor) if anchor else "", "offset": offset}


def step_buyer(args) -> dict:
    """A signed-in buyer with what their pages show: delivered cars under guarantee (the real services), a reserved
    one, and a page of notifications. Returns their session key and the URLs of their pages."""
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    from accounts.models import User
    from contracts.tests.factories import PASSWORD, delivered_order, reserve
    from marketplace.models import Listing
    from notifications.kinds import notice_kind
    from notifications.services import Notice, notify_many

    buyer = User.objects.get(username="bench_buyer1")
    buyer.full_name = buyer.full_name or "Bench Buyer"
    buyer.set_password(PASSWORD)
    buyer.save()
    ids = list(Listing.objects.public().order_by("pk").values_list("pk", flat=True)[20:24])
    orders = []
    for pk in ids[:3]:
        listing = Listing.objects.select_related("dealer").get(pk=pk)
        dealer = listing.dealer
        dealer.full_name = dealer.full_name or "Bench Dealer"
        dealer.set_password(PASSWORD)
        dealer.save()
        orders.append(delivered_order(buyer=buyer, listing=listing))
    dealer = Listing.objects.get(pk=ids[3]).dealer
    dealer.set_password(PASSWORD)
    dealer.save()
    reserve(buyer=buyer, listing=Listing.objects.get(pk=ids[3]))
    kind = notice_kind("bench.note", label="Bench", subject="Bench notice %(n)s", body="About car %(n)s")
    notify_many([Notice(buyer, kind, f"bench:note:{n}", {"n": n}, url="/cars/", email=False) for n in range(60)])
    session = SessionStore()
    session[SESSION_KEY] = str(buyer.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = buyer.get_session_auth_hash()
    session.create()
    return {"session": session.session_key, "order_id": orders[0].pk, "guarantee_order_id": orders[0].pk}


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
    sub.add_parser("buyer")
    cursor = sub.add_parser("cursor")
    cursor.add_argument("--page", type=int, required=True)
    cursor.add_argument("query")
    pdf = sub.add_parser("pdf")
    pdf.add_argument("--mode", choices=["project", "bare", "both"], required=True)
    pdf.add_argument("--iterations", type=int, default=5)
    args = parser.parse_args(argv)
    django.setup()
    steps = {"build": step_build, "capture": step_capture, "sweep": step_sweep, "pdf": step_pdf, "buyer": step_buyer}
    steps["cursor"] = step_cursor
    _emit(steps[args.step](args))


if __name__ == "__main__":
    main()
