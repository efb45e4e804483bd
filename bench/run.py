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
    # anonymous pages through the whole stack, production settings (page cache on), side by side with hello-world
    "home_rps_ratio": (">=", 0.40, "home ≥ 40 % of hello-world req/s"),
    "browse_rps_ratio": (">=", 0.40, "browse (3 filters + sort) ≥ 40 % of hello-world"),
    "detail_rps_ratio": (">=", 0.40, "detail ≥ 40 % of hello-world"),
    "compare_rps_ratio": (">=", 0.40, "compare (4 cars) ≥ 40 % of hello-world"),
    "rotating_rps_ratio": (">=", 0.20, "browse over ≥ 1,000 distinct URLs ≥ 20 % of hello-world"),
    # the same pages with every page and fragment cache switched off (PAGE_CACHE_ENABLED=false)
    "home_nocache_ratio": (">=", 0.10, "home, caches off ≥ 10 % of hello-world"),
    "browse_nocache_ratio": (">=", 0.10, "browse, caches off ≥ 10 % of hello-world"),
    "detail_nocache_ratio": (">=", 0.10, "detail, caches off ≥ 10 % of hello-world"),
    "compare_nocache_ratio": (">=", 0.10, "compare, caches off ≥ 10 % of hello-world"),
    # a signed-in buyer (never page-cached)
    "signed_browse_ratio": (">=", 0.10, "signed-in browse ≥ 10 % of hello-world"),
    "signed_detail_ratio": (">=", 0.10, "signed-in detail ≥ 10 % of hello-world"),
    "signed_orders_ratio": (">=", 0.10, "signed-in my orders ≥ 10 % of hello-world"),
    "signed_guarantee_ratio": (">=", 0.10, "signed-in guarantee clock ≥ 10 % of hello-world"),
    "signed_notifications_ratio": (">=", 0.10, "signed-in notifications ≥ 10 % of hello-world"),
    # latency against the page's own SQL replayed raw (one connection, no queueing)
    "browse_p95_vs_raw": ("<=", 3.0, "browse p95 ≤ 3× its raw SQL (caches off)"),
    "search_p95_vs_raw": ("<=", 3.0, "keyword search p95 ≤ 3× its raw SQL (caches off)"),
    "deep_p95_vs_page1": ("<=", 2.0, "deep page p95 ≤ 2× page 1 (caches off: the seek itself)"),
    "browse_queries": ("<=", 8, "browse ≤ 8 queries (p.1, deep, search)"),
    "detail_queries_constant": ("==", True, "detail queries constant (30 photos + 150 items = 1 photo + 10 items)"),
    "compare_queries": ("<=", 8, "compare ≤ 8 queries"),
    "sweep_vs_raw": ("<=", 3.0, "SLA sweep ≤ 3× raw SQL doing the same writes"),
    "sweep_per_row_messages": ("==", 0, "SLA sweep: 0 per-row tasks/outbox rows"),
    "pdf_vs_bare": ("<=", 1.5, "contract PDF ≤ 1.5× bare weasyprint"),
    "worker_rss_mb": ("<=", 150, "worker RSS after 10k requests ≤ 150 MB"),
}
SEARCH_QUERY = {"q": "丰田 卡罗拉"}
ROTATING_URLS = 1200


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# --- processes -------------------------------------------------------------------------------------


def _secret_key(workdir: Path) -> str:
    """One secret per dataset, kept beside it: the buyer's session (made by an in-process step when the dataset is
    built) must be valid in gunicorn, in this run and in a later ``--skip-build`` run."""
    path = workdir / "secret-key.txt"
    if not path.exists():
        workdir.mkdir(parents=True, exist_ok=True)
        path.write_text("bench-" + secrets.token_urlsafe(48))
    return path.read_text().strip()


