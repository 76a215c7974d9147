"""Follow-up calls (回访): the station's policy, the monthly call list, recording calls, and the scoped
reads, with time frozen in Asia/Shanghai around the month's boundaries."""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError

from evaluations.models import CallList, CallListEntry, FollowUpCall, FollowUpPolicy, FollowUpRule, Level
from evaluations.selectors import followups as selectors
from evaluations.services import followups as services
from evaluations.services.followups import (
    BUILD_NOT_ALLOWED,
    CALL_NOT_ALLOWED,
    CALLED_BEFORE_COMPLETION,
    CALLED_IN_FUTURE,
    LEVEL_NOT_REACHED,
    LEVEL_REQUIRED,
    MONTH_IN_FUTURE,
    PER_OFFICER_INVALID,
    POLICY_NOT_ALLOWED,
    call_list_build,
    call_lists_build_all,
    follow_up_policy_of,
    follow_up_policy_set,
    follow_up_record,
)
from evaluations.tests.factories import completed_case, rate
from windows.models import Role
from windows.tests.factories import StaffFactory

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")
MAY = date(2026, 5, 1)
_phones = iter(range(13900000000, 13999999999))


def at(year, month, day, hour=10, minute=0):
    return datetime(year, month, day, hour, minute, tzinfo=SHANGHAI)


def done(officer, when: datetime, service, phone: str | None = None, **overrides):
    """A case completed by ``officer`` at ``when`` (Shanghai), each citizen with their own phone by default."""
    with time_machine.travel(when, tick=False):
        return completed_case(officer=officer, service_type=service, phone=phone or str(next(_phones)), **overrides)


def build(station, month=MAY, actor=None, now=None):
    with time_machine.travel(now or at(2026, 6, 2), tick=False):
        return call_list_build(station=station, month=month, actor=actor)


def listed(call_list) -> set[str]:
    return set(CallListEntry.objects.filter(call_list=call_list).values_list("case__number", flat=True))


def per_officer(station, chief, n=3):
    return follow_up_policy_set(actor=chief, station=station, rule=FollowUpRule.PER_OFFICER, per_officer=n)


# --- the policy --------------------------------------------------------------------------------


def test_a_station_without_a_policy_calls_everyone(org):
    policy = follow_up_policy_of(org["east_station"])
    assert policy.rule == FollowUpRule.ALL and policy.pk is None


def test_the_station_chief_and_the_bureau_above_set_the_policy(org, staff):
    east = org["east_station"]
    policy = per_officer(east, staff["chief"], n=4)
    assert (policy.rule, policy.per_officer, policy.updated_by) == (FollowUpRule.PER_OFFICER, 4, staff["chief"])
    for user in (staff["district"], staff["city"]):
        follow_up_policy_set(actor=user, station=east, rule=FollowUpRule.ALL)
        assert follow_up_policy_of(east).rule == FollowUpRule.ALL
    assert FollowUpPolicy.objects.filter(station=east).count() == 1
    assert follow_up_policy_of(east).per_officer == 4  # kept while the rule is all


@pytest.mark.parametrize("who", ["officer", "auxiliary", "admin", "other_district", "other_officer"])
def test_others_may_not_set_the_policy(org, staff, who):
    with pytest.raises(PermissionDenied) as refused:
        follow_up_policy_set(
            actor=staff[who], station=org["east_station"], rule=FollowUpRule.PER_OFFICER, per_officer=3
        )
    assert str(refused.value) == POLICY_NOT_ALLOWED
    assert not FollowUpPolicy.objects.exists()


def test_the_chief_of_one_station_may_not_set_another_stations_policy(org, staff):
    west_chief = StaffFactory(unit=org["west_station"], role=Role.STATION_SUPERVISOR).user
    with pytest.raises(PermissionDenied):
        follow_up_policy_set(actor=west_chief, station=org["east_station"], rule=FollowUpRule.ALL)
    follow_up_policy_set(actor=west_chief, station=org["west_station"], rule=FollowUpRule.PER_OFFICER, per_officer=2)
    assert follow_up_policy_of(org["west_station"]).per_officer == 2
    assert follow_up_policy_of(org["east_station"]).pk is None


