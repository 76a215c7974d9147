"""The history generator of the benchmarks: a small run on the test database must be data the services
could have written, and the rollups built from it must agree with the raw rows."""

import io
import os
from datetime import date, datetime, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.models import Count, F, Sum

from compliance.management.commands.generate_history import ALREADY, WorkingDays
from compliance.models import MonthlyFigures, RollupState
from evaluations.models import (
    Appeal,
    AppealStatus,
    CallList,
    CallListEntry,
    Evaluation,
    FollowUpCall,
    Rectification,
    RectificationStatus,
)
from hukou.models import Case, CaseDocument, CaseEvent, CaseStatus, DocumentKind
from windows.models import Role, ServiceWindow, Staff, Unit, UnitKind
from windows.workdays import add_working_days, working_days_between

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
# Three months up to this moment take in National Day 2026 (1–8 October off, 9 and 10 October worked).
NOW = datetime(2026, 10, 20, 15, 30, tzinfo=SHANGHAI)
MONTHS = [date(2026, 8, 1), date(2026, 9, 1), date(2026, 10, 1)]


def _generate(*extra: str) -> str:
    out = io.StringIO()
    call_command("generate_history", "--cases", "2000", "--months", "3", "--windows", "6", *extra, stdout=out)
    return out.getvalue()


@pytest.fixture
def history(db):
    with open(os.devnull, "w") as devnull:
        call_command("load_catalog", stdout=devnull)
        call_command("seed_demo", stdout=devnull)
    with time_machine.travel(NOW, tick=False):
        output = _generate()
    bench = Unit.objects.filter(kind=UnitKind.STATION, staff__user__username__startswith="bench.").distinct()
    return {"output": output, "stations": list(bench)}


def test_the_bench_organisation_and_the_counts(history):
    stations = history["stations"]
    assert len(stations) == 2  # six windows, three a station
    assert all(s.parent.parent.kind == UnitKind.CITY for s in stations)
    windows = ServiceWindow.objects.filter(station__in=stations)
    assert windows.count() == 6
    officers = Staff.objects.filter(unit__in=stations, role=Role.OFFICER)
    assert 12 <= officers.count() <= 18
    assert Staff.objects.filter(unit__in=stations, role=Role.STATION_SUPERVISOR).count() == 2

    cases = Case.objects.filter(station__in=stations)
    assert cases.count() == Case.objects.count() == 2000
    # every case at a window of its own station, taken in by an officer of that station
    assert not cases.exclude(window__station=F("station")).exists()
    assert not cases.exclude(officer__staff__unit=F("station"), officer__staff__role=Role.OFFICER).exists()
    # spread over the three months, never in the future
    by_month = dict(cases.values_list("created_at__month").annotate(n=Count("pk")).order_by())
    assert set(by_month) == {8, 9, 10} and all(n > 300 for n in by_month.values())
    assert not cases.filter(created_at__gt=NOW).exists()
    assert not CaseEvent.objects.filter(at__gt=NOW).exists()
    assert "rollups (rollup_rebuild)" in history["output"]

    # The command wrote inside the test's transaction, where the deferred foreign keys wait for the
    # commit: checking them now fails on any row that points nowhere.
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")


def test_each_case_has_a_lifecycle_the_services_could_have_written(history):
    cases = Case.objects.all()
    done = cases.filter(status=CaseStatus.COMPLETED)
    share = done.count() / cases.count()
    assert 0.85 < share < 0.99
    assert not cases.filter(completed_at__isnull=False).exclude(status=CaseStatus.COMPLETED).exists()
    assert not done.filter(completed_at__isnull=True).exists()
    assert not done.filter(accepted_on__isnull=True).exists()
    assert not cases.filter(status__in=[CaseStatus.ACCEPTED, CaseStatus.IN_REVIEW], accepted_on__isnull=True).exists()
    assert not cases.filter(completed_at__lt=F("created_at")).exists()
    late = done.filter(completed_at__date__gt=F("due_on")).count() / done.count()
    assert 0.005 < late < 0.06
    assert set(cases.values_list("trips", flat=True)) <= {0, 1, 2, 3}
    assert cases.filter(trips=2).exists() and cases.filter(trips=3).exists()
    # overdue and open, as the last weeks leave some
    assert cases.filter(status=CaseStatus.ACCEPTED, due_on__lt=NOW.date()).exists()

    # the committed date is the service's time limit in working days (a same-day service: that day)
    accepted = list(
        cases.filter(supplement_due_on__isnull=True, accepted_on__isnull=False).select_related("service_type")[:300]
    )
    assert len(accepted) == 300 and len({case.service_type.time_limit_days for case in accepted}) > 1
    for case in accepted:
        limit = case.service_type.time_limit_days
        assert case.due_on == (add_working_days(case.accepted_on, limit) if limit else case.accepted_on)

    # 容缺: a few, each with the supplement event when supplied, the deadline never after the due date
    deficient = cases.filter(supplement_due_on__isnull=False)
    assert 0.01 < deficient.count() / cases.count() < 0.06
    assert not deficient.filter(supplement_due_on__gt=F("due_on")).exists()
    supplied = CaseEvent.objects.filter(action="accept", from_status=CaseStatus.ACCEPTED_DEFICIENT)
    assert supplied.count() == deficient.exclude(status=CaseStatus.ACCEPTED_DEFICIENT).count()

    # the events tell the same story: the last transition's status is the case's, completion at its time
    sample = list(cases.order_by("?")[:200])
    assert len(sample) == 200
    for case in sample:
        moves = [e for e in case.events.order_by("at", "id") if e.to_status]
        assert moves[0].action == "create" and moves[-1].to_status == case.status
        assert all(a.to_status == b.from_status for a, b in pairwise(moves))
        if case.completed_at:
            assert moves[-1].action in ("complete", "approve") and moves[-1].at == case.completed_at
        assert case.events.order_by("at", "id").last().at == case.updated_at

    # one-time notices for about one case in ten, each case's at most once
    notices = CaseDocument.objects.filter(kind=DocumentKind.ONE_TIME_NOTICE)
    assert 0.05 < notices.count() / cases.count() < 0.15
    assert notices.values("case").distinct().count() == notices.count()
    assert notices.count() == CaseEvent.objects.filter(action="notify").count()


