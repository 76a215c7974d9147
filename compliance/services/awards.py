"""服务标兵 (seed 002): each month one best-service star (最佳服务标兵) and two quality-service stars
(优质服务标兵) per station.

After a month ends the monthly job suggests them from the month's rollups (:func:`awards_suggest`); the
station chief, who checks the window daily and assesses it monthly, or a bureau supervisor above, then
confirms the suggestion or chooses someone else with a note (:func:`award_confirm`). A confirmed award
is never changed by a later suggestion.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from compliance.figures import COUNT_KEYS, Totals, month_start
from compliance.models import AWARD_SLOTS, Award, AwardKind
from compliance.selectors.figures import cells, group_totals
from compliance.services.receptions import may_act
from windows.access import scope_root
from windows.models import Role, Staff, Unit

logger = logging.getLogger(__name__)

CONFIRM_NOT_ALLOWED = "只有本所所长（户籍负责人）或上级户政管理人员可以评定服务标兵。"
OFFICER_REQUIRED = "请选择评定人选。"
OFFICER_NOT_OF_STATION = "评定人选须是本所的户籍民警。"
NOTE_REQUIRED = "评定人选与系统建议不同，请填写评定说明。"
NOTE_MAX_LENGTH = 300
NOTE_TOO_LONG = f"评定说明最多{NOTE_MAX_LENGTH}个字。"
ALREADY_HOLDS_SLOT = "该民警本月已评为本所的%(kind)s，同一人每月只能获评一项。"
SUGGEST_NOT_ALLOWED = "只有派出所所长（户籍负责人）或上级户政管理人员可以生成服务标兵建议。"
MONTH_NOT_ENDED = "该月尚未结束，月底后才能生成服务标兵建议。"


def slots() -> list[tuple[str, int]]:
    """A station-month's slots in order: the best-service star first, then the quality-service stars."""
    return [(kind, n) for kind, count in AWARD_SLOTS.items() for n in range(1, count + 1)]


# --- ranking ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Candidate:
    officer_id: int
    totals: Totals

    def rank_key(self) -> tuple:
        """Fewest upheld complaints, then satisfaction, rating coverage, on-time rate, completed count;
        the officer id last, so that equal figures rank the same way every time."""
        t = self.totals

        def rate(value: float | None) -> float:
            return -1.0 if value is None else value

        return (t["bad"], -rate(t.satisfaction), -rate(t.coverage), -rate(t.on_time_rate), -t["completed"],
                self.officer_id)  # fmt: skip


def reasons_of(totals: Totals, rank: int) -> dict:
    """What the page shows beside a suggestion (满意率、评价覆盖率、按时办结率、有责差评)."""
    return {
        "rank": rank,
        "satisfaction": totals.satisfaction,
        "satisfied": totals["satisfied"],
        "ratings": totals["ratings"],
        "coverage": totals.coverage,
        "rated": totals["rated"],
        "on_time_rate": totals.on_time_rate,
        "completed_on_time": totals["completed_on_time"],
        "completed": totals["completed"],
        "bad": totals["bad"],
    }


def ranking(month: date, stations: list[Unit]) -> dict[int, list[Candidate]]:
    """Per station, its officers (户籍民警 of that station with cells in the month and at least
    ``COMPLIANCE_AWARD_MIN_RATINGS`` ratings), best first."""
    by_station: dict[int, list[Candidate]] = defaultdict(list)
    if not stations:
        return by_station
    station_ids = {s.pk for s in stations}
    officers = set(
        Staff.objects.filter(role=Role.OFFICER, unit_id__in=station_ids, user__is_active=True).values_list(
            "unit_id", "user_id"
        )
    )
    minimum = settings.COMPLIANCE_AWARD_MIN_RATINGS
    qs = cells(month).filter(station_id__in=station_ids, officer_id__isnull=False)
    rows = list(qs.values("station_id", "officer_id", "days", *COUNT_KEYS))
    totals = group_totals(rows, lambda r: (r["station_id"], r["officer_id"]))
    for (station_id, officer_id), t in totals.items():
        if (station_id, officer_id) in officers and t["ratings"] >= minimum:
            by_station[station_id].append(Candidate(officer_id, t))
    for candidates in by_station.values():
        candidates.sort(key=Candidate.rank_key)
    return by_station


# --- suggestions -----------------------------------------------------------------------------------