@pytest.mark.parametrize("value", [0, -1, 101, "three", None])
def test_a_bad_number_per_officer_is_refused(org, staff, value):
    with pytest.raises(ValidationError) as refused:
        follow_up_policy_set(actor=staff["chief"], station=org["east_station"], rule="per_officer", per_officer=value)
    assert refused.value.message_dict == {"per_officer": [PER_OFFICER_INVALID]}
    assert not FollowUpPolicy.objects.exists()


# --- the call list: rule all --------------------------------------------------------------------


def test_rule_all_lists_every_case_completed_in_the_month_in_shanghai_time(org, staff, service):
    officer = staff["officer"]
    before = done(officer, at(2026, 4, 30, 23, 30), service)  # 15:30 UTC, 30 April
    first = done(officer, at(2026, 5, 1, 0, 10), service)  # still 30 April in UTC
    last = done(officer, at(2026, 5, 31, 23, 50), service)  # 15:50 UTC, 31 May
    after = done(officer, at(2026, 6, 1, 0, 5), service)  # 31 May in UTC, June in Shanghai
    middle = done(staff["officer2"], at(2026, 5, 15), service)
    elsewhere = done(staff["other_officer"], at(2026, 5, 15), service)

    call_list = build(org["east_station"])
    assert (call_list.month, call_list.rule, call_list.per_officer) == (MAY, FollowUpRule.ALL, None)
    assert listed(call_list) == {first.number, last.number, middle.number}
    entry = CallListEntry.objects.get(call_list=call_list, case=middle)
    assert entry.officer == staff["officer2"]
    assert listed(build(org["east_station"], month=date(2026, 4, 1))) == {before.number}
    assert listed(build(org["east_station"], month=date(2026, 6, 1), now=at(2026, 6, 20))) == {after.number}
    assert listed(build(org["west_station"])) == {elsewhere.number}


def test_a_month_given_by_any_of_its_days_is_that_month(org, staff, service):
    case = done(staff["officer"], at(2026, 5, 20), service)
    call_list = build(org["east_station"], month=date(2026, 5, 17))
    assert call_list.month == MAY and listed(call_list) == {case.number}


def test_cases_not_completed_are_not_listed(org, staff, service):
    from evaluations.tests.factories import accepted_case
    from hukou.services import case_transition

    with time_machine.travel(at(2026, 5, 10), tick=False):
        accepted_case(officer=staff["officer"], service_type=service, phone="13911110000")
        withdrawn = accepted_case(officer=staff["officer"], service_type=service, phone="13911110001")
        case_transition(case=withdrawn, actor=staff["officer"], action="withdraw")
    collected = done(staff["officer"], at(2026, 5, 11), service)
    with time_machine.travel(at(2026, 5, 12), tick=False):
        case_transition(case=collected, actor=staff["officer"], action="collect")
    assert listed(build(org["east_station"])) == {collected.number}


def test_a_citizen_with_two_cases_in_the_month_is_called_once_for_the_newest(org, staff, service):
    older = done(staff["officer"], at(2026, 5, 3), service, phone="13700000001")
    newer = done(staff["officer2"], at(2026, 5, 20), service, phone="13700000001")
    other = done(staff["officer"], at(2026, 5, 4), service, phone="13700000002")
    call_list = build(org["east_station"])
    assert listed(call_list) == {newer.number, other.number}
    assert older.number not in listed(call_list)


def test_a_future_month_is_refused_and_the_current_one_may_be_built(org, staff, service):
    with pytest.raises(ValidationError) as refused:
        build(org["east_station"], month=date(2026, 7, 1), now=at(2026, 6, 30, 23, 59))
    assert refused.value.message_dict == {"month": [MONTH_IN_FUTURE]}
    case = done(staff["officer"], at(2026, 6, 3), service)
    assert listed(build(org["east_station"], month=date(2026, 6, 1), now=at(2026, 6, 5))) == {case.number}


# --- the call list: rule per officer -------------------------------------------------------------


