"""Benchmark of the hot paths against their physical limits (issue #7).

    python -m bench.run --listings 100000 --json bench.json      # or: python manage.py bench ...
    python -m bench.run --quick                                   # smoke run (2,000 listings, ~1 min)

What it does, each figure next to its reference measured in the same run:

1. builds a dataset in a separate PostgreSQL database (dropped and recreated; ``COPY``), migrated by
   ``manage.py migrate``;
2. serves ``bench.urls`` (the project + ``/bench/hello/``) with gunicorn on 127.0.0.1, production settings,
   one worker configuration for every measurement, and loads it with wrk from a second process:
   browse (3 filters + sort; pages 1, 50 and deep), detail (30 photos, 150-item report) and compare
   (4 cars) against hello-world; browse p95 against the page's own SQL replayed raw with psycopg2;
3. queries per request, counted by rendering the same pages in-process (``CaptureQueriesContext``);
4. the complaints SLA sweep (the Celery task body) against the raw indexed SELECT … FOR UPDATE + UPDATE
   of the same due rows, with the Celery messages and outbox rows it produced;
5. a contract PDF through ``core.pdf.render_pdf`` against bare weasyprint on the same HTML, peak RSS;
6. gunicorn worker RSS after at least 10,000 requests.

Everything is bounded in time and stops by itself; gunicorn is killed in a ``finally``.
Only the standard library and psycopg2 are imported here: Django runs in the subprocesses.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import os
import platform
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WRK_SCRIPT = Path(__file__).resolve().parent / "wrk.lua"
DEFAULT_DB = "postgres://postgres@127.0.0.1:5432/anxin_bench"
PAGE_SIZE = 24
FULL_SIZE = 1_000_000
DEEP_PAGE_AT_FULL_SIZE = 5_000
RSS_AFTER_REQUESTS = 10_000
BROWSE_QUERY = {"year_min": "2016", "mileage_max": "150000", "price_max": "400000", "sort": "price_asc"}

TARGETS = {
    "browse_rps_ratio": (">=", 0.40, "browse req/s ≥ 40 % of hello-world"),
    "browse_p95_vs_raw": ("<=", 3.0, "browse p95 ≤ 3× its raw SQL"),
    "browse_queries": ("<=", 8, "browse ≤ 8 queries"),
    "deep_p95_vs_page1": ("<=", 2.0, "deep page p95 ≤ 2× page 1"),
    "detail_rps_ratio": (">=", 0.40, "detail req/s ≥ 40 % of hello-world"),
    "detail_queries_constant": ("==", True, "detail queries constant (30 photos + 150 items = 1 photo + 10 items)"),
    "compare_rps_ratio": (">=", 0.40, "compare req/s ≥ 40 % of hello-world"),
    "compare_queries": ("<=", 8, "compare ≤ 8 queries"),
    "sweep_vs_raw": ("<=", 2.0, "SLA sweep ≤ 2× raw SQL"),
    "sweep_per_row_messages": ("==", 0, "SLA sweep: 0 per-row tasks/outbox rows"),
    "pdf_seconds": ("<=", 0.5, "contract PDF ≤ 0.5 s warm"),
    "pdf_vs_bare": ("<=", 1.5, "contract PDF ≤ 1.5× bare weasyprint"),
    "worker_rss_mb": ("<=", 150, "worker RSS after 10k requests ≤ 150 MB"),
}


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# --- processes -------------------------------------------------------------------------------------


def bench_env(args) -> dict:
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="bench.settings",
        DATABASE_URL=args.db_url,
        DJANGO_SECRET_KEY="bench-" + secrets.token_urlsafe(48),
        DJANGO_ALLOWED_HOSTS="127.0.0.1,localhost",
        DJANGO_SECURE_SSL_REDIRECT="false",
        MEDIA_ROOT=str(args.workdir / "media"),
        BENCH_STATIC_ROOT=str(args.workdir / "static"),
        REDIS_URL="",
        PYTHONPATH=str(ROOT) + os.pathsep + env.get("PYTHONPATH", ""),
        PYTHONUNBUFFERED="1",
    )
    env.pop("DJANGO_DEBUG", None)
    return env


def run_step(args, step: list[str], *, timeout: float) -> dict:
    """Run ``python -m bench.inproc <step>`` and return its JSON result."""
    command = [sys.executable, "-m", "bench.inproc", *step]
    completed = subprocess.run(
        command, cwd=ROOT, env=bench_env(args), capture_output=True, text=True, timeout=timeout, check=False
    )
    if completed.returncode != 0:
        raise RuntimeError(f"{' '.join(step[:1])} failed ({completed.returncode}):\n{completed.stderr[-4000:]}")
    if completed.stderr.strip() and args.verbose:
        log(completed.stderr.rstrip())
    for line in reversed(completed.stdout.splitlines()):
        if line.startswith("BENCH_JSON "):
            return json.loads(line[len("BENCH_JSON ") :])
    raise RuntimeError(f"{step[0]}: no result\n{completed.stdout[-2000:]}\n{completed.stderr[-2000:]}")


def manage(args, *command: str, timeout: float = 900) -> None:
    completed = subprocess.run(
        [sys.executable, "manage.py", *command],
        cwd=ROOT,
        env=bench_env(args),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if completed.returncode != 0:
        raise RuntimeError(f"manage.py {' '.join(command)} failed:\n{completed.stdout[-2000:]}\n{completed.stderr[-4000:]}")


def recreate_database(db_url: str) -> None:
    import psycopg2

    parts = urllib.parse.urlsplit(db_url)
    name = parts.path.lstrip("/")
    if not re.fullmatch(r"[a-z0-9_]+", name) or "bench" not in name:
        raise SystemExit(f"refusing to drop database {name!r}: the bench database name must contain 'bench'")
    admin = psycopg2.connect(_dsn(db_url, dbname="postgres"))
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()", [name]
        )
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}"')
        cursor.execute(f'CREATE DATABASE "{name}"')
    admin.close()


def _dsn(db_url: str, *, dbname: str | None = None) -> str:
    parts = urllib.parse.urlsplit(db_url)
    fields = {
        "host": parts.hostname or "127.0.0.1",
        "port": str(parts.port or 5432),
        "user": urllib.parse.unquote(parts.username or "postgres"),
        "dbname": dbname or parts.path.lstrip("/"),
    }
    if parts.password:
        fields["password"] = urllib.parse.unquote(parts.password)
    return " ".join(f"{k}={v}" for k, v in fields.items())


class Gunicorn:
    """gunicorn on 127.0.0.1:<port> serving bench.urls with production settings; always stopped."""

    def __init__(self, args):
        self.args = args
        self.process: subprocess.Popen | None = None
        self.log_path = args.workdir / "gunicorn.log"

    def __enter__(self):
        command = [
            str(Path(sys.executable).with_name("gunicorn")),
            "config.wsgi:application",
            "--bind",
            f"127.0.0.1:{self.args.port}",
            "--workers",
            str(self.args.workers),
            "--worker-class",
            "gthread",
            "--threads",
            str(self.args.threads),
            "--timeout",
            "60",
            "--error-logfile",
            str(self.log_path),
            "--log-level",
            "warning",
        ]
        self.process = subprocess.Popen(
            command,
            cwd=ROOT,
            env=bench_env(self.args),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited early:\n{self.log_path.read_text()[-3000:]}")
            try:
                with urllib.request.urlopen(self.url("/bench/hello/"), timeout=2) as response:  # noqa: S310
                    if response.status == 200:
                        return self
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                time.sleep(0.2)
        raise RuntimeError("gunicorn did not answer within 60 s")

    def __exit__(self, *exc):
        if self.process and self.process.poll() is None:
            try:
                os.killpg(self.process.pid, signal.SIGTERM)
                self.process.wait(timeout=15)
            except (subprocess.TimeoutExpired, ProcessLookupError):
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=5)

    def warm(self, path: str, *, headers: list[str], count: int) -> int:
        """Sequential requests so every worker has compiled its templates before wrk starts the clock."""
        request = urllib.request.Request(self.url(path))
        for header in headers:
            name, _, value = header.partition(":")
            request.add_header(name.strip(), value.strip())
        for _ in range(count):
            with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310
                response.read()
        return count

    def settle(self, result: dict) -> None:
        """Let the requests still queued when wrk stopped finish before the next measurement starts."""
        backlog = result["p99_ms"] / 1000 * self.args.connections / self.args.workers
        time.sleep(min(10.0, max(0.3, backlog)))

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.args.port}{path}"

    def worker_pids(self) -> list[int]:
        assert self.process is not None
        children = []
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == self.process.pid:
                children.append(int(stat.parent.name))
        return sorted(children)

    @staticmethod
    def rss_mb(pid: int) -> float:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
        return float("nan")


def wrk(args, url: str, *, seconds: float, headers: list[str] | None = None) -> dict:
    command = ["wrk", "-t", str(args.wrk_threads), "-c", str(args.connections), "-d", f"{max(1, round(seconds))}s"]
    command += ["--timeout", "10s", "-s", str(WRK_SCRIPT)]
    for header in headers or []:
        command += ["-H", header]
    command.append(url)
    completed = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 60, check=False)
    for line in reversed(completed.stdout.splitlines()):
        if line.startswith("{"):
            result = json.loads(line)
            result["non_2xx_3xx"] = result["errors"]["status"]
            return result
    raise RuntimeError(f"wrk failed: {completed.stdout[-1000:]} {completed.stderr[-1000:]}")


def compare_session(server: Gunicorn, ids: list[int]) -> str:
    """Add the compare cars through the real endpoint (CSRF cookie + token), return the session id."""
    cookies: dict[str, str] = {}

    def remember(response):
        for header in response.headers.get_all("Set-Cookie") or []:
            name, _, rest = header.partition("=")
            cookies[name.strip()] = rest.split(";", 1)[0]

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *a, **k):
            return None

    opener = urllib.request.build_opener(NoRedirect)
    with opener.open(server.url(f"/cars/{ids[0]}/"), timeout=10) as response:
        remember(response)
        html = response.read().decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)
    for pk in ids:
        body = urllib.parse.urlencode({"csrfmiddlewaretoken": token, "listing": pk, "next": "/compare/"}).encode()
        request = urllib.request.Request(server.url("/compare/add/"), data=body, method="POST")
        request.add_header("Cookie", "; ".join(f"{k}={v}" for k, v in cookies.items()))
        try:
            with opener.open(request, timeout=10) as response:
                remember(response)
        except urllib.error.HTTPError as redirect:  # the 302 back to /compare/
            if redirect.code != 302:
                raise
            remember(redirect)
    return cookies.get("sessionid", "")


# --- raw SQL replay --------------------------------------------------------------------------------


def replay_sql(db_url: str, statements: list[str], *, seconds: float, max_runs: int = 5000) -> dict:
    """Run the page's statements back to back over one persistent connection; p50/p95 of the summed time."""
    import psycopg2

    connection = psycopg2.connect(_dsn(db_url))
    connection.autocommit = True
    totals = []
    with connection.cursor() as cursor:
        for statement in statements:  # warm
            cursor.execute(statement)
            if cursor.description:
                cursor.fetchall()
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline and len(totals) < max_runs:
            started = time.perf_counter()
            for statement in statements:
                cursor.execute(statement)
                if cursor.description:
                    cursor.fetchall()
            totals.append(time.perf_counter() - started)
    connection.close()
    totals.sort()
    return {"runs": len(totals), "p50_ms": _pct(totals, 50) * 1000, "p95_ms": _pct(totals, 95) * 1000}


