"""Browser journeys (the browser and ``open_page`` fixtures: tests/browser.py)."""

from __future__ import annotations

from tests.browser import mark_browser_tests


def pytest_collection_modifyitems(items):
    mark_browser_tests(items, "journeys")


def sign_in(page, username: str, password: str = "pass-1234-word") -> None:
    page.goto("/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.locator("main form button[type=submit]").click()
    page.wait_for_load_state()
    assert "/accounts/login/" not in page.url, page.content()[:500]
