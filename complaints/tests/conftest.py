import pytest
from django.contrib.auth.models import Group, Permission

from conftest import make_user


@pytest.fixture
def agent(db):
    """Customer-service staff: may work complaints, is not a supervisor."""
    user = make_user("agent", "staff", is_staff=True)
    group, _ = Group.objects.get_or_create(name="Customer service")
    group.permissions.set(Permission.objects.filter(content_type__app_label="complaints").exclude(codename="supervise_complaint"))
    user.groups.add(group)
    return user


@pytest.fixture
def other_agent(db):
    user = make_user("agent2", "staff", is_staff=True)
    user.groups.add(Group.objects.get_or_create(name="Customer service")[0])
    return user


@pytest.fixture
def supervisor(db):
    user = make_user("boss", "staff", is_staff=True)
    group, _ = Group.objects.get_or_create(name="Supervisors")
    group.permissions.set(Permission.objects.filter(content_type__app_label="complaints"))
    user.groups.add(group)
    return user