@pytest.fixture
def month_of_cases(org, staff, service):
    """Officer 5 cases (one rated badly, one rated well, three unrated), officer2 5 cases (none rated,
    one rated 不满意 later), the chief 2 cases, all in May."""
    officer, officer2, chief = staff["officer"], staff["officer2"], staff["chief"]
    cases = {"officer": [], "officer2": [], "chief": []}
    for day in range(1, 6):
        cases["officer"].append(done(officer, at(2026, 5, day), service))
        cases["officer2"].append(done(officer2, at(2026, 5, day + 10), service))
    for day in (20, 21):
        cases["chief"].append(done(chief, at(2026, 5, day), service))
    with time_machine.travel(at(2026, 5, 25), tick=False):
        rate(cases["officer"][0], level=1)  # the oldest, badly rated
        rate(cases["officer"][4], level=5)  # the newest, rated well
        rate(cases["officer"][3], level=3)
    return cases


def numbers(cases):
    return {c.number for c in cases}


def test_per_officer_picks_the_bad_rated_then_the_unrated_newest_first(org, staff, month_of_cases):
    per_officer(org["east_station"], staff["chief"], n=3)
    call_list = build(org["east_station"])
    assert (call_list.rule, call_list.per_officer) == (FollowUpRule.PER_OFFICER, 3)
    mine, theirs, chiefs = month_of_cases["officer"], month_of_cases["officer2"], month_of_cases["chief"]
    # officer: the bad one, then the two unrated (day 3 and day 2); not the two rated 5 and 3
    assert numbers(mine) & listed(call_list) == {mine[0].number, mine[2].number, mine[1].number}
    # officer2: nothing rated, the three newest
    assert numbers(theirs) & listed(call_list) == numbers(theirs[2:])
    # the chief had two: both
    assert numbers(chiefs) <= listed(call_list)
    assert len(listed(call_list)) == 8
    lines = {line.officer_id: line for line in selectors.call_list_officer_lines(call_list=call_list)}
    assert (lines[staff["officer"].pk].required, lines[staff["chief"].pk].required) == (3, 2)
    assert all(line.short for line in lines.values())  # nobody called yet


def test_the_choice_is_deterministic(org, staff, month_of_cases):
    per_officer(org["east_station"], staff["chief"], n=3)
    first = listed(build(org["east_station"]))
    CallList.objects.all().delete()
    assert listed(build(org["east_station"])) == first


def test_rebuilding_adds_new_completions_and_keeps_entries_with_calls(org, staff, service):
    officer = staff["officer"]
    early = done(officer, at(2026, 5, 3), service)
    call_list = build(org["east_station"], now=at(2026, 5, 10))
    assert listed(call_list) == {early.number}
    entry = CallListEntry.objects.get(case=early)
    with time_machine.travel(at(2026, 5, 11), tick=False):
        follow_up_record(actor=officer, entry=entry, reached=True, level=Level.SATISFIED)
    late = done(officer, at(2026, 5, 28), service)
    again = build(org["east_station"])
    assert again.pk == call_list.pk
    assert listed(again) == {early.number, late.number}
    assert CallListEntry.objects.get(case=early).pk == entry.pk  # the same entry, its call with it
    assert FollowUpCall.objects.filter(entry=entry).count() == 1
    assert listed(build(org["east_station"])) == {early.number, late.number}  # nothing doubled


def test_rebuilding_under_a_narrower_rule_drops_only_uncalled_entries(org, staff, month_of_cases):
    east = org["east_station"]
    call_list = build(east)
    assert len(listed(call_list)) == 12
    mine = month_of_cases["officer"]
    called = CallListEntry.objects.get(case=mine[4])  # rated well: the per-officer rule would not pick it
    with time_machine.travel(at(2026, 6, 1, 9), tick=False):
        follow_up_record(actor=staff["officer"], entry=called, reached=False)
    per_officer(east, staff["chief"], n=3)
    call_list = build(east)
    assert call_list.rule == FollowUpRule.PER_OFFICER
    kept = numbers(mine) & listed(call_list)
    # the called entry stays and counts towards the three: the bad one and the newest unrated join it
    assert kept == {mine[4].number, mine[0].number, mine[2].number}
    assert CallListEntry.objects.filter(pk=called.pk).exists()
    assert len(listed(call_list)) == 8


