"""Demo ratings, a bad review under rectification, follow-up call lists and citizen appeals at the demo
stations. Idempotent: a station that already has ratings gets nothing. Needs ``seed_demo_cases`` first.
Demo only."""

from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from evaluations.models import AppealCategory, Evaluation, FollowUpRule, Level, RatingChannel
from evaluations.services.appeals import appeal_start, appeal_submit
from evaluations.services.followups import call_list_build, follow_up_policy_set, month_start, previous_month
from evaluations.services.ratings import evaluation_create
from hukou.models import Case, CaseStatus
from windows.models import Role, Staff

# (level, channel, reasons, comment) for a station's completed cases, newest first
RATINGS = [
    (Level.VERY_SATISFIED, RatingChannel.DEVICE, ["attitude", "efficiency"], "民警很耐心，一次就办好了。"),
    (Level.SATISFIED, RatingChannel.SMS, [], ""),
]
BAD = (Level.DISSATISFIED, RatingChannel.DEVICE, ["waiting"], "排队等了一个多小时。")

APPEALS = [
    (
        AppealCategory.CANNOT_GET_DONE,
        "孙丽",
        "13912345678",
        "为孩子办理随迁落户，窗口说还要社区证明，但办事指南上没有写，跑了两次没办成。",
    ),
    (AppealCategory.SUGGESTION, "周强", "13787654321", "建议周六上午也开放一个户籍窗口，上班族工作日请假不方便。"),
]


class Command(BaseCommand):
    help = "Create demo ratings, rectifications, call lists and appeals at the demo stations (demo only)."

    @transaction.atomic
    def handle(self, *args, **options):
        chiefs = Staff.objects.filter(role=Role.STATION_SUPERVISOR, user__username__endswith=".chief").select_related(
            "unit", "user"
        )
        seeded = 0
        for index, chief in enumerate(chiefs.order_by("unit__code")):
            station = chief.unit
            if Evaluation.objects.filter(station=station).exists():
                continue
            completed = Case.objects.filter(
                station=station, status__in=[CaseStatus.COMPLETED, CaseStatus.COLLECTED]
            ).order_by("-completed_at")
            plan = [BAD, *RATINGS] if index == 0 else RATINGS
            for case, (level, channel, reasons, comment) in zip(completed, plan, strict=False):
                evaluation_create(case=case, channel=channel, level=level, reasons=reasons, comment=comment)
            if index % 2:
                follow_up_policy_set(actor=chief.user, station=station, rule=FollowUpRule.PER_OFFICER, per_officer=3)
            this_month = month_start(timezone.localdate())
            for month in (previous_month(this_month), this_month):  # the demo cases may straddle the 1st
                call_list_build(station=station, month=month, actor=chief.user)
            if index < 2:
                category, name, phone, content = APPEALS[index]
                appeal = appeal_submit(
                    station=station, category=category, contact_name=name, contact_phone=phone, content=content
                )
                if index == 0:
                    appeal_start(appeal=appeal, actor=chief.user, note="已联系群众，正在核实。")
            seeded += 1
        self.stdout.write(self.style.SUCCESS(f"Demo evaluations ready ({seeded} stations new)."))
