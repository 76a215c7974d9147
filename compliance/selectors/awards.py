"""Reads of the 服务标兵 awards: a month's slots of the stations in the user's scope, with each station's
officers to choose from and the suggestion's reasons in words."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from django.db.models import QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from compliance.figures import month_start
from compliance.models import Award, AwardKind
from compliance.selectors.figures import person_name
from compliance.services.awards import slots
from compliance.services.receptions import may_act
from windows.access import scope_root
from windows.models import Role, Staff, Unit


def percent(value: float | None) -> str:
    """0.992 → "99.2%", 0.96 → "96%"; never "100%" for a share short of all."""
    if value is None:
        return "—"
    shown = round(value * 100, 1)
    if shown >= 100 and value < 1:
        shown = 99.9
    return f"{shown:g}%"


def reason_parts(reasons: dict) -> list[str]:
    """A suggestion's reasons as the page says them: 满意率 99.2%（124/125）、评价覆盖率 96%、…"""
    if not reasons:
        return []
    return [
        _("满意率 %(rate)s（%(satisfied)s/%(ratings)s）")
        % {
            "rate": percent(reasons.get("satisfaction")),
            "satisfied": reasons.get("satisfied", 0),
            "ratings": reasons.get("ratings", 0),
        },
        _("评价覆盖率 %(rate)s") % {"rate": percent(reasons.get("coverage"))},
        _("按时办结率 %(rate)s") % {"rate": percent(reasons.get("on_time_rate"))},
        _("有责差评 %(bad)s") % {"bad": reasons.get("bad", 0)},
        _("办结 %(completed)s 件") % {"completed": reasons.get("completed", 0)},
    ]


def reason_text(reasons: dict) -> str:
    return "、".join(reason_parts(reasons))


def award_stations(user) -> QuerySet[Unit]:
    """The stations in the user's scope, in the order of the organisation."""
    root = scope_root(user)
    if root is None:
        return Unit.objects.none()
    return Unit.objects.stations().filter(path__startswith=root.path).order_by("path")


def awards_for_user(user) -> QuerySet[Award]:
    root = scope_root(user)
    if root is None:
        return Award.objects.none()
    return Award.objects.filter(unit_path__startswith=root.path).select_related(
        "station", "suggested", "officer", "confirmed_by"
    )


def awards_in_month(user, month: date) -> QuerySet[Award]:
    return awards_for_user(user).filter(month=month_start(month)).order_by("unit_path", "kind", "slot")


def award_get_for_user(user, pk) -> Award:
    """One award in the user's scope (404 otherwise, whether missing or another unit's)."""
    try:
        return awards_for_user(user).get(pk=int(pk))
    except (ValueError, TypeError, Award.DoesNotExist):
        raise Http404 from None


@dataclass
class Slot:
    kind: str
    slot: int
    award: Award | None

    @property
    def label(self) -> str:
        return str(AwardKind(self.kind).label)

    @property
    def reasons(self) -> list[str]:
        return reason_parts(self.award.reasons) if self.award else []

    @property
    def suggested_name(self) -> str:
        return person_name(self.award.suggested) if self.award else ""

    @property
    def officer_name(self) -> str:
        return person_name(self.award.officer) if self.award else ""

    @property
    def differs(self) -> bool:
        """Confirmed as someone other than the suggestion."""
        a = self.award
        return a is not None and a.is_confirmed and a.officer_id != a.suggested_id


@dataclass
class StationAwards:
    station: Unit
    slots: list[Slot]
    officers: list = field(default_factory=list)
    may_confirm: bool = False

    @property
    def has_awards(self) -> bool:
        return any(s.award is not None for s in self.slots)

    @property
    def confirmed(self) -> int:
        return sum(1 for s in self.slots if s.award is not None and s.award.is_confirmed)


def station_awards(user, month: date, stations: list[Unit]) -> list[StationAwards]:
    """The month's three slots of each station, its officers and whether the user may confirm: three
    queries whatever the number of stations."""
    month = month_start(month)
    found: dict[int, dict[tuple[str, int], Award]] = defaultdict(dict)
    for award in awards_in_month(user, month).filter(station__in=stations):
        found[award.station_id][(award.kind, award.slot)] = award
    officers: dict[int, list] = defaultdict(list)
    staff = (
        Staff.objects.filter(role=Role.OFFICER, unit__in=stations, user__is_active=True)
        .select_related("user")
        .order_by("user__first_name", "user__last_name", "user__username")
    )
    for s in staff:
        officers[s.unit_id].append(s.user)
    result = []
    for station in stations:
        station_slots = [Slot(kind, n, found[station.pk].get((kind, n))) for kind, n in slots()]
        result.append(StationAwards(station, station_slots, officers[station.pk], may_act(user, station)))
    return result


def station_awards_one(user, award: Award) -> StationAwards:
    """The station card of one award (after a confirm)."""
    return station_awards(user, award.month, [award.station])[0]
