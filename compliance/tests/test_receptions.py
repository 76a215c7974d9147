"""三长接待: the leaders, the stints, the quotas (seed 000's by default, editable) and the month's summary."""

from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from compliance.models import DayPart, Leader, LeaderRole, ReceptionQuota, ReceptionRecord
from compliance.selectors.receptions import leader_choices, quota_lines, quotas, reception_summary, records_in_month
from compliance.services import receptions as services
from windows.tests.factories import ServiceWindowFactory

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")
JUNE = date(2026, 6, 1)


@pytest.fixture(autouse=True)
def mid_june(time_machine):
    time_machine.move_to(datetime(2026, 6, 15, 10, tzinfo=SHANGHAI), tick=False)


@pytest.fixture
def west_window(org):
    return ServiceWindowFactory(station=org["west_station"], number=1)


@pytest.fixture
def leaders(org, staff):
    """Each kind of leader of the east district and its station, and the west station's chief."""
    make = services.leader_create
    admin = staff["admin"]
    return {
        "county": make(actor=admin, name="赵局长", role=LeaderRole.COUNTY_CHIEF, unit=org["east"]),
        "deputy": make(actor=admin, name="钱副局长", role=LeaderRole.DEPUTY_CHIEF, unit=org["east"]),
        "registry": make(actor=admin, name="孙科长", role=LeaderRole.REGISTRY_HEAD, unit=org["east"]),
        "chief": make(actor=admin, name="李所长", role=LeaderRole.STATION_CHIEF, unit=org["east_station"]),
        "west_chief": make(actor=admin, name="周所长", role=LeaderRole.STATION_CHIEF, unit=org["west_station"]),
    }


def record(actor, leader, window, day=date(2026, 6, 10), part=DayPart.HALF, served=5, solved=2, notes=""):
    return services.reception_record(
        actor=actor, leader=leader, window=window, date=day, part=part, citizens_served=served,
        problems_solved=solved, notes=notes,
    )  # fmt: skip


def errors_of(excinfo) -> dict:
    return excinfo.value.message_dict


# --- quotas ----------------------------------------------------------------------------------------


def test_quotas_default_to_seed_000():
    assert quotas() == {
        LeaderRole.COUNTY_CHIEF: Decimal("0.5"),
        LeaderRole.DEPUTY_CHIEF: Decimal("1"),
        LeaderRole.REGISTRY_HEAD: Decimal("2"),
        LeaderRole.STATION_CHIEF: Decimal("3"),
    }
    assert [(line.role, line.days, line.edited) for line in quota_lines()] == [
        ("county_chief", Decimal("0.5"), False),
        ("deputy_chief", Decimal("1"), False),
        ("registry_head", Decimal("2"), False),
        ("station_chief", Decimal("3"), False),
    ]


def test_a_city_supervisor_edits_a_quota_and_the_summary_follows(org, staff, leaders):
    quota = services.quota_set(actor=staff["city"], role=LeaderRole.STATION_CHIEF, days="4.5")
    assert (quota.days, quota.updated_by) == (Decimal("4.5"), staff["city"])
    assert quotas()[LeaderRole.STATION_CHIEF] == Decimal("4.5")
    assert quotas()[LeaderRole.COUNTY_CHIEF] == Decimal("0.5")  # the others keep seed 000's
    services.quota_set(actor=staff["admin"], role=LeaderRole.STATION_CHIEF, days=2)  # edited again, one row
    assert ReceptionQuota.objects.get().days == Decimal("2")
    summary = reception_summary(org["east_station"], JUNE)
    assert [(m.leader, m.quota) for m in summary.leaders] == [(leaders["chief"], Decimal("2"))]


@pytest.mark.parametrize("who", ["chief", "district", "officer", "other_district"])
def test_only_admins_and_the_city_bureau_set_quotas(staff, who):
    with pytest.raises(PermissionDenied, match=services.QUOTA_NOT_ALLOWED):
        services.quota_set(actor=staff[who], role=LeaderRole.STATION_CHIEF, days=4)
    assert not ReceptionQuota.objects.exists()