def test_ratings_rectifications_appeals_and_call_lists(history):
    completed = Case.objects.filter(status=CaseStatus.COMPLETED)
    ratings = Evaluation.objects.all()
    assert 0.8 < ratings.count() / completed.count() < 0.95
    assert not ratings.exclude(case__status=CaseStatus.COMPLETED).exists()
    assert not ratings.exclude(event__case=F("case")).exists()
    assert not ratings.exclude(event__action__in=["complete", "approve"]).exists()
    assert not ratings.exclude(
        window=F("case__window"), officer=F("case__officer"), station=F("case__station")
    ).exists()
    assert not ratings.filter(created_at__lt=F("case__completed_at")).exists()
    assert ratings.filter(level__gte=4).count() / ratings.count() > 0.9
    bad = ratings.filter(level__lte=2)
    assert bad.exists() and Rectification.objects.count() == bad.count()
    rectifications = Rectification.objects.all()
    assert not rectifications.filter(closed_at__isnull=False).exclude(status=RectificationStatus.CLOSED).exists()
    assert not rectifications.filter(status=RectificationStatus.CLOSED, closed_at__isnull=True).exists()

    appeals = Appeal.objects.all()
    assert appeals.exists() and appeals.filter(status=AppealStatus.RESOLVED).exists()
    for appeal in appeals:  # last written at its last step, never at the generator's own time
        assert appeal.updated_at == appeal.events.order_by("at", "id").last().at

    # call lists: one per station of each month that ended, with entries and calls
    lists = CallList.objects.all()
    assert set(lists.values_list("month", flat=True)) == {date(2026, 8, 1), date(2026, 9, 1)}
    assert lists.count() == 4
    assert not CallListEntry.objects.exclude(case__status=CaseStatus.COMPLETED).exists()
    assert not CallListEntry.objects.exclude(case__station=F("call_list__station")).exists()
    assert FollowUpCall.objects.exists()
    assert not FollowUpCall.objects.filter(called_at__lt=F("entry__case__completed_at")).exists()


def test_the_rollups_equal_the_raw_counts(history):
    figures = MonthlyFigures.objects.all()
    assert set(figures.values_list("month", flat=True)) == set(MONTHS)
    totals = figures.aggregate(received=Sum("received"), completed=Sum("completed"), ratings=Sum("ratings"))
    assert totals == {
        "received": Case.objects.count(),
        "completed": Case.objects.filter(completed_at__isnull=False).count(),
        "ratings": Evaluation.objects.count(),
    }
    for month in MONTHS:
        end = (month + timedelta(days=32)).replace(day=1)
        assert (
            figures.filter(month=month).aggregate(n=Sum("received"))["n"]
            == Case.objects.filter(created_at__date__gte=month, created_at__date__lt=end).count()
        )
    assert RollupState.objects.get().changes_since == NOW


def test_a_second_run_stops_and_leaves_the_organisation_as_it_was(history):
    units, staff = Unit.objects.count(), Staff.objects.count()
    with time_machine.travel(NOW, tick=False), pytest.raises(CommandError, match=ALREADY):
        _generate()
    assert (Unit.objects.count(), Staff.objects.count(), Case.objects.count()) == (units, staff, 2000)


def test_the_cached_working_days_answer_as_the_calendar_does(db):
    """Across National Day 2026 and its make-up Saturday (10 October)."""
    days = WorkingDays(date(2026, 9, 1), date(2027, 1, 31))
    for offset in range(0, 60, 3):
        start = date(2026, 9, 20) + timedelta(days=offset)
        for n in (1, 3, 5, 20):
            assert days.add(start, n) == add_working_days(start, n)
        end = start + timedelta(days=17)
        assert days.between(start, end) == working_days_between(start, end)
