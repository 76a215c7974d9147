"""Staff of the two districts of the ``org`` fixture (top-level conftest): one officer at each station."""

import pytest

from windows.models import Role
from windows.tests.factories import StaffFactory


@pytest.fixture
def east_officer(org):
    return StaffFactory(username="east-officer", police_number="E0001", unit=org["east_station"], role=Role.OFFICER)


@pytest.fixture
def west_officer(org):
    return StaffFactory(username="west-officer", police_number="W0001", unit=org["west_station"], role=Role.OFFICER)