@pytest.mark.parametrize("days", ["-0.5", "31.5", "1.3", "abc", "", None, "NaN", "Infinity"])
def test_a_quota_is_0_to_31_in_half_days(staff, days):
    with pytest.raises(ValidationError) as excinfo:
        services.quota_set(actor=staff["city"], role=LeaderRole.DEPUTY_CHIEF, days=days)
    assert errors_of(excinfo) == {"days": [services.QUOTA_INVALID]}


@pytest.mark.parametrize("days", ["0", "0.5", "31", 7])
def test_quota_bounds_are_accepted(staff, days):
    assert services.quota_set(actor=staff["city"], role=LeaderRole.DEPUTY_CHIEF, days=days).days == Decimal(str(days))


def test_quotas_set_saves_all_or_nothing(staff):
    with pytest.raises(ValidationError) as excinfo:
        services.quotas_set(actor=staff["city"], days_by_role={"county_chief": "1", "deputy_chief": "40"})
    assert errors_of(excinfo) == {"deputy_chief": [services.QUOTA_INVALID]}
    assert not ReceptionQuota.objects.exists()


# --- leaders ---------------------------------------------------------------------------------------


def test_district_roles_belong_to_a_district_and_a_station_chief_to_a_station(org, staff):
    admin = staff["admin"]
    for role in (LeaderRole.COUNTY_CHIEF, LeaderRole.DEPUTY_CHIEF, LeaderRole.REGISTRY_HEAD):
        with pytest.raises(ValidationError) as excinfo:
            services.leader_create(actor=admin, name="王", role=role, unit=org["east_station"])
        assert errors_of(excinfo) == {"unit": [services.DISTRICT_ROLE_UNIT]}
        with pytest.raises(ValidationError):
            services.leader_create(actor=admin, name="王", role=role, unit=org["city"])
    with pytest.raises(ValidationError) as excinfo:
        services.leader_create(actor=admin, name="王", role=LeaderRole.STATION_CHIEF, unit=org["east"])
    assert errors_of(excinfo) == {"unit": [services.STATION_ROLE_UNIT]}
    with pytest.raises(ValidationError) as excinfo:
        services.leader_create(actor=admin, name="  ", role="mayor", unit=None)
    assert errors_of(excinfo) == {
        "name": [services.NAME_REQUIRED], "role": [services.ROLE_INVALID], "unit": [services.UNIT_REQUIRED]
    }  # fmt: skip
    assert not Leader.objects.exists()


def test_leaders_are_kept_by_supervisors_of_their_unit_or_above(org, staff):
    chief = services.leader_create(
        actor=staff["chief"], name=" 李所长 ", role=LeaderRole.STATION_CHIEF, unit=org["east_station"]
    )
    assert (chief.name, chief.unit, chief.active) == ("李所长", org["east_station"], True)
    services.leader_create(actor=staff["district"], name="赵局长", role=LeaderRole.COUNTY_CHIEF, unit=org["east"])
    refused = [
        ("chief", org["east"], LeaderRole.COUNTY_CHIEF),  # a station chief does not keep the district's
        ("other_district", org["east_station"], LeaderRole.STATION_CHIEF),
        ("officer", org["east_station"], LeaderRole.STATION_CHIEF),
    ]
    for who, unit, role in refused:
        with pytest.raises(PermissionDenied, match=services.LEADER_NOT_ALLOWED):
            services.leader_create(actor=staff[who], name="某", role=role, unit=unit)
    assert Leader.objects.count() == 2


def test_a_leader_leaves_office_and_drops_out_of_the_summary_and_choices(org, staff, leaders):
    chief = services.leader_update(actor=staff["chief"], leader=leaders["chief"], active=False)
    assert chief.active is False
    assert reception_summary(org["east_station"], JUNE).leaders == []
    assert leaders["chief"] not in leader_choices(staff["chief"])
    with pytest.raises(ValidationError) as excinfo:
        services.leader_update(actor=staff["admin"], leader=leaders["county"], unit=org["east_station"])
    assert errors_of(excinfo) == {"unit": [services.DISTRICT_ROLE_UNIT]}
    with pytest.raises(PermissionDenied):
        services.leader_update(actor=staff["other_district"], leader=leaders["county"], active=False)


def test_the_leaders_a_station_chief_may_record_are_theirs_and_those_above(staff, leaders):
    assert set(leader_choices(staff["chief"])) == {
        leaders["county"], leaders["deputy"], leaders["registry"], leaders["chief"]
    }  # fmt: skip
    assert set(leader_choices(staff["city"])) == set(leaders.values())


