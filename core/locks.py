"""Locks that stop two runs of the same periodic sweep from overlapping, and that die with their holder.

Beat may fire a sweep while the previous run still works, and two workers may pick up two copies. The
sweeps are idempotent (dedupe keys, ``SKIP LOCKED`` batches), but overlapping runs waste work, so a sweep
runs under ``sweep_lock(name)`` and skips when another run holds it. What matters as much: a worker killed
mid-run must not keep the lock, or the clocks stop until it expires (measured: 357 s of TTL left, reminders
10 min late). So, by what the deployment has:

* **PostgreSQL** (whenever the database is PostgreSQL, Redis or not): a session-level advisory lock
  (``pg_try_advisory_lock``) on the worker's own connection. A killed worker's socket closes, PostgreSQL
  ends its session and the lock with it, and the next beat run takes it — at most one beat interval late.
* **Redis without PostgreSQL**: ``SET key token NX PX lease`` with a short lease (``LEASE_SECONDS``),
  renewed every third of it by a heartbeat thread while the run works; a killed holder's lease runs out in
  ``LEASE_SECONDS``. Renewal and release are compare-and-set (Lua), so nobody extends or deletes a lock
  that is no longer theirs; a holder whose renewal fails is told (``lock_lost``) and stops taking batches.
* **otherwise** (the embedded SQLite default, every process on one machine): an exclusive ``flock`` on a
  file under ``var/locks``, released by the kernel when the process dies.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import logging
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

from django.conf import settings
from django.core.cache import cache
from django.db import DatabaseError, connection

logger = logging.getLogger(__name__)

#: A Redis lease outlives its holder by at most this long; the heartbeat renews it every third of it.
LEASE_SECONDS = 30.0

_RENEW = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) else return 0 end"
_RELEASE = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end"

# Names held by this process. PostgreSQL advisory locks are re-entrant within one session, so a second
# run on the same connection would otherwise "acquire" a lock its own process already holds.
_HELD: set[str] = set()
# Names whose Redis lease this process held and lost while still working.
_LOST: set[str] = set()
_GUARD = threading.Lock()


def lock_lost(name: str) -> bool:
    """True when this process held ``name`` and its lease ran out under it (a run should stop)."""
    return name in _LOST


def _uses_redis_cache() -> bool:
    backend = settings.CACHES.get("default", {}).get("BACKEND", "")
    return backend.endswith("RedisCache")


def _advisory_key(name: str) -> int:
    # A stable signed 64-bit key derived from the lock name (hash() is salted per process).
    return int.from_bytes(hashlib.blake2b(name.encode(), digest_size=8).digest(), "big", signed=True)


@contextlib.contextmanager
def _advisory_lock(name: str) -> Iterator[bool]:
    key = _advisory_key(name)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s)", [key])
        acquired = bool(cursor.fetchone()[0])
    try:
        yield acquired
    finally:
        if acquired:
            try:
                with connection.cursor() as cursor:
                    cursor.execute("SELECT pg_advisory_unlock(%s)", [key])
            except DatabaseError:
                # The session is gone (a failover, a closed connection): so is the lock.
                logger.warning("sweep lock %s: connection lost; PostgreSQL released the lock with the session", name)


class _Heartbeat(threading.Thread):
    """Renews a Redis lease every third of its length until stopped; flags the lock lost when it cannot."""

    def __init__(self, client, key: str, token: str, name: str, lease: float):
        super().__init__(name=f"lock-heartbeat:{name}", daemon=True)
        self.client, self.key, self.token, self.lock_name, self.lease = client, key, token, name, lease
        self.stopped = threading.Event()

    def run(self) -> None:
        renewed = time.monotonic()
        while not self.stopped.wait(self.lease / 3):
            try:
                if self.client.eval(_RENEW, 1, self.key, self.token, int(self.lease * 1000)):
                    renewed = time.monotonic()
                    continue
            except Exception:  # Redis unreachable for a moment: keep trying while the lease lasts
                logger.warning("sweep lock %s: renewal failed", self.lock_name, exc_info=True)
                if time.monotonic() - renewed < self.lease:
                    continue
            logger.error("sweep lock %s lost while the run was working; the run stops after this batch", self.lock_name)
            with _GUARD:
                _LOST.add(self.lock_name)
            return


@contextlib.contextmanager
def _redis_lock(name: str, lease: float) -> Iterator[bool]:
    key = cache.make_and_validate_key(f"lock:{name}")
    client = cache._cache.get_client(key, write=True)
    token = uuid.uuid4().hex
    acquired = bool(client.set(key, token, nx=True, px=int(lease * 1000)))
    if not acquired:
        yield False
        return
    heartbeat = _Heartbeat(client, key, token, name, lease)
    heartbeat.start()
    try:
        yield True
    finally:
        heartbeat.stopped.set()
        heartbeat.join(timeout=5)
        with _GUARD:
            _LOST.discard(name)
        try:
            client.eval(_RELEASE, 1, key, token)
        except Exception:  # the lease runs out by itself
            logger.warning("sweep lock %s not released; it expires in %ss", name, lease, exc_info=True)


@contextlib.contextmanager
def _file_lock(name: str) -> Iterator[bool]:
    lock_dir = Path(getattr(settings, "LOCK_DIR", settings.VAR_DIR / "locks"))
    lock_dir.mkdir(parents=True, exist_ok=True)
    safe = "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in name)
    with open(lock_dir / f"{safe}.lock", "a+") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


@contextlib.contextmanager
def sweep_lock(name: str, *, lease: float = LEASE_SECONDS) -> Iterator[bool]:
    """Yield True when this run holds the lock ``name``, False when another run already does.

    ``lease`` only matters for the Redis lock: how long a killed holder can keep it (the heartbeat renews
    it while the holder lives). The PostgreSQL and file locks end with their process.
    """
    with _GUARD:
        held_here = name in _HELD
        if not held_here:
            _HELD.add(name)
    if held_here:
        logger.info("sweep %s skipped: this process already holds the lock", name)
        yield False
        return
    try:
        with _backend_lock(name, lease) as acquired:
            if not acquired:
                logger.info("sweep %s skipped: another run holds the lock", name)
            yield acquired
    finally:
        with _GUARD:
            _HELD.discard(name)


def lock_backend() -> str:
    """Which lock ``sweep_lock`` takes here: ``postgresql``, ``redis`` or ``file``."""
    if connection.vendor == "postgresql":
        return "postgresql"
    if _uses_redis_cache():
        return "redis"
    return "file"


def _backend_lock(name: str, lease: float):
    backend = lock_backend()
    if backend == "postgresql":
        return _advisory_lock(name)
    if backend == "redis":
        return _redis_lock(name, lease)
    return _file_lock(name)
