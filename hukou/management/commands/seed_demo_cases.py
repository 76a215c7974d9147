"""Demo cases at every demo station, in the states an officer meets in a day. Idempotent: a station
that already has cases gets none. Needs ``load_catalog`` and ``seed_demo`` first. Demo only."""

from datetime import timedelta

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone
from stdnum.cn import ric

from hukou.models import Case, ServiceType
from hukou.services import Action, case_create, case_transition
from hukou.services.checklist import requirements_of
from windows.models import Role, Staff
from windows.workdays import add_working_days, is_working_day

APPLICANTS = ["王建华", "李秀兰", "张伟", "刘洋", "陈静", "杨帆", "欧阳明", "赵敏"]
# (service code, materials handed over by item order, the moves, working days ago)
SCENARIOS = [
    ("residence-permit-1y", [0, 2], [], 0),
    ("residence-permit-1y", [0], [Action.NOTIFY], 2),
    ("birth-registration", None, [Action.ACCEPT, Action.COMPLETE], 1),
    ("id-card-renewal", None, [Action.ACCEPT], 12),
    ("household-certificate", None, [Action.ACCEPT], 5),  # overdue: 3 working days committed
    ("residence-permit-3y", None, [Action.ACCEPT, Action.COMPLETE, Action.COLLECT], 8),
]


def _id_number(index: int) -> str:
    body = f"37010219{80 + index % 20:02d}0{1 + index % 9}1{index % 10}{index % 7}{index % 10}{index % 3}"
    return body + ric.calc_check_digit(body + "0")


def _working_days_ago(n: int):
    day = timezone.localdate()
    while n > 0 or not is_working_day(day):
        day -= timedelta(days=1)
        if is_working_day(day):
            n -= 1
    return day


class Command(BaseCommand):
    help = "Create demo cases at the demo stations (demo only)."

    @transaction.atomic
    def handle(self, *args, **options):
        if not ServiceType.objects.published().exists():
            raise CommandError("Load the catalog first: python manage.py load_catalog")
        officers = Staff.objects.filter(role=Role.OFFICER, user__username__endswith=".officer").select_related("unit")
        created = 0
        for station_index, officer in enumerate(officers):
            if Case.objects.filter(station=officer.unit).exists():
                continue
            window = officer.unit.windows.order_by("number").first()
            for index, (code, handed, moves, ago) in enumerate(SCENARIOS):
                service = ServiceType.objects.published().get(code=code)
                items = list(service.items.all())
                provided = [items[i].pk for i in handed] if handed is not None else self._complete(service, items)
                day = _working_days_ago(ago)
                case = case_create(
                    actor=officer.user,
                    service_type=service,
                    applicant_name=APPLICANTS[(station_index + index) % len(APPLICANTS)],
                    id_number=_id_number(station_index * 10 + index),
                    phone=f"139{station_index:02d}{index:02d}{4321 + index:04d}",
                    window=window,
                    facts={c.key: False for c in service.conditions.all()},
                    provided=provided,
                    today=day,
                )
                for step, action in enumerate(moves):
                    when = min(add_working_days(day, step) if step else day, timezone.localdate())
                    case = case_transition(case=case, actor=officer.user, action=action, today=when)
                created += 1
        self.stdout.write(self.style.SUCCESS(f"Demo cases ready ({created} new)."))

    @staticmethod
    def _complete(service, items):
        """One item of every requirement that applies when every condition is answered no."""
        chosen = []
        for requirement in requirements_of(items):
            unconditional = [item.pk for item in requirement.items if not item.condition_id]
            chosen.extend(unconditional[:1])
        return chosen
