"""The admin is branded Anxin Auto in the reader's language, and its labels read in Chinese on Chinese pages."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(("language", "brand"), [("en", "Anxin Auto · Staff admin"), ("zh-hans", "安心车 · 员工后台")])
def test_the_admin_is_branded_anxin_auto(client, staff_user, language, brand):
    client.cookies["django_language"] = language
    for url in (reverse("admin:login"), reverse("admin:index")):
        if url == reverse("admin:index"):
            client.force_login(staff_user)
        content = client.get(url).content.decode()
        assert brand in content and "Django" not in content.split("<body", 1)[1].split("</header>", 1)[0], url
        assert f"| {brand}</title>" in content


def test_a_change_list_reads_in_chinese(client, staff_user):
    client.cookies["django_language"] = "zh-hans"
    client.force_login(staff_user)
    content = client.get(reverse("admin:contracts_order_changelist")).content.decode()
    assert "订单" in content and "created at" not in content
