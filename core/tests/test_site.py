from unittest import mock

import pytest
from django.core.management import call_command
from django.db.utils import OperationalError
from django.urls import reverse


@pytest.mark.django_db
def test_healthz_is_200_when_the_database_answers(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["db"] == "ok"


@pytest.mark.django_db
def test_healthz_is_503_when_the_database_does_not_answer(client):
    with mock.patch("core.views.connection.cursor", side_effect=OperationalError("down")):
        response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["db"] == "unavailable"


@pytest.mark.django_db
def test_home_page_in_english_and_chinese(client):
    client.cookies["django_language"] = "en"
    english = client.get(reverse("home")).content.decode()
    assert "Used cars you can trust after the sale" in english
    assert '<html lang="en">' in english

    client.cookies["django_language"] = "zh-hans"
    chinese = client.get(reverse("home")).content.decode()
    assert "买得放心" in chinese
    assert '<html lang="zh-hans">' in chinese


@pytest.mark.django_db
def test_language_switcher_sets_the_language(client):
    response = client.post(reverse("set_language"), {"language": "zh-hans", "next": "/"})
    assert response.status_code == 302
    assert "安心车" in client.get("/").content.decode()
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    assert "Anxin Auto" in client.get("/").content.decode()


@pytest.mark.django_db
def test_browser_language_is_used_without_a_cookie(client):
    content = client.get("/", headers={"accept-language": "zh-CN,zh;q=0.9"}).content.decode()
    assert '<html lang="zh-hans">' in content


@pytest.mark.django_db
def test_every_page_sends_security_headers(client):
    response = client.get("/")
    csp = response["Content-Security-Policy"]
    # Scripts only from the site's own files: no inline script, so neither a nonce nor 'unsafe-inline'.
    assert "script-src 'self';" in csp
    assert "unsafe-inline" not in csp.split("script-src", 1)[1].split(";", 1)[0]
    assert "frame-ancestors 'none'" in csp
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Frame-Options"] == "DENY"


@pytest.mark.django_db
def test_key_pages_render(client):
    for url in ("/", "/cars/", "/accounts/login/", "/accounts/signup/", "/admin/login/"):
        assert client.get(url).status_code == 200, url


@pytest.mark.django_db
def test_seed_demo_twice_creates_nothing_new(django_db_blocker):
    from django.apps import apps

    call_command("seed_demo", cars=12, verbosity=0)
    counts = {m._meta.label: m.objects.count() for m in apps.get_models() if m._meta.app_label in _seeded_apps()}
    call_command("seed_demo", cars=12, verbosity=0)
    again = {m._meta.label: m.objects.count() for m in apps.get_models() if m._meta.app_label in _seeded_apps()}
    assert again == counts
    assert counts["accounts.User"] >= 7
    assert counts["marketplace.Listing"] >= 12


def _seeded_apps():
    return {"accounts", "notifications", "marketplace", "inspections", "contracts", "warranty", "complaints", "surveys"}


@pytest.mark.django_db
def test_chinese_navigation_uses_the_right_words_for_each_role(client, dealer, inspector, buyer):
    client.cookies["django_language"] = "zh-hans"
    client.force_login(dealer)
    page = client.get("/").content.decode()
    assert "我的车源" in page and "检测申请" in page
    client.force_login(inspector)
    assert "检测师工作台" in client.get("/").content.decode()
    client.force_login(buyer)
    page = client.get("/").content.decode()
    assert "消息" in page and "分页</a>" not in page
