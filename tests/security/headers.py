"""The security headers every response of the site must carry (shared by the CSP and matrix tests)."""

from __future__ import annotations

import re


def csp_directives(header: str) -> dict[str, list[str]]:
    directives = {}
    for part in header.split(";"):
        words = part.split()
        if words:
            directives[words[0]] = words[1:]
    return directives


def security_header_problems(response, *, expect_nonce: bool | None = None) -> list[str]:
    """What is missing or unsafe in ``response``'s headers; [] when all is well.

    ``expect_nonce=None`` requires a nonce exactly when the page has an inline script. The site's pages have none
    (scripts come from our own origin, ``script-src 'self'``), which is what lets a page be cached for everyone: a
    nonce in a shared page would be a nonce every visitor knows.
    """
    problems = []
    csp = response.get("Content-Security-Policy", "")
    if not csp:
        return ["no Content-Security-Policy header"]
    directives = csp_directives(csp)
    script_src = directives.get("script-src", directives.get("default-src", []))
    if "'unsafe-inline'" in script_src or "'unsafe-eval'" in script_src:
        problems.append(f"unsafe script-src: {script_src}")
    if "*" in script_src or any(s.startswith(("http:", "https:")) and s in ("http:", "https:") for s in script_src):
        problems.append(f"wildcard script-src: {script_src}")
    if directives.get("frame-ancestors") != ["'none'"] and "sandbox" not in directives:
        problems.append(f"frame-ancestors is {directives.get('frame-ancestors')}")
    if directives.get("object-src", directives.get("default-src")) not in (["'none'"],):
        problems.append("object-src is not 'none'")
    if expect_nonce is None:
        content = getattr(response, "content", b"") if not getattr(response, "streaming", False) else b""
        expect_nonce = response.get("Content-Type", "").startswith("text/html") and bool(
            re.search(rb"<script(?![^>]*\bsrc=)(?![^>]*application/(ld\+)?json)[^>]*>", content)
        )
    if expect_nonce and not any(s.startswith("'nonce-") for s in script_src):
        problems.append("no nonce in script-src of an HTML page")
    if response.get("X-Content-Type-Options") != "nosniff":
        problems.append("X-Content-Type-Options is not nosniff")
    if response.get("Referrer-Policy") not in ("same-origin", "strict-origin-when-cross-origin", "no-referrer", "strict-origin"):
        problems.append(f"Referrer-Policy is {response.get('Referrer-Policy')}")
    if response.get("X-Frame-Options") != "DENY" and "sandbox" not in directives:
        problems.append(f"X-Frame-Options is {response.get('X-Frame-Options')}")
    return problems
