"""The rollups' beat job (``rollup_catch_up``) on the benchmark database: how many (month, station) pairs
it recomputes and how long it takes, with nothing changed and after a burst of changes (--complete open
cases completed through a plain UPDATE that also sets ``updated_at``, with their events, and --rate new
ratings of completed cases), and the day's first run (which also recomputes the pairs the calendar
moved: every station's current and previous month). Everything runs in one transaction that is rolled
back, so that the run can be repeated on the same data.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/hukou_bench REDIS_URL=redis://127.0.0.1:6379/15 \\
        .venv/bin/python bench/compliance_refresh.py [--complete 500] [--rate 200]

Needs ``manage.py generate_history`` on that database (it leaves the watermark at its own end).
"""

import argparse
import os
import sys
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.bench")

import django

django.setup()

from django.db import connection, transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

from compliance.models import MonthlyFigures, RollupState  # noqa: E402
from compliance.services.rollups import OVERLAP, changed_pairs, rollup_catch_up  # noqa: E402
from windows.models import Unit  # noqa: E402

COMPLETE = """
    WITH chosen AS (
        SELECT id FROM hukou_case WHERE status = 'accepted' ORDER BY random() LIMIT %(n)s
    ), done AS (
        UPDATE hukou_case c SET status = 'completed', completed_at = %(now)s, updated_at = %(now)s,
               version = c.version + 1, updated_by_id = c.officer_id
        FROM chosen WHERE c.id = chosen.id
        RETURNING c.id, c.officer_id, c.window_id
    )
    INSERT INTO hukou_caseevent (case_id, actor_id, at, action, from_status, to_status, note, window_id)
    SELECT id, officer_id, %(now)s, 'complete', 'accepted', 'completed', '', window_id FROM done
"""
RATE = """
    INSERT INTO evaluations_evaluation (case_id, event_id, station_id, window_id, officer_id, channel, level,
                                        reasons, comment, contact_phone, created_at)
    SELECT c.id,
           (SELECT max(e.id) FROM hukou_caseevent e WHERE e.case_id = c.id AND e.action IN ('complete', 'approve')),
           c.station_id, c.window_id, c.officer_id, 'sms', 5, '[]', '', c.phone, %(now)s
    FROM hukou_case c
    WHERE c.completed_at >= %(since)s AND c.status = 'completed'
      AND NOT EXISTS (SELECT 1 FROM evaluations_evaluation v WHERE v.case_id = c.id)
    ORDER BY random() LIMIT %(n)s
"""


def run(label: str, total: int) -> dict:
    state = RollupState.objects.get(pk=1)
    now = timezone.now()
    started = time.perf_counter()
    pairs = changed_pairs(state.changes_since - OVERLAP, now)
    finding = time.perf_counter() - started
    first_today = state.refreshed_on != timezone.localdate()
    started = time.perf_counter()
    summary = rollup_catch_up(now=now)
    seconds = time.perf_counter() - started
    print(
        f"{label:<44} {seconds:6.2f} s   {summary['pairs']:5d} of {total} (month, station) pairs recomputed "
        f"({summary['months']} months, {summary['cells']} cells written); changed_pairs alone {finding:.2f} s, "
        f"{len(pairs)} pairs{'; first run of the day: + clock_pairs' if first_today else ''}"
    )
    return summary


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--complete", type=int, default=500)
    parser.add_argument("--rate", type=int, default=200)
    args = parser.parse_args()
    state = RollupState.objects.filter(pk=1).first()
    if state is None or state.changes_since is None:
        sys.exit("No rollups yet: run manage.py generate_history first.")
    months = MonthlyFigures.objects.values("month").distinct().count()
    stations = Unit.objects.stations().count()
    total = months * stations
    print(
        f"{MonthlyFigures.objects.count()} cells over {months} months × {stations} stations; "
        f"watermark {timezone.localtime(state.changes_since):%Y-%m-%d %H:%M:%S}, last run on {state.refreshed_on}"
    )
    with transaction.atomic():
        if state.refreshed_on == timezone.localdate():
            # as if the last run had been yesterday: the day's first run adds the pairs the clock moved
            RollupState.objects.filter(pk=1).update(refreshed_on=timezone.localdate() - timedelta(days=1))
        run("first run of the day, nothing changed", total)
        run("nothing changed", total)
        now = timezone.now()
        with connection.cursor() as cursor:
            cursor.execute(COMPLETE, {"n": args.complete, "now": now})
            completed = cursor.rowcount
            cursor.execute(RATE, {"n": args.rate, "now": now, "since": now - timedelta(days=30)})
            rated = cursor.rowcount
        run(f"{completed} cases completed, {rated} new ratings", total)
        transaction.set_rollback(True)
    print("(rolled back: the database is as it was)")


if __name__ == "__main__":
    main()
