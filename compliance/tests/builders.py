"""Building a month by hand: every step through the service the portal uses, at a moment set with
time_machine (Asia/Shanghai), so each row carries the time it would carry in real life."""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

import time_machine

from compliance.figures import Period, Totals
from compliance.selectors.figures import CELL_FIELDS, cells, child_key, group_totals, sum_totals
from evaluations.models import AppealCategory, CallListEntry, Evaluation, Level, ReviewGround, ReviewOutcome
from evaluations.services.appeals import appeal_resolve, appeal_start, appeal_submit
from evaluations.services.followups import call_list_build, follow_up_record
from evaluations.services.ratings import evaluation_create
from evaluations.services.rectifications import (
    rating_review_decide,
    rating_review_request,
    rectification_close,
    rectification_contact,
)
from hukou.models import Case, Channel
from hukou.services import case_create, case_record_materials, case_record_visit, case_transition
from hukou.tests.factories import ID_NUMBERS, items_by_name, make_service_type
from windows.models import ServiceWindow, Unit

SHANGHAI = ZoneInfo("Asia/Shanghai")

# Same-day service: one required material, done at the counter (due the day it is accepted).
SAME_DAY = {
    "code": "fig-same-day",
    "name": "户口簿补领",
    "category": "certificate",
    "time_limit_days": 0,
    "statutory_limit_days": 20,
    "fee_yuan": 0,
    "legal_basis": "测试依据",
    "handling_mode": "window",
    "materials": [{"name": "身份证", "detail": "原件"}],
}

# Five working days, one deferrable material (容缺) to supply within three working days.
FIVE_DAYS = {
    "code": "fig-five-days",
    "name": "户口迁入",
    "category": "migration",
    "time_limit_days": 5,
    "statutory_limit_days": 20,
    "fee_yuan": 0,
    "legal_basis": "测试依据",
    "handling_mode": "window",
    "supplement_days": 3,
    "materials": [
        {"name": "身份证", "detail": "原件"},
        {"name": "户口簿复印件", "detail": "一份", "deferrable": True},
    ],
}

_phones = itertools.count(13700000001)


def at(year: int, month: int, day: int, hour: int = 10, minute: int = 0) -> datetime:
    """A moment in Asia/Shanghai."""
    return datetime(year, month, day, hour, minute, tzinfo=SHANGHAI)


def oct26(day: int, hour: int = 10, minute: int = 0) -> datetime:
    return at(2026, 10, day, hour, minute)


@contextmanager
def on(when: datetime):
    """The clock stands still at ``when`` (Shanghai) for what runs inside."""
    with time_machine.travel(when, tick=False):
        yield


def services() -> dict:
    return {"same": make_service_type(SAME_DAY), "five": make_service_type(FIVE_DAYS)}


# --- cases -------------------------------------------------------------------------------------------


def intake(
    officer,
    service,
    when: datetime,
    *,
    window=None,
    materials: str = "all",
    channel: str = Channel.WINDOW,
    phone: str | None = None,
) -> Case:
    """A case taken in at ``when``. ``materials``: "all", "required" (the deferrable ones missing) or "none"."""
    items = items_by_name(service)
    if materials == "all":
        names = list(items)
    elif materials == "required":
        names = [name for name, item in items.items() if not item.deferrable]
    else:
        names = []
    with on(when):
        return case_create(
            actor=officer,
            service_type=service,
            applicant_name="李四",
            id_number=ID_NUMBERS[1],
            phone=phone or str(next(_phones)),
            channel=channel,
            window=window,
            facts={},
            provided=[items[n].pk for n in names],
        )


def move(case: Case, officer, action: str, when: datetime, **kwargs) -> Case:
    with on(when):
        return case_transition(case=case, actor=officer, action=action, **kwargs)


def accept(case: Case, officer, when: datetime) -> Case:
    return move(case, officer, "accept", when)


def accept_deficient(case: Case, officer, when: datetime, supplement_due_on: date | None = None) -> Case:
    return move(case, officer, "accept_deficient", when, commitment_signed=True, supplement_due_on=supplement_due_on)


def notify(case: Case, officer, when: datetime) -> Case:
    return move(case, officer, "notify", when)


def complete(case: Case, officer, when: datetime) -> Case:
    return move(case, officer, "complete", when)


def suspend(case: Case, officer, when: datetime) -> Case:
    return move(case, officer, "suspend", when, note="等待外地公安机关核查")


def resume(case: Case, officer, when: datetime) -> Case:
    return move(case, officer, "resume", when)


def withdraw(case: Case, officer, when: datetime) -> Case:
    return move(case, officer, "withdraw", when, note="申请人撤回")


def reject(case: Case, officer, when: datetime) -> Case:
    return move(case, officer, "reject", when, note="不符合条件", legal_basis="《户口登记条例》")


