"""A city's history of window work, for the compliance benchmarks: a bench organisation under the city
(districts, stations of three windows, two or three officers a window and a chief a station), then
months of cases with realistic lifecycles, their events, one-time notices, ratings, rectifications of
the bad ones, appeals and follow-up call lists, streamed into PostgreSQL with COPY; then the rollups.

Needs the catalog and the demo city (load_catalog, seed_demo). Benchmarks only: never run it against a
real database. Every row is what the services would have written (same states, dates and constraints),
only written in bulk; it runs once per database (a second run stops when the bench stations have cases).
"""

from __future__ import annotations

import csv
import io
import itertools
import json
import math
import queue
import random
import threading
import time
from bisect import bisect_right
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.utils import timezone

from compliance.figures import month_start, next_month, previous_month
from compliance.services.rollups import rollup_rebuild
from evaluations.models import (
    Appeal,
    AppealCategory,
    AppealEvent,
    AppealSource,
    AppealStatus,
    CallList,
    CallListEntry,
    FollowUpCall,
    FollowUpPolicy,
    FollowUpRule,
    RatingChannel,
    RectificationStatus,
)
from evaluations.services.appeals import Action as AppealAction
from evaluations.services.ratings import COMPLETION_ACTIONS
from hukou import personal_data
from hukou.management.commands.generate_cases import GIVEN, ID_POOL, NAMES, NULL, id_pool
from hukou.models import IN_PERSON_CHANNELS, Case, CaseStatus, Channel, DocumentKind, ServiceType
from hukou.services import Action
from hukou.services.cases import NOTICE_LEGAL_BASIS
from windows import services as org
from windows.models import Role, ServiceWindow, Staff, Unit, UnitKind, WindowKind
from windows.workdays import is_working_day

S = CaseStatus
STATIONS_PER_DISTRICT = 10
WINDOWS_PER_STATION = 3
WINDOW_NAMES = [
    ("户籍业务窗口", WindowKind.GENERAL),
    ("身份证业务窗口", WindowKind.GENERAL),
    ("老弱病残孕优先窗口", WindowKind.PRIORITY),
]
# How often each service is asked for (by catalog code; others weigh DEFAULT_WEIGHT).
SERVICE_WEIGHTS = {
    "id-card-renewal": 25,
    "residence-registration": 12,
    "residence-permit-1y": 8,
    "temporary-id-card": 8,
    "household-certificate": 8,
    "id-card-reissue": 6,
    "birth-registration": 5,
    "id-card-first": 4,
    "move-out": 4,
    "residence-permit-3y": 3,
}
DEFAULT_WEIGHT = 2
CHANNELS = [Channel.WINDOW, Channel.APPOINTMENT, Channel.ONLINE, Channel.PROXY, Channel.HOME_VISIT]
CHANNEL_WEIGHTS = [70, 15, 8, 5, 2]

# The shape of the history (shares of all cases unless said otherwise).
P_NOTICE = 0.10  # a one-time notice first; the citizen comes back with the rest
P_THIRD_TRIP = 0.05  # of those: came back once more before everything was there
P_REJECT = 0.008
P_WITHDRAW = 0.004  # before acceptance
P_WITHDRAW_ACCEPTED = 0.002
P_DEFICIENT = 0.03  # 容缺 acceptances (spread over the services that allow them)
P_SUPPLIED_LATE = 0.08  # of the 容缺 acceptances
P_LATE = 0.02  # completed after the committed date
P_STUCK = 0.004  # accepted in the last STUCK_DAYS and left open (overdue by now, mostly)
STUCK_DAYS = 60
P_RATED = 0.90
P_RATED_HIDDEN_DEVICE = 0.55  # the few windows whose device is hidden (the coverage flag)
HIDDEN_DEVICE_EVERY = 40  # one window in this many
LEVELS = [5, 4, 3, 2, 1]
LEVEL_WEIGHTS = [86, 10, 3, 0.7, 0.3]
P_RECTIFIED_LATE = 0.08
APPEALS_PER_MONTH = 15
CALLS_PER_OFFICER = 3  # FollowUpPolicy per_officer of the bench stations (seed 002)
P_CALLED = 0.95
P_REACHED = 0.9

DAY_SECONDS = 86_400
MORNING = (9 * 3600, 12 * 3600)
AFTERNOON = (13 * 3600 + 1800, 17 * 3600)
OPEN_SECONDS = (MORNING[1] - MORNING[0]) + (AFTERNOON[1] - AFTERNOON[0])

CASE_COLUMNS = [
    "id", "created_at", "updated_at", "number", "service_type_id", "station_id", "window_id", "officer_id",
    "applicant_name", "id_number_encrypted", "id_number_hash", "id_number_masked", "phone", "channel", "priority",
    "facts", "status", "status_before_suspension", "materials_received_on", "accepted_on", "due_on",
    "supplement_due_on", "commitment_signed_at", "completed_at", "trips", "overdue_on", "supplement_overdue_on",
    "last_visit_on", "version", "updated_by_id",
]  # fmt: skip
EVENT_COLUMNS = ["id", "case_id", "actor_id", "at", "action", "from_status", "to_status", "note", "window_id"]
DOCUMENT_COLUMNS = ["case_id", "kind", "number", "issued_at", "issued_by_id", "content"]
EVALUATION_COLUMNS = [
    "id", "case_id", "event_id", "station_id", "window_id", "officer_id", "channel", "level", "reasons", "comment",
    "contact_phone", "created_at",
]  # fmt: skip
RECTIFICATION_COLUMNS = [
    "evaluation_id", "station_id", "assignee_id", "status", "opened_on", "contact_due_on", "rectify_due_on",
    "contacted_at", "contacted_by_id", "contact_note", "finding", "action_taken", "callback_at", "callback_level",
    "closed_at", "closed_by_id", "contact_late_on", "rectify_late_on", "version", "created_at", "updated_at",
]  # fmt: skip

