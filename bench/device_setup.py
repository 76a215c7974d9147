"""Counter devices for bench/device_poll.sh: DEVICES windows at the first demo station, each with a paired
device, and the generated cases' events spread over those windows (so the device's read runs against
millions of events). Writes bench/devices.txt, one token per line. With ``--fresh N``: N of the windows
get an event of now (a live prompt for the next 2 minutes); the others stay idle.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/hukou_bench .venv/bin/python bench/device_setup.py
"""

import os
import secrets
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.bench")

import django

django.setup()

from django.db import connection, transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

from evaluations.models import Device  # noqa: E402
from evaluations.services.devices import device_token  # noqa: E402
from hukou.models import Case, CaseEvent  # noqa: E402
from windows.models import ServiceWindow, Unit, UnitKind  # noqa: E402

DEVICES = int(os.environ.get("DEVICES", "50"))
FIRST_NUMBER = 100
OUT = Path(__file__).resolve().parent / "devices.txt"


def windows() -> list[ServiceWindow]:
    station = Unit.objects.filter(kind=UnitKind.STATION).order_by("code").first()
    found = []
    for number in range(FIRST_NUMBER, FIRST_NUMBER + DEVICES):
        window, _ = ServiceWindow.objects.get_or_create(station=station, number=number, defaults={"name": "压测窗口"})
        found.append(window)
    return found


@transaction.atomic
def setup() -> None:
    bench_windows = windows()
    ids = [w.pk for w in bench_windows]
    with connection.cursor() as cursor:  # every event at one of the bench windows, by case id
        cursor.execute(
            "UPDATE hukou_caseevent SET window_id = (%s::int[])[1 + case_id %% %s] WHERE window_id IS NULL",
            [ids, len(ids)],
        )
        print(f"{cursor.rowcount} events spread over {len(ids)} windows")
        cursor.execute("ANALYZE hukou_caseevent")
    tokens = []
    for window in bench_windows:
        device = Device.objects.filter(window=window).first() or Device(window=window, station=window.station)
        device.token_nonce = secrets.token_hex(16)
        device.paired_at = device.paired_at or timezone.now()
        device.save()
        tokens.append(device_token(device))
    OUT.write_text("\n".join(tokens) + "\n")
    print(f"{len(tokens)} devices; tokens in {OUT}; {CaseEvent.objects.count()} events in all")


@transaction.atomic
def fresh(count: int) -> None:
    """A completion of now at ``count`` of the windows: their devices show a prompt (200, rendered)."""
    case = Case.objects.order_by("pk").first()
    for window in windows()[:count]:
        CaseEvent.objects.create(case=case, actor_id=case.officer_id, action="complete", window=window)


if __name__ == "__main__":
    if sys.argv[1:2] == ["--fresh"]:
        fresh(int(sys.argv[2]))
    else:
        setup()
