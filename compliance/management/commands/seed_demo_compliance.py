"""Demo history for the dashboards: eleven past months of cases and ratings at the demo stations, taken
in, accepted, completed and rated through the services at those past moments; 三长接待 leaders and stints;
the monthly rollups, last month's bulletin and awards, and the latest 《群众诉求未结事项登记表》.
Idempotent: the history is made once. Needs ``seed_demo`` and ``seed_demo_cases`` first. Demo only."""

import random
from datetime import datetime, time, timedelta

import time_machine
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from compliance.figures import month_start, previous_month
from compliance.models import Leader, LeaderRole, ReceptionRecord
from compliance.services.awards import awards_suggest
from compliance.services.receptions import leader_create, reception_record
from compliance.services.registers import register_build, register_due_on, register_period_days
from compliance.services.reports import report_build
from compliance.services.rollups import rollup_rebuild
from evaluations.services.ratings import evaluation_create
from hukou.management.commands.seed_demo_cases import Command as DemoCases
from hukou.management.commands.seed_demo_cases import _id_number
from hukou.models import Case, CaseStatus, ServiceType
from hukou.services import Action, case_create, case_transition
from windows.models import Role, ServiceWindow, Staff, Unit, UnitKind
from windows.workdays import add_working_days, is_working_day

HISTORY_SERVICES = ["birth-registration", "id-card-renewal", "household-certificate", "residence-permit-3y"]
LEVELS, LEVEL_WEIGHTS = [5, 4, 3, 2, 1], [70, 22, 5, 2, 1]

DISTRICT_LEADERS = [
    (LeaderRole.COUNTY_CHIEF, "局长"),
    (LeaderRole.DEPUTY_CHIEF, "副局长"),
    (LeaderRole.REGISTRY_HEAD, "户籍科长"),
]
SURNAMES = "赵钱孙李周吴郑王冯陈"


class Command(BaseCommand):
    help = "Create demo 三长接待 records, rollups, last month's bulletin and awards, the latest register (demo only)."

    def handle(self, *args, **options):
        city = Unit.objects.filter(kind=UnitKind.CITY).first()
        admin = Staff.objects.filter(role=Role.ADMIN).select_related("user").first()
        if city is None or admin is None:
            raise CommandError("Run seed_demo first.")
        today = timezone.localdate()
        self.history(today)
        self.leaders(admin.user)
        self.receptions(admin.user, today)
        months = [month_start(today)]
        while len(months) < 12:
            months.append(previous_month(months[-1]))
        cells = rollup_rebuild(months=reversed(months))
        last_month = previous_month(month_start(today))
        report_build(month=last_month)
        awards_suggest(month=last_month)
        due = [d for d in register_period_days(today.year, today.month) if register_due_on(d) <= today]
        if not due:
            due = register_period_days(last_month.year, last_month.month)[-1:]
        register_build(period_day=due[-1])
        self.stdout.write(f"Compliance demo: {Leader.objects.count()} leaders, {cells} rollup cells.")

    def history(self, today) -> None:
        """Cases of the eleven months before this one, a few per officer and month, through the services
        at the moments they happened; about 9 in 10 completed cases rated at the counter. One window's
        rating coverage falls in the last month, as a hidden counter device would make it."""
        if Case.objects.filter(created_at__lt=timezone.now() - timedelta(days=45)).exists():
            return
        tz = timezone.get_current_timezone()
        rng = random.Random(2026)  # noqa: S311  (demo data, not secrets)
        services = list(ServiceType.objects.published().filter(code__in=HISTORY_SERVICES))
        officers = list(Staff.objects.filter(role=Role.OFFICER).select_related("unit", "user").order_by("user_id"))
        months = [previous_month(month_start(today))]
        while len(months) < 11:
            months.append(previous_month(months[-1]))
        months.reverse()
        n = 0
        for m_index, month in enumerate(months):
            days = [month + timedelta(days=i) for i in range(28) if is_working_day(month + timedelta(days=i))]
            for s_index, staff in enumerate(officers):
                windows = list(staff.unit.windows.order_by("number"))
                window = windows[s_index % len(windows)]
                for _k in range(3 + (m_index + s_index) % 4 + m_index // 3):
                    service = rng.choice(services)
                    day = rng.choice(days)
                    with time_machine.travel(datetime.combine(day, time(9, 30), tz), tick=False):
                        case = case_create(
                            actor=staff.user,
                            service_type=service,
                            applicant_name="王建华",
                            id_number=_id_number(n % 97),
                            phone=f"1390000{n % 10000:04d}",
                            window=window,
                            facts={c.key: False for c in service.conditions.all()},
                            provided=DemoCases._complete(service, list(service.items.all())),
                        )
                        case = case_transition(case=case, actor=staff.user, action=Action.ACCEPT, window=window)
                    n += 1
                    late = rng.random() < 0.08
                    limit = service.time_limit_days
                    wait = rng.randint(0, limit + (3 if late else 0)) if limit else 0
                    done = add_working_days(day, wait) if wait else day
                    if done >= today or case.status == CaseStatus.IN_REVIEW:
                        continue
                    with time_machine.travel(datetime.combine(done, time(15, 0), tz), tick=False):
                        case = case_transition(case=case, actor=staff.user, action=Action.COMPLETE, window=window)
                        hidden = m_index == len(months) - 1 and s_index == 0
                        if rng.random() < (0.2 if hidden else 0.93):
                            level = rng.choices(LEVELS, weights=LEVEL_WEIGHTS)[0]
                            reasons = ["attitude"] if level <= 2 else []
                            evaluation_create(case=case, channel="device", level=level, reasons=reasons)
        self.stdout.write(f"Compliance demo history: {n} cases over {len(months)} months.")

    def leaders(self, actor) -> None:
        n = 0
        for unit in Unit.objects.filter(kind__in=[UnitKind.DISTRICT, UnitKind.STATION]).order_by("path"):
            roles = DISTRICT_LEADERS if unit.kind == UnitKind.DISTRICT else [(LeaderRole.STATION_CHIEF, "所长")]
            for role, title in roles:
                n += 1
                if not Leader.objects.filter(unit=unit, role=role).exists():
                    leader_create(actor=actor, name=f"{SURNAMES[n % len(SURNAMES)]}{title}", role=role, unit=unit)

    def receptions(self, actor, today) -> None:
        """Stints in the last weeks: most leaders on track, one station chief short of the quota."""
        days = [d for d in (today - timedelta(days=i) for i in range(1, 40)) if is_working_day(d)]
        for index, leader in enumerate(Leader.objects.select_related("unit").order_by("unit__path", "role")):
            if ReceptionRecord.objects.filter(leader=leader).exists():
                continue
            window = ServiceWindow.objects.filter(station__path__startswith=leader.unit.path).order_by("pk").first()
            if window is None:
                continue
            stints = 1 if index % 4 == 3 else 3
            for k in range(stints):
                day = days[(index + k * 3) % len(days)]
                reception_record(
                    actor=actor,
                    leader=leader,
                    window=window,
                    date=day,
                    part="whole" if k % 2 == 0 else "half",
                    citizens_served=6 + (index + k) % 5,
                    problems_solved=1 + (index + k) % 3,
                    notes="在窗口以户籍民警身份受理业务，现场解答群众咨询。",
                )
