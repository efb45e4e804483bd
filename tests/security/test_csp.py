"""Content-Security-Policy and the other security headers on every page; no inline script in any template."""

import re
from pathlib import Path

import pytest
from django.conf import settings

from conftest import make_user
from tests.security.headers import csp_directives, security_header_problems
from tests.security.urlwalk import project_routes

BASE_DIR = Path(settings.BASE_DIR)


def _simple_get_routes():
    return [r for r in project_routes() if not r.takes_arguments]


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["anonymous", "buyer", "dealer", "inspector", "staff"])
def test_every_page_without_arguments_sends_a_strict_csp_with_a_nonce_and_the_security_headers(client, role):
    if role != "anonymous":
        extra = {"is_staff": True, "is_superuser": True} if role == "staff" else {}
        client.force_login(make_user(f"csp-{role}", role, **extra))
    problems = {}
    for route in _simple_get_routes():
        url = route.url()
        response = client.get(url)
        assert response.status_code < 500, f"{url} as {role}: {response.status_code}"
        found = security_header_problems(response)
        if found:
            problems[f"{url} ({response.status_code})"] = found
    assert problems == {}


@pytest.mark.django_db
def test_the_home_page_runs_only_scripts_of_our_own_origin_and_the_policy_allows_nothing_else(client):
    response = client.get("/")
    directives = csp_directives(response["Content-Security-Policy"])
    assert directives["script-src"] == ["'self'"]  # no nonce needed, no inline script possible
    scripts = re.findall(rb"<script[^>]*>", response.content)
    assert scripts and all(b' src="/static/' in tag or b"application/json" in tag for tag in scripts)


def _template_files():
    roots = [BASE_DIR / "templates", BASE_DIR / "jinja2", *BASE_DIR.glob("*/templates"), *BASE_DIR.glob("*/jinja2")]
    for root in roots:
        if ".venv" in root.parts:
            continue
        yield from (p for p in root.rglob("*.html"))


SCRIPT_TAG = re.compile(r"<script\b([^>]*)>", re.IGNORECASE)
EVENT_HANDLER = re.compile(r"<[a-zA-Z][^>]*\son[a-z]+\s*=", re.IGNORECASE)


def test_no_template_has_an_inline_script_without_a_nonce():
    offenders = []
    for path in _template_files():
        text = path.read_text(encoding="utf-8")
        for match in SCRIPT_TAG.finditer(text):
            attributes = match.group(1)
            if "src=" in attributes:
                continue
            if "nonce=" not in attributes:
                hint = " (data blocks: use the |json_script filter)" if "application/json" in attributes else ""
                offenders.append(f"{path.relative_to(BASE_DIR)}: <script{attributes}>{hint}")
    assert offenders == []


def test_no_template_uses_inline_event_handlers_or_javascript_urls():
    """CSP blocks onclick=... and javascript: URLs; they would silently not work, so none may exist."""
    offenders = []
    for path in _template_files():
        text = path.read_text(encoding="utf-8")
        if EVENT_HANDLER.search(text) or "javascript:" in text.lower():
            offenders.append(str(path.relative_to(BASE_DIR)))
    assert offenders == []
