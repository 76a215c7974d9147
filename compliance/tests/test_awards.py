"""服务标兵: the monthly suggestion from the rollups (hand-made cells and a month built through the real
services), its reasons, and confirming or changing a slot."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import F
from django.http import Http404

from compliance.models import Award, AwardKind, MonthlyFigures
from compliance.selectors.awards import award_get_for_user, percent, reason_text, station_awards
from compliance.services import awards as services
from compliance.services.rollups import rollup_refresh
from evaluations.models import ReviewGround, ReviewOutcome
from evaluations.services.rectifications import rating_review_decide, rating_review_request
from evaluations.tests.factories import completed_case, rate
from windows.models import Role
from windows.tests.factories import StaffFactory

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")
MAY = date(2026, 5, 1)


@pytest.fixture(autouse=True)
def early_june(time_machine):
    time_machine.move_to(datetime(2026, 6, 3, 10, tzinfo=SHANGHAI), tick=False)


@pytest.fixture
def officers(org, staff):
    """Officers o1 … o7 of the east station (o1, o2 are the staff fixture's officer and officer2)."""
    east = org["east_station"]
    made = {"o1": staff["officer"], "o2": staff["officer2"]}
    for n in range(3, 8):
        made[f"o{n}"] = StaffFactory(username=f"o{n}", unit=east, role=Role.OFFICER, full_name=f"民警{n}").user
    return made


def cell(station, officer, month=MAY, window=None, **counts):
    return MonthlyFigures.objects.create(
        month=month, station=station, unit_path=station.path, window=window, officer=officer, **counts
    )


def figures(completed, on_time, rated, ratings, satisfied, bad=0) -> dict:
    return {"completed": completed, "completed_on_time": on_time, "rated": rated, "ratings": ratings,
            "satisfied": satisfied, "bad": bad}  # fmt: skip


@pytest.fixture
def cells(org, staff, officers):
    """Hand-made May cells at the east station, each pair of neighbours told apart by the next criterion."""
    east = org["east_station"]
    o = officers
    # o1 over two windows' cells: summed to 10 completed, all rated, all satisfied
    cell(east, o["o1"], window=staff["window"], **figures(6, 6, 6, 6, 6))
    cell(east, o["o1"], **figures(4, 4, 4, 4, 4))
    cell(east, o["o2"], **figures(10, 10, 10, 10, 9))  # satisfaction 90%
    cell(east, o["o3"], **figures(10, 10, 8, 10, 9))  # and coverage 80%
    cell(east, o["o4"], **figures(10, 9, 8, 10, 9))  # and on time 90%
    cell(east, o["o5"], **figures(20, 18, 16, 20, 18))  # the same rates as o4, more completed
    cell(east, o["o6"], **figures(11, 11, 11, 11, 10, bad=1))  # one upheld bad rating: after every clean one
    cell(east, o["o7"], **figures(4, 4, 4, 4, 4))  # too few ratings
    cell(east, staff["chief"], **figures(30, 30, 30, 30, 30))  # not a window officer
    cell(east, staff["other_officer"], **figures(30, 30, 30, 30, 30))  # an officer of the west station
    cell(east, o["o1"], month=date(2026, 4, 1), **figures(1, 0, 1, 1, 0, bad=1))  # another month
    return o


def test_officers_rank_by_complaints_satisfaction_coverage_on_time_then_completed(org, cells):
    ranked = services.ranking(MAY, [org["east_station"]])[org["east_station"].pk]
    o = cells
    assert [c.officer_id for c in ranked] == [o[k].pk for k in ("o1", "o2", "o3", "o5", "o4", "o6")]


def test_suggestions_fill_the_three_slots_with_reasons(org, cells, settings):
    assert services.awards_suggest(month=MAY) == 6  # the east station's three, the west's three empty
    east = org["east_station"]
    slots = {(a.kind, a.slot): a for a in Award.objects.filter(station=east, month=MAY)}
    assert {k: a.suggested for k, a in slots.items()} == {
        (AwardKind.BEST, 1): cells["o1"], (AwardKind.QUALITY, 1): cells["o2"], (AwardKind.QUALITY, 2): cells["o3"]
    }  # fmt: skip
    assert slots[(AwardKind.BEST, 1)].reasons == {
        "rank": 1, "satisfaction": 1.0, "satisfied": 10, "ratings": 10, "coverage": 1.0, "rated": 10,
        "on_time_rate": 1.0, "completed_on_time": 10, "completed": 10, "bad": 0,
    }  # fmt: skip
    assert slots[(AwardKind.QUALITY, 2)].reasons["coverage"] == 0.8
    assert all(a.unit_path == east.path and not a.is_confirmed for a in slots.values())
    # the west station has an officer but no cells: its slots exist, empty, for its chief to fill
    west = list(Award.objects.filter(station=org["west_station"], month=MAY).values_list("suggested", "reasons"))
    assert west == [(None, {})] * 3
    # nothing changed: suggesting again writes nothing
    assert services.awards_suggest(month=MAY) == 0


def test_officers_below_the_minimum_of_ratings_are_not_suggested(org, officers, settings):
    east = org["east_station"]
    cell(east, officers["o1"], **figures(5, 5, 5, 5, 5))
    cell(east, officers["o2"], **figures(4, 4, 4, 4, 4))
    services.awards_suggest(month=MAY)
    assert list(Award.objects.filter(station=east).values_list("kind", "slot", "suggested")) == [
        (AwardKind.BEST, 1, officers["o1"].pk), (AwardKind.QUALITY, 1, None), (AwardKind.QUALITY, 2, None)
    ]  # fmt: skip
    settings.COMPLIANCE_AWARD_MIN_RATINGS = 4
    assert services.awards_suggest(month=MAY) == 1
    assert Award.objects.get(station=east, kind=AwardKind.QUALITY, slot=1).suggested == officers["o2"]


def test_a_confirmed_award_is_untouched_by_a_new_suggestion(org, staff, cells):
    services.awards_suggest(month=MAY)
    east = org["east_station"]
    best = Award.objects.get(station=east, kind=AwardKind.BEST)
    services.award_confirm(actor=staff["chief"], award=best, officer=cells["o1"], note="")
    confirmed = Award.objects.get(pk=best.pk)
    # a correction reaches the rollups: o1 now has an upheld bad rating, o5 the best figures
    MonthlyFigures.objects.filter(officer=cells["o1"], month=MAY, window__isnull=True).update(bad=1, ratings=5)
    MonthlyFigures.objects.filter(officer=cells["o5"]).update(satisfied=F("ratings"), rated=F("completed"),
                                                               completed_on_time=F("completed"))  # fmt: skip
    assert services.awards_suggest(month=MAY) == 2
    again = Award.objects.get(pk=best.pk)
    assert (again.suggested, again.reasons, again.officer, again.confirmed_at) == (
        confirmed.suggested, confirmed.reasons, cells["o1"], confirmed.confirmed_at
    )  # fmt: skip
    quality = Award.objects.filter(station=east, kind=AwardKind.QUALITY).order_by("slot")
    assert [a.suggested for a in quality] == [cells["o5"], cells["o2"]]  # o1 holds a slot already


def test_a_month_built_through_the_services(org, staff, officers, service):
    """Cases completed and rated in May through the real services, then the rollup and the suggestion."""
    o = officers
    excluded = None

    def month_of_cases(officer, levels, unrated=0):
        nonlocal excluded
        for day, level in enumerate(levels, start=4):
            with time_machine.travel(datetime(2026, 5, day, 10, tzinfo=SHANGHAI), tick=False):
                evaluation = rate(completed_case(officer=officer, service_type=service), level=level)
            if level == 1:
                excluded = evaluation
        for day in range(unrated):
            with time_machine.travel(datetime(2026, 5, 20 + day, 10, tzinfo=SHANGHAI), tick=False):
                completed_case(officer=officer, service_type=service)

    month_of_cases(o["o1"], [5] * 6)
    month_of_cases(o["o2"], [5] * 5 + [3], unrated=1)  # 5/6 satisfied, 6 of 7 rated
    month_of_cases(o["o3"], [5] * 6 + [1])  # a bad rating found malicious on review: not counted
    month_of_cases(o["o4"], [5] * 5 + [2])  # an upheld bad rating
    month_of_cases(o["o5"], [5] * 4)  # too few ratings
    with time_machine.travel(datetime(2026, 5, 28, 10, tzinfo=SHANGHAI), tick=False):
        review = rating_review_request(
            evaluation=excluded, actor=staff["chief"], ground=ReviewGround.MALICIOUS, reason="与办件无关的恶意评价"
        )
        rating_review_decide(review=review, actor=staff["district"], outcome=ReviewOutcome.EXCLUDED, note="核实属实")
    rollup_refresh(month=MAY)
    services.awards_suggest(month=MAY)

    slots = {(a.kind, a.slot): a for a in Award.objects.filter(station=org["east_station"], month=MAY)}
    # o1: all rated, all satisfied; o3: its malicious bad rating not counted (neither as bad nor as rated), so
    # all satisfied but 6 of 7 rated; o2: 5 of 6 satisfied; o4 has an upheld bad rating; o5 too few ratings
    assert [slots[k].suggested for k in services.slots()] == [o["o1"], o["o3"], o["o2"]]
    assert slots[(AwardKind.BEST, 1)].reasons == {
        "rank": 1, "satisfaction": 1.0, "satisfied": 6, "ratings": 6, "coverage": 1.0, "rated": 6,
        "on_time_rate": 1.0, "completed_on_time": 6, "completed": 6, "bad": 0,
    }  # fmt: skip
    o3 = slots[(AwardKind.QUALITY, 1)].reasons
    assert (o3["rank"], o3["satisfied"], o3["ratings"], o3["bad"], o3["rated"], o3["completed"]) == (2, 6, 6, 0, 6, 7)
    o2 = slots[(AwardKind.QUALITY, 2)].reasons
    assert (o2["satisfied"], o2["ratings"], o2["rated"], o2["completed"], o2["bad"]) == (5, 6, 6, 7, 0)
    assert reason_text(o2) == "满意率 83.3%（5/6）、评价覆盖率 85.7%、按时办结率 100%、有责差评 0、办结 7 件"
    ranked = services.ranking(MAY, [org["east_station"]])[org["east_station"].pk]
    assert [c.officer_id for c in ranked] == [o["o1"].pk, o["o3"].pk, o["o2"].pk, o["o4"].pk]


# --- confirming ------------------------------------------------------------------------------------


@pytest.fixture
def suggested(org, cells):
    services.awards_suggest(month=MAY)
    east = org["east_station"]
    return {(a.kind, a.slot): a for a in Award.objects.filter(station=east, month=MAY)}


def test_the_station_chief_confirms_the_suggestion_without_a_note(staff, suggested, cells):
    best = suggested[(AwardKind.BEST, 1)]
    services.award_confirm(actor=staff["chief"], award=best, officer=cells["o1"], note="")
    award = Award.objects.get(pk=best.pk)  # as saved, not as the service returned it
    assert (award.officer, award.confirmed_by, award.note, award.is_confirmed) == (
        cells["o1"],
        staff["chief"],
        "",
        True,
    )


def test_choosing_someone_else_needs_a_note(staff, suggested, cells):
    quality = suggested[(AwardKind.QUALITY, 1)]
    with pytest.raises(ValidationError) as excinfo:
        services.award_confirm(actor=staff["chief"], award=quality, officer=cells["o4"], note="  ")
    assert excinfo.value.message_dict == {"note": [services.NOTE_REQUIRED]}
    assert not Award.objects.get(pk=quality.pk).is_confirmed
    award = services.award_confirm(actor=staff["chief"], award=quality, officer=cells["o4"], note="群众来信表扬")
    assert (award.officer, award.suggested, award.note) == (cells["o4"], cells["o2"], "群众来信表扬")
    # changed again, by the same rules: back to the suggestion, no note needed
    award = services.award_confirm(actor=staff["district"], award=quality, officer=cells["o2"], note="")
    assert (award.officer, award.confirmed_by, award.note) == (cells["o2"], staff["district"], "")


def test_one_officer_holds_one_slot_of_a_station_month(staff, suggested, cells):
    services.award_confirm(actor=staff["chief"], award=suggested[(AwardKind.BEST, 1)], officer=cells["o1"], note="")
    with pytest.raises(ValidationError) as excinfo:
        services.award_confirm(
            actor=staff["chief"], award=suggested[(AwardKind.QUALITY, 2)], officer=cells["o1"], note="表现突出"
        )
    assert excinfo.value.message_dict == {"officer": [services.ALREADY_HOLDS_SLOT % {"kind": "最佳服务标兵"}]}
    # the same slot may be confirmed again with its own officer
    services.award_confirm(actor=staff["chief"], award=suggested[(AwardKind.BEST, 1)], officer=cells["o1"], note="")


def test_the_officer_must_be_a_window_officer_of_the_station(staff, suggested):
    best = suggested[(AwardKind.BEST, 1)]
    for someone in (staff["other_officer"], staff["chief"], staff["auxiliary"], None):
        with pytest.raises(ValidationError) as excinfo:
            services.award_confirm(actor=staff["chief"], award=best, officer=someone, note="说明")
        expected = services.OFFICER_REQUIRED if someone is None else services.OFFICER_NOT_OF_STATION
        assert excinfo.value.message_dict == {"officer": [expected]}
    assert not Award.objects.filter(confirmed_at__isnull=False).exists()


@pytest.mark.parametrize("who", ["officer", "auxiliary", "other_district"])
def test_only_supervisors_of_the_station_or_above_confirm(staff, suggested, cells, who):
    with pytest.raises(PermissionDenied, match=services.CONFIRM_NOT_ALLOWED):
        services.award_confirm(actor=staff[who], award=suggested[(AwardKind.BEST, 1)], officer=cells["o1"], note="")


def test_another_stations_award_is_not_found(org, staff, suggested):
    west = Award.objects.filter(station=org["west_station"]).first()
    with pytest.raises(Http404):
        award_get_for_user(staff["chief"], west.pk)
    assert award_get_for_user(staff["other_district"], west.pk) == west
    assert award_get_for_user(staff["city"], suggested[(AwardKind.BEST, 1)].pk).station == org["east_station"]


def test_a_supervisor_asks_for_an_ended_months_suggestions_again(org, staff, suggested, cells):
    services.award_confirm(actor=staff["chief"], award=suggested[(AwardKind.BEST, 1)], officer=cells["o2"], note="说明")
    MonthlyFigures.objects.filter(officer=cells["o2"]).update(satisfied=F("ratings"))
    assert services.awards_resuggest(actor=staff["chief"], month=MAY) == 1  # quality 2 stays o3
    east = Award.objects.filter(station=org["east_station"], month=MAY)
    assert [(a.kind, a.suggested, a.officer) for a in east.order_by("kind", "slot")] == [
        (AwardKind.BEST, cells["o1"], cells["o2"]),  # confirmed: as it was
        (AwardKind.QUALITY, cells["o1"], None),  # o2 holds the best star; o1 leads the rest
        (AwardKind.QUALITY, cells["o3"], None),
    ]
    with pytest.raises(ValidationError) as excinfo:
        services.awards_resuggest(actor=staff["chief"], month=date(2026, 6, 1))
    assert excinfo.value.message_dict == {"month": [services.MONTH_NOT_ENDED]}
    with pytest.raises(PermissionDenied, match=services.SUGGEST_NOT_ALLOWED):
        services.awards_resuggest(actor=staff["officer"], month=MAY)


def test_the_page_rows_per_station(org, staff, suggested, cells):
    cards = station_awards(staff["district"], MAY, [org["east_station"]])
    card = cards[0]
    assert (card.station, card.may_confirm, card.confirmed) == (org["east_station"], True, 0)
    assert [(s.kind, s.slot, s.suggested_name) for s in card.slots] == [
        ("best", 1, cells["o1"].get_full_name()), ("quality", 1, cells["o2"].get_full_name()),
        ("quality", 2, cells["o3"].get_full_name()),
    ]  # fmt: skip
    assert card.slots[0].reasons[0] == "满意率 100%（10/10）"
    assert set(card.officers) == {cells[k] for k in ("o1", "o2", "o3", "o4", "o5", "o6", "o7")}
    assert station_awards(staff["other_district"], MAY, [org["east_station"]])[0].may_confirm is False


@pytest.mark.parametrize(
    "value, shown",
    [(0.992, "99.2%"), (0.96, "96%"), (1.0, "100%"), (0.99995, "99.9%"), (0.0, "0%"), (None, "—"), (5 / 6, "83.3%")],
)
def test_percent(value, shown):
    assert percent(value) == shown


def test_reason_text_reads_like_the_bulletin():
    reasons = {"satisfaction": 124 / 125, "satisfied": 124, "ratings": 125, "coverage": 0.96, "on_time_rate": 1.0,
               "bad": 0, "completed": 130}  # fmt: skip
    assert reason_text(reasons) == "满意率 99.2%（124/125）、评价覆盖率 96%、按时办结率 100%、有责差评 0、办结 130 件"
    assert reason_text({}) == ""
