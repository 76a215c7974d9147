"""Writes to the organisation, the staff inbox and the calendar overrides, on the real database."""

from datetime import date

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError

from windows import access, services
from windows.models import DayKind, Holiday, Notification, Role, ServiceWindow, Staff, Unit, UnitKind
from windows.tests.factories import CityFactory, DistrictFactory, StaffFactory, StationFactory

User = get_user_model()


def paths() -> dict[str, str]:
    return dict(Unit.objects.values_list("code", "path"))


def error_fields(excinfo) -> set[str]:
    return set(excinfo.value.message_dict)


# --- unit_create ------------------------------------------------------------------------------


def test_unit_create_builds_the_path(org):
    assert paths() == {
        "C1": "/C1/",
        "D1": "/C1/D1/",
        "D2": "/C1/D2/",
        "S1": "/C1/D1/S1/",
        "S2": "/C1/D2/S2/",
    }


@pytest.mark.parametrize(
    ("kind", "parent_code", "field"),
    [
        (UnitKind.STATION, "C1", "parent"),  # a station sits under a district
        (UnitKind.STATION, None, "parent"),
        (UnitKind.DISTRICT, "D1", "parent"),
        (UnitKind.DISTRICT, None, "parent"),
        (UnitKind.CITY, "C1", "parent"),  # a city has no parent
    ],
)
def test_unit_create_refuses_a_wrong_place_and_saves_nothing(org, kind, parent_code, field):
    before = paths()
    parent = Unit.objects.get(code=parent_code) if parent_code else None

    with pytest.raises(ValidationError) as excinfo:
        services.unit_create(code="NEW", name="新单位", kind=kind, parent=parent)

    assert field in error_fields(excinfo)
    assert paths() == before


@pytest.mark.parametrize(("code", "field"), [("S1", "code"), ("A/B", "code"), ("", "code")])
def test_unit_create_refuses_a_bad_code(org, code, field):
    with pytest.raises(ValidationError) as excinfo:
        services.unit_create(code=code, name="新单位", kind=UnitKind.STATION, parent=org["east"])

    assert field in error_fields(excinfo)
    assert Unit.objects.count() == 5


# --- unit_update ------------------------------------------------------------------------------


def test_moving_a_station_to_another_district_moves_its_scope(org):
    west_supervisor = StaffFactory(unit=org["west"], role=Role.BUREAU_SUPERVISOR).user

    services.unit_update(unit=org["east_station"], parent=org["west"])

    assert paths()["S1"] == "/C1/D2/S1/"
    assert set(access.units_visible_to(west_supervisor).values_list("code", flat=True)) == {"D2", "S1", "S2"}


def test_moving_a_district_moves_its_whole_subtree(org):
    other_city = CityFactory(code="C2")
    lookalike = DistrictFactory(code="D10", parent=org["city"])
    StationFactory(code="S10", parent=lookalike)
    StationFactory(code="S3", parent=org["east"])

    services.unit_update(unit=org["east"], parent=other_city)

    assert paths() == {
        "C1": "/C1/",
        "C2": "/C2/",
        "D1": "/C2/D1/",
        "S1": "/C2/D1/S1/",
        "S3": "/C2/D1/S3/",
        "D2": "/C1/D2/",
        "S2": "/C1/D2/S2/",
        "D10": "/C1/D10/",
        "S10": "/C1/D10/S10/",
    }
    assert set(Unit.objects.subtree_of(Unit.objects.get(code="C2")).values_list("code", flat=True)) == {
        "C2",
        "D1",
        "S1",
        "S3",
    }


def test_a_new_code_rewrites_the_subtree(org):
    lookalike = DistrictFactory(code="D10", parent=org["city"])
    StationFactory(code="S10", parent=lookalike)

    services.unit_update(unit=org["east"], code="D9")

    assert paths() == {
        "C1": "/C1/",
        "D9": "/C1/D9/",
        "S1": "/C1/D9/S1/",
        "D2": "/C1/D2/",
        "S2": "/C1/D2/S2/",
        "D10": "/C1/D10/",
        "S10": "/C1/D10/S10/",
    }


