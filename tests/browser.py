"""The browser the journeys and the accessibility checks share: Playwright (sync) driving Debian's chromium against
pytest-django's live server, one browser per test session (registered in the root conftest.py).

Never `playwright install`: the browser is /usr/bin/chromium. Screenshots of failed tests go to
test-artifacts/<test name>.png.
"""

from __future__ import annotations

import contextlib
import os
import re
from pathlib import Path

import pytest

CHROMIUM = Path(os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"))
ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--no-first-run"]

# Playwright's sync API runs an event loop in this thread; Django's ORM calls from the test are still sync.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def mark_browser_tests(items, folder: str) -> None:
    """Mark the tests under ``tests/<folder>/`` as ``browser`` and skip them where chromium is missing."""
    for item in items:
        if f"tests/{folder}/" in str(item.fspath).replace(os.sep, "/"):
            item.add_marker(pytest.mark.browser)
            if not CHROMIUM.exists():
                item.add_marker(pytest.mark.skip(reason=f"{CHROMIUM} is missing (apt-get install chromium)"))


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture
def open_page(browser, live_server, request):
    """``open_page(language)`` → a fresh page (own cookies) whose relative URLs go to the live server."""
    contexts = []

    def make(language: str = "en", *, mobile: bool = False):
        context = browser.new_context(
            base_url=live_server.url,
            viewport={"width": 390, "height": 900} if mobile else {"width": 1366, "height": 1000},
            locale="zh-CN" if language.startswith("zh") else "en-US",
        )
        host = live_server.url.split("//", 1)[1].split(":")[0]
        context.add_cookies([{"name": "django_language", "value": language, "domain": host, "path": "/"}])
        context.set_default_timeout(15000)
        contexts.append(context)
        page = context.new_page()
        page.on("pageerror", lambda error: page_errors.append(str(error)))
        page.on("dialog", lambda dialog: dialog.accept())  # data-confirm buttons ask before acting
        return page

    page_errors: list[str] = []
    yield make
    failed = getattr(request.node, "rep_call", None) is not None and request.node.rep_call.failed
    if failed:
        ARTIFACTS.mkdir(exist_ok=True)
        name = re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.name)
        for index, context in enumerate(contexts):
            for number, page in enumerate(context.pages):
                with contextlib.suppress(Exception):  # a screenshot must never hide the real failure
                    page.screenshot(path=str(ARTIFACTS / f"{name}-{index}-{number}.png"), full_page=True)
    for context in contexts:
        context.close()
    assert page_errors == [], f"JavaScript errors in the page: {page_errors}"