def _pct(sorted_values: list[float], pct: float) -> float:
    if not sorted_values:
        return float("nan")
    index = min(len(sorted_values) - 1, max(0, math.ceil(pct / 100 * len(sorted_values)) - 1))
    return sorted_values[index]


# --- the run ---------------------------------------------------------------------------------------


def machine() -> dict:
    cpu = ""
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    mem_kb = next(int(line.split()[1]) for line in Path("/proc/meminfo").read_text().splitlines() if line.startswith("MemTotal:"))
    pg = ""
    try:
        import psycopg2

        connection = psycopg2.connect(_dsn(DEFAULT_DB, dbname="postgres"))
        with connection.cursor() as cursor:
            cursor.execute("SHOW server_version")
            pg = cursor.fetchone()[0]
        connection.close()
    except Exception:  # noqa: BLE001 - informational only
        pg = "?"
    return {
        "nproc": os.cpu_count(),
        "cpu": cpu,
        "ram_gb": round(mem_kb / 1024 / 1024, 1),
        "python": platform.python_version(),
        "postgresql": pg,
        "kernel": platform.release(),
    }


def browse_url(page: int | None = None) -> str:
    query = dict(BROWSE_QUERY)
    if page and page > 1:
        query["page"] = str(page)
    return "/cars/?" + urllib.parse.urlencode(query)