def test_a_new_city_code_rewrites_every_path(org):
    services.unit_update(unit=org["city"], code="C9", name="新市局")

    assert paths() == {
        "C9": "/C9/",
        "D1": "/C9/D1/",
        "D2": "/C9/D2/",
        "S1": "/C9/D1/S1/",
        "S2": "/C9/D2/S2/",
    }
    assert Unit.objects.get(code="C9").name == "新市局"


def test_unit_update_rewrites_from_the_stored_path_not_a_stale_instance(org):
    """An instance read before a unit above it moved still updates its subtree correctly."""
    stale_district = Unit.objects.get(code="D1")
    services.unit_update(unit=org["city"], code="C9")

    services.unit_update(unit=stale_district, code="D9")

    assert paths()["D9"] == "/C9/D9/"
    assert paths()["S1"] == "/C9/D9/S1/"


def test_other_fields_change_without_touching_paths(org):
    before = paths()

    services.unit_update(unit=org["east_station"], name="东关派出所（新址）", address="东关大街1号", phone="0531-1234")

    station = Unit.objects.get(code="S1")
    assert (station.name, station.address, station.phone) == ("东关派出所（新址）", "东关大街1号", "0531-1234")
    assert paths() == before


@pytest.mark.parametrize("new_parent", ["east", "east_station"])
def test_a_unit_cannot_move_under_itself_or_its_descendant(org, new_parent):
    before = paths()

    with pytest.raises(ValidationError) as excinfo:
        services.unit_update(unit=org["east"], parent=org[new_parent])

    assert excinfo.value.message_dict == {"parent": [services.UNIT_UNDER_ITSELF]}
    assert paths() == before
    assert Unit.objects.get(code="D1").parent == org["city"]


@pytest.mark.parametrize(
    ("unit", "changes"),
    [
        ("east_station", {"parent": "city"}),  # a station under a city
        ("east_station", {"parent": "west_station"}),  # a station under a station
        ("west", {"parent": "east"}),  # a district under a district
        ("city", {"parent": "east"}),  # a city under anything
    ],
)
def test_unit_update_refuses_a_wrong_place_and_saves_nothing(org, unit, changes):
    before = paths()
    parents_before = dict(Unit.objects.values_list("code", "parent__code"))

    with pytest.raises(ValidationError) as excinfo:
        services.unit_update(unit=org[unit], **{field: org[key] for field, key in changes.items()})

    assert "parent" in error_fields(excinfo)
    assert paths() == before
    assert dict(Unit.objects.values_list("code", "parent__code")) == parents_before


def test_the_kind_of_a_unit_with_children_cannot_change(org):
    """A district turned city would leave its stations directly under a city."""
    before = paths()

    with pytest.raises(ValidationError) as excinfo:
        services.unit_update(unit=org["east"], kind=UnitKind.CITY, parent=None)

    assert excinfo.value.message_dict == {"kind": [services.UNIT_KIND_IN_USE]}
    assert paths() == before
    assert Unit.objects.get(code="D1").kind == UnitKind.DISTRICT


def test_the_kind_of_a_station_with_staff_cannot_change(org):
    station = StationFactory(code="S3", parent=org["east"])
    StaffFactory(unit=station, role=Role.OFFICER)

    with pytest.raises(ValidationError) as excinfo:
        services.unit_update(unit=station, kind=UnitKind.DISTRICT, parent=org["city"])

    assert excinfo.value.message_dict == {"kind": [services.UNIT_KIND_IN_USE]}
    assert Unit.objects.get(code="S3").kind == UnitKind.STATION


def test_the_kind_of_an_unused_unit_can_change(org):
    station = StationFactory(code="S3", parent=org["east"])

    services.unit_update(unit=station, kind=UnitKind.DISTRICT, parent=org["city"])

    assert Unit.objects.get(code="S3").kind == UnitKind.DISTRICT
    assert paths()["S3"] == "/C1/S3/"


# --- window_create ----------------------------------------------------------------------------


