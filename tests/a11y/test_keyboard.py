"""A journey with the keyboard only: the skip link, a visible focus on every control reached, the sort applied
without a reload on each arrow key, and compare / favourite acting in place with the focus kept where it was."""

from __future__ import annotations

import pytest

from .conftest import DEMO_PASSWORD

pytestmark = pytest.mark.django_db(transaction=True)

FOCUS_STYLE = """() => {
    const el = document.activeElement, style = getComputedStyle(el);
    const outline = style.outlineStyle !== "none" && parseFloat(style.outlineWidth) > 0;
    return {tag: el.tagName, text: (el.innerText || el.value || "").trim().slice(0, 40),
            visible: outline || (style.boxShadow && style.boxShadow !== "none"),
            background: style.backgroundColor};
}"""


def tab_to(page, selector: str, *, limit: int = 120, key: str = "Tab") -> list[dict]:
    """Press Tab until the focus is on ``selector``; the focus style of every control passed on the way."""
    seen = []
    for _ in range(limit):
        page.keyboard.press(key)
        seen.append(page.evaluate(FOCUS_STYLE))
        if page.evaluate("s => document.activeElement.matches(s)", selector):
            return seen
    raise AssertionError(f"{selector} not reached with {limit} × {key}; last: {seen[-3:]}")


def wait_until(page, expression: str, *, seconds: float = 10) -> None:
    """Poll ``expression`` in the page until it is true (``wait_for_function`` evaluates strings with eval, which the
    site's CSP forbids; ``evaluate`` goes through the DevTools protocol)."""
    for _ in range(int(seconds * 20)):
        if page.evaluate(expression):
            return
        page.wait_for_timeout(50)
    raise AssertionError(f"still false after {seconds} s: {expression}")


def assert_focus_visible(seen: list[dict]) -> None:
    hidden = [item for item in seen if item["tag"] != "BODY" and not item["visible"]]
    assert hidden == [], hidden


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_a_keyboard_user_skips_sorts_compares_signs_in_and_favourites(open_page, demo, language):
    from marketplace.models import Listing

    car = Listing.objects.filter(status=Listing.Status.PUBLISHED).order_by("pk").first()
    page = open_page(language)

    # The skip link is the first stop and shows itself; it moves the focus to the main content.
    page.goto("/")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.classList.contains('skip-link')")
    assert page.evaluate("document.activeElement.getBoundingClientRect().top") >= 0
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"

    # Browse: the sort box moves with the arrow keys without reloading; Enter applies it.
    page.goto("/cars/")
    seen = tab_to(page, "#f-sort")
    assert_focus_visible(seen)
    brand = [item for item in seen if item["text"] in ("Search", "搜索")]
    assert brand and brand[0]["background"] in ("rgb(11, 79, 138)", "rgb(8, 58, 102)"), brand  # keeps its fill
    page.evaluate("window.__same_page = true")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    page.wait_for_timeout(300)
    assert page.evaluate("window.__same_page === true") and "sort=" not in page.url
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "sort=" in page.url

    # A car: compare acts in place and the focus stays on the button.
    page.goto(f"/cars/{car.pk}/")
    assert_focus_visible(tab_to(page, "[data-compare-button]"))
    page.keyboard.press("Enter")
    wait_until(page, "document.activeElement.getAttribute('aria-pressed') === 'true'")
    assert page.evaluate("document.activeElement.matches('[data-compare-button]')")

    # Sign in with the keyboard, back to the car, favourite in place.
    page.goto(f"/accounts/login/?next=/cars/{car.pk}/")
    tab_to(page, "#id_username")
    page.keyboard.type("buyer1")
    page.keyboard.press("Tab")
    page.keyboard.type(DEMO_PASSWORD)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert f"/cars/{car.pk}/" in page.url
    assert_focus_visible(tab_to(page, "form[data-favourite-form] button"))
    page.keyboard.press("Enter")
    wait_until(page, "document.activeElement.getAttribute('aria-pressed') === 'true'")
    assert page.evaluate("document.activeElement.closest('form[data-favourite-form]') !== null")
    page.keyboard.press("Enter")  # and back
    wait_until(page, "document.activeElement.getAttribute('aria-pressed') === 'false'")
