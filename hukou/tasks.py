from celery import shared_task

from hukou.services.deadlines import deadlines_scan


@shared_task(name="hukou.tasks.check_deadlines")
def check_deadlines() -> dict[str, int]:
    """Early warnings, overdue cases and supplements, undecided applications, and the citizens' 容缺
    reminder SMS (beat: every 15 minutes)."""
    report = deadlines_scan()
    return {name: len(numbers) for name, numbers in vars(report).items()}