def measure(args) -> dict:
    results: dict = {"machine": machine(), "config": {}}
    scale = args.listings / FULL_SIZE
    deep_page = max(3, round(DEEP_PAGE_AT_FULL_SIZE * scale))
    results["config"] = {
        "listings": args.listings,
        "cases": args.cases,
        "quick": args.quick,
        "duration_s": args.duration,
        "gunicorn": f"{args.workers} gthread workers × {args.threads} threads, production settings",
        "wrk": f"-t{args.wrk_threads} -c{args.connections} -d{args.duration}s",
        "browse_query": BROWSE_QUERY,
        "deep_page": deep_page,
        "database": args.db_url,
    }
    started = time.monotonic()

    if not args.skip_build:
        log(f"[1/6] database {args.db_url}: drop, create, migrate")
        recreate_database(args.db_url)
        manage(args, "migrate", "--noinput")
        log(f"[1/6] dataset: {args.listings:,} listings, {args.cases:,} open complaints (COPY)")
        build_started = time.monotonic()
        results["dataset"] = run_step(
            args, ["build", "--listings", str(args.listings), "--cases", str(args.cases)], timeout=4 * 3600
        )
        results["dataset"]["seconds"] = round(time.monotonic() - build_started, 1)
        (args.workdir / "dataset.json").write_text(json.dumps(results["dataset"]))
    else:
        results["dataset"] = json.loads((args.workdir / "dataset.json").read_text())
    manage(args, "collectstatic", "--noinput", "-v", "0")
    dataset = results["dataset"]
    compare_ids = dataset["compare_ids"]

    urls = {
        "browse_p1": browse_url(1),
        "browse_p50": browse_url(50),
        "browse_deep": browse_url(deep_page),
        "detail": f"/cars/{dataset['detail_listing']}/",
        "detail_plain": f"/cars/{dataset.get('plain_listing', 8)}/",
        "compare": "/compare/",
    }
    log("[2/6] queries per request (in-process render, CaptureQueriesContext)")
    capture = run_step(args, ["capture", "--compare-ids", ",".join(map(str, compare_ids)), *urls.values()], timeout=600)
    pages = {name: capture["pages"][url] for name, url in urls.items()}
    results["queries"] = {name: page["queries"] for name, page in pages.items()}
    results["statements"] = {name: page["statements"] for name, page in pages.items()}
    results["pages"] = {
        name: {
            "url": urls[name],
            "status": page["status"],
            "bytes": page["bytes"],
            "offset": page["offset"],
            "served_page": page["offset"] // PAGE_SIZE + 1,
        }
        for name, page in pages.items()
    }
    results["sql"] = {name: page["sql"] for name, page in pages.items() if name.startswith("browse")}

    log("[3/6] raw SQL replay of the browse pages (psycopg2)")
    results["raw_sql"] = {
        name: replay_sql(args.db_url, pages[name]["sql"], seconds=args.duration)
        for name in ("browse_p1", "browse_p50", "browse_deep", "detail", "compare")
    }

    log(f"[4/6] gunicorn on 127.0.0.1:{args.port} + wrk ({args.duration}s per measurement)")
    served = 0
    with Gunicorn(args) as server:
        session = compare_session(server, compare_ids)
        cookie = [f"Cookie: sessionid={session}"] if session else []
        plan = [
            ("hello", "/bench/hello/", []),
            ("browse_p1", urls["browse_p1"], []),
            ("browse_p50", urls["browse_p50"], []),
            ("browse_deep", urls["browse_deep"], []),
            ("detail", urls["detail"], []),
            ("compare", urls["compare"], cookie),
            ("hello_end", "/bench/hello/", []),
        ]
        http: dict = {}
        for name, path, headers in plan:
            served += server.warm(path, headers=headers, count=2 * args.workers * args.threads)
            http[name] = wrk(args, server.url(path), seconds=args.duration, headers=headers)
            served += http[name]["requests"]
            server.settle(http[name])
            log(
                f"      {name:<12} {http[name]['rps']:>9.1f} req/s  p50 {http[name]['p50_ms']:.1f} ms  p95 {http[name]['p95_ms']:.1f} ms"
            )
        hello_rps = (http["hello"]["rps"] + http["hello_end"]["rps"]) / 2
        http["hello_avg_rps"] = hello_rps
        results["http"] = http
        # Top up to 10,000 requests of real pages before reading the workers' memory.
        mix = [urls["browse_p1"], urls["detail"], urls["browse_p50"]]
        i = 0
        deadline = time.monotonic() + args.rss_seconds
        while served < RSS_AFTER_REQUESTS and time.monotonic() < deadline:
            result = wrk(args, server.url(mix[i % len(mix)]), seconds=max(1, args.duration / 2))
            served += result["requests"]
            server.settle(result)
            i += 1
        workers = server.worker_pids()
        rss = {pid: round(server.rss_mb(pid), 1) for pid in workers}
        results["workers"] = {"requests_served": served, "rss_mb": rss, "max_rss_mb": max(rss.values()) if rss else None}

    log("[5/6] SLA sweep vs raw SQL")
    results["sweep"] = run_step(args, ["sweep"], timeout=4 * 3600)

    log("[6/6] contract PDF: project renderer vs bare weasyprint")
    iterations = 2 if args.quick else 10
    try:
        # Timings interleaved in one warm process; peak RSS of each renderer in a process of its own.
        both = run_step(args, ["pdf", "--mode", "both", "--iterations", str(iterations)], timeout=1800)
        results["pdf"] = {"pages": both["pages"], "bytes": both["bytes"]}
        for mode in ("project", "bare"):
            alone = run_step(args, ["pdf", "--mode", mode, "--iterations", "1"], timeout=900)
            results["pdf"][mode] = {**both[mode], "peak_rss_mb": alone["peak_rss_mb"]}
    except RuntimeError as exc:
        results["pdf"] = {"error": str(exc)[-500:]}

    results["elapsed_s"] = round(time.monotonic() - started, 1)
    results["targets"] = evaluate(results)
    return results


