"""The lookup service alone, in one process (no HTTP): mean time of 200 matching lookups; then what
PostgreSQL spends planning and running the lookup's read of a case (warm, unprepared: what preparing it
once per connection saves).

DATABASE_URL=postgres://postgres@127.0.0.1:5432/hukou_bench .venv/bin/python bench/lookup_inprocess.py
"""

import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.bench")

import django

django.setup()

from django.db import connection  # noqa: E402

from hukou.services.status import case_sql, case_status_lookup  # noqa: E402

targets = [line.strip().split(",") for line in Path("bench/targets.csv").read_text().splitlines()][:200]
case_status_lookup(number=targets[0][0], id_suffix=targets[0][1])  # connect, warm up
started = time.perf_counter()
for number, suffix in targets:
    assert case_status_lookup(number=number, id_suffix=suffix) is not None
print(f"case_status_lookup: {(time.perf_counter() - started) / len(targets) * 1000:.2f} ms per lookup")

with connection.cursor() as cursor:
    for _ in range(3):  # the last of three runs: catalogue caches warm
        cursor.execute(f"EXPLAIN (ANALYZE, FORMAT JSON) {case_sql()}", [targets[0][0]])
        plan = cursor.fetchone()[0]
    plan = plan[0] if isinstance(plan, list) else plan
print(f"the case read: planning {plan['Planning Time']:.3f} ms, running {plan['Execution Time']:.3f} ms")