def bring(case: Case, officer, when: datetime, names: Iterable[str] | None = None) -> Case:
    """The citizen hands over materials at the window (every material of the checklist by default)."""
    items = items_by_name(case.service_type)
    names = list(items) if names is None else list(names)
    with on(when):
        return case_record_materials(case=case, actor=officer, provided=[items[n].pk for n in names])


def visit(case: Case, officer, when: datetime) -> Case:
    """The citizen came back to the window without anything new."""
    with on(when):
        return case_record_visit(case=case, actor=officer)


def supply(case: Case, officer, when: datetime) -> Case:
    """容缺: the deferred materials arrive and the case runs on as accepted."""
    return accept(bring(case, officer, when), officer, when)


def same_day(officer, service, when: datetime, **kwargs) -> Case:
    """Taken in, accepted and completed at the counter at ``when``."""
    case = intake(officer, service, when, **kwargs)
    return complete(accept(case, officer, when), officer, when)


# --- ratings -----------------------------------------------------------------------------------------


def rate(case: Case, level: int, when: datetime) -> Evaluation:
    with on(when):
        return evaluation_create(case=case, channel="device", level=level)


def exclude(evaluation: Evaluation, chief, bureau, requested: datetime, decided: datetime) -> None:
    """申诉复核: the station chief disputes the rating, the bureau above finds it mistaken."""
    with on(requested):
        review = rating_review_request(
            evaluation=evaluation, actor=chief, ground=ReviewGround.MISTAKEN, reason="群众误按评价键"
        )
    with on(decided):
        rating_review_decide(review=review, actor=bureau, outcome=ReviewOutcome.EXCLUDED, note="经调阅录像，属误评")


def rectify(evaluation: Evaluation, chief, contacted: datetime, closed: datetime) -> None:
    """差评整改: contacted, then closed with the citizen called back."""
    rectification = evaluation.rectification
    with on(contacted):
        rectification = rectification_contact(
            rectification=rectification, actor=chief, contact_note="电话联系群众，了解情况"
        )
    with on(closed):
        rectification_close(
            rectification=rectification,
            actor=chief,
            finding="民警解释不到位",
            action_taken="批评教育",
            callback_level=Level.SATISFIED,
            callback_at=closed,
        )


# --- appeals and calls -------------------------------------------------------------------------------


def appeal(station, when: datetime):
    with on(when):
        return appeal_submit(
            station=station,
            category=AppealCategory.CANNOT_GET_DONE,
            contact_name="王小明",
            contact_phone=str(next(_phones)),
            content="办理户口迁入跑了两趟还没有办成。",
        )


def resolve(appeal_row, actor, when: datetime):
    with on(when):
        appeal_row = appeal_start(appeal=appeal_row, actor=actor)
        return appeal_resolve(appeal=appeal_row, actor=actor, resolution="已电话联系群众，当场解决")


def call_list(station, month: date, actor, when: datetime):
    with on(when):
        return call_list_build(station=station, month=month, actor=actor)


def entry_of(call_list_row, case: Case) -> CallListEntry:
    return CallListEntry.objects.get(call_list=call_list_row, case=case)


def call(entry: CallListEntry, actor, when: datetime, reached: bool = True):
    with on(when):
        return follow_up_record(actor=actor, entry=entry, reached=reached, level=Level.SATISFIED if reached else None)


# --- a unit's month read back from the rollup cells -----------------------------------------------------


@dataclass
class Breakdown:
    """One unit's month: its totals, its children's (units below it, or a station's windows), and its officers'."""

    unit: Unit
    period: Period
    totals: Totals
    children: list[tuple[object, Totals]]
    officers: list[tuple[int, Totals]]


def unit_breakdown(unit: Unit, month: date, *, window: ServiceWindow | None = None, now=None) -> Breakdown:
    """One unit's (or one window's) month summed from its rollup cells, one level down and by officer:
    what the figure tests compare with their hand-made and recounted numbers."""
    rows = list(cells(month, unit, window_id=window.pk if window else None).values(*CELL_FIELDS))
    totals = sum_totals(rows)
    if window is not None:
        children: list[tuple[object, Totals]] = []
    elif unit.is_station:
        by_window = group_totals(rows, lambda r: r["window_id"])
        windows = {w.pk: w for w in ServiceWindow.objects.filter(station=unit)}
        children = [(windows[pk], t) for pk, t in by_window.items() if pk in windows]
        children.sort(key=lambda item: item[0].number)
    else:
        by_path = group_totals(rows, child_key(unit))
        units = {u.path: u for u in Unit.objects.filter(parent=unit)}
        children = sorted(((units[p], t) for p, t in by_path.items() if p in units), key=lambda i: i[0].path)
        children += [(u, Totals()) for p, u in units.items() if p not in by_path]
    officers = list(group_totals(rows, lambda r: r["officer_id"]).items())
    return Breakdown(unit=unit, period=Period.of(month, now), totals=totals, children=children, officers=officers)


def officer_totals(unit: Unit, month: date, officer_id: int) -> Totals:
    return sum_totals(list(cells(month, unit, officer_id=officer_id).values(*CELL_FIELDS)))