def bench_env(args) -> dict:
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="bench.settings",
        DATABASE_URL=args.db_url,
        DJANGO_SECRET_KEY=_secret_key(args.workdir),
        DJANGO_ALLOWED_HOSTS="127.0.0.1,localhost",
        DJANGO_SECURE_SSL_REDIRECT="false",
        MEDIA_ROOT=str(args.workdir / "media"),
        BENCH_STATIC_ROOT=str(args.workdir / "static"),
        REDIS_URL=args.redis_url,
        PAGE_CACHE_ENABLED="true" if getattr(args, "page_cache", True) else "false",
        PAGE_CACHE_PREFIX=f"anxinbench{os.getpid()}:",
        PYTHONPATH=str(ROOT) + os.pathsep + env.get("PYTHONPATH", ""),
        PYTHONUNBUFFERED="1",
    )
    env.pop("DJANGO_DEBUG", None)
    env.pop("DATABASE_OWNER_URL", None)  # the bench database is its own, with one role (CI sets the suite's owner)
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


def standalone_django(*, name: str, db_url: str, fresh: bool, log=log) -> None:
    """Set up Django in this process for a standalone bench script (``python -m bench.<name>``) on its own database:
    bench settings, no Redis, files under the temp folder; with ``fresh``, the database dropped, recreated and
    migrated first."""
    workdir = Path(tempfile.gettempdir()) / f"anxin_bench_{name}"
    os.environ.update(
        DJANGO_SETTINGS_MODULE="bench.settings",
        DATABASE_URL=db_url,
        REDIS_URL="",
        MEDIA_ROOT=str(workdir / "media"),
        BENCH_STATIC_ROOT=str(workdir / "static"),
        DJANGO_ALLOWED_HOSTS="127.0.0.1,localhost",
        DJANGO_SECURE_SSL_REDIRECT="false",
    )
    os.environ.setdefault("DJANGO_SECRET_KEY", f"bench-{name}-" + "x" * 50)
    if fresh:
        log(f"database {db_url}: drop, create")
        recreate_database(db_url)
    import django

    django.setup()
    if fresh:
        from django.core.management import call_command

        log("migrate")
        call_command("migrate", "--noinput", verbosity=0)


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


def browse_url(page: int | None = None, after: str = "") -> str:
    query = dict(BROWSE_QUERY)
    if page and page > 1:
        query["page"] = str(page)
    if after:
        query["after"] = after
    return "/cars/?" + urllib.parse.urlencode(query)


def rotating_urls(count: int) -> list[str]:
    """``count`` distinct browse URLs (filters × sorts × pages), as different visitors would ask."""
    import itertools

    makes = ["", "Toyota", "Volkswagen", "Honda", "BYD", "Nissan", "Buick", "BMW"]
    prices = ["", "100000", "200000", "300000", "500000"]
    years = ["", "2016", "2019", "2021"]
    sorts = ["newest", "price_asc", "price_desc", "mileage", "year"]
    pages = ["1", "2", "3"]
    urls = []
    for make, price, year, sort, page in itertools.product(makes, prices, years, sorts, pages):
        query = {k: v for k, v in (("make", make), ("price_max", price), ("year_min", year), ("sort", sort)) if v}
        if page != "1":
            query["page"] = page
        urls.append("/cars/?" + urllib.parse.urlencode(query))
        if len(urls) >= count:
            break
    return urls


def wrk_mix(args, server, paths: list[str], *, seconds: float, headers: list[str] | None = None) -> dict:
    script = Path(__file__).resolve().parent / "load" / "browse.lua"
    command = ["wrk", "-t", str(args.wrk_threads), "-c", str(args.connections), "-d", f"{max(1, round(seconds))}s"]
    command += ["--timeout", "10s", "-s", str(script)]
    for header in headers or []:
        command += ["-H", header]
    command += [server.url(""), "--", *paths]
    completed = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 60, check=False)
    for line in reversed(completed.stdout.splitlines()):
        if line.startswith("{"):
            result = json.loads(line)
            result["non_2xx_3xx"] = result["bad"]
            return result
    raise RuntimeError(f"wrk failed: {completed.stdout[-1000:]} {completed.stderr[-1000:]}")


