"""Smoke run of the benchmark (``bench/run.py --quick``) so the script cannot rot.

It needs what the benchmark needs: a reachable PostgreSQL (COPY into its own ``anxin_bench`` database),
wrk and gunicorn. Skipped otherwise. Targets are not asserted here (a loaded CI box is no place for
ratios); the run must finish, every page must answer 200, and every figure must be present.
"""

import json
import os
import shutil
import socket
import subprocess
import sys
import urllib.parse
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent.parent
# Its own database and any free port: a manual benchmark (anxin_bench, port 8199) may be running meanwhile.
BENCH_DB = os.environ.get("BENCH_SMOKE_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/anxin_bench_smoke")


def _postgres_reachable() -> bool:
    parts = urllib.parse.urlsplit(BENCH_DB)
    try:
        with socket.create_connection((parts.hostname or "127.0.0.1", parts.port or 5432), timeout=1):
            pass
    except OSError:
        return False
    try:
        import psycopg2

        conn = psycopg2.connect(
            host=parts.hostname,
            port=parts.port or 5432,
            user=parts.username or "postgres",
            dbname="postgres",
            password=parts.password or None,
            connect_timeout=2,
        )
        conn.close()
    except Exception:
        return False
    return True


pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not shutil.which("wrk"), reason="wrk is not installed"),
    pytest.mark.skipif(not Path(sys.executable).with_name("gunicorn").exists(), reason="gunicorn is not installed"),
    pytest.mark.skipif(not _postgres_reachable(), reason="the benchmark needs PostgreSQL on " + BENCH_DB),
]


def test_quick_benchmark_runs_end_to_end_and_reports_every_figure(tmp_path):
    out = tmp_path / "bench.json"
    completed = subprocess.run(
        [
            sys.executable,
            "-m",
            "bench.run",
            "--quick",
            "--listings",
            "2000",
            "--duration",
            "2",
            "--json",
            str(out),
            "--db-url",
            BENCH_DB,
            "--port",
            "0",
            "--workdir",
            str(tmp_path / "work"),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr[-3000:]
    assert "| browse p.1" in completed.stdout
    results = json.loads(out.read_text())

    assert all(page["status"] == 200 for page in results["pages"].values()), results["pages"]
    for run in ("http", "http_nocache"):
        for name in ("hello", "home", "browse_p1", "browse_deep", "search", "detail", "compare"):
            assert results[run][name]["requests"] > 0, (run, name)
            assert results[run][name]["non_2xx_3xx"] == 0, (run, name)
    for name in ("rotating", "signed_browse", "signed_detail", "signed_orders", "signed_guarantee", "signed_notifications"):
        assert results["http"][name]["requests"] > 0 and results["http"][name]["non_2xx_3xx"] == 0, name
    assert results["http"]["signed_orders"].get("login", 0) == 0  # the buyer stayed signed in
    assert results["dataset"]["detail_photos"] == 30 and results["dataset"]["report_items"] == 150
    assert 0 < results["queries"]["browse_p1"] <= 20
    assert results["raw_sql"]["browse_p1"]["runs"] > 0
    assert results["sweep"]["due_rows"] == 20 and results["sweep"]["notifications"] == 20
    assert results["sweep"]["still_due_after"] == 0 and results["sweep"]["same_writes"]
    assert results["pdf"]["pages"] >= 2 and results["pdf"]["project"]["median_seconds"] > 0
    assert results["workers"]["max_rss_mb"] > 0
    assert set(results["targets"]) >= {"browse_rps_ratio", "browse_nocache_ratio", "rotating_rps_ratio", "sweep_vs_raw"}
    assert all(item["value"] is not None for item in results["targets"].values()), results["targets"]
