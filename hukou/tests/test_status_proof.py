"""The status lookup's proof: a signed case number that a page of a higher app (rating the service)
takes instead of asking for the second factor again."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core import signing

from hukou.services.status import PROOF_SALT, case_status_lookup, status_proof_number
from hukou.tests.factories import make_case

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
LOOKED_UP_AT = datetime(2026, 11, 17, 10, 0, tzinfo=SHANGHAI)


@pytest.fixture
def result(staff, permit, time_machine):
    time_machine.move_to(LOOKED_UP_AT, tick=False)
    case = make_case(actor=staff["officer"], service_type=permit, phone="13912345678")
    return case_status_lookup(number=case.number, phone_suffix="5678")


def test_a_proof_gives_back_the_case_number_for_thirty_minutes(result, time_machine):
    proof = result.proof
    assert status_proof_number(proof) == result.number
    time_machine.move_to(LOOKED_UP_AT + timedelta(minutes=30), tick=False)
    assert status_proof_number(proof) == result.number
    time_machine.move_to(LOOKED_UP_AT + timedelta(minutes=30, seconds=1), tick=False)
    assert status_proof_number(proof) is None
    assert status_proof_number(proof, max_age=3600) == result.number


def test_a_tampered_or_foreign_proof_is_none(result):
    proof = result.proof
    assert status_proof_number(proof[:-1] + ("A" if proof[-1] != "A" else "B")) is None
    assert status_proof_number(signing.dumps(result.number)) is None  # signed, but not by the lookup
    assert status_proof_number(signing.dumps(42, salt=PROOF_SALT)) is None  # not a case number
    for garbage in ("", "abc", None, "a:b:c"):
        assert status_proof_number(garbage) is None


def test_the_proof_is_made_on_access_and_is_not_in_the_api_payload(result):
    from hukou.api import status_payload

    assert "proof" not in status_payload(result)
    assert result.proof != signing.dumps(result.number)
