from datetime import datetime
from zoneinfo import ZoneInfo

import time_machine

from notices.backends.database import DatabaseBackend
from notices.models import SmsStatus
from notices.services import sms_send
from notices.tests.factories import make_sms

SHANGHAI = ZoneInfo("Asia/Shanghai")


@time_machine.travel(datetime(2026, 11, 23, 10, 0, tzinfo=SHANGHAI), tick=False)
def test_a_message_goes_through_the_database_backend(org):
    message = make_sms(unit=org["east_station"])
    assert "东关派出所" in message.text and "${" not in message.text
    sent = sms_send(message_id=message.pk, backend=DatabaseBackend())
    assert sent.status == SmsStatus.SENT
    assert sent.provider_message_id == f"db-{message.pk}"


@time_machine.travel(datetime(2026, 11, 23, 22, 30, tzinfo=SHANGHAI), tick=False)
def test_at_night_it_waits_for_the_morning(org):
    message = make_sms(unit=org["east_station"])
    deferred = sms_send(message_id=message.pk, backend=DatabaseBackend())
    assert deferred.status == SmsStatus.DEFERRED
    assert deferred.send_after == datetime(2026, 11, 24, 8, 0, tzinfo=SHANGHAI)
