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
