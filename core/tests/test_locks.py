"""Sweep locks: exclusive, released by their holder only, and gone soon after the holder dies.

The Redis lease is tested against a private ``redis-server`` (skipped without the binary); the PostgreSQL
advisory lock against a real second process that is SIGKILLed while holding it (skipped on SQLite).
"""

import os
import signal
import subprocess
import sys
import time

import pytest
from django.db import connection

from core import locks
from core.locks import lock_backend, lock_lost, sweep_lock
from core.tasks import run_locked_sweep
from tests.integration.servers import private_redis, redis_available

pytestmark = pytest.mark.django_db


def test_a_sweep_lock_is_exclusive_until_released(settings, tmp_path):
    settings.LOCK_DIR = tmp_path
    with sweep_lock("demo") as first:
        assert first
        with sweep_lock("demo") as second:
            assert not second
        with sweep_lock("other") as unrelated:
            assert unrelated
    with sweep_lock("demo") as again:
        assert again


def test_run_locked_sweep_skips_while_another_run_holds_the_lock(settings, tmp_path):
    settings.LOCK_DIR = tmp_path
    calls = []
    with sweep_lock("busy"):
        assert run_locked_sweep("busy", lambda: calls.append(1)) is None
    assert run_locked_sweep("busy", lambda: calls.append(1) or "done") == "done"
    assert calls == [1]


# --- Redis (no PostgreSQL): a short lease renewed by a heartbeat -----------------------------------


@pytest.fixture
def redis_cache(settings, tmp_path):
    if not redis_available():
        pytest.skip("redis-server is not installed")
    if connection.vendor == "postgresql":
        pytest.skip("on PostgreSQL the advisory lock is used, Redis or not")
    with private_redis(tmp_path / "redis") as server:
        settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": server.url}}
        assert lock_backend() == "redis"
        yield server


def _holder_key(server, name):
    from django.core.cache import cache

    return server.client().get(cache.make_and_validate_key(f"lock:{name}"))


def test_the_redis_lock_is_exclusive_and_released_only_by_its_holder(redis_cache):
    with locks._redis_lock("demo", 5) as first:
        assert first
        token = _holder_key(redis_cache, "demo")
        with locks._redis_lock("demo", 5) as second:
            assert not second
        assert _holder_key(redis_cache, "demo") == token  # the loser did not delete the holder's key
    assert _holder_key(redis_cache, "demo") is None


def test_the_heartbeat_keeps_a_working_run_s_lease_alive_past_its_length(redis_cache):
    with locks._redis_lock("long-run", 0.6) as held:
        assert held
        time.sleep(1.5)  # two and a half leases: renewed meanwhile
        with locks._redis_lock("long-run", 0.6) as other:
            assert not other
        assert not lock_lost("long-run")


def test_a_dead_holder_s_lease_runs_out_within_its_length(redis_cache, monkeypatch):
    # A holder whose process died stops renewing and never releases: simulate with a heartbeat that never runs.
    monkeypatch.setattr(locks._Heartbeat, "run", lambda self: None)
    dead = locks._redis_lock("crashed", 0.5)
    assert dead.__enter__()
    with locks._redis_lock("crashed", 0.5) as meanwhile:
        assert not meanwhile
    time.sleep(0.7)
    monkeypatch.undo()
    with locks._redis_lock("crashed", 5) as after:
        assert after


def test_a_run_whose_lease_was_taken_over_is_told_to_stop(redis_cache):
    from django.core.cache import cache

    with locks._redis_lock("stolen", 0.6) as held:
        assert held
        redis_cache.client().set(cache.make_and_validate_key("lock:stolen"), "someone-else")
        deadline = time.monotonic() + 3
        while not lock_lost("stolen") and time.monotonic() < deadline:
            time.sleep(0.05)
        assert lock_lost("stolen")
        assert _holder_key(redis_cache, "stolen") == b"someone-else"
    assert _holder_key(redis_cache, "stolen") == b"someone-else"  # not ours to delete
    assert not lock_lost("stolen")


# --- PostgreSQL: the advisory lock dies with its holder's session ---------------------------------

HOLDER = """
import sys, time, psycopg2
conn = psycopg2.connect(sys.argv[1])
conn.autocommit = True
conn.cursor().execute("SELECT pg_advisory_lock(%s)", [int(sys.argv[2])])
print("held", flush=True)
time.sleep(120)
"""


def test_on_postgresql_a_sigkilled_holder_s_lock_is_free_at_once(settings):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (DATABASE_URL)")
    # Even with a Redis cache configured, PostgreSQL's lock is the one taken.
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": "redis://127.0.0.1:1/0"}}
    assert lock_backend() == "postgresql"
    db = connection.settings_dict
    dsn = f"host={db['HOST'] or '127.0.0.1'} port={db['PORT'] or 5432} user={db['USER']} dbname={db['NAME']}"
    if db.get("PASSWORD"):
        dsn += f" password={db['PASSWORD']}"
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, dsn, str(locks._advisory_key("pg-crash"))], stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout.readline().strip() == "held"
        with sweep_lock("pg-crash") as taken:
            assert not taken
        os.kill(holder.pid, signal.SIGKILL)
        holder.wait(timeout=10)
        started, acquired = time.monotonic(), False
        while not acquired and time.monotonic() - started < 5:
            with sweep_lock("pg-crash") as acquired:
                pass
            if not acquired:
                time.sleep(0.02)
        assert acquired, "the killed holder's lock outlived its session"
        assert time.monotonic() - started < 2
    finally:
        if holder.poll() is None:
            holder.kill()