# --- stints ----------------------------------------------------------------------------------------


def test_a_stint_copies_the_role_and_the_station(org, staff, leaders):
    stint = record(staff["chief"], leaders["county"], staff["window"], served=12, solved=3, notes=" 户口迁移咨询 ")
    assert (stint.role, stint.station, stint.window, stint.recorded_by) == (
        LeaderRole.COUNTY_CHIEF, org["east_station"], staff["window"], staff["chief"]
    )  # fmt: skip
    assert (stint.citizens_served, stint.problems_solved, stint.notes, stint.days) == (
        12,
        3,
        "户口迁移咨询",
        Decimal("0.5"),
    )


def test_days_served_count_half_and_whole_days_of_the_month_only(org, staff, leaders):
    chief, window = leaders["chief"], staff["window"]
    record(staff["chief"], chief, window, day=date(2026, 6, 1), part=DayPart.HALF, served=4, solved=1)
    record(staff["chief"], chief, window, day=date(2026, 6, 2), part=DayPart.WHOLE, served=10, solved=2)
    record(staff["chief"], chief, window, day=date(2026, 5, 29), part=DayPart.WHOLE, served=7, solved=0)
    record(staff["district"], leaders["registry"], window, day=date(2026, 6, 3), part=DayPart.WHOLE)
    summary = reception_summary(org["east"], JUNE)
    by_leader = {m.leader: m for m in summary.leaders}
    chief_month = by_leader[chief]
    assert (chief_month.served, chief_month.stints, chief_month.citizens_served, chief_month.problems_solved) == (
        Decimal("1.5"), 2, 14, 3
    )  # fmt: skip
    assert (chief_month.met, chief_month.short) == (False, Decimal("1.5"))
    assert (by_leader[leaders["registry"]].served, by_leader[leaders["registry"]].short) == (Decimal("1"), Decimal("1"))
    assert (by_leader[leaders["county"]].served, by_leader[leaders["county"]].met) == (Decimal("0"), False)
    may = reception_summary(org["east"], date(2026, 5, 1))
    assert {m.leader: m.served for m in may.leaders}[chief] == Decimal("1")
    # the east district's summary holds its own leaders, not the west station's chief
    assert leaders["west_chief"] not in by_leader
    record(staff["chief"], chief, window, day=date(2026, 6, 4), part=DayPart.WHOLE)
    chief_month = {m.leader: m for m in reception_summary(org["east_station"], JUNE).leaders}[chief]
    assert (chief_month.served, chief_month.met, chief_month.short) == (Decimal("2.5"), False, Decimal("0.5"))
    record(staff["chief"], chief, window, day=date(2026, 6, 5), part=DayPart.HALF)
    chief_month = {m.leader: m for m in reception_summary(org["east_station"], JUNE).leaders}[chief]
    assert (chief_month.served, chief_month.met, chief_month.short) == (Decimal("3"), True, Decimal("0"))


def test_a_station_supervisor_records_at_their_own_station_only(org, staff, leaders, west_window):
    # the west station's chief serving at the west window: within the leader's unit, not the actor's scope
    with pytest.raises(PermissionDenied, match=services.RECORD_NOT_ALLOWED):
        record(staff["chief"], leaders["west_chief"], west_window)
    with pytest.raises(PermissionDenied, match=services.RECORD_NOT_ALLOWED):
        record(staff["district"], leaders["west_chief"], west_window)
    record(staff["other_district"], leaders["west_chief"], west_window)
    record(staff["city"], leaders["chief"], staff["window"])
    assert ReceptionRecord.objects.count() == 2


@pytest.mark.parametrize("who", ["officer", "auxiliary"])
def test_counter_staff_do_not_record(staff, leaders, who):
    with pytest.raises(PermissionDenied, match=services.RECORD_NOT_ALLOWED):
        record(staff[who], leaders["chief"], staff["window"])
    assert not ReceptionRecord.objects.exists()


