"""The admin site: every model's pages open, and unit edits the services would refuse are form errors."""

import pytest
from django.contrib import admin
from django.urls import reverse

from hukou.models import ServiceType
from hukou.services import catalog_load
from windows.models import Role, Unit
from windows.tests.factories import StaffFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client, org):
    staff = StaffFactory(role=Role.ADMIN, unit=org["city"], username="site-admin")
    client.force_login(staff.user)
    return client


def test_every_admin_page_opens(admin_client, org):
    catalog_load()
    for model, model_admin in admin.site._registry.items():
        opts = model._meta
        changelist = reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")
        assert admin_client.get(changelist).status_code == 200, changelist
        if model_admin.has_add_permission(admin_client.get(changelist).wsgi_request):
            add = reverse(f"admin:{opts.app_label}_{opts.model_name}_add")
            assert admin_client.get(add).status_code == 200, add
        obj = model.objects.first()
        if obj is not None:
            change = reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk])
            assert admin_client.get(change).status_code == 200, change


def test_moving_a_unit_under_its_own_station_is_a_form_error(admin_client, org):
    east = org["east"]
    url = reverse("admin:windows_unit_change", args=[east.pk])
    response = admin_client.post(url, {"code": east.code, "name": east.name, "parent": org["east_station"].pk})
    assert response.status_code == 200
    assert "单位不能隶属于自身或其下级单位" in response.content.decode()
    east.refresh_from_db()
    assert east.parent == org["city"]


def test_renaming_a_district_code_in_the_admin_rewrites_its_subtree(admin_client, org):
    east = org["east"]
    url = reverse("admin:windows_unit_change", args=[east.pk])
    response = admin_client.post(url, {"code": "D9", "name": east.name, "parent": org["city"].pk})
    assert response.status_code == 302
    assert Unit.objects.get(pk=org["east_station"].pk).path == "/C1/D9/S1/"


def test_a_new_catalog_version_from_the_admin_keeps_the_old_one(admin_client):
    catalog_load()
    permit = ServiceType.objects.get(code="residence-permit-1y", is_current=True)
    url = reverse("admin:hukou_servicetype_changelist")
    response = admin_client.post(url, {"action": "make_new_version", "_selected_action": [permit.pk]})
    assert response.status_code == 302
    current = ServiceType.objects.get(code="residence-permit-1y", is_current=True)
    assert current.version == permit.version + 1
    assert current.items.count() == permit.items.count()
    # The old version can no longer be edited.
    old = reverse("admin:hukou_servicetype_change", args=[permit.pk])
    assert admin_client.post(old, {"name": "改名"}).status_code == 403
