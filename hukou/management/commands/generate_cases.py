"""Many cases, fast, for benchmarks: rows are streamed into PostgreSQL with COPY. Needs the catalog and
the demo organisation (load_catalog, seed_demo). Never run it against a real database."""

import csv
import io
import random
from datetime import timedelta

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.utils import timezone
from stdnum.cn import ric

from hukou import personal_data
from hukou.models import RUNNING_STATUSES, Case, CaseStatus, ServiceType
from windows.models import Role, Staff

NAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = ["建国", "丽华", "伟", "敏", "静", "磊", "洋", "勇", "艳", "军", "杰", "娟", "涛", "明", "超", "秀英"]
CASE_COLUMNS = [
    "created_at", "updated_at", "number", "service_type_id", "station_id", "officer_id", "applicant_name",
    "id_number_encrypted", "id_number_hash", "id_number_masked", "phone", "channel", "priority", "facts", "status",
    "status_before_suspension", "materials_received_on", "accepted_on", "due_on", "supplement_due_on", "trips",
    "version",
]  # fmt: skip
EVENT_COLUMNS = ["case_id", "actor_id", "at", "action", "from_status", "to_status", "note"]
NULL = "\\N"
ID_POOL = 2000  # distinct ID numbers (each encrypted once) shared by the generated cases


def _id_number(i: int) -> str:
    body = f"370102{1960 + i % 40}{1 + i % 12:02d}{1 + i % 28:02d}{i % 1000:03d}"
    return body + ric.calc_check_digit(body + "0")


def id_pool() -> list[tuple[str, str, str, str]]:
    """The ``ID_POOL`` generated ID numbers, each as (number, encrypted, keyed hash, masked): encrypted once."""
    return [
        (n, personal_data.encrypt_id_number(n), personal_data.hash_id_number(n), personal_data.mask_id_number(n))
        for n in (_id_number(i) for i in range(ID_POOL))
    ]


class Command(BaseCommand):
    help = "Generate N cases with COPY (benchmarks only). Writes bench targets for the lookup benchmark."

    def add_arguments(self, parser):
        parser.add_argument("--count", type=int, default=100_000)
        parser.add_argument("--batch", type=int, default=50_000)
        parser.add_argument("--targets", default="bench/targets.csv", help="number,id_suffix sample for wrk")
        parser.add_argument("--seed", type=int, default=2026)

    def handle(self, *args, count, batch, targets, seed, **options):
        if connection.vendor != "postgresql":
            raise CommandError("generate_cases streams rows with PostgreSQL's COPY: set DATABASE_URL to PostgreSQL.")
        rng = random.Random(seed)  # noqa: S311  (reproducible test data, not secrets)
        services = list(ServiceType.objects.published().values_list("pk", "time_limit_days"))
        officers = list(Staff.objects.filter(role=Role.OFFICER).values_list("unit_id", "user_id", "unit__code"))
        if not services or not officers:
            raise CommandError("Load the catalog and the demo organisation first (load_catalog, seed_demo).")
        people = id_pool()
        today = timezone.localdate()
        now = timezone.now()
        start = Case.objects.count()
        sample = []
        with open(targets, "w", newline="") as target_file:
            for offset in range(0, count, batch):
                rows = io.StringIO()
                writer = csv.writer(rows)
                for i in range(start + offset, start + min(offset + batch, count)):
                    station_id, officer_id, station_code = officers[i % len(officers)]
                    service_id, days = services[i % len(services)]
                    person = i % ID_POOL
                    status = rng.choices(
                        [CaseStatus.ACCEPTED, CaseStatus.IN_REVIEW, CaseStatus.ACCEPTED_DEFICIENT, CaseStatus.DRAFT,
                         CaseStatus.AWAITING_MATERIALS],
                        weights=[70, 10, 5, 10, 5],
                    )[0]  # fmt: skip
                    running = status in RUNNING_STATUSES
                    # A steady state: about 1% of the running cases fell due yesterday (to be flagged
                    # overdue), 1% fall due tomorrow (to be warned), the rest later; 1% of the drafts hold
                    # materials that arrived 10 days ago (to count as accepted), the rest arrived this week.
                    draw = rng.random()
                    due = today + timedelta(days=-1 if draw < 0.01 else 1 if draw < 0.02 else rng.randint(3, 20))
                    received = due - timedelta(days=max(days, 1) * 7 // 5)
                    if status == CaseStatus.DRAFT:
                        received = today - timedelta(days=10 if rng.random() < 0.01 else rng.randint(0, 4))
                    number = f"{station_code}-{received:%Y%m%d}-G{i:07d}"
                    writer.writerow([
                        now.isoformat(), now.isoformat(), number, service_id, station_id, officer_id,
                        NAMES[i % 20] + GIVEN[i % 16], *people[person][1:],
                        f"139{i % 100_000_000:08d}", "window", "f", "{}",
                        status, "", received.isoformat(), received.isoformat() if running else NULL,
                        due.isoformat() if running else NULL,
                        due.isoformat() if status == CaseStatus.ACCEPTED_DEFICIENT else NULL, 1, 1,
                    ])  # fmt: skip
                    if i % 100 == 0:
                        sample.append((number, people[person][0][-6:]))
                rows.seek(0)
                with transaction.atomic(), connection.cursor() as cursor:
                    cursor.execute("SELECT COALESCE(MAX(id), 0) FROM hukou_case")
                    (last_id,) = cursor.fetchone()
                    cursor.copy_expert(
                        f"COPY hukou_case ({', '.join(CASE_COLUMNS)}) FROM STDIN WITH (FORMAT csv, NULL '\\N')", rows
                    )
                    cursor.execute(
                        "INSERT INTO hukou_caseevent (case_id, actor_id, at, action, from_status, to_status, note) "
                        "SELECT id, officer_id, created_at, 'create', '', 'draft', '' FROM hukou_case WHERE id > %s",
                        [last_id],
                    )
                self.stdout.write(f"  {start + min(offset + batch, count)} cases")
            csv.writer(target_file, lineterminator="\n").writerows(sample)
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE hukou_case; ANALYZE hukou_caseevent;")
        self.stdout.write(self.style.SUCCESS(f"{count} cases generated; {len(sample)} lookup targets in {targets}."))
