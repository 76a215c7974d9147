"""Where the rollups spend their time: for each month asked for, one ``rollup_refresh`` of every station
(rolled back), then each query of ``compute_cells`` timed on its own, and with --explain the plan of the
slowest one (EXPLAIN (ANALYZE, BUFFERS)).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/hukou_bench REDIS_URL=redis://127.0.0.1:6379/15 \\
        .venv/bin/python bench/compliance_rollup_plans.py [--month 2026-10 --month 2026-11] [--explain]
"""

import argparse
import os
import sys
import time
from datetime import datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.bench")

import django

django.setup()

from django.db import transaction  # noqa: E402
from django.db.models import Count, Exists, F, OuterRef, Q  # noqa: E402
from django.db.models.functions import TruncDate  # noqa: E402
from django.utils import timezone  # noqa: E402

from compliance import figures  # noqa: E402
from compliance.figures import SOURCES, Period, count_expressions, month_start, previous_month  # noqa: E402
from compliance.services.rollups import _cell_values, rollup_refresh  # noqa: E402
from hukou.models import Case, CaseEvent  # noqa: E402
from hukou.services import Action  # noqa: E402


def correlated_stops(p: Period) -> Q:
    """The first form of ``figures._stopped_at_cutoff`` (correlated ``EXISTS`` under an ``OR``), kept to
    measure what its replacement saved (--correlated-stops); the same cases."""
    stopped_now = Q(status__in=figures._STOPPED)
    if not p.is_closed:
        return stopped_now
    ended = CaseEvent.objects.filter(case=OuterRef("pk"), action__in=[Action.REJECT, Action.WITHDRAW], at__lt=p.cutoff)
    resumed = CaseEvent.objects.filter(
        case=OuterRef("case"), action=Action.RESUME, pk__gt=OuterRef("pk"), at__lt=p.cutoff
    )
    suspended = CaseEvent.objects.filter(case=OuterRef("pk"), action=Action.SUSPEND, at__lt=p.cutoff).filter(
        ~Exists(resumed)
    )
    return (Q(updated_at__lt=p.cutoff) & stopped_now) | (
        Q(updated_at__gte=p.cutoff) & (Q(Exists(ended)) | Q(Exists(suspended)))
    )


def timed(call) -> tuple[float, object]:
    started = time.perf_counter()
    result = call()
    return time.perf_counter() - started, result


def month_report(month, explain: bool) -> None:
    period = Period.of(month)
    with transaction.atomic():
        seconds, cells = timed(lambda: rollup_refresh(month=month))
        transaction.set_rollback(True)
    print(f"\n{month:%Y-%m} ({'closed' if period.is_closed else 'current'}): rollup_refresh of every station "
          f"{seconds:.2f} s, {cells} cells")  # fmt: skip
    slowest, queries = (0.0, ""), {}
    for source in SOURCES.values():
        qs = (
            source.model.objects.filter(source.in_month(period))
            .values(**_cell_values(source))
            .annotate(**count_expressions(source.key, period))
            .order_by()
        )
        seconds, rows = timed(lambda qs=qs: list(qs))
        print(f"  {source.key:<10} {seconds:6.2f} s  {len(rows)} cells")
        slowest = max(slowest, (seconds, source.key), key=lambda s: s[0])
        queries[source.key] = qs
    completed = Case.objects.filter(SOURCES["completed"].in_month(period), accepted_on__isnull=False)
    pairs = (
        completed.values(
            **_cell_values(SOURCES["completed"]), accepted=F("accepted_on"), done=TruncDate("completed_at")
        )
        .annotate(n=Count("pk"))
        .order_by()
    )
    seconds, rows = timed(lambda: list(pairs))
    print(f"  {'days':<10} {seconds:6.2f} s  {len(rows)} (accepted, completed) pairs read")
    figures.working_days_to_complete.cache_clear()
    seconds, _ = timed(
        lambda: [figures.working_days_to_complete(r["accepted"], r["done"]) for r in rows if r["done"] > r["accepted"]]
    )
    print(f"  {'':<10} {seconds:6.2f} s  working days counted ({figures.working_days_to_complete.cache_info().misses} "
          f"distinct pairs through windows.workdays)")  # fmt: skip
    if explain:
        plan = queries[slowest[1]].explain(analyze=True, buffers=True)
        print(f"\n  the plan of the slowest, {slowest[1]}:\n")
        print("\n".join("    " + line for line in plan.splitlines()))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--month", action="append", help="YYYY-MM (repeatable; default: the last closed month)")
    parser.add_argument("--explain", action="store_true")
    parser.add_argument("--correlated-stops", action="store_true", help="measure the first form of the overdue query")
    args = parser.parse_args()
    if args.correlated_stops:
        figures._stopped_at_cutoff = correlated_stops
        print("with the first form of _stopped_at_cutoff (correlated EXISTS)")
    months = [datetime.strptime(m, "%Y-%m").date() for m in args.month or []] or [
        previous_month(month_start(timezone.localdate()))
    ]
    for month in months:
        month_report(month, args.explain)


if __name__ == "__main__":
    main()
