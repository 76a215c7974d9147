import pytest

from evaluations.tests.factories import same_day_service
from hukou.tests.conftest import staff  # noqa: F401  (the two-units staff of every permission test)


@pytest.fixture
def service(db):
    """A same-day service: taken in, accepted and completed at the counter."""
    return same_day_service()