LOAD_FIRST = "Load the catalog and the demo city first (load_catalog, seed_demo)."
POSTGRES_ONLY = "generate_history streams rows with PostgreSQL's COPY: set DATABASE_URL to PostgreSQL."
ALREADY = "The bench stations have cases already: generate the history into a fresh database."
REFUSAL_BASIS = "《中华人民共和国户口登记条例》"
REFUSAL_REASON = "不符合办理条件"
CONTACT_NOTE = "已电话联系群众，核实情况属实。"
FINDING = "窗口民警解释不到位，群众多等候。"
ACTION_TAKEN = "对窗口民警进行批评教育，改进告知方式。"
APPEAL_CONTENT = "到派出所办理户籍业务，反映窗口办事效率和服务方面的问题，请予以核实处理。"
WITHDRAWN_NOTE = "申请人撤回申请"
APPEAL_RESOLUTION = "已核实并答复群众，群众表示认可。"


class WorkingDays:
    """The working days of a span of dates, read once from the calendar (``windows.workdays``): each
    date's ordinal among them answers ``add_working_days`` and ``working_days_between`` in O(1)."""

    def __init__(self, first: date, last: date):
        self.days: list[date] = []
        self._after: dict[date, int] = {}  # a date → index of the first working day after it
        d = first
        while d <= last:
            if is_working_day(d):
                self.days.append(d)
            d += timedelta(days=1)
        d = first
        while d <= last:
            self._after[d] = bisect_right(self.days, d)
            d += timedelta(days=1)

    def add(self, start: date, n: int) -> date:
        """``windows.workdays.add_working_days(start, n)``, n ≥ 1."""
        return self.days[self._after[start] + n - 1]

    def between(self, a: date, b: date) -> int:
        """``windows.workdays.working_days_between(a, b)``: working days in (a, b]."""
        return max(0, self._after[b] - self._after[a])

    def within(self, first: date, last: date) -> list[date]:
        return self.days[bisect_right(self.days, first - timedelta(days=1)) : bisect_right(self.days, last)]


@dataclass
class Counter:
    """One bench window with its station and the people who work there."""

    window_id: int
    station_id: int
    station_code: str
    station_name: str
    officers: list[int]
    chief: int
    hidden_device: bool = False


@dataclass
class Table:
    name: str
    columns: list[str]
    buffer: io.StringIO = field(default_factory=io.StringIO)
    rows: int = 0

    def __post_init__(self):
        self.writer = csv.writer(self.buffer, lineterminator="\n")

    def add(self, row: list) -> None:
        self.writer.writerow(row)
        self.rows += 1

    def take(self) -> tuple[str, io.StringIO]:
        """The COPY statement and its data so far (the table starts afresh)."""
        self.buffer.seek(0)
        batch = (f"COPY {self.name} ({', '.join(self.columns)}) FROM STDIN WITH (FORMAT csv, NULL '\\N')", self.buffer)
        self.buffer = io.StringIO()
        self.writer = csv.writer(self.buffer, lineterminator="\n")
        self.rows = 0
        return batch


class Writer:
    """Writes the batches, each in one transaction: in a thread of its own, with its own connection, so
    that PostgreSQL takes in one batch while the next is generated; or, when the command runs inside a
    transaction already (the tests), in that transaction.

    With ``skip_reference_checks`` the batches are written as ``pg_restore --disable-triggers`` restores
    a dump: with ``session_replication_role = replica``, so PostgreSQL does not look up every foreign key
    of every row at commit (half of the database's work here). Every reference is made by the generator
    from rows it has just written or read; check and unique constraints still apply. The tests run the
    command with the checks."""

    def __init__(self, *, threaded: bool, skip_reference_checks: bool = False):
        self.skip_reference_checks = skip_reference_checks
        self.error: BaseException | None = None
        self.queue: queue.Queue | None = queue.Queue(maxsize=1) if threaded else None
        if self.queue is not None:
            self.thread = threading.Thread(target=self._run, name="generate_history-writer", daemon=True)
            self.thread.start()

    def put(self, copies: list[tuple[str, io.StringIO]], sequences: list[tuple[str, int]]) -> None:
        if self.error is not None:
            raise self.error
        if self.queue is None:
            self._write(copies, sequences)
        else:
            self.queue.put((copies, sequences))

    def close(self) -> None:
        """Wait for the last batch; raise what went wrong in the thread."""
        if self.queue is not None:
            self.queue.put(None)
            self.thread.join()
        if self.error is not None:
            raise self.error

    def _run(self) -> None:
        try:
            while (batch := self.queue.get()) is not None:
                if self.error is None:  # after a failure, only drain the queue
                    try:
                        self._write(*batch)
                    except BaseException as exc:  # handed to the generating thread
                        self.error = exc
        finally:
            connection.close()

    def _write(self, copies, sequences) -> None:
        with transaction.atomic(), connection.cursor() as cursor:
            if self.skip_reference_checks:
                cursor.execute("SET LOCAL session_replication_role = replica")
            for statement, data in copies:
                cursor.copy_expert(statement, data)
            for table, last in sequences:
                _set_sequence(cursor, table, last)