def test_a_case_rated_badly_later_moves_up_on_rebuild(org, staff, month_of_cases):
    per_officer(org["east_station"], staff["chief"], n=3)
    theirs = month_of_cases["officer2"]
    build(org["east_station"])
    assert theirs[0].number not in listed(CallList.objects.get())
    with time_machine.travel(at(2026, 6, 1, 9), tick=False):
        rate(theirs[0], level=2)
    call_list = build(org["east_station"])
    assert numbers(theirs) & listed(call_list) == {theirs[0].number, theirs[4].number, theirs[3].number}


def test_a_citizen_called_already_is_not_added_again_for_a_newer_case(org, staff, service):
    first = done(staff["officer"], at(2026, 5, 3), service, phone="13700000009")
    build(org["east_station"], now=at(2026, 5, 4))
    with time_machine.travel(at(2026, 5, 5), tick=False):
        follow_up_record(actor=staff["officer"], entry=CallListEntry.objects.get(case=first), reached=True, level=5)
    done(staff["officer"], at(2026, 5, 20), service, phone="13700000009")
    assert listed(build(org["east_station"])) == {first.number}


def test_supervisors_build_the_list_and_others_may_not(org, staff, service):
    done(staff["officer"], at(2026, 5, 3), service)
    for who in ("officer", "auxiliary", "admin", "other_district", "other_officer"):
        with pytest.raises(PermissionDenied) as refused:
            build(org["east_station"], actor=staff[who])
        assert str(refused.value) == BUILD_NOT_ALLOWED
    assert not CallList.objects.exists()
    assert build(org["east_station"], actor=staff["chief"]).created_by == staff["chief"]
    assert len(listed(build(org["east_station"], actor=staff["district"]))) == 1


def test_the_beat_task_builds_last_months_list_for_every_station(org, staff, service):
    from evaluations.tasks import build_call_lists

    done(staff["officer"], at(2026, 5, 31, 23, 0), service)
    done(staff["other_officer"], at(2026, 5, 2), service)
    done(staff["officer"], at(2026, 6, 1, 1, 0), service)
    with time_machine.travel(at(2026, 6, 1, 6, 30), tick=False):
        assert build_call_lists() == 2
        lists = call_lists_build_all()
    assert {(c.station_id, c.month) for c in lists} == {(org["east_station"].pk, MAY), (org["west_station"].pk, MAY)}
    assert CallList.objects.count() == 2 and CallListEntry.objects.count() == 2


# --- recording calls -----------------------------------------------------------------------------


@pytest.fixture
def entry(org, staff, service):
    done(staff["officer"], at(2026, 5, 3), service)
    build(org["east_station"])
    return CallListEntry.objects.get()


def record(entry, actor, when=None, **kwargs):
    with time_machine.travel(when or at(2026, 6, 3), tick=False):
        return follow_up_record(actor=actor, entry=entry, **kwargs)


def test_a_reached_call_needs_a_level_and_one_not_reached_may_not_have_one(entry, staff):
    with pytest.raises(ValidationError) as refused:
        record(entry, staff["officer"], reached=True)
    assert refused.value.message_dict == {"level": [LEVEL_REQUIRED]}
    with pytest.raises(ValidationError) as refused:
        record(entry, staff["officer"], reached=True, level=9)
    assert refused.value.message_dict == {"level": [LEVEL_REQUIRED]}
    with pytest.raises(ValidationError) as refused:
        record(entry, staff["officer"], reached=False, level=Level.SATISFIED)
    assert refused.value.message_dict == {"level": [LEVEL_NOT_REACHED]}
    assert not FollowUpCall.objects.exists()