def evaluate(r: dict) -> dict:
    http, raw, q = r["http"], r["raw_sql"], r["queries"]
    hello = http["hello_avg_rps"]

    def ratio(a, b):
        return a / b if a and b else None

    values = {
        "browse_rps_ratio": ratio(http["browse_p1"]["rps"], hello),
        "browse_p95_vs_raw": ratio(http["browse_p1"]["p95_ms"], raw["browse_p1"]["p95_ms"]),
        "browse_queries": max(q["browse_p1"], q["browse_p50"], q["browse_deep"]),
        "deep_p95_vs_page1": ratio(http["browse_deep"]["p95_ms"], http["browse_p1"]["p95_ms"]),
        "detail_rps_ratio": ratio(http["detail"]["rps"], hello),
        "detail_queries_constant": q["detail"] == q["detail_plain"],
        "compare_rps_ratio": ratio(http["compare"]["rps"], hello),
        "compare_queries": q["compare"],
        "worker_rss_mb": r["workers"]["max_rss_mb"],
    }
    sweep = r.get("sweep") or {}
    if sweep.get("ratio") is not None:
        values["sweep_vs_raw"] = sweep["ratio"]
        per_batch_allowance = max(1, sweep.get("task_calls", 1))
        # An outbox row is the durable copy of the message it publishes: count each task once.
        messages = max(sweep["celery_messages"], sweep["outbox_rows"])
        values["sweep_per_row_messages"] = max(0, messages - per_batch_allowance)
    pdf = r.get("pdf") or {}
    if "project" in pdf:
        values["pdf_seconds"] = pdf["project"]["median_seconds"]
        values["pdf_vs_bare"] = pdf["project"]["median_seconds"] / pdf["bare"]["median_seconds"]
    out = {}
    for key, (op, target, label) in TARGETS.items():
        value = values.get(key)
        if value is None:
            out[key] = {"label": label, "value": None, "target": target, "op": op, "pass": False}
            continue
        ok = {">=": value >= target, "<=": value <= target, "==": value == target}[op]
        out[key] = {"label": label, "value": value, "target": target, "op": op, "pass": bool(ok)}
    return out


