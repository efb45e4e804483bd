"""Shared fixtures: one user per role, a temporary MEDIA_ROOT, and e-mail captured in memory."""

import pytest

from accounts.models import DealerProfile, User

# The Playwright browser and its pages, one browser per session for the journeys and the accessibility checks.
pytest_plugins = ["tests.browser"]


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def _empty_cache():
    """Every test starts with an empty cache (ids repeat between tests; a count or setting cached by one is not
    another's)."""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture(autouse=True)
def _english(settings):
    settings.LANGUAGE_CODE = "en"


def make_user(username: str, role: str = User.Role.BUYER, **extra) -> User:
    user = User.objects.create_user(
        username=username,
        password="pass-1234-word",
        email=f"{username}@example.com",
        role=role,
        full_name=extra.pop("full_name", username.title()),
        **extra,
    )
    if role == User.Role.DEALER:
        DealerProfile.objects.create(
            user=user,
            business_name=f"{username.title()} Motors",
            licence_number="91110000MA00000000",
            city="北京",
            address="北京市朝阳区 1 号",
            phone="010-12345678",
        )
    return user


@pytest.fixture
def buyer(db):
    return make_user("buyer", phone="13812341234", id_number="110101199003071234")


@pytest.fixture
def other_buyer(db):
    return make_user("otherbuyer", phone="13900001111")


@pytest.fixture
def dealer(db):
    return make_user("dealer", User.Role.DEALER)


@pytest.fixture
def other_dealer(db):
    return make_user("otherdealer", User.Role.DEALER)


@pytest.fixture
def inspector(db):
    return make_user("inspector", User.Role.INSPECTOR)


@pytest.fixture
def staff_user(db):
    return make_user("staffer", User.Role.STAFF, is_staff=True, is_superuser=True)


@pytest.fixture
def password():
    return "pass-1234-word"


# The rows the data migrations create (the inspection checklist, SLA policies, the warranty policy). A transactional
# test's flush empties them for the tests after it; a test that needs them calls this first.
MIGRATION_DATA = [
    ("inspections", "0002_checklist_definitions", "load", "inspections.ChecklistItemDefinition"),
    ("complaints", "0002_default_sla_policies", "create", "complaints.SlaPolicy"),
    ("warranty", "0002_default_policy", "seed", "warranty.WarrantyPolicy"),
    ("warranty", "0003_case_sla_policies", "forwards", "warranty.CaseSlaPolicy"),
]


def reload_migration_data() -> None:
    from importlib import import_module

    from django.apps import apps

    for app, migration, function, model in MIGRATION_DATA:
        if not apps.get_model(model).objects.exists():
            getattr(import_module(f"{app}.migrations.{migration}"), function)(apps, None)
