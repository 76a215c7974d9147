from django.core.management.base import BaseCommand

from hukou.services.deadlines import deadlines_scan

LABELS = {
    "warned": "临期预警",
    "overdue": "超期",
    "supplements_overdue": "容缺材料逾期",
    "deemed_accepted": "视为受理",
    "supplement_reminders": "容缺补交提醒短信",
}


class Command(BaseCommand):
    help = (
        "Flag cases due soon, overdue, with overdue supplements, or undecided for 5 working days, and remind "
        "citizens of 容缺 deadlines by SMS (as beat does)."
    )

    def handle(self, *args, **options):
        report = deadlines_scan()
        for name, label in LABELS.items():
            numbers = getattr(report, name)
            self.stdout.write(f"{label}: {len(numbers)}" + (f"  ({', '.join(numbers[:20])})" if numbers else ""))