def _suggest(month: date, stations: list[Unit]) -> int:
    """Write the suggestion of every unconfirmed slot of these stations' month; returns how many slots
    were created or changed. A station with no 户籍民警 gets no slots; one whose officers all fell short
    gets its slots empty, for the supervisor to fill."""
    month = month_start(month)
    ranked = ranking(month, stations)
    staffed = set(
        Staff.objects.filter(role=Role.OFFICER, unit__in=stations, user__is_active=True).values_list(
            "unit_id", flat=True
        )
    )
    existing: dict[int, dict[tuple[str, int], Award]] = defaultdict(dict)
    for award in Award.objects.select_for_update().filter(month=month, station__in=stations):
        existing[award.station_id][(award.kind, award.slot)] = award
    written = 0
    for station in stations:
        candidates, awards = ranked.get(station.pk, []), existing.get(station.pk, {})
        if station.pk not in staffed and not awards:
            continue
        taken = {a.officer_id for a in awards.values() if a.is_confirmed}
        free = iter([(rank, c) for rank, c in enumerate(candidates, start=1) if c.officer_id not in taken])
        for kind, slot in slots():
            award = awards.get((kind, slot))
            if award is not None and award.is_confirmed:
                continue
            rank, candidate = next(free, (None, None))
            suggested_id = candidate.officer_id if candidate else None
            reasons = reasons_of(candidate.totals, rank) if candidate else {}
            if award is None:
                award = Award(station=station, unit_path=station.path, month=month, kind=kind, slot=slot)
            elif award.suggested_id == suggested_id and award.reasons == reasons:
                continue
            award.suggested_id, award.reasons = suggested_id, reasons
            award.unit_path = station.path
            award.save()
            written += 1
    return written


@transaction.atomic
def awards_suggest(*, month: date) -> int:
    """Suggest every station's 服务标兵 of ``month`` from its rollups (the monthly job, after the month
    ended). Confirmed slots are left as they are; returns how many slots were written."""
    stations = list(Unit.objects.stations().order_by("path"))
    written = _suggest(month, stations)
    logger.info("awards suggested for %s: %s slots written", month_start(month), written)
    return written


def may_suggest(actor) -> bool:
    root = scope_root(actor)
    return root is not None and may_act(actor, root)


@transaction.atomic
def awards_resuggest(*, actor, month: date) -> int:
    """A supervisor asks for the suggestions of an ended month again, for the stations in their scope
    (after a correction reached the rollups). Only unconfirmed slots change."""
    if not may_suggest(actor):
        raise PermissionDenied(SUGGEST_NOT_ALLOWED)
    month = month_start(month)
    if month >= month_start(timezone.localdate()):
        raise ValidationError({"month": [MONTH_NOT_ENDED]})
    root = scope_root(actor)
    stations = list(Unit.objects.stations().filter(path__startswith=root.path).order_by("path"))
    written = _suggest(month, stations)
    logger.info("awards of %s suggested again by %s under %s: %s slots written", month, actor.pk, root.code, written)
    return written


# --- confirming ------------------------------------------------------------------------------------


def may_confirm(actor, award: Award) -> bool:
    return may_act(actor, award.station)


def station_officers(station: Unit):
    """Who may be chosen: the station's 户籍民警 (active accounts), by name."""
    return (
        get_user_model()
        .objects.filter(staff__role=Role.OFFICER, staff__unit=station, is_active=True)
        .order_by("first_name", "last_name", "username")
    )


@transaction.atomic
def award_confirm(*, actor, award: Award, officer, note: str = "") -> Award:
    """Confirm a slot: the suggested officer, or another officer of the station with a note saying why.
    A confirmed slot may be changed again by the same rules. One officer holds one slot a station-month."""
    award = Award.objects.select_related("station").get(pk=award.pk)
    # The station-month's slots are locked together: two slots cannot be given to one officer at once.
    list(Award.objects.select_for_update().filter(station=award.station, month=award.month).order_by("pk"))
    award.refresh_from_db()
    if not may_confirm(actor, award):
        raise PermissionDenied(CONFIRM_NOT_ALLOWED)
    errors: dict[str, list[str]] = {}
    note = (note or "").strip()
    if officer is None:
        errors["officer"] = [OFFICER_REQUIRED]
    elif not station_officers(award.station).filter(pk=officer.pk).exists():
        errors["officer"] = [OFFICER_NOT_OF_STATION]
    else:
        other = (
            Award.objects.filter(station=award.station, month=award.month, officer=officer).exclude(pk=award.pk).first()
        )
        if other is not None:
            errors["officer"] = [ALREADY_HOLDS_SLOT % {"kind": AwardKind(other.kind).label}]
    if len(note) > NOTE_MAX_LENGTH:
        errors["note"] = [NOTE_TOO_LONG]
    elif officer is not None and officer.pk != award.suggested_id and not note:
        errors["note"] = [NOTE_REQUIRED]
    if errors:
        raise ValidationError(errors)
    before = award.officer_id
    award.officer = officer
    award.note = note
    award.confirmed_by = actor
    award.confirmed_at = timezone.now()
    award.full_clean(exclude=["station", "suggested", "officer", "confirmed_by"])
    award.save()
    logger.info("award %s (%s %s %s%s) confirmed by %s: officer %s (was %s, suggested %s) note=%r", award.pk,
                award.station.code, award.month, award.kind, award.slot, actor.pk, officer.pk, before,
                award.suggested_id, note)  # fmt: skip
    return award
