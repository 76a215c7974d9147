"""Who sees and acts on which unit. Every case is checked from both districts of the ``org`` fixture."""

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser

from windows import access, selectors
from windows.models import Role, ServiceWindow, Unit
from windows.tests.factories import DistrictFactory, ServiceWindowFactory, StaffFactory, StationFactory

User = get_user_model()

ALL_UNITS = {"C1", "D1", "S1", "D2", "S2"}


@pytest.fixture
def people(org, east_officer, west_officer):
    """One member of staff of each kind on each side, keyed ``<role>@<unit code>``."""
    made = {"officer@S1": east_officer, "officer@S2": west_officer}
    for role, unit_key, code in [
        (Role.AUXILIARY, "east_station", "S1"),
        (Role.AUXILIARY, "west_station", "S2"),
        (Role.STATION_SUPERVISOR, "east_station", "S1"),
        (Role.STATION_SUPERVISOR, "west_station", "S2"),
        (Role.BUREAU_SUPERVISOR, "east", "D1"),
        (Role.BUREAU_SUPERVISOR, "west", "D2"),
        (Role.BUREAU_SUPERVISOR, "city", "C1"),
        (Role.ADMIN, "east", "D1"),
        (Role.ADMIN, "city", "C1"),
    ]:
        made[f"{role}@{code}"] = StaffFactory(username=f"{role}-{code}", unit=org[unit_key], role=role)
    return {key: staff.user for key, staff in made.items()}


@pytest.fixture
def service_windows(org):
    return {
        "S1": ServiceWindowFactory(station=org["east_station"], number=1),
        "S2": ServiceWindowFactory(station=org["west_station"], number=1),
    }


def visible_codes(user) -> set[str]:
    return set(access.units_visible_to(user).values_list("code", flat=True))


SCOPES = {
    "officer@S1": {"S1"},
    "officer@S2": {"S2"},
    "auxiliary@S1": {"S1"},
    "auxiliary@S2": {"S2"},
    "station_supervisor@S1": {"S1"},
    "station_supervisor@S2": {"S2"},
    "bureau_supervisor@D1": {"D1", "S1"},
    "bureau_supervisor@D2": {"D2", "S2"},
    "bureau_supervisor@C1": ALL_UNITS,
    "admin@D1": {"D1", "S1"},
    "admin@C1": ALL_UNITS,
}


@pytest.mark.parametrize(("who", "expected"), SCOPES.items())
def test_units_visible_to(people, who, expected):
    assert visible_codes(people[who]) == expected


@pytest.mark.parametrize(("who", "expected"), SCOPES.items())
def test_can_see_unit_agrees_with_the_visible_units(org, people, who, expected):
    seen = {unit.code for unit in Unit.objects.all() if access.can_see_unit(people[who], unit)}
    assert seen == expected


@pytest.mark.parametrize(("who", "expected"), SCOPES.items())
def test_scope_filter_limits_windows(people, service_windows, who, expected):
    user = people[who]
    stations = expected & {"S1", "S2"}

    filtered = ServiceWindow.objects.filter(access.scope_filter(user, "station"))

    assert {window.station.code for window in filtered} == stations
    assert set(selectors.window_list(user=user)) == {service_windows[code] for code in stations}


def test_scope_root_is_the_users_unit(org, people):
    assert access.scope_root(people["officer@S1"]) == org["east_station"]
    assert access.scope_root(people["bureau_supervisor@D2"]) == org["west"]


def test_a_district_does_not_see_a_district_whose_code_starts_with_its_own(org, people):
    """Paths end in "/": D1's subtree is /C1/D1/..., which /C1/D10/... is not part of."""
    d10 = DistrictFactory(code="D10", parent=org["city"])
    s10 = StationFactory(code="S10", parent=d10)
    ServiceWindowFactory(station=s10, number=1)
    east_supervisor = people["bureau_supervisor@D1"]

    assert visible_codes(east_supervisor) == {"D1", "S1"}
    assert not access.can_see_unit(east_supervisor, s10)
    assert not ServiceWindow.objects.filter(access.scope_filter(east_supervisor, "station"), station=s10).exists()
    assert "S10" in visible_codes(people["bureau_supervisor@C1"])


# --- users without a scope --------------------------------------------------------------------


@pytest.fixture
def scopeless(db):
    return {
        "anonymous": AnonymousUser(),
        "superuser without staff record": User.objects.create_superuser("root", password="x-Long-Password-1"),
        "user without staff record": User.objects.create_user("citizen", password="x-Long-Password-1"),
        "nobody": None,
    }


@pytest.mark.parametrize("who", ["anonymous", "superuser without staff record", "user without staff record", "nobody"])
def test_without_staff_record_nothing_is_visible(org, service_windows, scopeless, who):
    user = scopeless[who]

    assert access.staff_of(user) is None
    assert access.scope_root(user) is None
    assert not access.units_visible_to(user).exists()
    assert not any(access.can_see_unit(user, unit) for unit in Unit.objects.all())
    assert not any(access.can_act_on_unit(user, unit) for unit in Unit.objects.all())
    assert not ServiceWindow.objects.filter(access.scope_filter(user, "station")).exists()
    assert not access.has_enforcement_qualification(user)
    assert not access.has_role(user, *Role)


def test_a_deactivated_member_of_staff_sees_nothing(people):
    user = people["bureau_supervisor@C1"]
    user.is_active = False
    user.save()

    assert access.staff_of(user) is None
    assert visible_codes(user) == set()


# --- acting on a unit -------------------------------------------------------------------------


ACTS_ON = {
    "officer@S1": {"S1"},
    "officer@S2": {"S2"},
    "auxiliary@S1": {"S1"},
    "auxiliary@S2": {"S2"},
    "station_supervisor@S1": {"S1"},
    "station_supervisor@S2": {"S2"},
    "bureau_supervisor@D1": {"D1", "S1"},
    "bureau_supervisor@D2": {"D2", "S2"},
    "bureau_supervisor@C1": ALL_UNITS,
    "admin@D1": {"D1", "S1"},
}


@pytest.mark.parametrize(("who", "expected"), ACTS_ON.items())
def test_can_act_on_unit(people, who, expected):
    acted_on = {unit.code for unit in Unit.objects.all() if access.can_act_on_unit(people[who], unit)}
    assert acted_on == expected


def test_enforcement_qualification(people):
    assert access.has_enforcement_qualification(people["officer@S1"])
    assert access.has_enforcement_qualification(people["officer@S2"])
    assert access.has_enforcement_qualification(people["station_supervisor@S1"])
    assert not access.has_enforcement_qualification(people["auxiliary@S1"])
    assert not access.has_enforcement_qualification(people["auxiliary@S2"])


def test_has_role(people):
    assert access.has_role(people["officer@S1"], Role.OFFICER)
    assert access.has_role(people["auxiliary@S2"], Role.OFFICER, Role.AUXILIARY)
    assert not access.has_role(people["auxiliary@S2"], Role.OFFICER)
    assert not access.has_role(people["bureau_supervisor@C1"], Role.ADMIN)
    assert access.has_role(people["admin@C1"], Role.ADMIN)