def serve_and_measure(args, plan: list[tuple], *, label: str, cache: bool) -> dict:
    """One gunicorn (page cache on or off), each page warmed then loaded with wrk; hello-world first and last."""
    args.page_cache = cache
    results: dict = {}
    with Gunicorn(args) as server:
        for name, path, headers, mode in [("hello", "/bench/hello/", [], "c"), *plan, ("hello_end", "/bench/hello/", [], "c")]:
            if mode == "mix":
                # Every URL once first: the steady state of a site whose pages are in the cache (each later
                # request may still miss — a car changed — and then renders; the figure includes those).
                for each in path:
                    server.warm(each, headers=headers, count=1)
                result = wrk_mix(args, server, path, seconds=args.duration, headers=headers)
            else:
                server.warm(path, headers=headers, count=2 * args.workers * args.threads)
                saved = args.connections
                if mode == "c1":
                    args.connections = 1
                try:
                    result = wrk(args, server.url(path), seconds=args.duration, headers=headers)
                finally:
                    args.connections = saved
            results[name] = result
            server.settle(result)
            log(
                f"      [{label}] {name:<16} {result['rps']:>9.1f} req/s  p50 {result['p50_ms']:.1f} ms  p95 {result['p95_ms']:.1f} ms"
            )
        results["hello_avg_rps"] = (results["hello"]["rps"] + results["hello_end"]["rps"]) / 2
        results["hello_avg_p95"] = (results["hello"]["p95_ms"] + results["hello_end"]["p95_ms"]) / 2
        if cache:
            served = sum(r["requests"] for r in results.values() if isinstance(r, dict))
            mix = [plan[1][1], plan[2][1]]
            deadline = time.monotonic() + args.rss_seconds
            i = 0
            while served < RSS_AFTER_REQUESTS and time.monotonic() < deadline:
                extra = wrk(args, server.url(mix[i % len(mix)]), seconds=max(1, args.duration / 2))
                served += extra["requests"]
                i += 1
            rss = {pid: round(server.rss_mb(pid), 1) for pid in server.worker_pids()}
            results["workers"] = {"requests_served": served, "rss_mb": rss, "max_rss_mb": max(rss.values()) if rss else None}
    return results


def _flush_redis(url: str) -> None:
    """The bench's own Redis database starts empty (old page-cache entries and sessions never skew a run)."""
    if not url:
        return
    parts = urllib.parse.urlsplit(url)
    db = (parts.path or "/0").lstrip("/") or "0"
    subprocess.run(
        ["redis-cli", "-h", parts.hostname or "127.0.0.1", "-p", str(parts.port or 6379), "-n", db, "flushdb"],
        capture_output=True,
        timeout=30,
        check=False,
    )


