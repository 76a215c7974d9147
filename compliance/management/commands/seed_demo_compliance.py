"""Demo 三长接待 leaders and stints, the monthly rollups, last month's bulletin and awards, and the latest
《群众诉求未结事项登记表》 at the demo units. Idempotent. Needs ``seed_demo`` (and, for figures worth
looking at, ``seed_demo_cases`` and ``seed_demo_evaluations``) first. Demo only."""

from datetime import timedelta

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from compliance.figures import month_start, previous_month
from compliance.models import Leader, LeaderRole, ReceptionRecord
from compliance.services.awards import awards_suggest
from compliance.services.receptions import leader_create, reception_record
from compliance.services.registers import register_build, register_due_on, register_period_days
from compliance.services.reports import report_build
from compliance.services.rollups import rollup_rebuild
from windows.models import Role, ServiceWindow, Staff, Unit, UnitKind
from windows.workdays import is_working_day

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
