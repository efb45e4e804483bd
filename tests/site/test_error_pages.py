"""The 403, 404 and 500 pages a visitor sees with DEBUG off: styled, in the visitor's language, never a debug page."""

import pytest
from django.test import RequestFactory
from django.views import defaults

from conftest import make_user


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("language", "title", "text"),
    [("en", "Page not found", "The car may have been sold"), ("zh-hans", "页面不存在", "这辆车可能已售出")],
)
def test_an_unknown_page_is_a_styled_404_in_the_visitor_s_language(client, language, title, text):
    client.cookies["django_language"] = language
    response = client.get("/cars/999999999/")
    assert response.status_code == 404
    content = response.content.decode()
    assert title in content and text in content
    assert 'class="navbar' in content  # the site's frame, not a bare page
    assert "Traceback" not in content and "DEBUG" not in content


@pytest.mark.django_db
@pytest.mark.parametrize(("language", "title"), [("en", "Not allowed"), ("zh-hans", "无权访问")])
def test_a_wrong_role_gets_a_styled_403_that_says_whose_page_it_is(client, language, title):
    buyer = make_user("role-buyer")
    client.force_login(buyer)
    client.cookies["django_language"] = language
    response = client.get("/inspections/workspace/")  # the inspector workspace
    assert response.status_code == 403
    content = response.content.decode()
    assert title in content
    assert ("certified inspectors" if language == "en" else "鉴定评估师") in content


@pytest.mark.django_db
def test_the_500_page_is_bilingual_and_needs_no_context(rf: RequestFactory):
    response = defaults.server_error(rf.get("/"))
    assert response.status_code == 500
    content = response.content.decode()
    assert "出错了" in content and "Something went wrong" in content


@pytest.mark.django_db
def test_a_csrf_failure_explains_what_to_do(client):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    response = strict.post("/accounts/login/", {"username": "x", "password": "y"})
    assert response.status_code == 403
    assert "Please try again" in response.content.decode() or "请重试" in response.content.decode()