def measure(args) -> dict:
    results: dict = {"machine": machine(), "config": {}}
    scale = args.listings / FULL_SIZE
    deep_page = max(3, round(DEEP_PAGE_AT_FULL_SIZE * scale))
    results["config"] = {
        "listings": args.listings,
        "cases": args.cases,
        "quick": args.quick,
        "duration_s": args.duration,
        "gunicorn": f"{args.workers} gthread workers × {args.threads} threads, production settings, Redis cache",
        "wrk": f"-t{args.wrk_threads} -c{args.connections} -d{args.duration}s",
        "browse_query": BROWSE_QUERY,
        "deep_page": deep_page,
        "database": args.db_url,
    }
    started = time.monotonic()
    _flush_redis(args.redis_url)

    if not args.skip_build:
        log(f"[1/7] database {args.db_url}: drop, create, migrate")
        (args.workdir / "secret-key.txt").unlink(missing_ok=True)  # a new dataset, a new secret
        recreate_database(args.db_url)
        manage(args, "migrate", "--noinput")
        log(f"[1/7] dataset: {args.listings:,} listings, {args.cases:,} open complaints (COPY), a signed-in buyer")
        build_started = time.monotonic()
        results["dataset"] = run_step(
            args, ["build", "--listings", str(args.listings), "--cases", str(args.cases)], timeout=4 * 3600
        )
        results["dataset"]["buyer"] = run_step(args, ["buyer"], timeout=900)
        results["dataset"]["seconds"] = round(time.monotonic() - build_started, 1)
        (args.workdir / "dataset.json").write_text(json.dumps(results["dataset"]))
    else:
        results["dataset"] = json.loads((args.workdir / "dataset.json").read_text())
    manage(args, "collectstatic", "--noinput", "-v", "0")
    dataset = results["dataset"]
    buyer = dataset["buyer"]
    after = run_step(args, ["cursor", "--page", str(deep_page), urllib.parse.urlencode(BROWSE_QUERY)], timeout=600)["after"]
    compare_ids = ",".join(map(str, dataset["compare_ids"]))
    urls = {
        "home": "/",
        "browse_p1": browse_url(1),
        "browse_deep": browse_url(deep_page, after),
        "search": "/cars/?" + urllib.parse.urlencode(SEARCH_QUERY),
        "detail": f"/cars/{dataset['detail_listing']}/",
        "detail_plain": f"/cars/{dataset.get('plain_listing', 8)}/",
        "compare": f"/compare/?ids={compare_ids}",
    }
    signed = {
        "signed_browse": browse_url(1),
        "signed_detail": urls["detail"],
        "signed_orders": "/contracts/orders/",
        "signed_guarantee": f"/warranty/orders/{buyer['guarantee_order_id']}/",
        "signed_notifications": "/notifications/",
    }
    log("[2/7] queries per request (in-process render, caches off, CaptureQueriesContext)")
    args.page_cache = False
    capture = run_step(args, ["capture", *urls.values()], timeout=600)
    pages = {name: capture["pages"][url] for name, url in urls.items()}
    results["queries"] = {name: page["queries"] for name, page in pages.items()}
    results["statements"] = {name: page["statements"] for name, page in pages.items()}
    results["pages"] = {name: {"url": urls[name], "status": p["status"], "bytes": p["bytes"]} for name, p in pages.items()}
    results["sql"] = {name: pages[name]["sql"] for name in ("browse_p1", "browse_deep", "search")}

    log("[3/7] raw SQL replay (psycopg2, one connection)")
    results["raw_sql"] = {
        name: replay_sql(args.db_url, pages[name]["sql"], seconds=args.duration)
        for name in ("browse_p1", "browse_deep", "search", "detail", "compare")
    }

    cookie = [f"Cookie: sessionid={buyer['session']}"]
    anonymous = [(name, urls[name], [], "c") for name in ("home", "browse_p1", "browse_deep", "search", "detail", "compare")]
    log(f"[4/7] gunicorn, page cache ON, on 127.0.0.1:{args.port} + wrk ({args.duration}s per measurement)")
    plan_on = [
        *anonymous,
        ("rotating", rotating_urls(args.rotating_urls), [], "mix"),
        ("browse_p1_c1", urls["browse_p1"], [], "c1"),
        ("search_c1", urls["search"], [], "c1"),
        # signed in: the mix script counts any redirect to the sign-in page (a lost session must fail the run)
        *[(name, [url], cookie, "mix") for name, url in signed.items()],
    ]
    results["http"] = serve_and_measure(args, plan_on, label="cache on", cache=True)
    results["workers"] = results["http"].pop("workers")
    log("[5/7] gunicorn, page and fragment caches OFF (PAGE_CACHE_ENABLED=false)")
    plan_off = [*anonymous, ("browse_p1_c1", urls["browse_p1"], [], "c1"), ("browse_deep_c1", urls["browse_deep"], [], "c1")]
    plan_off.append(("search_c1", urls["search"], [], "c1"))
    results["http_nocache"] = serve_and_measure(args, plan_off, label="cache off", cache=False)

    log("[6/7] SLA sweep vs raw SQL doing the same writes (bench.sweeps)")
    try:
        results["sweep"] = run_step(args, ["sweep"], timeout=4 * 3600)
    except RuntimeError as exc:
        results["sweep"] = {"error": str(exc)[-800:]}

    log("[7/7] contract PDF: project renderer vs bare weasyprint")
    iterations = 2 if args.quick else 10
    try:
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
    on, off, raw, q = r["http"], r["http_nocache"], r["raw_sql"], r["queries"]

    def ratio(a, b):
        return a / b if a and b else None

    values = {
        "rotating_rps_ratio": ratio(on["rotating"]["rps"], on["hello_avg_rps"]),
        # Caches off: a cached page runs no SQL at all, so only the rendered page can be compared with its SQL.
        "browse_p95_vs_raw": ratio(off["browse_p1_c1"]["p95_ms"], raw["browse_p1"]["p95_ms"]),
        "search_p95_vs_raw": ratio(off["search_c1"]["p95_ms"], raw["search"]["p95_ms"]),
        "deep_p95_vs_page1": ratio(off["browse_deep_c1"]["p95_ms"], off["browse_p1_c1"]["p95_ms"]),
        "browse_queries": max(q["browse_p1"], q["browse_deep"], q["search"]),
        "detail_queries_constant": q["detail"] == q["detail_plain"],
        "compare_queries": q["compare"],
        "worker_rss_mb": r["workers"]["max_rss_mb"],
    }
    for page in ("home", "browse", "detail", "compare"):
        key = "browse_p1" if page == "browse" else page
        values[f"{page}_rps_ratio"] = ratio(on[key]["rps"], on["hello_avg_rps"])
        values[f"{page}_nocache_ratio"] = ratio(off[key]["rps"], off["hello_avg_rps"])
    for page in ("browse", "detail", "orders", "guarantee", "notifications"):
        values[f"signed_{page}_ratio"] = ratio(on[f"signed_{page}"]["rps"], on["hello_avg_rps"])
    sweep = r.get("sweep") or {}
    if sweep.get("ratio") is not None:
        values["sweep_vs_raw"] = sweep["ratio"]
        values["sweep_per_row_messages"] = max(
            0, max(sweep["celery_messages"], sweep["outbox_rows"]) - sweep.get("task_calls", 1)
        )
    pdf = r.get("pdf") or {}
    if "project" in pdf:
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
    on, off, raw, q = r["http"], r["http_nocache"], r["raw_sql"], r["queries"]
    m, c = r["machine"], r["config"]
    lines = [
        f"Machine: {m['nproc']} CPUs ({m['cpu']}), {m['ram_gb']} GB RAM, Python {m['python']}, PostgreSQL {m['postgresql']}",
        f"Dataset: {c['listings']:,} listings, {c['cases']:,} open complaints; gunicorn {c['gunicorn']}; wrk {c['wrk']}",
        "",
        "| page | cache on req/s | vs hello | p95 ms | caches off req/s | vs hello | queries |",
        "|---|---:|---:|---:|---:|---:|---:|",
        f"| hello-world (reference) | {on['hello_avg_rps']:,.0f} | 100 % | {on['hello_avg_p95']:.1f} | {off['hello_avg_rps']:,.0f} | 100 % | 0 |",
    ]
    names = {
        "home": "home",
        "browse_p1": "browse p.1 (3 filters + sort)",
        "browse_deep": f"browse p.{c['deep_page']:,} (seek)",
        "search": f"keyword search {SEARCH_QUERY['q']}",
        "detail": "detail (30 photos, 150 items)",
        "compare": "compare (4 cars)",
    }
    for key, label in names.items():
        a, b = on[key], off[key]
        lines.append(
            f"| {label} | {a['rps']:,.0f} | {a['rps'] / on['hello_avg_rps']:.0%} | {a['p95_ms']:.1f} | {b['rps']:,.0f} | "
            f"{b['rps'] / off['hello_avg_rps']:.0%} | {q[key]} ({r['statements'][key]}) |"
        )
    rot = on["rotating"]
    lines.append(
        f"| browse over {c.get('rotating_urls', ROTATING_URLS):,} URLs | {rot['rps']:,.0f} | {rot['rps'] / on['hello_avg_rps']:.0%} | {rot['p95_ms']:.1f} | — | — | — |"
    )
    lines += ["", "| signed-in buyer | req/s | vs hello | p95 ms |", "|---|---:|---:|---:|"]
    for key in ("signed_browse", "signed_detail", "signed_orders", "signed_guarantee", "signed_notifications"):
        h = on[key]
        lines.append(f"| {key[7:]} | {h['rps']:,.0f} | {h['rps'] / on['hello_avg_rps']:.0%} | {h['p95_ms']:.1f} |")
    lines += [
        "",
        "| latency, one connection | page p95 ms | its SQL raw p95 ms | ratio |",
        "|---|---:|---:|---:|",
        f"| browse p.1, cache on | {on['browse_p1_c1']['p95_ms']:.2f} | {raw['browse_p1']['p95_ms']:.2f} | {on['browse_p1_c1']['p95_ms'] / raw['browse_p1']['p95_ms']:.1f}× |",
        f"| browse p.1, caches off | {off['browse_p1_c1']['p95_ms']:.2f} | {raw['browse_p1']['p95_ms']:.2f} | {off['browse_p1_c1']['p95_ms'] / raw['browse_p1']['p95_ms']:.1f}× |",
        f"| search, cache on | {on['search_c1']['p95_ms']:.2f} | {raw['search']['p95_ms']:.2f} | {on['search_c1']['p95_ms'] / raw['search']['p95_ms']:.1f}× |",
        f"| search, caches off | {off['search_c1']['p95_ms']:.2f} | {raw['search']['p95_ms']:.2f} | {off['search_c1']['p95_ms'] / raw['search']['p95_ms']:.1f}× |",
        f"| deep page vs page 1, caches off | {off['browse_deep_c1']['p95_ms']:.2f} | {off['browse_p1_c1']['p95_ms']:.2f} | {off['browse_deep_c1']['p95_ms'] / off['browse_p1_c1']['p95_ms']:.1f}× |",
    ]
    sweep = r.get("sweep") or {}
    if sweep.get("ratio") is not None:
        lines += [
            "",
            f"SLA sweep: {sweep['open_cases']:,} open, {sweep['due_rows']:,} due → sweep {sweep['sweep_seconds']:.2f} s "
            f"({sweep['sweep_rows_per_s']:,.0f} rows/s) vs raw UPDATE+INSERT {sweep['raw_seconds']:.2f} s = {sweep['ratio']:.2f}×; "
            f"{sweep.get('statements_per_batch')} statements per batch; Celery messages {sweep['celery_messages']}, outbox rows {sweep['outbox_rows']}",
        ]
    elif sweep:
        lines.append(f"SLA sweep: not measured ({sweep.get('error', '')[:200]})")
    pdf = r.get("pdf") or {}
    if "project" in pdf:
        p, b = pdf["project"], pdf["bare"]
        lines.append(
            f"Contract PDF ({pdf['pages']} pages): project {p['median_seconds']:.3f} s warm (peak RSS {p['peak_rss_mb']:.0f} MB) "
            f"vs bare weasyprint {b['median_seconds']:.3f} s (peak RSS {b['peak_rss_mb']:.0f} MB)"
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
    parser.add_argument("--redis-url", default=os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/11"))
    parser.add_argument("--rotating-urls", type=int, default=ROTATING_URLS)
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
