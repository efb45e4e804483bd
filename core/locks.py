"""Locks that stop two runs of the same periodic sweep from overlapping.

Beat may fire a sweep while the previous run is still working (a slow batch, a worker that was
restarted and got the message redelivered), and two workers may pick up two copies. Each sweep is
idempotent thanks to ``notify``'s dedupe keys, but overlapping runs waste work and race on the
same rows, so a sweep runs under ``sweep_lock(name)`` and simply skips when another run holds it.

Which lock depends on what the deployment has:

* a Redis cache (``REDIS_URL``): ``SET key token NX EX ttl`` via ``cache.add``; released only by
  the holder (compare-and-delete), and expiring on its own if the holder dies;
* PostgreSQL: a session-level advisory lock (``pg_try_advisory_lock``) on a dedicated connection
  state; PostgreSQL releases it by itself when the worker's connection dies (SIGKILL);
* otherwise (the embedded SQLite default, where every process is on this machine): an exclusive
  ``flock`` on a file under ``var/locks``, which the kernel releases when the process dies.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import logging
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path

from django.conf import settings
from django.core.cache import cache
from django.db import connection

logger = logging.getLogger(__name__)

DEFAULT_TTL_SECONDS = 15 * 60

# Names held by this process. PostgreSQL advisory locks are re-entrant within one session, so a second
# run on the same connection would otherwise "acquire" a lock its own process already holds.
_HELD: set[str] = set()
_HELD_GUARD = threading.Lock()


def _uses_redis_cache() -> bool:
    backend = settings.CACHES.get("default", {}).get("BACKEND", "")
    return backend.endswith("RedisCache")


def _advisory_key(name: str) -> int:
    # A stable signed 64-bit key derived from the lock name (hash() is salted per process).
    return int.from_bytes(hashlib.blake2b(name.encode(), digest_size=8).digest(), "big", signed=True)


@contextlib.contextmanager
def _redis_lock(name: str, ttl: int) -> Iterator[bool]:
    key, token = f"lock:{name}", uuid.uuid4().hex
    acquired = cache.add(key, token, timeout=ttl)  # SET NX EX
    try:
        yield acquired
    finally:
        if acquired and cache.get(key) == token:
            cache.delete(key)


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
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s)", [key])


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
def sweep_lock(name: str, *, ttl: int = DEFAULT_TTL_SECONDS) -> Iterator[bool]:
    """Yield True when this run holds the lock ``name``, False when another run already does.

    ``ttl`` only matters for the Redis lock (the others die with their process); keep it above the
    task's hard time limit so a lock never expires under a run that is still working.
    """
    with _HELD_GUARD:
        held_here = name in _HELD
        if not held_here:
            _HELD.add(name)
    if held_here:
        logger.info("sweep %s skipped: this process already holds the lock", name)
        yield False
        return
    try:
        with _backend_lock(name, ttl) as acquired:
            if not acquired:
                logger.info("sweep %s skipped: another run holds the lock", name)
            yield acquired
    finally:
        with _HELD_GUARD:
            _HELD.discard(name)


def _backend_lock(name: str, ttl: int):
    if _uses_redis_cache():
        return _redis_lock(name, ttl)
    if connection.vendor == "postgresql":
        return _advisory_lock(name)
    return _file_lock(name)
