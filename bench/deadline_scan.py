"""The deadline job on the benchmark database: each kind's query plan (EXPLAIN ANALYZE), then the whole
scan timed, inside a transaction that is rolled back so that the run can be repeated.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/hukou_bench .venv/bin/python bench/deadline_scan.py
"""

import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.bench")

import django

django.setup()

from django.db import transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

from hukou.models import OPEN_STATUSES, Case  # noqa: E402
from hukou.services import deadlines  # noqa: E402

today = timezone.localdate()
print(f"{Case.objects.count()} cases, {Case.objects.filter(status__in=OPEN_STATUSES).count()} open; today {today}")
with transaction.atomic():
    for kind in deadlines.KINDS:  # the job's own claim queries
        print(f"\n-- {kind.report_field}\n{deadlines.claimable(kind, today).explain(analyze=True, buffers=True)}")
    transaction.set_rollback(True)

for attempt in ("first run (flags and notifies)", "second run (nothing new)"):
    with transaction.atomic():
        started = time.perf_counter()
        report = deadlines.deadlines_scan(today=today)
        seconds = time.perf_counter() - started
        counts = {name: len(numbers) for name, numbers in vars(report).items()}
        if attempt.startswith("first"):
            first = counts
        else:
            transaction.set_rollback(True)
    print(f"\n{attempt}: {seconds:.2f} s  {counts}")
# Undo the first run's flags so that the benchmark can be repeated on the same data.
with transaction.atomic():
    Case.objects.update(warned_at=None, overdue_on=None, supplement_overdue_on=None, deemed_accepted_on=None)
    from windows.models import Notification

    Notification.objects.all().delete()
print(f"\n(flags of the first run cleared: {first})")