def test_window_create(org):
    window = services.window_create(station=org["east_station"], number=3, name="3号窗口")

    assert ServiceWindow.objects.get(pk=window.pk).station == org["east_station"]
    # the same number at another station is another window
    services.window_create(station=org["west_station"], number=3, name="3号窗口")


def test_a_window_sits_at_a_station_only(org):
    with pytest.raises(ValidationError) as excinfo:
        services.window_create(station=org["east"], number=1, name="1号窗口")

    assert "station" in error_fields(excinfo)
    assert not ServiceWindow.objects.exists()


def test_a_window_number_is_unique_per_station(org):
    services.window_create(station=org["east_station"], number=1, name="1号窗口")

    with pytest.raises(ValidationError):
        services.window_create(station=org["east_station"], number=1, name="另一个1号窗口")

    assert ServiceWindow.objects.count() == 1


# --- staff_create -----------------------------------------------------------------------------


def test_staff_create_makes_a_user_and_a_sworn_officer(org):
    staff = services.staff_create(
        username="wang",
        password="Long-Enough-1",
        unit=org["east_station"],
        role=Role.OFFICER,
        full_name="王警官",
        police_number="370001",
    )

    stored = Staff.objects.select_related("user").get(pk=staff.pk)
    assert (stored.role, stored.police_number, stored.is_sworn) == (Role.OFFICER, "370001", True)
    assert stored.has_enforcement_qualification
    assert stored.user.check_password("Long-Enough-1")
    assert stored.user.first_name == "王警官"
    assert not stored.user.is_staff
    assert not stored.user.is_superuser


def test_an_auxiliary_is_not_sworn_by_default(org):
    staff = services.staff_create(username="li", password=None, unit=org["east_station"], role=Role.AUXILIARY)

    stored = Staff.objects.get(pk=staff.pk)
    assert stored.is_sworn is False
    assert stored.police_number is None
    assert not stored.has_enforcement_qualification
    assert not stored.user.has_usable_password()


def test_admins_get_the_admin_site_and_only_the_citys_get_every_permission(org):
    city_admin = services.staff_create(username="admin-c1", password=None, unit=org["city"], role=Role.ADMIN)
    district_admin = services.staff_create(username="admin-d1", password=None, unit=org["east"], role=Role.ADMIN)

    assert (city_admin.user.is_staff, city_admin.user.is_superuser) == (True, True)
    assert (district_admin.user.is_staff, district_admin.user.is_superuser) == (True, False)


STAFF_RULES = [
    pytest.param(
        {"role": Role.AUXILIARY, "unit": "east_station", "is_sworn": True}, {"is_sworn"}, id="auxiliary-sworn"
    ),
    pytest.param(
        {"role": Role.OFFICER, "unit": "east_station"}, {"is_sworn", "police_number"}, id="officer-no-police-number"
    ),
    pytest.param(
        {"role": Role.OFFICER, "unit": "east_station", "police_number": "370001", "is_sworn": False},
        {"is_sworn"},
        id="officer-not-sworn",
    ),
    pytest.param({"role": Role.OFFICER, "unit": "east", "police_number": "370001"}, {"unit"}, id="officer-district"),
    pytest.param({"role": Role.AUXILIARY, "unit": "city"}, {"unit"}, id="auxiliary-city"),
    pytest.param(
        {"role": Role.STATION_SUPERVISOR, "unit": "east", "police_number": "370001"},
        {"unit"},
        id="station-sup-district",
    ),
    pytest.param(
        {"role": Role.BUREAU_SUPERVISOR, "unit": "east_station", "police_number": "370001"},
        {"unit"},
        id="bureau-sup-station",
    ),
    pytest.param(
        {"role": Role.BUREAU_SUPERVISOR, "unit": "east"}, {"is_sworn", "police_number"}, id="bureau-sup-no-pn"
    ),
]