def table(r: dict) -> str:
    http, raw, q, pages = r["http"], r["raw_sql"], r["queries"], r["pages"]
    hello = http["hello_avg_rps"]
    m, c = r["machine"], r["config"]
    lines = [
        f"Machine: {m['nproc']} CPUs ({m['cpu']}), {m['ram_gb']} GB RAM, Python {m['python']}, PostgreSQL {m['postgresql']}",
        f"Dataset: {c['listings']:,} listings, {c['cases']:,} open complaints; gunicorn {c['gunicorn']}; wrk {c['wrk']}",
        "",
        "| measure | req/s | p50 ms | p95 ms | vs hello req/s | raw SQL p95 ms | p95 vs raw | queries (with BEGIN/COMMIT) |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    hello_row = http["hello"]
    lines.append(
        f"| hello-world (reference) | {hello:,.0f} | {hello_row['p50_ms']:.1f} | {hello_row['p95_ms']:.1f} | 100 % | — | — | 0 |"
    )
    names = {
        "browse_p1": "browse p.1 (3 filters + sort)",
        "browse_p50": "browse p.50",
        "browse_deep": f"browse deep p.{c['deep_page']:,} (served p.{pages['browse_deep']['served_page']:,})",
        "detail": "detail (30 photos, 150 items)",
        "compare": "compare (4 cars)",
    }
    for key, label in names.items():
        h = http[key]
        rr = raw.get(key, {})
        lines.append(
            f"| {label} | {h['rps']:,.0f} | {h['p50_ms']:.1f} | {h['p95_ms']:.1f} | {h['rps'] / hello:.0%} | "
            f"{rr.get('p95_ms', float('nan')):.2f} | {h['p95_ms'] / rr['p95_ms']:.1f}× | {q[key]} ({r['statements'][key]}) |"
        )
    sweep = r.get("sweep") or {}
    if sweep:
        lines += [
            "",
            f"SLA sweep: {sweep['open_cases']:,} open, {sweep['due_rows']:,} due → service {sweep['service_seconds']:.2f} s "
            f"({sweep['service_rows_per_s']:,.0f} rows/s, {sweep['task_calls']} task runs of ≤500) vs raw SELECT+UPDATE "
            f"{sweep['raw_seconds'] * 1000:.1f} ms ({sweep['raw_rows_per_s']:,.0f} rows/s) = {sweep['ratio']:.0f}×; "
            f"Celery messages {sweep['celery_messages']:,}, outbox rows {sweep['outbox_rows']:,}, "
            f"notifications {sweep['notifications']:,}",
        ]
    pdf = r.get("pdf") or {}
    if "project" in pdf:
        p, b = pdf["project"], pdf["bare"]
        lines.append(
            f"Contract PDF ({pdf['pages']} pages): project {p['median_seconds']:.3f} s/PDF warm (cold {p['cold_seconds']:.2f} s, "
            f"peak RSS {p['peak_rss_mb']:.0f} MB) vs bare weasyprint {b['median_seconds']:.3f} s (peak RSS {b['peak_rss_mb']:.0f} MB)"
        )
    elif pdf:
        lines.append(f"Contract PDF: not measured ({pdf.get('error')})")
    w = r["workers"]
    lines.append(f"gunicorn worker RSS after {w['requests_served']:,} requests: {w['rss_mb']} MB")
    lines += ["", "| target | measured | target | met |", "|---|---:|---:|:-:|"]
    for item in r["targets"].values():
        value = item["value"]
        shown = "—" if value is None else (f"{value:.2f}" if isinstance(value, float) else str(value))
        lines.append(f"| {item['label']} | {shown} | {item['op']} {item['target']} | {'✅' if item['pass'] else '❌'} |")
    lines.append(f"\nElapsed: {r['elapsed_s']} s")
    return "\n".join(lines)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(prog="bench", description=__doc__.split("\n\n")[0])
    parser.add_argument("--listings", type=int, default=None, help="listings in the dataset (default 100,000; quick 2,000)")
    parser.add_argument("--cases", type=int, default=None, help="open complaints (default: same as --listings)")
    parser.add_argument("--quick", action="store_true", help="small smoke run: 2,000 listings, 2 s per measurement")
    parser.add_argument("--duration", type=float, default=None, help="seconds per wrk measurement (default 10; quick 2)")
    parser.add_argument("--json", type=Path, default=None, help="write every number, target and pass/fail here")
    parser.add_argument("--db-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_DB))
    parser.add_argument("--port", type=int, default=8199, help="gunicorn port on 127.0.0.1 (0: any free port)")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--wrk-threads", type=int, default=1)
    parser.add_argument("--workdir", type=Path, default=Path(tempfile.gettempdir()) / "anxin_bench")
    parser.add_argument("--skip-build", action="store_true", help="reuse the dataset of the previous run")
    parser.add_argument("--rss-seconds", type=float, default=None, help="time limit for topping up to 10,000 requests")
    parser.add_argument("--verbose", action="store_true")
    args = parser.parse_args(argv)
    if args.listings is None:
        args.listings = 2_000 if args.quick else 100_000
    if args.cases is None:
        args.cases = args.listings
    if args.duration is None:
        args.duration = 3.0 if args.quick else 10.0
    if args.rss_seconds is None:
        args.rss_seconds = 5.0 if args.quick else 600.0
    return args


def main(argv=None) -> dict:
    args = parse_args(argv)
    for tool in ("wrk",):
        if not shutil.which(tool):
            raise SystemExit(f"{tool} not found (apt-get install {tool})")
    args.workdir.mkdir(parents=True, exist_ok=True)
    if args.port == 0:  # any free port (the smoke test, so a parallel run never collides with a manual one)
        with contextlib.closing(socket.socket()) as probe:
            probe.bind(("127.0.0.1", 0))
            args.port = probe.getsockname()[1]
    results = measure(args)
    print(table(results))
    if args.json:
        args.json.write_text(json.dumps(results, indent=2, ensure_ascii=False, default=str))
        log(f"JSON written to {args.json}")
    return results


if __name__ == "__main__":
    main()
