import pytest

from hukou.tests.factories import RESIDENCE_PERMIT_1Y, make_service_type


@pytest.fixture
def permit(db):
    """Seed 004's one-year residence permit, under its real code."""
    return make_service_type(RESIDENCE_PERMIT_1Y, code="residence-permit-1y")


@pytest.fixture
def mixed(db):
    """A service with required, conditional, one-of and deferrable materials."""
    return make_service_type(name="出生登记测试")


@pytest.fixture
def staff(org):
    """Staff of every role at station S1 (district D1), an officer at S2, and the supervisors above."""
    from windows.models import Role
    from windows.tests.factories import ServiceWindowFactory, StaffFactory

    east, west = org["east_station"], org["west_station"]
    return {
        "officer": StaffFactory(username="officer", unit=east, role=Role.OFFICER).user,
        "officer2": StaffFactory(username="officer2", unit=east, role=Role.OFFICER).user,
        "auxiliary": StaffFactory(username="auxiliary", unit=east, role=Role.AUXILIARY).user,
        "chief": StaffFactory(username="chief", unit=east, role=Role.STATION_SUPERVISOR).user,
        "district": StaffFactory(username="district", unit=org["east"], role=Role.BUREAU_SUPERVISOR).user,
        "city": StaffFactory(username="city", unit=org["city"], role=Role.BUREAU_SUPERVISOR).user,
        "admin": StaffFactory(username="admin", unit=org["city"], role=Role.ADMIN).user,
        "other_district": StaffFactory(username="other-district", unit=org["west"], role=Role.BUREAU_SUPERVISOR).user,
        "other_officer": StaffFactory(username="other-officer", unit=west, role=Role.OFFICER).user,
        "window": ServiceWindowFactory(station=east, number=1),
    }
