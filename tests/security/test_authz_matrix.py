"""The authorization matrix: every URL pattern of the project, requested as every role, answers as expected.

Each pattern needs an entry in ``EXPECTED`` (like Zulip's untested-URL check): a new URL without one fails
``test_every_url_pattern_has_an_entry``. Objects in the URLs belong to `buyer` / `dealer` (tests/security/world.py),
so `other_buyer`, `other_dealer` and `inspector` are strangers to them.

Statuses, in ``ROLES`` order (anonymous, buyer, other_buyer, dealer, other_dealer, inspector, staff):
``200`` ok · ``L`` 302 to the login page · ``R`` 302 somewhere else · ``403`` · ``404`` · ``405`` (POST-only view).
A role refused on GET (L/403/404) must be refused on POST too, and nothing in the database may change.
``shows``: a private text that the ``owners`` see on that page and nobody else ever sees anywhere.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.apps import apps
from django.conf import settings
from django.shortcuts import resolve_url
from django.test import Client

from tests.security.headers import security_header_problems
from tests.security.urlwalk import project_routes
from tests.security.world import (
    ROLES,
    SECRET_CLAIM,
    SECRET_COMPLAINT,
    SECRET_NOTIFICATION,
    SECRET_QUESTION,
    SECRET_REQUEST,
    SECRETS,
    build_world,
)

STRANGERS = ("anonymous", "other_buyer", "other_dealer", "inspector")
REFUSED = {"L", "403", "404"}


@dataclass(frozen=True)
class E:
    statuses: str
    args: Callable | None = None
    shows: str | None = None
    owners: tuple[str, ...] = ("buyer", "dealer", "staff")

    def status_for(self, role: str) -> str:
        return dict(zip(ROLES, self.statuses.split(), strict=True))[role]


EXPECTED: dict[str, E] = {
    "healthz": E("200 200 200 200 200 200 200"),
    "set_language": E("R R R R R R R"),
    "home": E("200 200 200 200 200 200 200"),
    "accounts:signup": E("200 R R R R R R"),
    "accounts:login": E("200 R R R R R R"),
    "accounts:logout": E("405 405 405 405 405 405 405"),
    "accounts:profile": E("L 200 200 200 200 200 200"),
    "accounts:password_reset": E("200 200 200 200 200 200 200"),
    "accounts:password_reset_done": E("200 200 200 200 200 200 200"),
    "accounts:password_reset_confirm": E("200 200 200 200 200 200 200", args=lambda w: {"uidb64": "MQ", "token": "set-password"}),
    "accounts:password_reset_complete": E("200 200 200 200 200 200 200"),
    "accounts:password_change": E("L 200 200 200 200 200 200"),
    "notifications:inbox": E("L 200 200 200 200 200 200", shows=SECRET_NOTIFICATION, owners=("buyer",)),
    "notifications:open": E("L 405 405 405 405 405 405", args=lambda w: {"pk": w.ids["notification"]}),
    "notifications:mark_all_read": E("L 405 405 405 405 405 405"),
    "marketplace:browse": E("200 200 200 200 200 200 200"),
    "marketplace:detail": E("200 200 200 200 200 200 200", args=lambda w: {"pk": w.ids["listing"]}),
    "marketplace:favourite": E("L 405 405 403 403 403 403", args=lambda w: {"pk": w.ids["listing"]}),
    "marketplace:ask": E("L 405 405 403 403 403 403", args=lambda w: {"pk": w.ids["listing"]}),
    "marketplace:compare": E("200 200 200 200 200 200 200"),
    "marketplace:mine": E("200 200 200 200 200 200 200"),
    "marketplace:compare_add": E("405 405 405 405 405 405 405"),
    "marketplace:compare_remove": E("405 405 405 405 405 405 405"),
    "marketplace:favourites": E("L 200 200 403 403 403 403"),
    "marketplace:conversations": E("L 200 200 200 200 200 200"),
    "marketplace:conversation": E(
        "L 200 404 200 404 404 200", args=lambda w: {"pk": w.ids["conversation"]}, shows=SECRET_QUESTION
    ),
    # Issue 19: saved searches, viewings and test drives, finance estimate, similar cars
    "marketplace:similar": E("200 200 200 200 200 200 200", args=lambda w: {"pk": w.ids["listing"]}),
    "marketplace:finance": E("200 200 200 200 200 200 200", args=lambda w: {"pk": w.ids["listing"]}),
    "marketplace:book": E("L 200 200 403 403 403 403", args=lambda w: {"pk": w.ids["listing"]}),
    "marketplace:saved_searches": E("L 200 200 403 403 403 403"),
    "marketplace:saved_search": E("L 405 405 403 403 403 403", args=lambda w: {"pk": w.ids["saved_search"]}),
    "marketplace:saved_search_unsubscribe": E(
        "200 200 200 200 200 200 200", args=lambda w: {"token": w.ids["unsubscribe_token"]}
    ),
    "marketplace:appointments": E("L 200 200 403 403 403 403"),
    "marketplace:appointment": E("L 200 404 200 404 403 200", args=lambda w: {"pk": w.ids["appointment"]}),
    "marketplace:appointment_action": E("L 405 405 405 405 403 405", args=lambda w: {"pk": w.ids["appointment"]}),
    "marketplace:dealer_appointments": E("L 403 403 200 200 403 403"),
    "marketplace:dealer_hours": E("L 403 403 200 200 403 403"),
    "marketplace:my_cars": E("L 403 403 200 200 403 403"),
    "marketplace:listing_create": E("L 403 403 200 200 403 403"),
    "marketplace:listing_edit": E("L 403 403 200 404 403 403", args=lambda w: {"pk": w.ids["draft_listing"]}),
    "marketplace:listing_action": E("L 403 403 405 405 403 403", args=lambda w: {"pk": w.ids["draft_listing"]}),
    "marketplace:listing_photos": E("L 403 403 200 404 403 403", args=lambda w: {"pk": w.ids["draft_listing"]}),
    "marketplace:photo_action": E("L 403 403 405 405 403 403", args=lambda w: {"pk": w.ids["photo"]}),
    "inspections:workspace": E("L 403 403 403 403 200 403"),
    "inspections:my_requests": E("L 403 403 200 200 403 403"),
    "inspections:request_take": E("L 403 403 403 403 405 403", args=lambda w: {"pk": w.ids["inspection_request"]}),
    "inspections:request_cancel": E("L 403 403 405 405 403 403", args=lambda w: {"pk": w.ids["inspection_request"]}),
    "inspections:request_create": E("L 403 403 405 405 403 403", args=lambda w: {"listing_pk": w.ids["inspection_listing"]}),
    "inspections:report_detail": E("200 200 200 200 200 200 200", args=lambda w: {"pk": w.ids["report"]}),
    "inspections:report_history": E("200 200 200 200 200 200 200", args=lambda w: {"pk": w.ids["report"]}),
    "inspections:report_pdf": E("200 200 200 200 200 200 200", args=lambda w: {"pk": w.ids["report"]}),
    "inspections:report_edit": E("L 403 403 403 403 200 403", args=lambda w: {"pk": w.ids["draft_report"]}),
    "inspections:report_section": E(
        "L 403 403 403 403 200 403", args=lambda w: {"pk": w.ids["draft_report"], "section": "structure"}
    ),
    "inspections:report_publish": E("L 403 403 403 403 405 403", args=lambda w: {"pk": w.ids["draft_report"]}),
    "inspections:report_correct": E("L 403 403 403 403 405 403", args=lambda w: {"pk": w.ids["report"]}),
    "contracts:verify": E("200 200 200 200 200 200 200"),
    "contracts:reserve": E("405 405 405 405 405 405 405", args=lambda w: {"listing_pk": w.ids["reservable_listing"]}),
    "contracts:my_orders": E("L 200 200 403 403 403 403"),
    "contracts:dealer_orders": E("L 403 403 200 200 403 403"),
    "contracts:order_detail": E("L 200 404 200 404 404 200", args=lambda w: {"pk": w.ids["order"]}),
    "contracts:order_cancel": E("L 405 404 403 404 404 403", args=lambda w: {"pk": w.ids["reserved_order"]}),
    "contracts:order_decline": E("L 403 404 200 404 404 403", args=lambda w: {"pk": w.ids["reserved_order"]}),
    "contracts:contract_detail": E("L 200 404 200 404 404 200", args=lambda w: {"pk": w.ids["order"]}),
    "contracts:contract_terms": E("L 403 404 200 404 404 403", args=lambda w: {"pk": w.ids["reserved_order"]}),
    "contracts:contract_pdf": E("L 200 404 200 404 404 200", args=lambda w: {"pk": w.ids["order"]}),
    "contracts:payment_create": E("L 403 404 200 404 404 403", args=lambda w: {"pk": w.ids["order"]}),
    "contracts:delivery_record": E("L 403 404 200 404 404 403", args=lambda w: {"pk": w.ids["order"]}),
    "contracts:delivery_confirm": E("L 405 404 403 404 404 403", args=lambda w: {"pk": w.ids["order"]}),
    "contracts:amendment_create": E("L 200 404 200 404 404 403", args=lambda w: {"pk": w.ids["order"]}),
    "contracts:amendment_detail": E("L 200 404 200 404 404 200", args=lambda w: {"pk": w.ids["amendment"]}),
    "warranty:my_cars": E("L 200 200 403 403 403 403"),
    "warranty:guarantee": E("L 200 404 403 403 403 403", args=lambda w: {"order_pk": w.ids["order"]}),
    "warranty:odometer": E("L 405 404 403 403 403 403", args=lambda w: {"order_pk": w.ids["order"]}),
    "warranty:extend": E("L 405 404 403 403 403 403", args=lambda w: {"order_pk": w.ids["order"]}),
    "warranty:request_create": E("L 200 404 403 403 403 403", args=lambda w: {"order_pk": w.ids["order"]}),
    "warranty:claim_create": E("L 200 404 403 403 403 403", args=lambda w: {"order_pk": w.ids["order"]}),
    "warranty:request_detail": E(
        "L 200 404 200 404 403 200", args=lambda w: {"pk": w.ids["after_sales_request"]}, shows=SECRET_REQUEST
    ),
    "warranty:claim_detail": E("L 200 404 200 404 403 200", args=lambda w: {"pk": w.ids["claim"]}, shows=SECRET_CLAIM),
    "warranty:dealer_cases": E("L 403 403 200 200 403 200"),
    "complaints:list": E("L 200 200 200 200 200 200"),
    "complaints:create": E("L 200 200 403 403 403 403"),
    "complaints:detail": E("L 200 404 200 404 404 200", args=lambda w: {"pk": w.ids["complaint"]}, shows=SECRET_COMPLAINT),
    "complaints:message": E("L 405 405 405 405 405 405", args=lambda w: {"pk": w.ids["complaint"]}),
    "complaints:decide": E("L 405 405 405 405 405 405", args=lambda w: {"pk": w.ids["complaint"]}),
    "complaints:attachment": E(
        "L 200 404 200 404 404 200", args=lambda w: {"pk": w.ids["complaint"], "attachment_pk": w.ids["complaint_attachment"]}
    ),
    "surveys:answer": E("200 200 200 200 200 200 200", args=lambda w: {"token": w.ids["survey_token"]}),
    "surveys:clocks": E("L 403 403 403 403 403 200"),
    "insights:how_scores_work": E("200 200 200 200 200 200 200"),
    "insights:dealer": E("200 200 200 200 200 200 200", args=lambda w: {"pk": w.users["dealer"].pk}),
    "insights:my_reviews": E("L 200 200 200 200 200 200"),
    "insights:review": E("L 200 404 403 403 403 403", args=lambda w: {"order_pk": w.ids["order"]}),
    "insights:rate_buyer": E("L 403 403 200 404 403 403", args=lambda w: {"order_pk": w.ids["order"]}),
    "insights:review_reply": E("L 403 403 200 404 403 403", args=lambda w: {"pk": w.ids["review"]}),
    "insights:review_hide": E("L 403 403 403 403 403 200", args=lambda w: {"pk": w.ids["review"]}),
    "insights:review_unhide": E("L 403 403 403 403 403 405", args=lambda w: {"pk": w.ids["review"]}),
    "insights:buyer_credit": E("L 200 404 200 404 404 200", args=lambda w: {"pk": w.users["buyer"].pk}),
    "insights:staff_dashboard": E("L 403 403 403 403 403 200"),
    "insights:staff_csv": E("L 403 403 403 403 403 200", args=lambda w: {"key": "sales"}),
    "insights:dealer_dashboard": E("L 403 403 200 200 403 403"),
    "insights:dealer_csv": E("L 403 403 200 200 403 403", args=lambda w: {"key": "funnel"}),
    "insights:customers": E("L 403 403 403 403 403 200"),
    "insights:customer": E("L 403 403 403 403 403 200", args=lambda w: {"pk": w.users["buyer"].pk}),
    "media": E("200 200 200 200 200 200 200", args=lambda w: {"path": w.ids["photo_path"]}),
}


def _code(response) -> str:
    if response.status_code == 302:
        return "L" if response["Location"].startswith(resolve_url(settings.LOGIN_URL)) else "R"
    return str(response.status_code)


def _clients(world) -> dict[str, Client]:
    clients = {}
    for role in ROLES:
        client = Client()
        if role != "anonymous":
            client.force_login(world.users[role])
        clients[role] = client
    return clients


def _urls(world):
    for route in project_routes():
        entry = EXPECTED.get(route.name)
        if entry is None:
            continue
        kwargs = entry.args(world) if entry.args else {}
        yield route, entry, route.url(**kwargs)


def _content(response) -> bytes:
    if getattr(response, "streaming", False):
        return b""
    return response.content


def _row_counts() -> dict[str, int]:
    local = {name.split(".")[0] for name in settings.INSTALLED_APPS}
    return {
        model._meta.label: model._default_manager.count()
        for model in apps.get_models()
        if model._meta.app_label in local
        and model._meta.app_label
        in {
            "core",
            "accounts",
            "notifications",
            "marketplace",
            "inspections",
            "contracts",
            "warranty",
            "complaints",
            "surveys",
            "insights",
        }
        and not model._meta.proxy
    }


def test_every_url_pattern_has_an_entry():
    names = {route.name for route in project_routes()}
    missing = sorted(names - EXPECTED.keys())
    assert missing == [], f"URL patterns without an authorization-matrix entry in {__file__}: {missing}"


def test_every_entry_still_has_a_url_pattern():
    names = {route.name for route in project_routes()}
    assert sorted(EXPECTED.keys() - names) == []


def test_entries_with_arguments_say_how_to_build_them():
    offenders = [r.name for r in project_routes() if r.takes_arguments and EXPECTED.get(r.name, E("")).args is None]
    assert offenders == []


@pytest.mark.django_db
def test_every_url_answers_every_role_as_the_matrix_says_and_never_shows_anothers_data():
    world = build_world()
    clients = _clients(world)
    mismatches, leaks, header_problems = [], [], []
    for route, entry, url in _urls(world):
        for role, client in clients.items():
            response = client.get(url)
            expected, got = entry.status_for(role), _code(response)
            if got != expected:
                mismatches.append(f"GET {url} ({route.name}) as {role}: expected {expected}, got {got}")
            problems = security_header_problems(response)
            if problems:
                header_problems.append(f"{url} as {role}: {problems}")
            content = _content(response)
            forbidden = SECRETS if role in STRANGERS else ([SECRET_NOTIFICATION] if role != "buyer" else [])
            leaks += [f"{url} as {role} shows {s!r}" for s in forbidden if s.encode() in content]
            if entry.shows and got == "200":
                visible = entry.shows.encode() in content
                if visible != (role in entry.owners):
                    leaks.append(f"{url} as {role}: {entry.shows!r} {'shown' if visible else 'not shown'}")
    assert mismatches == []
    assert leaks == []
    assert header_problems == []


@pytest.mark.django_db
def test_a_role_refused_on_get_is_refused_on_post_and_changes_nothing():
    world = build_world()
    clients = _clients(world)
    before = _row_counts()
    accepted = []
    for route, entry, url in _urls(world):
        for role, client in clients.items():
            if entry.status_for(role) not in REFUSED:
                continue
            got = _code(client.post(url, {}))
            if got not in REFUSED | {"405"}:
                accepted.append(f"POST {url} ({route.name}) as {role}: {got}")
    assert accepted == []
    assert _row_counts() == before
