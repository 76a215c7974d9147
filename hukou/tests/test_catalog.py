"""Loading the catalog: the real data files, idempotency, versioning, and bad files."""

import copy

import pytest
import yaml
from django.core.management import call_command

from hukou.models import ChecklistItem, ServiceType
from hukou.services import CatalogError, catalog_load, checklist_decide, service_type_new_version
from hukou.tests.factories import RESIDENCE_PERMIT_1Y

pytestmark = pytest.mark.django_db

REQUIRED_CODES = {
    "birth-registration", "death-deregistration", "move-in-spouse", "move-in-parent-to-child",
    "move-in-child-to-parent", "move-in-house-purchase", "move-in-talent", "move-out",
    "household-register-renewal", "id-card-first", "id-card-renewal", "id-card-reissue", "temporary-id-card",
    "residence-registration", "residence-permit-1y", "residence-permit-3y", "household-certificate",
    "registration-correction", "household-split",
}  # fmt: skip


def write(directory, data, name=None):
    path = directory / f"{name or data['code']}.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def test_the_real_catalog_loads_every_required_service():
    report = catalog_load()
    assert set(report.created) >= REQUIRED_CODES
    assert set(ServiceType.objects.published().values_list("code", flat=True)) >= REQUIRED_CODES
    for service_type in ServiceType.objects.all():
        assert service_type.items.exists(), service_type.code
        assert service_type.legal_basis, service_type.code


def test_the_real_residence_permits_have_seed_004s_one_of_groups():
    catalog_load()
    for code in ("residence-permit-1y", "residence-permit-3y"):
        permit = ServiceType.objects.current().get(code=code)
        assert permit.fee_yuan == 0
        groups = {item.group for item in permit.items.all() if item.group}
        assert len(groups) == 1, code
        assert permit.items.filter(group__in=groups).count() >= 3, code
        assert permit.items.filter(condition__isnull=False).exists(), code  # 婚育证明 for 育龄妇女


def test_loading_twice_changes_nothing():
    catalog_load()
    before = list(ServiceType.objects.order_by("pk").values_list("pk", "version", "is_current"))
    items_before = ChecklistItem.objects.count()

    report = catalog_load()

    assert report.created == [] and report.new_versions == []
    assert len(report.unchanged) == len(before)
    assert list(ServiceType.objects.order_by("pk").values_list("pk", "version", "is_current")) == before
    assert ChecklistItem.objects.count() == items_before


def test_the_command_reports_and_is_idempotent(capsys):
    call_command("load_catalog")
    call_command("load_catalog")
    assert "0 new, 0 new versions" in capsys.readouterr().out


def test_a_changed_checklist_becomes_a_new_version_and_the_old_keeps_what_it_said(tmp_path):
    write(tmp_path, RESIDENCE_PERMIT_1Y)
    catalog_load(directory=tmp_path)
    v1 = ServiceType.objects.get(code="residence-permit-1y")
    v1_items = list(v1.items.values_list("name", flat=True))

    changed = copy.deepcopy(RESIDENCE_PERMIT_1Y)
    changed["materials"].append({"name": "近期免冠照片", "detail": "两张", "deferrable": True})
    write(tmp_path, changed)
    report = catalog_load(directory=tmp_path)

    assert report.new_versions == ["residence-permit-1y"]
    v1.refresh_from_db()
    v2 = ServiceType.objects.get(code="residence-permit-1y", is_current=True)
    assert (v1.version, v1.is_current, v2.version) == (1, False, 2)
    assert list(v1.items.values_list("name", flat=True)) == v1_items
    assert list(v2.items.values_list("name", flat=True)) == [*v1_items, "近期免冠照片"]
    # A decision recorded against version 1 still decides by version 1's checklist.
    ids = [i.pk for i in v1.items.filter(name__in=["居民身份证", "居住证明"])]
    assert checklist_decide(service_type=v1, provided=ids, facts={"childbearing_age_woman": False}).decision == "accept"

    # Loading the changed file again is a no-op.
    assert catalog_load(directory=tmp_path).unchanged == ["residence-permit-1y"]


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda d: d.pop("legal_basis"), "missing keys: legal_basis"),
        (lambda d: d.update(colour="red"), "unknown keys: colour"),
        (lambda d: d["materials"][1].update(condition="pregnant"), "unknown condition 'pregnant'"),
        (lambda d: d.update(category="passport"), "category"),
        (lambda d: d.update(time_limit_days=30), "承诺时限不能超过法定时限"),
        (lambda d: d.update(code="Bad Code"), "code"),
    ],
)
def test_a_bad_file_is_named_and_nothing_is_loaded(tmp_path, mutate, message):
    good = copy.deepcopy(RESIDENCE_PERMIT_1Y)
    good["code"] = "aaa-good"
    write(tmp_path, good)
    bad = copy.deepcopy(RESIDENCE_PERMIT_1Y)
    mutate(bad)
    write(tmp_path, bad, name="zzz-bad")

    with pytest.raises(CatalogError) as error:
        catalog_load(directory=tmp_path)

    assert str(error.value).startswith("zzz-bad.yaml: ")
    assert message in str(error.value)
    assert not ServiceType.objects.exists()


def test_two_files_with_one_code_are_refused(tmp_path):
    write(tmp_path, RESIDENCE_PERMIT_1Y, name="a")
    write(tmp_path, RESIDENCE_PERMIT_1Y, name="b")
    with pytest.raises(CatalogError, match=r"also used by a\.yaml"):
        catalog_load(directory=tmp_path)


def test_a_new_version_made_in_the_admin_copies_the_checklist(tmp_path):
    write(tmp_path, RESIDENCE_PERMIT_1Y)
    catalog_load(directory=tmp_path)
    v1 = ServiceType.objects.get(code="residence-permit-1y")

    v2 = service_type_new_version(service_type=v1)

    v1.refresh_from_db()
    assert (v1.is_current, v2.is_current, v2.version) == (False, True, 2)
    assert list(v2.items.values_list("name", "group", "deferrable")) == list(
        v1.items.values_list("name", "group", "deferrable")
    )
    conditional = v2.items.get(name="婚育证明")
    assert conditional.condition.service_type == v2
    # The file has not changed, so loading it keeps the admin's version current.
    assert catalog_load(directory=tmp_path).unchanged == ["residence-permit-1y"]
    assert ServiceType.objects.get(code="residence-permit-1y", is_current=True) == v2