@dataclass(frozen=True)
class Service:
    pk: int
    code: str
    name: str
    version: int
    limit: int
    supplement_days: int
    approval: bool
    legal_basis: str
    deferrable: bool
    missing: list


class Life:
    """One case's state while its history is written: what the services would have stored, and the
    events that got it there (moment, actor, action, from, to, note)."""

    def __init__(self, in_person: bool, created: tuple[date, int], officer: int):
        self.in_person = in_person
        self.status = S.DRAFT
        self.trips = 1 if in_person else 0
        self.last_visit = created[0] if in_person else None
        self.version = 1
        self.events = [(created, officer, Action.CREATE, "", S.DRAFT, "")]
        self.accepted_on = self.due_on = self.supplement_due = self.commitment = self.completed = None
        self.overdue_on = self.supplement_overdue = None

    def event(self, moment, actor: int, action: str, note: str = "") -> None:
        self.events.append((moment, actor, action, "", "", note))
        self.version += 1

    def move(self, moment, actor: int, action: str, to: str, *, visit: bool = False, note: str = "") -> None:
        """A transition (``case_transition``): the event, the status, the version, a trip when it counts one."""
        self.events.append((moment, actor, action, self.status, to, note))
        self.status = to
        self.version += 1
        if visit:
            self.visit(moment[0])

    def visit(self, day: date) -> None:
        """``_count_visit``: one trip a day at most, and only in person."""
        if self.in_person and self.last_visit != day:
            self.trips += 1
            self.last_visit = day


def _reserve(cursor, table: str) -> int:
    """The next id of the table's identity sequence (ids are then handed out here and the sequence set
    past them after each batch: nothing else may write these tables while the generator runs)."""
    cursor.execute("SELECT nextval(pg_get_serial_sequence(%s, 'id'))", [table])
    return cursor.fetchone()[0]


def _superuser() -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('is_superuser') = 'on'")
        return cursor.fetchone()[0]


def _set_sequence(cursor, table: str, last: int) -> None:
    cursor.execute("SELECT setval(pg_get_serial_sequence(%s, 'id'), %s)", [table, last])


class Command(BaseCommand):
    help = "Generate a city's months of cases, ratings, appeals and call lists with COPY, then build the rollups."

    def add_arguments(self, parser):
        parser.add_argument("--cases", type=int, default=3_000_000)
        parser.add_argument("--months", type=int, default=24, help="months up to and including the current one")
        parser.add_argument("--windows", type=int, default=150)
        parser.add_argument("--seed", type=int, default=2026)
        parser.add_argument("--batch", type=int, default=50_000, help="cases per COPY transaction")
        parser.add_argument(
            "--check-references",
            action="store_true",
            help="let PostgreSQL check every foreign key of the COPY batches at commit (slower)",
        )

    def handle(self, *args, cases, months, windows, seed, batch, check_references, **options):
        if connection.vendor != "postgresql":
            raise CommandError(POSTGRES_ONLY)
        if cases < 1 or months < 1 or windows < 1 or batch < 1:
            raise CommandError("--cases, --months, --windows and --batch must be positive.")
        started = time.perf_counter()
        stage = time.perf_counter()
        counters = self.organisation(windows)
        self.stage("organisation", stage, f"{len(counters)} windows")

        history = History(counters=counters, months=months, seed=seed, skip_checks=not check_references, out=self)
        stage = time.perf_counter()
        totals = history.cases(cases, batch)
        self.stage("cases, events, notices, ratings, rectifications", stage, ", ".join(totals))
        stage = time.perf_counter()
        self.stage("follow-up call lists", stage, history.call_lists())
        stage = time.perf_counter()
        self.stage("appeals", stage, history.appeals())
        stage = time.perf_counter()
        with connection.cursor() as cursor:
            for table in ("hukou_case", "hukou_caseevent", "hukou_casedocument", "evaluations_evaluation",
                          "evaluations_rectification", "evaluations_calllistentry", "evaluations_followupcall",
                          "evaluations_appeal"):  # fmt: skip
                cursor.execute(f"ANALYZE {table}")
        self.stage("analyze", stage)
        stage = time.perf_counter()
        cells = rollup_rebuild(months=history.months)
        self.stage("rollups (rollup_rebuild)", stage, f"{len(history.months)} months, {cells} cells")
        self.stdout.write(self.style.SUCCESS(f"History generated in {time.perf_counter() - started:.1f} s."))

    def stage(self, name: str, started: float, detail: str = "") -> None:
        seconds = time.perf_counter() - started
        self.stdout.write(f"  {name}: {seconds:.1f} s{'  (' + detail + ')' if detail else ''}")

    # --- the bench organisation --------------------------------------------------------------------

    @transaction.atomic
    def organisation(self, windows: int) -> list[Counter]:
        city = Unit.objects.filter(kind=UnitKind.CITY).order_by("path").first()
        if city is None or not ServiceType.objects.published().exists():
            raise CommandError(LOAD_FIRST)
        counters: list[Counter] = []
        for s in range(math.ceil(windows / WINDOWS_PER_STATION)):
            d, k = divmod(s, STATIONS_PER_DISTRICT)
            district = self.unit(f"{city.code}{51 + d:02d}", f"基准第{d + 1}分局", UnitKind.DISTRICT, city)
            station = self.unit(f"{district.code}{k + 1:03d}", f"基准{d + 1}-{k + 1}派出所", UnitKind.STATION, district)
            FollowUpPolicy.objects.get_or_create(
                station=station, defaults={"rule": FollowUpRule.PER_OFFICER, "per_officer": CALLS_PER_OFFICER}
            )
            chief = self.person(f"bench.{station.code}.chief", station, Role.STATION_SUPERVISOR, s * 10)
            for w in range(min(WINDOWS_PER_STATION, windows - s * WINDOWS_PER_STATION)):
                name, kind = WINDOW_NAMES[w]
                window = ServiceWindow.objects.filter(station=station, number=w + 1).first()
                if window is None:
                    window = org.window_create(station=station, number=w + 1, name=name, kind=kind)
                # two or three officers a window
                officers = [
                    self.person(f"bench.{station.code}.w{w + 1}.{o + 1}", station, Role.OFFICER, s * 10 + w * 3 + o + 1)
                    for o in range(3 if (s + w) % 2 == 0 else 2)
                ]
                counters.append(
                    Counter(
                        window_id=window.pk,
                        station_id=station.pk,
                        station_code=station.code,
                        station_name=station.name,
                        officers=officers,
                        chief=chief,
                        hidden_device=len(counters) % HIDDEN_DEVICE_EVERY == HIDDEN_DEVICE_EVERY - 1,
                    )
                )
        return counters

    def unit(self, code: str, name: str, kind: UnitKind, parent: Unit) -> Unit:
        return Unit.objects.filter(code=code).first() or org.unit_create(code=code, name=name, kind=kind, parent=parent)

    def person(self, username: str, station: Unit, role: Role, serial: int) -> int:
        staff = Staff.objects.filter(user__username=username).first()
        if staff is None:
            staff = org.staff_create(
                username=username,
                password=None,
                unit=station,
                role=role,
                full_name=NAMES[serial % len(NAMES)] + GIVEN[serial % len(GIVEN)],
                police_number=f"B{serial:06d}",
            )
        return staff.user_id


