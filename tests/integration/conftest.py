"""Real Celery workers against Redis and the PostgreSQL test database.

Each test gets its OWN ``redis-server`` on a free port (``servers.private_redis``; never the shared one on
6379), so it can freeze, stop or flush it. Skipped unless the tests run on PostgreSQL and ``redis-server``
is installed (CI has both). A worker is a subprocess (``celery -A config worker -P solo``) whose
``DATABASE_URL`` points at pytest-django's test database, so the tests use ``transaction=True`` (rows must
be committed to be seen) and poll the database with a deadline instead of sleeping.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings
from django.db import connection

from .servers import RedisServer, private_redis, redis_available

BASE_DIR = Path(settings.BASE_DIR)
VISIBILITY_TIMEOUT = 5  # seconds: a killed worker's task comes back quickly in these tests


def _skip_reason() -> str | None:
    if not redis_available():
        return "redis-server is not installed"
    if connection.vendor != "postgresql":
        return "needs PostgreSQL (DATABASE_URL)"
    return None


@pytest.fixture
def integration_env():
    reason = _skip_reason()
    if reason:
        pytest.skip(reason)


def wait_for(condition: Callable[[], object], *, timeout: float = 30.0, interval: float = 0.05, what: str = "condition"):
    """Poll ``condition`` until it returns something truthy; fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        result = condition()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(interval)


def _test_database_url() -> str:
    db = connection.settings_dict
    auth = quote(db["USER"] or "", safe="")
    if db.get("PASSWORD"):
        auth += ":" + quote(db["PASSWORD"], safe="")
    host = db.get("HOST") or "127.0.0.1"
    port = db.get("PORT") or 5432
    return f"postgres://{auth}@{host}:{port}/{db['NAME']}"


class Worker:
    """One ``celery worker`` subprocess with its log in a file the test can read."""

    def __init__(self, log_dir: Path, broker_url: str, env: dict | None = None):
        self.log_path = log_dir / f"worker-{uuid.uuid4().hex[:8]}.log"
        self.broker_url = broker_url
        self.extra_env = env or {}
        self.process: subprocess.Popen | None = None

    def start(self) -> Worker:
        env = (
            os.environ
            | {
                "DJANGO_SETTINGS_MODULE": "tests.integration.worker_settings",
                "DATABASE_URL": _test_database_url(),
                "REDIS_URL": self.broker_url,
                "CELERY_TASK_ALWAYS_EAGER": "false",
                "CELERY_BROKER_VISIBILITY_TIMEOUT": str(VISIBILITY_TIMEOUT),
                "CELERY_SWEEPS_ON_WORKER_START": "false",  # the tests decide when sweeps run
                "PYTHONUNBUFFERED": "1",
            }
            | self.extra_env
        )
        command = [
            sys.executable, "-m", "celery", "-A", "config", "worker", "-P", "solo", "-l", "info",
            "--without-gossip", "--without-mingle", "--without-heartbeat", "-n", f"it-{uuid.uuid4().hex[:6]}@%h",
        ]  # fmt: skip
        self._log = open(self.log_path, "a")  # noqa: SIM115 - closed in stop()
        self.process = subprocess.Popen(
            command, cwd=BASE_DIR, env=env, stdout=self._log, stderr=subprocess.STDOUT, start_new_session=True
        )
        wait_for(lambda: " ready." in self.log() or self.process.poll() is not None, timeout=60, what="the worker to start")
        assert self.process.poll() is None, self.log()
        return self

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def succeeded(self, task_id: str) -> bool:
        return f"[{task_id}] succeeded" in self.log()

    def kill(self) -> None:
        """SIGKILL: no clean shutdown, no ack, no chance to requeue — as when a machine dies."""
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.kill()
        if getattr(self, "_log", None):
            self._log.close()


@pytest.fixture
def broker(integration_env, tmp_path) -> RedisServer:
    """This test's own redis-server (no persistence), stopped at the end."""
    with private_redis(tmp_path / "redis") as server:
        yield server


BROKER_OPTIONS = {
    "visibility_timeout": VISIBILITY_TIMEOUT,
    "socket_connect_timeout": 3,
    "socket_timeout": 5,
    "max_retries": 1,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.5,
}


@pytest.fixture
def celery_live(broker, settings):
    """The test process publishes to this test's broker (no eager mode)."""
    from config.celery import app
    from core.outbox import outbox_reset_breaker

    saved = {
        "task_always_eager": app.conf.task_always_eager,
        "broker_url": app.conf.broker_url,
        "broker_transport_options": app.conf.broker_transport_options,
    }
    app.conf.task_always_eager = False
    app.conf.broker_transport_options = BROKER_OPTIONS
    use_broker(app, broker.url)
    outbox_reset_breaker()
    yield app
    app.conf.update(saved)
    use_broker(app, saved["broker_url"])
    outbox_reset_breaker()


def use_broker(app, url: str) -> None:
    """Point this process's Celery app at another broker URL (drops pooled connections)."""
    from kombu import pools

    app.conf.broker_url = url
    app.conf.broker_write_url = None
    pools.reset()  # closes and forgets every pooled connection and producer
    app._pool = None
    app.amqp._producer_pool = None


@pytest.fixture
def start_worker(celery_live, broker, tmp_path):
    """Start a worker on this test's broker; ``env`` adds settings (e.g. ``EMAIL_URL``). Stopped at the end."""
    workers: list[Worker] = []

    def start(env: dict | None = None) -> Worker:
        worker = Worker(tmp_path, broker.url, env).start()
        workers.append(worker)
        return worker

    yield start
    for worker in workers:
        worker.stop()
