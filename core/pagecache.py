"""Whole-page cache for anonymous visitors, kept correct by versions that the write services bump.

A page is stored with the versions of what it shows (``catalogue``, ``listing:42``, ``dealers`` …), read
*before* it was rendered. A cached copy is served only while every one of those versions is unchanged; a write
service bumps a version after its transaction commits, so a changed car shows on every page at the next request.
Nothing personal is ever stored: pages are cached only for requests without a session or messages cookie, and the
CSRF token is a placeholder that each response gets its own token for (with the cookie set as usual). Per-visitor
parts (compare tray, recently viewed, favourites) are fetched by the page's script from an uncached endpoint.

Which URLs are cached, and on what they depend, is declared by the app that owns them (``register``); the
middleware stays generic. ``settings.PAGE_CACHE_ENABLED`` switches off this cache and the fragment caches
(``fragments_enabled``) in one place; both need a cache shared by all processes (Redis), never a per-process one.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.core.signals import setting_changed
from django.db import transaction
from django.dispatch import receiver
from django.http import HttpResponse
from django.middleware.csrf import get_token
from django.urls import Resolver404, resolve
from django.utils.translation import get_language

logger = logging.getLogger(__name__)

CSRF_PLACEHOLDER = "__anxin_csrf_token__"
_CSRF_BYTES = CSRF_PLACEHOLDER.encode()
_VERSION_PREFIX = "pv:"
_PAGE_PREFIX = "pc:"  # page keys are f"{PAGE_CACHE_PREFIX}pc:…" (the store tells them from versions by this)


def enabled() -> bool:
    return bool(getattr(settings, "PAGE_CACHE_ENABLED", False))


def fragments_enabled() -> bool:
    """Fragment caches (listing cards …) follow the same switch as the page cache."""
    return enabled()


# --- storage ------------------------------------------------------------------------------------


class _DjangoStore:
    """The configured Django cache (tests, and deployments without Redis that switch the cache on)."""

    def mget(self, keys: list[str]) -> list:
        found = cache.get_many(keys)
        return [found.get(key) for key in keys]

    def set(self, key: str, value: bytes, timeout: int) -> None:
        cache.set(key, value, timeout=timeout)

    def add(self, key: str, value: int) -> None:
        cache.add(key, value, timeout=None)

    def incr(self, key: str) -> None:
        try:
            cache.incr(key)
        except ValueError:  # never set (or evicted): any fresh value differs from what pages were stored with
            cache.set(key, time.time_ns(), timeout=None)


class _RedisStore:
    """Redis, straight: one MGET reads a page and the versions it depends on in a single round trip, and the
    body is stored as the bytes it is served as (no pickling)."""

    def __init__(self, url: str):
        import redis

        self.client = redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=1)

    def mget(self, keys: list[str]) -> list:
        return self.client.mget(keys)

    def set(self, key: str, value: bytes, timeout: int) -> None:
        self.client.set(key, value, ex=timeout)

    def add(self, key: str, value: int) -> None:
        self.client.set(key, value, nx=True)

    def incr(self, key: str) -> None:
        if self.client.incr(key) < 1_000_000:  # created by this INCR: give it a value no page was stored with
            self.client.set(key, time.time_ns())


_store = None


def store():
    global _store
    if _store is None:
        url = getattr(settings, "REDIS_URL", "")
        _store = _RedisStore(url) if url else _DjangoStore()
    return _store


@receiver(setting_changed)
def _forget_store(*, setting, **kwargs) -> None:
    global _store
    if setting in ("REDIS_URL", "CACHES"):
        _store = None


def _version_key(name: str) -> str:
    return f"{settings.PAGE_CACHE_PREFIX}{_VERSION_PREFIX}{name}"


# --- versions -------------------------------------------------------------------------------------


def versions(names: Iterable[str], *, extra: list[str] = ()) -> tuple[dict[str, int], list]:
    """Current version of each name (and the values of the ``extra`` keys, read in the same round trip). A name
    never bumped (or evicted) gets a fresh unique version, so a page stored under a forgotten version never matches."""
    names = list(dict.fromkeys(names))
    keys = [_version_key(name) for name in names]
    values = store().mget([*extra, *keys])
    found, current = values[: len(extra)], values[len(extra) :]
    missing = [key for key, value in zip(keys, current, strict=True) if value is None]
    if missing:
        for key in missing:
            store().add(key, time.time_ns())
        refreshed = dict(zip(missing, store().mget(missing), strict=True))
        current = [refreshed.get(key, value) for key, value in zip(keys, current, strict=True)]
    return dict(zip(names, (int(value) for value in current), strict=True)), found


def _bump_now(names: Iterable[str]) -> None:
    for name in dict.fromkeys(names):
        store().incr(_version_key(name))


def bump(*names: str) -> None:
    """Mark everything that shows ``names`` as changed, once the current transaction commits (at once outside one).

    Called by the write services (a car saved, a photo added, a dealer's score recomputed …). Never fails the
    write: a cache that is down only means pages are rendered afresh.
    """
    if not names or not enabled():
        return

    def run() -> None:
        try:
            _bump_now(names)
        except Exception:  # noqa: BLE001 - a cache outage must not undo a committed write
            logger.warning("page cache: could not bump %s", names, exc_info=True)

    transaction.on_commit(run)


# --- which pages ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class CachedRoute:
    depends_on: Callable[[dict, dict], list[str]]


_ROUTES: dict[str, CachedRoute] = {}


def register(view_name: str, *, depends_on: Callable[[dict, dict], list[str]]) -> None:
    """Cache the page of URL ``view_name`` for anonymous visitors. ``depends_on(url_kwargs, query)`` names the
    versions it shows, from the URL alone (they are read before the page is rendered)."""
    _ROUTES[view_name] = CachedRoute(depends_on=depends_on)


def _cookieless(request) -> bool:
    cookies = request.COOKIES
    return settings.SESSION_COOKIE_NAME not in cookies and "messages" not in cookies


def _normalised_query(request) -> tuple[str, dict]:
    pairs = sorted((key, value) for key, values in request.GET.lists() for value in values if value != "")
    return "&".join(f"{key}={value}" for key, value in pairs), dict(pairs)


def _page_key(language: str, path: str, query: str) -> str:
    digest = hashlib.blake2b(f"{path}?{query}".encode(), digest_size=16).hexdigest()
    return f"{settings.PAGE_CACHE_PREFIX}{_PAGE_PREFIX}{language}:{digest}"


def _stamp(current: dict[str, int]) -> bytes:
    return ",".join(f"{name}={value}" for name, value in sorted(current.items())).encode()


def _pack(stamp: bytes, content_type: str, body: bytes) -> bytes:
    return b"\n".join([stamp, content_type.encode(), body])


def _unpack(entry: bytes) -> tuple[bytes, str, bytes]:
    stamp, content_type, body = entry.split(b"\n", 2)
    return stamp, content_type.decode(), body


def with_csrf(request, body: bytes) -> bytes:
    """Put this request's own CSRF token where the page has the placeholder (and have the cookie set)."""
    if _CSRF_BYTES not in body:
        return body
    return body.replace(_CSRF_BYTES, get_token(request).encode())


class PageCacheMiddleware:
    """Serves and stores registered pages for cookie-less GET requests (see the module docstring).

    Sits after the CSRF and locale middleware (so the language is known and a token can be issued) and after the
    security-header middleware (so a cached response still gets them), before authentication: a cached page costs
    about what a hello-world view costs.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not (enabled() and request.method in ("GET", "HEAD") and _cookieless(request)):
            return self._finish(request, self.get_response(request))
        try:
            match = resolve(request.path_info)
        except Resolver404:
            return self.get_response(request)
        route = _ROUTES.get(match.view_name)
        if route is None:
            return self._finish(request, self.get_response(request))
        query, params = _normalised_query(request)
        key = _page_key(get_language(), request.path, query)
        try:
            names = route.depends_on(match.kwargs, params)
            current, (entry,) = versions(names, extra=[key])
        except Exception:  # noqa: BLE001 - Redis down: render as if there were no cache
            logger.warning("page cache unavailable", exc_info=True)
            return self._finish(request, self.get_response(request))
        if entry is not None:
            stamp, content_type, body = _unpack(entry)
            if stamp == _stamp(current):
                response = HttpResponse(with_csrf(request, body), content_type=content_type)
                response["X-Page-Cache"] = "hit"
                return response
        request.page_cacheable = True  # the templates write the CSRF placeholder instead of a token
        response = self.get_response(request)
        cacheable = response.status_code == 200 and not response.streaming and not response.cookies
        if cacheable and not response.has_header("Cache-Control"):
            try:
                store().set(key, _pack(_stamp(current), response["Content-Type"], response.content), settings.PAGE_CACHE_SECONDS)
            except Exception:  # noqa: BLE001
                logger.warning("page cache: could not store %s", request.path, exc_info=True)
            response["X-Page-Cache"] = "miss"
        return self._finish(request, response)

    @staticmethod
    def _finish(request, response):
        """A page rendered with the placeholder (a cacheable page, or shared cards) gets this request's token."""
        uses = getattr(request, "page_cacheable", False) or getattr(request, "csrf_placeholders", False)
        if uses and not response.streaming and response.get("Content-Type", "").startswith("text/html"):
            response.content = with_csrf(request, response.content)
        return response


def csrf_token_for(request) -> str:
    """The token a template writes into its forms: the placeholder on a page that may be cached, else the token."""
    if getattr(request, "page_cacheable", False):
        return CSRF_PLACEHOLDER
    return get_token(request)


def fragment_get_many(keys: list[str]) -> dict[str, str]:
    """The cached fragments among ``keys`` (HTML text), one round trip; nothing when the switch is off."""
    if not fragments_enabled() or not keys:
        return {}
    try:
        values = store().mget([settings.PAGE_CACHE_PREFIX + key for key in keys])
    except Exception:  # noqa: BLE001
        return {}
    return {key: value.decode() if isinstance(value, bytes) else value for key, value in zip(keys, values, strict=True) if value}


def fragment_set_many(items: dict[str, str], *, timeout: int = 3600) -> None:
    if not fragments_enabled() or not items:
        return
    try:
        for key, value in items.items():
            store().set(settings.PAGE_CACHE_PREFIX + key, value.encode(), timeout)
    except Exception:  # noqa: BLE001
        logger.warning("fragment cache: could not store %d fragments", len(items), exc_info=True)
