"""Accessibility checks in Debian's chromium (Playwright), like the journeys: marked ``browser``; the same
browser and page fixtures (tests/browser.py). axe-core is vendored (static/vendor/axe/, from the npm
registry) and injected through the DevTools protocol, so no page ever loads it and the CSP stays as it is."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.browser import mark_browser_tests

AXE = Path(__file__).resolve().parents[2] / "static" / "vendor" / "axe" / "axe.min.js"
DEMO_PASSWORD = "anxin-demo-2026"


def pytest_collection_modifyitems(items):
    mark_browser_tests(items, "a11y")


@pytest.fixture
def demo(settings):
    """The demo world of ``seed_demo`` (a few cars): every role has pages with real content."""
    from django.core.management import call_command

    from conftest import reload_migration_data

    reload_migration_data()
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.PBKDF2PasswordHasher"]
    call_command("seed_demo", cars=12, verbosity=0)


def demo_sign_in(page, username: str) -> None:
    page.goto("/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", DEMO_PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_load_state()
    assert "/accounts/login/" not in page.url, page.locator("main").inner_text()[:500]


def axe_violations(page, *, impacts=("critical", "serious")) -> list[dict]:
    """axe-core's WCAG 2.1 A/AA violations of the page as it is now, of the given impacts."""
    page.evaluate(AXE.read_text(encoding="utf-8"))
    found = page.evaluate(
        """async () => {
            const result = await axe.run(document, {runOnly: {type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}});
            return result.violations.map(v => ({id: v.id, impact: v.impact,
                nodes: v.nodes.slice(0, 5).map(n => n.target.join(" ") + " — " + (n.failureSummary || "").split("\\n").slice(1, 2).join(""))}));
        }"""
    )
    return [violation for violation in found if violation["impact"] in impacts]