def _stamp(day: date, seconds: int, offset: str) -> str:
    h, rest = divmod(seconds, 3600)
    return f"{day.isoformat()} {h:02d}:{rest // 60:02d}:{rest % 60:02d}{offset}"


class History:
    """The generation itself: one pass over the working days, writing each case's whole life at once."""

    def __init__(self, *, counters: list[Counter], months: int, seed: int, skip_checks: bool, out: Command):
        self.counters = counters
        self.skip_checks = skip_checks
        self.out = out
        self.rng = random.Random(seed)  # noqa: S311  (reproducible test data, not secrets)
        self.now = timezone.localtime(timezone.now())
        self.today = self.now.date()
        self.now_key = (self.today, self.now.hour * 3600 + self.now.minute * 60 + self.now.second)
        self.offset = self.now.strftime("%z")
        first = month_start(self.today)
        for _ in range(months - 1):
            first = previous_month(first)
        self.months = [first]
        while next_month(self.months[-1]) <= self.today:
            self.months.append(next_month(self.months[-1]))
        self.first_day = first
        self.wd = WorkingDays(first - timedelta(days=10), self.today + timedelta(days=400))
        self.stations = {c.station_id: c for c in counters}
        if Case.objects.filter(station_id__in=self.stations).exists():
            raise CommandError(ALREADY)
        # (month, station, officer) → candidate cases for the call list: bad-rated, unrated, others
        self.candidates: dict[tuple[date, int, int], tuple[list, list, list]] = defaultdict(lambda: ([], [], []))

    # --- helpers ----------------------------------------------------------------------------------

    def at(self, day: date) -> tuple[date, int]:
        """A moment of the opening hours of ``day``."""
        s = self.rng.randrange(OPEN_SECONDS)
        m = MORNING[1] - MORNING[0]
        return (day, MORNING[0] + s if s < m else AFTERNOON[0] + s - m)

    def later(self, moment: tuple[date, int], low: int, high: int) -> tuple[date, int]:
        """A few seconds to hours after ``moment`` (past midnight into the next calendar day)."""
        day, seconds = moment
        seconds += self.rng.randint(low, high)
        while seconds >= DAY_SECONDS:
            day, seconds = day + timedelta(days=1), seconds - DAY_SECONDS
        return (day, seconds)

    def stamp(self, moment: tuple[date, int] | None) -> str:
        return _stamp(moment[0], moment[1], self.offset) if moment else NULL

    # --- cases ------------------------------------------------------------------------------------

    def cases(self, count: int, batch: int) -> list[str]:
        """``count`` cases spread evenly over the working days, written in COPY batches of ``batch``."""
        self.catalog()
        days = self.wd.within(self.first_day, self.today)
        if days and days[-1] == self.today and self.now_key[1] < MORNING[0] + 3600:
            days.pop()  # too early today for cases of its own
        if not days:
            raise CommandError("No working day in the months asked for.")
        self.tables = {
            "case": Table("hukou_case", CASE_COLUMNS),
            "event": Table("hukou_caseevent", EVENT_COLUMNS),
            "document": Table("hukou_casedocument", DOCUMENT_COLUMNS),
            "evaluation": Table("evaluations_evaluation", EVALUATION_COLUMNS),
            "rectification": Table("evaluations_rectification", RECTIFICATION_COLUMNS),
        }
        totals = dict.fromkeys(self.tables, 0)
        with connection.cursor() as cursor:
            self.next_ids = {key: _reserve(cursor, self.tables[key].name) for key in ("case", "event", "evaluation")}
        per_day, extra = divmod(count, len(days))
        made = 0
        threaded = not connection.in_atomic_block
        writer = Writer(threaded=threaded, skip_reference_checks=threaded and self.skip_checks and _superuser())
        try:
            for day_index, day in enumerate(days):
                for _ in range(per_day + (1 if day_index < extra else 0)):
                    self.case(day)
                    made += 1
                    if made % batch == 0 or made == count:
                        self.flush(writer, totals)
                        self.out.stdout.write(f"    {made} cases")
        finally:
            writer.close()
        return [f"{totals[k]} {k}s" for k in totals]

    def catalog(self) -> None:
        """The published services with what a case needs of them, the ID numbers (each encrypted once)
        and the bench staff's names."""
        services = list(
            ServiceType.objects.published().values_list(
                "pk", "code", "name", "version", "time_limit_days", "supplement_days",
                "needs_supervisor_approval", "legal_basis",
            )
        )  # fmt: skip
        deferrable = set(
            ServiceType.objects.published().filter(items__deferrable=True).values_list("pk", flat=True).distinct()
        )
        self.services = []
        for pk, code, name, version, limit, supplement_days, approval, basis in services:
            item = ServiceType.objects.get(pk=pk).items.order_by("order", "id").first()
            missing = [
                {"id": item.pk, "name": item.name, "detail": item.detail, "condition": None, "group": None}
                for item in [item]
                if item is not None
            ]
            self.services.append(
                Service(pk, code, name, version, limit, supplement_days, approval, basis, pk in deferrable, missing)
            )
        weights = [SERVICE_WEIGHTS.get(s.code, DEFAULT_WEIGHT) for s in self.services]
        deferrable_share = sum(w for s, w in zip(self.services, weights, strict=True) if s.deferrable) / sum(weights)
        self.p_deficient = min(1.0, P_DEFICIENT / deferrable_share) if deferrable_share else 0.0
        self.service_cum, self.channel_cum, self.level_cum = (
            list(itertools.accumulate(w)) for w in (weights, CHANNEL_WEIGHTS, LEVEL_WEIGHTS)
        )
        self.people = [person[1:] for person in id_pool()]  # (encrypted, hash, masked)
        staff = Staff.objects.filter(user_id__in={o for c in self.counters for o in (*c.officers, c.chief)})
        self.staff = {user_id: (name, badge) for user_id, name, badge in staff.values_list(
            "user_id", "user__first_name", "police_number"
        )}  # fmt: skip
        self.stuck_from = self.today - timedelta(days=STUCK_DAYS)

    def next_id(self, key: str) -> int:
        value = self.next_ids[key]
        self.next_ids[key] = value + 1
        return value

    def case(self, day: date) -> None:
        """One case taken in on ``day``, its whole life up to now: events, notice, rating, rectification."""
        rng, wd, now_key = self.rng, self.wd, self.now_key
        counter = self.counters[rng.randrange(len(self.counters))]
        officer = counter.officers[rng.randrange(len(counter.officers))]
        service = rng.choices(self.services, cum_weights=self.service_cum)[0]
        channel = rng.choices(CHANNELS, cum_weights=self.channel_cum)[0]
        case_id = self.next_id("case")
        created = self.at(day)
        if day == self.today and created > now_key:
            created = (day, max(MORNING[0], now_key[1] - rng.randint(60, 3600)))
        life = Life(channel in IN_PERSON_CHANNELS, created, officer)
        number = f"{counter.station_code}-{day:%Y%m%d}-G{case_id:08d}"
        name = NAMES[case_id % 20] + GIVEN[case_id % 16]
        phone = f"13{case_id % 1_000_000_000:09d}"

        # 1. a one-time notice, and the citizen back another day with the rest
        accept_at = self.later(created, 120, 900)
        if rng.random() < P_NOTICE:
            notified = self.later(created, 300, 1800)
            if notified > now_key:
                accept_at = notified  # after now: nothing more happens
            else:
                life.move(notified, officer, Action.NOTIFY, S.AWAITING_MATERIALS, visit=True)
                self.notice(case_id, number, name, phone, day, notified, service, counter, officer)
                back = wd.add(day, rng.randint(1, 5))
                if rng.random() < P_THIRD_TRIP:
                    came = self.at(back)
                    back = wd.add(back, rng.randint(1, 3))
                    if came <= now_key and life.in_person:
                        life.event(came, officer, Action.VISIT)
                        life.visit(came[0])
                accept_at = self.at(back)

        # 2. refused, withdrawn, or accepted and (mostly) completed
        fate = rng.random()
        if accept_at > now_key:
            pass
        elif fate < P_REJECT:
            life.move(
                accept_at, officer, Action.REJECT, S.REJECTED, visit=True, note=f"{REFUSAL_BASIS}；{REFUSAL_REASON}"
            )
            content = {"case_number": number, "legal_basis": REFUSAL_BASIS, "reason": REFUSAL_REASON}
            self.tables["document"].add([
                case_id, DocumentKind.REFUSAL_NOTICE, f"BY{counter.station_code}{day.year}G{case_id:08d}",
                self.stamp(accept_at), officer, json.dumps(content, ensure_ascii=False),
            ])  # fmt: skip
        elif fate < P_REJECT + P_WITHDRAW:
            life.move(accept_at, officer, Action.WITHDRAW, S.WITHDRAWN, note=WITHDRAWN_NOTE)
        else:
            self.accepted(life, accept_at, service, counter, officer)

        # 3. the rows
        events = []
        completion_event = None
        for moment, actor, action, from_status, to_status, note in life.events:
            event_id = self.next_id("event")
            events.append([
                event_id, case_id, actor, self.stamp(moment), action, from_status, to_status, note, counter.window_id,
            ])  # fmt: skip
            if action in COMPLETION_ACTIONS:
                completion_event = event_id
        for row in events:
            self.tables["event"].add(row)
        last_moment, last_actor = life.events[-1][0], life.events[-1][1]
        encrypted, hashed, masked = self.people[case_id % ID_POOL]
        self.tables["case"].add([
            case_id, self.stamp(created), self.stamp(last_moment), number, service.pk, counter.station_id,
            counter.window_id, officer, name, encrypted, hashed, masked, phone, channel, "f", "{}", life.status, "",
            day, life.accepted_on or NULL, life.due_on or NULL, life.supplement_due or NULL,
            self.stamp(life.commitment), self.stamp(life.completed), life.trips, life.overdue_on or NULL,
            life.supplement_overdue or NULL, life.last_visit or NULL, life.version, last_actor,
        ])  # fmt: skip
        if life.completed is not None:
            self.rating(case_id, completion_event, life, counter, officer, phone)

    def accepted(self, life: Life, accept_at, service: Service, counter: Counter, officer: int) -> None:
        """Accepted (容缺 for a few), supplements in, submitted for approval, completed: as far as now."""
        rng, wd, now_key = self.rng, self.wd, self.now_key
        deficient = service.deferrable and rng.random() < self.p_deficient
        accepted_on = life.accepted_on = accept_at[0]
        life.due_on = wd.add(accepted_on, service.limit) if service.limit else accepted_on
        if deficient:
            life.supplement_due = wd.add(accepted_on, max(service.supplement_days, 1))
            if service.limit:
                life.supplement_due = min(life.supplement_due, wd.add(accepted_on, service.limit))
            else:
                life.due_on = life.supplement_due  # a same-day service waits for the supplements
            life.commitment = accept_at
            life.move(accept_at, officer, Action.ACCEPT_DEFICIENT, S.ACCEPTED_DEFICIENT, visit=True)
        else:
            life.move(accept_at, officer, Action.ACCEPT, S.ACCEPTED, visit=True)
        cur = accept_at
        left_open = accepted_on >= self.stuck_from and rng.random() < P_STUCK
        if deficient:
            if rng.random() < P_SUPPLIED_LATE:
                supplied = self.at(wd.add(life.supplement_due, rng.randint(1, 4)))
            else:
                supplied = self.at(wd.add(accepted_on, rng.randint(1, wd.between(accepted_on, life.supplement_due))))
            if supplied <= now_key:
                life.move(supplied, officer, Action.ACCEPT, S.ACCEPTED)
                cur = supplied
            else:
                left_open = True
            if life.supplement_due < (supplied[0] if supplied <= now_key else self.today):
                life.supplement_overdue = life.supplement_due + timedelta(days=1)
        if life.status == S.ACCEPTED and service.approval:
            submitted = self.later(cur, 300, 3600)
            if submitted <= now_key:
                life.move(submitted, officer, Action.SUBMIT_REVIEW, S.IN_REVIEW)
                cur = submitted
        if life.status in (S.ACCEPTED, S.IN_REVIEW) and not left_open:
            if rng.random() < P_LATE:
                done_day = wd.add(life.due_on, rng.randint(1, 6))
            elif service.limit:
                done_day = wd.add(accepted_on, max(1, round(service.limit * rng.random() ** 1.5)))
            else:
                done_day = accepted_on
            done = self.later(cur, 300, 3600) if done_day <= cur[0] else self.at(done_day)
            if done > now_key:
                pass
            elif rng.random() < P_WITHDRAW_ACCEPTED:
                life.move(done, officer, Action.WITHDRAW, S.WITHDRAWN, note=WITHDRAWN_NOTE)
            elif life.status == S.IN_REVIEW:
                life.move(done, counter.chief, Action.APPROVE, S.COMPLETED)
                life.completed = done
            else:
                life.move(done, officer, Action.COMPLETE, S.COMPLETED)
                life.completed = done
        if life.status != S.WITHDRAWN and life.due_on < (life.completed[0] if life.completed else self.today):
            life.overdue_on = life.due_on + timedelta(days=1)  # the deadline job's flag, the day after

    def notice(self, case_id, number, name, phone, day, notified, service: Service, counter, officer) -> None:
        """The 补正材料通知书, as ``hukou.services.cases`` words it."""
        officer_name, badge = self.staff.get(officer, ("", ""))
        content = {
            "case_number": number, "applicant_name": name, "id_number_masked": self.people[case_id % ID_POOL][2],
            "phone_masked": personal_data.mask_phone(phone), "service_name": service.name,
            "service_code": service.code, "service_version": service.version, "received_on": day.isoformat(),
            "issued_on": notified[0].isoformat(), "officer_name": officer_name, "officer_police_number": badge,
            "station_name": counter.station_name, "missing": service.missing, "legal_basis": NOTICE_LEGAL_BASIS,
            "service_legal_basis": service.legal_basis, "note": "",
        }  # fmt: skip
        self.tables["document"].add([
            case_id, DocumentKind.ONE_TIME_NOTICE, f"BZ{counter.station_code}{day.year}G{case_id:08d}",
            self.stamp(notified), officer, json.dumps(content, ensure_ascii=False),
        ])  # fmt: skip

    def rating(self, case_id, completion_event, life: Life, counter: Counter, officer: int, phone: str) -> None:
        """Most completed cases are rated (at the device, or later by SMS or online); a bad rating opens
        a rectification; the case becomes a candidate for its officer's follow-up call list."""
        rng = self.rng
        rated = bad = False
        if rng.random() < (P_RATED_HIDDEN_DEVICE if counter.hidden_device else P_RATED):
            if life.in_person and rng.random() < 0.85:
                channel, rated_at = RatingChannel.DEVICE, self.later(life.completed, 5, 90)
            else:
                channel = RatingChannel.SMS if rng.random() < 0.75 else RatingChannel.ONLINE
                rated_at = self.later(life.completed, 1800, 2 * DAY_SECONDS)
            if rated_at <= self.now_key:
                rated = True
                level = rng.choices(LEVELS, cum_weights=self.level_cum)[0]
                bad = level <= 2
                evaluation_id = self.next_id("evaluation")
                self.tables["evaluation"].add([
                    evaluation_id, case_id, completion_event, counter.station_id, counter.window_id, officer, channel,
                    level, '["attitude"]' if bad else "[]", "", phone, self.stamp(rated_at),
                ])  # fmt: skip
                if bad:
                    self.rectification(evaluation_id, counter, rated_at)
        pool = self.candidates[(month_start(life.completed[0]), counter.station_id, officer)][
            0 if bad else 1 if not rated else 2
        ]
        if len(pool) < CALLS_PER_OFFICER:
            pool.append(case_id)

    def rectification(self, evaluation_id: int, counter: Counter, rated_at) -> None:
        """差评整改: contacted within its limit, closed mostly in time, as far as now."""
        rng, wd, now_key = self.rng, self.wd, self.now_key
        contact_days, rectify_days = settings.EVALUATIONS_CONTACT_DAYS, settings.EVALUATIONS_RECTIFY_DAYS
        opened = rated_at[0]
        contact_due, rectify_due = wd.add(opened, contact_days), wd.add(opened, rectify_days)
        contacted = self.at(wd.add(opened, rng.randint(1, contact_days)))
        if rng.random() < P_RECTIFIED_LATE:
            closed = self.at(wd.add(rectify_due, rng.randint(1, 5)))
        else:
            closed = self.at(wd.add(opened, rng.randint(max(1, contact_days), rectify_days)))
        closed = max(closed, self.later(contacted, 600, 3600))
        status, version, updated = RectificationStatus.OPEN, 1, rated_at
        if contacted > now_key:
            contacted = None
        else:
            status, version, updated = RectificationStatus.CONTACTED, 2, contacted
        if contacted is None or closed > now_key:
            closed = None
        else:
            status, version, updated = RectificationStatus.CLOSED, 3, closed
        callback = (closed[0], max(MORNING[0], closed[1] - 600)) if closed else None

        def late(due: date, done) -> date | None:
            return due + timedelta(days=1) if due < (done[0] if done else self.today) else None

        chief = counter.chief
        self.tables["rectification"].add([
            evaluation_id, counter.station_id, chief, status, opened, contact_due, rectify_due, self.stamp(contacted),
            chief if contacted else NULL, CONTACT_NOTE if contacted else "", FINDING if closed else "",
            ACTION_TAKEN if closed else "", self.stamp(callback), 4 if closed else NULL, self.stamp(closed),
            chief if closed else NULL, late(contact_due, contacted) or NULL, late(rectify_due, closed) or NULL,
            version, self.stamp(rated_at), self.stamp(updated),
        ])  # fmt: skip

    def flush(self, writer: Writer, totals: dict[str, int]) -> None:
        copies = []
        for key, table in self.tables.items():
            totals[key] += table.rows
            if table.rows:
                copies.append(table.take())
        writer.put(copies, [(self.tables[key].name, self.next_ids[key] - 1) for key in ("case", "event", "evaluation")])

    # --- follow-up call lists and appeals ------------------------------------------------------------

    def call_lists(self) -> str:
        """Every bench station's list of each month that has ended (built on the 1st of the next month):
        up to CALLS_PER_OFFICER cases an officer, the bad-rated first, then the unrated; most of them
        called in the next month's first working days."""
        rng = self.rng
        current = month_start(self.today)
        by_list: dict[tuple[date, int], list[tuple[int, int]]] = defaultdict(list)
        for (month, station, officer), (bad, unrated, others) in sorted(self.candidates.items()):
            if month < current:
                by_list[(month, station)] += [
                    (case_id, officer) for case_id in (bad + unrated + others)[:CALLS_PER_OFFICER]
                ]
        with transaction.atomic():
            lists = CallList.objects.bulk_create(
                CallList(
                    station_id=station,
                    month=month,
                    rule=FollowUpRule.PER_OFFICER,
                    per_officer=CALLS_PER_OFFICER,
                    created_at=timezone.make_aware(datetime.combine(next_month(month), datetime.min.time()))
                    + timedelta(hours=2),
                )
                for month, station in by_list
            )
            entries = CallListEntry.objects.bulk_create(
                [
                    CallListEntry(call_list=call_list, case_id=case_id, officer_id=officer)
                    for call_list, key in zip(lists, by_list, strict=True)
                    for case_id, officer in by_list[key]
                ],
                batch_size=5000,
            )
            calls = []
            for entry in entries:
                if rng.random() >= P_CALLED:
                    continue
                day = self.wd.add(next_month(entry.call_list.month), rng.randint(1, 8))
                when = self.at(day)
                if when > self.now_key:
                    continue
                reached = rng.random() < P_REACHED
                calls.append(
                    FollowUpCall(
                        entry=entry,
                        called_by_id=entry.officer_id,
                        called_at=timezone.make_aware(datetime.combine(day, datetime.min.time()))
                        + timedelta(seconds=when[1]),
                        reached=reached,
                        level=rng.choice([5, 5, 5, 4]) if reached else None,
                    )
                )
            FollowUpCall.objects.bulk_create(calls, batch_size=5000)
        return f"{len(lists)} lists, {len(entries)} entries, {len(calls)} calls"

    def appeals(self) -> str:
        rng, wd = self.rng, self.wd
        stations = list(self.stations.values())
        days = self.wd.within(self.first_day, self.today)
        appeals, events = [], []
        with transaction.atomic():
            for n in range(APPEALS_PER_MONTH * len(self.months)):
                counter = stations[rng.randrange(len(stations))]
                day = days[rng.randrange(len(days))]
                received = self.at(day)
                if received > self.now_key:
                    continue
                due_on = wd.add(day, settings.EVALUATIONS_APPEAL_DAYS)
                started = self.later(received, 600, 7200)
                done_day = wd.add(
                    day, rng.randint(1, settings.EVALUATIONS_APPEAL_DAYS + (4 if rng.random() < 0.1 else 0))
                )
                resolved = self.at(done_day)
                steps = [(received, AppealAction.SUBMIT, "", AppealStatus.OPEN)]
                if started <= self.now_key:
                    steps.append((started, AppealAction.START, AppealStatus.OPEN, AppealStatus.IN_PROGRESS))
                    if max(resolved, started) <= self.now_key:
                        steps.append(
                            (
                                max(resolved, started),
                                AppealAction.RESOLVE,
                                AppealStatus.IN_PROGRESS,
                                AppealStatus.RESOLVED,
                            )
                        )
                status = steps[-1][3]
                resolved_at = self.aware(steps[-1][0]) if status == AppealStatus.RESOLVED else None
                source = rng.choice(AppealSource.values)
                appeals.append(
                    Appeal(
                        reference=f"SQ{counter.station_code}{day:%Y%m%d}G{n:04d}",
                        station_id=counter.station_id,
                        source=source,
                        category=rng.choice(AppealCategory.values),
                        contact_name=NAMES[n % 20] + GIVEN[n % 16],
                        contact_phone=f"138{n:08d}",
                        content=APPEAL_CONTENT,
                        status=status,
                        due_on=due_on,
                        handler_id=counter.chief if len(steps) > 1 else None,
                        resolution=APPEAL_RESOLUTION if resolved_at else "",
                        received_by_id=None if source == AppealSource.ONLINE else counter.chief,
                        resolved_at=resolved_at,
                        late_on=due_on + timedelta(days=1)
                        if due_on < (steps[-1][0][0] if resolved_at else self.today)
                        else None,
                        version=len(steps),
                        created_at=self.aware(received),
                    )
                )
                events.append(steps)
            created = Appeal.objects.bulk_create(appeals)
            # updated_at is auto_now (the insert wrote now): each appeal's last step, with a plain UPDATE
            for appeal, steps in zip(created, events, strict=True):
                Appeal.objects.filter(pk=appeal.pk).update(updated_at=self.aware(steps[-1][0]))
            AppealEvent.objects.bulk_create(
                AppealEvent(
                    appeal=appeal,
                    actor_id=None
                    if action == AppealAction.SUBMIT and appeal.received_by_id is None
                    else self.stations[appeal.station_id].chief,
                    at=self.aware(moment),
                    action=action,
                    from_status=from_status,
                    to_status=to_status,
                    note=APPEAL_RESOLUTION if action == AppealAction.RESOLVE else "",
                )
                for appeal, steps in zip(created, events, strict=True)
                for moment, action, from_status, to_status in steps
            )
        return f"{len(created)} appeals"

    def aware(self, moment: tuple[date, int]) -> datetime:
        return timezone.make_aware(datetime.combine(moment[0], datetime.min.time())) + timedelta(seconds=moment[1])