def test_a_call_in_the_future_or_before_the_completion_is_refused(entry, staff):
    now = at(2026, 6, 3, 10)
    with pytest.raises(ValidationError) as refused:
        record(entry, staff["officer"], when=now, reached=False, called_at=now + timedelta(minutes=5))
    assert refused.value.message_dict == {"called_at": [CALLED_IN_FUTURE]}
    with pytest.raises(ValidationError) as refused:
        record(entry, staff["officer"], when=now, reached=False, called_at=at(2026, 5, 2))
    assert refused.value.message_dict == {"called_at": [CALLED_BEFORE_COMPLETION]}
    call = record(entry, staff["officer"], when=now, reached=False, called_at=now - timedelta(hours=2))
    assert call.called_at == now - timedelta(hours=2)
    assert FollowUpCall.objects.count() == 1


def test_several_calls_the_latest_is_the_state(entry, staff):
    call_list = entry.call_list
    record(entry, staff["auxiliary"], when=at(2026, 6, 2, 9), reached=False, notes="无人接听")
    progress = selectors.call_list_progress(call_list=call_list)
    assert (progress.entries, progress.called, progress.reached, progress.satisfied_share) == (1, 1, 0, None)
    record(entry, staff["officer"], when=at(2026, 6, 3, 15), reached=True, level=Level.DISSATISFIED, notes="嫌慢")
    progress = selectors.call_list_progress(call_list=call_list)
    assert (progress.called, progress.reached, progress.satisfied, progress.satisfied_share) == (1, 1, 0, 0)
    row = selectors.entry_get(user=staff["officer"], pk=entry.pk)
    assert [c.notes for c in row.calls_latest_first] == ["嫌慢", "无人接听"]
    assert (row.latest_reached, row.latest_level) == (True, Level.DISSATISFIED)
    record(entry, staff["chief"], when=at(2026, 6, 4, 9), reached=True, level=Level.SATISFIED)
    assert selectors.call_list_progress(call_list=call_list).satisfied_share == 100
    assert selectors.progress_of([selectors.entry_get(user=staff["chief"], pk=entry.pk)]).satisfied == 1


@pytest.mark.parametrize("who", ["officer", "officer2", "auxiliary", "chief", "district", "city"])
def test_the_stations_staff_and_the_supervisors_above_record_calls(entry, staff, who):
    call = record(entry, staff[who], reached=True, level=Level.VERY_SATISFIED)
    assert call.called_by == staff[who]


@pytest.mark.parametrize("who", ["other_officer", "other_district", "admin"])
def test_another_station_and_the_admins_may_not_record_calls(entry, staff, who):
    with pytest.raises(PermissionDenied) as refused:
        record(entry, staff[who], reached=True, level=Level.SATISFIED)
    assert str(refused.value) == CALL_NOT_ALLOWED
    assert not FollowUpCall.objects.exists()


# --- scoped reads --------------------------------------------------------------------------------


def test_reads_are_scoped_to_the_users_unit(org, staff, service):
    done(staff["officer"], at(2026, 5, 3), service)
    done(staff["other_officer"], at(2026, 5, 3), service)
    east, west = build(org["east_station"]), build(org["west_station"])
    east_entry = CallListEntry.objects.get(call_list=east)
    west_entry = CallListEntry.objects.get(call_list=west)
    assert set(selectors.call_list_list(user=staff["officer"])) == {east}
    assert set(selectors.call_list_list(user=staff["other_officer"])) == {west}
    assert set(selectors.call_list_list(user=staff["city"])) == {east, west}
    assert selectors.call_list_get(user=staff["officer"], station=org["west_station"], month=MAY) is None
    assert set(selectors.follow_up_stations(user=staff["district"])) == {org["east_station"]}
    assert selectors.entry_get(user=staff["district"], pk=east_entry.pk) == east_entry
    with pytest.raises(CallListEntry.DoesNotExist):
        selectors.entry_get(user=staff["officer"], pk=west_entry.pk)
    with pytest.raises(CallListEntry.DoesNotExist):
        selectors.entry_get(user=staff["other_district"], pk=east_entry.pk)


def test_month_bounds_are_shanghai_midnights():
    start, end = services.month_bounds(date(2026, 12, 1))
    assert start == at(2026, 12, 1, 0) and end == at(2027, 1, 1, 0)
    assert start.astimezone(UTC) == datetime(2026, 11, 30, 16, tzinfo=UTC)