def test_the_window_must_lie_within_the_leaders_unit(org, staff, leaders, west_window):
    with pytest.raises(ValidationError) as excinfo:
        record(staff["city"], leaders["county"], west_window)  # the east county chief at a west window
    assert errors_of(excinfo) == {"window": [services.WINDOW_OUTSIDE_UNIT]}
    with pytest.raises(ValidationError) as excinfo:
        record(staff["city"], leaders["chief"], west_window)  # the east station's chief at a west window
    assert errors_of(excinfo) == {"window": [services.WINDOW_OUTSIDE_UNIT]}
    assert not ReceptionRecord.objects.exists()
    record(staff["city"], leaders["county"], staff["window"])  # the county chief at one of the district's


def test_validation_messages(staff, leaders):
    chief, window = leaders["chief"], staff["window"]
    with pytest.raises(ValidationError) as excinfo:
        record(
            staff["chief"], chief, window, day=date(2026, 6, 16), part="night", served=2, solved=3, notes="长" * 1001
        )
    assert errors_of(excinfo) == {
        "date": [services.DATE_IN_FUTURE],
        "part": [services.PART_INVALID],
        "problems_solved": [services.SOLVED_ABOVE_SERVED],
        "notes": [services.NOTES_TOO_LONG],
    }
    with pytest.raises(ValidationError) as excinfo:
        record(staff["chief"], chief, window, served=-1, solved="2.5")
    assert errors_of(excinfo) == {
        "citizens_served": [services.COUNT_INVALID],
        "problems_solved": [services.COUNT_INVALID],
    }
    with pytest.raises(ValidationError) as excinfo:
        services.reception_record(
            actor=staff["chief"], leader=None, window=None, date=None, part=DayPart.HALF, citizens_served=0,
            problems_solved=0, notes="",
        )  # fmt: skip
    assert errors_of(excinfo) == {
        "leader": [services.LEADER_REQUIRED], "window": [services.WINDOW_REQUIRED], "date": [services.DATE_REQUIRED]
    }  # fmt: skip
    assert not ReceptionRecord.objects.exists()
    record(staff["chief"], chief, window, day=date(2026, 6, 15), served=3, solved=3)  # today; solved = served


def test_one_stint_per_leader_a_day(staff, leaders):
    record(staff["chief"], leaders["chief"], staff["window"], part=DayPart.HALF)
    with pytest.raises(ValidationError) as excinfo:
        record(staff["district"], leaders["chief"], staff["window"], part=DayPart.HALF)
    assert errors_of(excinfo) == {"date": [services.ONCE_A_DAY]}
    record(staff["chief"], leaders["county"], staff["window"])  # another leader the same day
    assert ReceptionRecord.objects.count() == 2


def test_a_leader_out_of_office_is_not_recorded(staff, leaders):
    services.leader_update(actor=staff["admin"], leader=leaders["chief"], active=False)
    with pytest.raises(ValidationError) as excinfo:
        record(staff["chief"], leaders["chief"], staff["window"])
    assert errors_of(excinfo) == {"leader": [services.LEADER_INACTIVE]}


def test_records_of_a_month_are_scoped(org, staff, leaders, west_window):
    mine = record(staff["chief"], leaders["chief"], staff["window"])
    theirs = record(staff["other_district"], leaders["west_chief"], west_window)
    assert list(records_in_month(staff["chief"], JUNE)) == [mine]
    assert list(records_in_month(staff["other_district"], JUNE)) == [theirs]
    assert set(records_in_month(staff["city"], JUNE)) == {mine, theirs}
    assert list(records_in_month(staff["city"], date(2026, 5, 1))) == []


def test_a_stint_is_deleted_within_its_month_by_who_may_act_on_it(staff, leaders, time_machine):
    stint = record(staff["chief"], leaders["chief"], staff["window"])
    with pytest.raises(PermissionDenied, match=services.DELETE_NOT_ALLOWED):
        services.reception_delete(actor=staff["other_district"], record=stint)
    with pytest.raises(PermissionDenied, match=services.DELETE_NOT_ALLOWED):
        services.reception_delete(actor=staff["officer"], record=stint)
    may = record(staff["chief"], leaders["chief"], staff["window"], day=date(2026, 5, 20))
    with pytest.raises(ValidationError, match=services.DELETE_CLOSED_MONTH):
        services.reception_delete(actor=staff["chief"], record=may)
    services.reception_delete(actor=staff["district"], record=stint)
    assert list(ReceptionRecord.objects.all()) == [may]
    assert services.may_delete(staff["chief"], may) is False
