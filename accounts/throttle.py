"""Login throttling glue for django-axes: the client address behind our reverse proxies."""

from axes.backends import AxesStandaloneBackend
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def client_ip(request: HttpRequest) -> str | None:
    """The address that connected to our outermost trusted proxy.

    With ``TRUSTED_PROXY_COUNT = n`` the last n proxies each appended one address to X-Forwarded-For, so the
    client is the n-th address from the right; anything further left was written by the client and is ignored
    (a forged header cannot move an attacker to a fresh lockout bucket).
    """
    proxies = getattr(settings, "TRUSTED_PROXY_COUNT", 0)
    if proxies > 0:
        forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
        if len(forwarded) >= proxies:
            return forwarded[-proxies]
    # None (stored as NULL) when there is no address, e.g. Client.force_login's bare request: the access
    # log's ip_address is an inet column on PostgreSQL and refuses placeholder strings.
    return request.META.get("REMOTE_ADDR") or None


def lockout_response(request: HttpRequest, original_response=None, credentials: dict | None = None) -> HttpResponse:
    """The page shown when axes locks a username + IP: what happened, for how long, what to do (HTTP 429)."""
    from axes.helpers import get_cool_off, get_failure_limit

    cool_off = get_cool_off(request)
    context = {
        "failure_limit": get_failure_limit(request, credentials),
        "cooloff_minutes": int(cool_off.total_seconds() // 60) if cool_off else None,
    }
    return render(request, "registration/lockout.html", context, status=429)


class TestClientAxesBackend(AxesStandaloneBackend):
    """Test settings only: Django's ``Client.login()`` calls ``authenticate()`` without a request.

    Axes needs the request (it throttles on the client address), so with no request this backend steps aside
    and ModelBackend decides; every HTTP request still goes through the real axes check. The production
    backend raises instead, and tests/security/test_throttling.py checks that project code always passes
    ``request`` to ``authenticate()``.
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)
