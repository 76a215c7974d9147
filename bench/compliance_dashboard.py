"""The compliance dashboard's server time, in one process (Django's test client: the whole request through
middleware, view and template, no network): the city page of a full month as the city's supervisor, a
station's page as its chief, and the same station drilled into from the city. Each page is requested
--warmup times, then --requests times; p50, p95 and max of the wall time per request, with the number of
SQL statements and the time spent in them (median).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/hukou_bench REDIS_URL=redis://127.0.0.1:6379/15 \\
        .venv/bin/python bench/compliance_dashboard.py [--month 2026-10] [--station 370151001] [--requests 50]

Needs ``manage.py generate_history`` on that database.
"""

import argparse
import math
import os
import statistics
import sys
import time
from datetime import datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.bench")

import django

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.urls import reverse  # noqa: E402
from django.utils import timezone  # noqa: E402

from compliance.figures import month_start, previous_month  # noqa: E402
from compliance.models import MonthlyFigures  # noqa: E402
from windows.models import Role, Staff, Unit, UnitKind  # noqa: E402


class SqlTimer:
    """Counts the statements of a request and the time spent in them (``connection.execute_wrapper``)."""

    def __init__(self):
        self.statements = 0
        self.seconds = 0.0

    def __call__(self, execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.seconds += time.perf_counter() - started
            self.statements += 1


def percentile(values: list[float], p: float) -> float:
    """Nearest rank."""
    ordered = sorted(values)
    return ordered[max(1, math.ceil(p * len(ordered))) - 1]


def measure(label: str, call, warmup: int, requests: int) -> dict:
    for _ in range(warmup):
        call()
    times, sql_times, statements = [], [], []
    for _ in range(requests):
        timer = SqlTimer()
        with connection.execute_wrapper(timer):
            started = time.perf_counter()
            call()
            times.append((time.perf_counter() - started) * 1000)
        sql_times.append(timer.seconds * 1000)
        statements.append(timer.statements)
    row = {
        "label": label,
        "p50": percentile(times, 0.5),
        "p95": percentile(times, 0.95),
        "max": max(times),
        "sql": statistics.median(sql_times),
        "statements": statistics.median(statements),
    }
    print(
        f"{label:<58} p50 {row['p50']:7.1f} ms   p95 {row['p95']:7.1f} ms   max {row['max']:7.1f} ms   "
        f"SQL {row['statements']:.0f} statements, {row['sql']:.1f} ms (median)"
    )
    return row


def page(client: Client, url: str):
    def call():
        response = client.get(url, HTTP_HOST="127.0.0.1")
        assert response.status_code == 200, (url, response.status_code)

    return call


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--month", help="YYYY-MM, a full month (default: the month before this one)")
    parser.add_argument("--station", help="a station's code (default: the first bench station)")
    parser.add_argument("--requests", type=int, default=50)
    parser.add_argument("--warmup", type=int, default=5)
    args = parser.parse_args()

    month = (
        datetime.strptime(args.month, "%Y-%m").date()
        if args.month
        else previous_month(month_start(timezone.localdate()))
    )
    city = Unit.objects.get(kind=UnitKind.CITY)
    city_chief = Staff.objects.filter(unit=city, role=Role.BUREAU_SUPERVISOR).select_related("user").first()
    chiefs = Staff.objects.filter(role=Role.STATION_SUPERVISOR, user__username__startswith="bench.")
    if args.station:
        chiefs = chiefs.filter(unit__code=args.station)
    station_chief = chiefs.select_related("unit", "user").order_by("unit__path").first()
    if city_chief is None or station_chief is None:
        sys.exit("No city supervisor or bench station chief: run seed_demo and generate_history first.")
    station = station_chief.unit
    cells = MonthlyFigures.objects.filter(month=month)
    print(
        f"month {month:%Y-%m}: {cells.count()} rollup cells in the city, "
        f"{cells.filter(unit_path__startswith=station.path).count()} at {station.code} {station.name}; "
        f"{MonthlyFigures.objects.count()} cells in all"
    )
    url = reverse("compliance:dashboard")
    # The page is rendered as in production: static files from the manifest collectstatic writes.
    call_command("collectstatic", interactive=False, verbosity=0)
    as_city, as_station = Client(), Client()
    as_city.force_login(city_chief.user)
    as_station.force_login(station_chief.user)
    query = f"month={month:%Y-%m}"
    measure(f"city page as {city_chief.user.username}", page(as_city, f"{url}?{query}"), args.warmup, args.requests)
    measure(
        f"station page as {station_chief.user.username}",
        page(as_station, f"{url}?unit={station.code}&{query}"),
        args.warmup,
        args.requests,
    )
    measure(
        f"station page drilled into by {city_chief.user.username}",
        page(as_city, f"{url}?unit={station.code}&{query}"),
        args.warmup,
        args.requests,
    )


if __name__ == "__main__":
    main()