@pytest.mark.parametrize(("arguments", "fields"), STAFF_RULES)
def test_staff_create_refuses_what_the_rules_forbid_and_leaves_no_user(org, arguments, fields):
    arguments = {**arguments, "unit": org[arguments["unit"]]}

    with pytest.raises(ValidationError) as excinfo:
        services.staff_create(username="half", password="Long-Enough-1", **arguments)

    assert error_fields(excinfo) == fields
    assert not User.objects.filter(username="half").exists()
    assert not Staff.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_a_refused_staff_member_leaves_no_committed_user(org):
    """The same with real commits (no test transaction around it): the user's INSERT is rolled back."""
    users_before = User.objects.count()

    with pytest.raises(ValidationError):
        services.staff_create(
            username="half", password="Long-Enough-1", unit=org["east"], role=Role.OFFICER, police_number="370001"
        )

    assert User.objects.count() == users_before
    assert not User.objects.filter(username="half").exists()


def test_a_police_number_belongs_to_one_person(org):
    services.staff_create(
        username="first", password=None, unit=org["east_station"], role=Role.OFFICER, police_number="370001"
    )

    with pytest.raises(ValidationError) as excinfo:
        services.staff_create(
            username="second", password=None, unit=org["west_station"], role=Role.OFFICER, police_number="370001"
        )

    assert error_fields(excinfo) == {"police_number"}
    assert not User.objects.filter(username="second").exists()


def test_a_username_belongs_to_one_person(org):
    services.staff_create(username="same", password=None, unit=org["east_station"], role=Role.AUXILIARY)

    with pytest.raises(ValidationError) as excinfo:
        services.staff_create(username="same", password=None, unit=org["west_station"], role=Role.AUXILIARY)

    assert error_fields(excinfo) == {"username"}
    assert Staff.objects.get().unit == org["east_station"]


# --- notifications ----------------------------------------------------------------------------


def test_notification_mark_read_marks_only_the_users_own(east_officer, west_officer):
    own = services.notification_send(recipient=east_officer.user, text="您有一件待办")
    others = services.notification_send(recipient=west_officer.user, text="西湖的待办")

    assert services.notification_mark_read(user=east_officer.user, notification_id=others.pk) == 0
    assert services.notification_mark_read(user=east_officer.user, notification_id=own.pk) == 1

    assert Notification.objects.get(pk=others.pk).read_at is None
    first_read_at = Notification.objects.get(pk=own.pk).read_at
    assert first_read_at is not None
    # Marking again changes nothing.
    assert services.notification_mark_read(user=east_officer.user, notification_id=own.pk) == 0
    assert Notification.objects.get(pk=own.pk).read_at == first_read_at


def test_notifications_mark_all_read_marks_only_the_users_own(east_officer, west_officer):
    for text in ("一", "二"):
        services.notification_send(recipient=east_officer.user, text=text)
    services.notification_send(recipient=west_officer.user, text="三")

    assert services.notifications_mark_all_read(user=east_officer.user) == 2

    assert not Notification.objects.unread().filter(recipient=east_officer.user).exists()
    assert Notification.objects.unread().filter(recipient=west_officer.user).count() == 1


def test_notification_send_refuses_an_overlong_text(east_officer):
    with pytest.raises(ValidationError) as excinfo:
        services.notification_send(recipient=east_officer.user, text="长" * 501)

    assert error_fields(excinfo) == {"text"}
    assert not Notification.objects.exists()


# --- holiday_set ------------------------------------------------------------------------------


def test_holiday_set_creates_then_updates_the_same_row(db):
    created = services.holiday_set(date=date(2027, 2, 10), kind=DayKind.HOLIDAY, name="春节")

    updated = services.holiday_set(date=date(2027, 2, 10), kind=DayKind.WORKDAY, name="春节调休上班")

    assert updated.pk == created.pk
    stored = Holiday.objects.get()
    assert (stored.date, stored.kind, stored.name) == (date(2027, 2, 10), DayKind.WORKDAY, "春节调休上班")


@pytest.mark.parametrize(("kind", "name", "field"), [("bogus", "春节", "kind"), (DayKind.HOLIDAY, "", "name")])
def test_holiday_set_refuses_bad_input(db, kind, name, field):
    with pytest.raises(ValidationError) as excinfo:
        services.holiday_set(date=date(2027, 2, 10), kind=kind, name=name)

    assert error_fields(excinfo) == {field}
    assert not Holiday.objects.exists()
