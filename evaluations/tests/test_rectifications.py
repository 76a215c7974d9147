"""Bad-review rectification (差评整改): its limits in working days, the workflow and who may move it,
the deadline job, and the appeal review of a rating (申诉复核)."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from evaluations.models import Evaluation, Level, RatingReview, Rectification, RectificationStatus, ReviewOutcome
from evaluations.services import rectifications as services
from evaluations.services.rectifications import (
    rating_review_decide,
    rating_review_request,
    rectification_close,
    rectification_contact,
    rectification_reassign,
    rectifications_check_deadlines,
)
from evaluations.tests.factories import completed_case, rate
from windows.errors import Conflict
from windows.models import Notification, Role
from windows.tests.factories import StaffFactory

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(day: date, hour: int = 10):
    return time_machine.travel(datetime(day.year, day.month, day.day, hour, tzinfo=SHANGHAI), tick=False)


def bad_review(staff, service, level=Level.DISSATISFIED, **kwargs) -> Rectification:
    case = completed_case(officer=staff["officer"], window=staff["window"], service_type=service)
    return rate(case, level=level, reasons=["attitude"], comment="态度生硬", **kwargs).rectification


@pytest.fixture
def west_chief(org):
    """The supervisor of the other station (another district): the second unit of permission tests."""
    return StaffFactory(username="west-chief", unit=org["west_station"], role=Role.STATION_SUPERVISOR).user


@pytest.fixture
def rectification(staff, service):
    return bad_review(staff, service)


def contact(rectification, actor, note="调阅录像并电话联系群众，情况属实。", **kwargs):
    return rectification_contact(rectification=rectification, actor=actor, contact_note=note, **kwargs)


def close(rectification, actor, **kwargs):
    values = {
        "finding": "民警解释政策时语气生硬。",
        "action_taken": "批评教育，组织服务规范培训。",
        "callback_level": Level.SATISFIED,
        "callback_at": timezone.now(),
    }
    values.update(kwargs)
    return rectification_close(rectification=rectification, actor=actor, **values)


# --- the limits -----------------------------------------------------------------------------------


def test_limits_skip_national_day_and_count_the_make_up_saturday(staff, service):
    # Rated on Wednesday 30 September 2026: 1-7 October are off, Saturday 10 October is worked.
    with at(date(2026, 9, 30)):
        rectification = bad_review(staff, service)
    assert rectification.opened_on == date(2026, 9, 30)
    assert rectification.contact_due_on == date(2026, 10, 8)  # 1 working day: the first after the holiday
    # 5 working days: 8, 9, 10 (the make-up Saturday), 12, 13 October; without it, 14 October.
    assert rectification.rectify_due_on == date(2026, 10, 13)
    assert rectification.assignee == staff["chief"]
    assert rectification.status == RectificationStatus.OPEN


def test_a_fair_rating_opens_nothing(staff, service):
    case = completed_case(officer=staff["officer"], service_type=service)
    evaluation = rate(case, level=Level.FAIRLY_SATISFIED)
    assert not Rectification.objects.filter(evaluation=evaluation).exists()


# --- the workflow ---------------------------------------------------------------------------------


def test_contact_then_close_records_who_when_and_what(rectification, staff):
    chief = staff["chief"]
    contacted = contact(rectification, chief, version=1)
    assert contacted.status == RectificationStatus.CONTACTED
    assert contacted.contacted_by == chief and contacted.contacted_at is not None
    assert contacted.contact_note == "调阅录像并电话联系群众，情况属实。"
    assert contacted.version == 2

    closed = close(contacted, chief, version=2)
    closed.refresh_from_db()
    assert closed.status == RectificationStatus.CLOSED
    assert (closed.closed_by, closed.callback_level) == (chief, Level.SATISFIED)
    assert closed.finding and closed.action_taken and closed.closed_at and closed.callback_at
    assert closed.version == 3


def test_a_bureau_supervisor_above_the_station_acts_too(rectification, staff):
    contacted = contact(rectification, staff["district"])
    assert contacted.contacted_by == staff["district"]
    assert close(contacted, staff["city"]).status == RectificationStatus.CLOSED


def test_closing_straight_from_open_is_a_conflict(rectification, staff):
    with pytest.raises(Conflict) as refused:
        close(rectification, staff["chief"])
    assert refused.value.message == services.STATE_MAY_NOT % {"status": "待核实", "action": "整改办结"}
    rectification.refresh_from_db()
    assert rectification.status == RectificationStatus.OPEN and rectification.closed_at is None


def test_contacting_twice_is_a_conflict(rectification, staff):
    contact(rectification, staff["chief"])
    with pytest.raises(Conflict):
        contact(rectification, staff["chief"], note="再次联系")
    rectification.refresh_from_db()
    assert rectification.contact_note == "调阅录像并电话联系群众，情况属实。"


def test_a_closed_rectification_takes_no_more_moves(rectification, staff):
    close(contact(rectification, staff["chief"]), staff["chief"])
    for move in (lambda: contact(rectification, staff["chief"]), lambda: close(rectification, staff["chief"])):
        with pytest.raises(Conflict):
            move()


def test_a_stale_version_is_a_conflict_and_changes_nothing(rectification, staff):
    contact(rectification, staff["chief"], version=1)
    with pytest.raises(Conflict) as refused:
        close(rectification, staff["district"], version=1)
    assert refused.value.message == services.STALE_VERSION
    rectification.refresh_from_db()
    assert rectification.status == RectificationStatus.CONTACTED and rectification.version == 2


def test_missing_contact_note_is_a_field_error(rectification, staff):
    with pytest.raises(ValidationError) as refused:
        contact(rectification, staff["chief"], note="   ")
    assert refused.value.message_dict == {"contact_note": [services.CONTACT_NOTE_REQUIRED]}
    rectification.refresh_from_db()
    assert rectification.status == RectificationStatus.OPEN and rectification.version == 1


def test_a_contact_time_in_the_future_or_before_the_rating_is_refused(rectification, staff):
    with pytest.raises(ValidationError) as refused:
        contact(rectification, staff["chief"], contacted_at=timezone.now() + timedelta(hours=2))
    assert refused.value.message_dict == {"contacted_at": [services.WHEN_IN_FUTURE]}
    with pytest.raises(ValidationError) as refused:
        contact(rectification, staff["chief"], contacted_at=timezone.now() - timedelta(days=3))
    assert refused.value.message_dict == {"contacted_at": [services.WHEN_BEFORE_RATING]}


def test_close_needs_finding_action_and_the_call_back_when_there_is_a_phone(rectification, staff):
    contact(rectification, staff["chief"])
    assert rectification.evaluation.contact_phone  # the case's phone: a named bad review
    with pytest.raises(ValidationError) as refused:
        close(rectification, staff["chief"], finding="", action_taken=" ", callback_level=None, callback_at=None)
    assert refused.value.message_dict == {
        "finding": [services.FINDING_REQUIRED],
        "action_taken": [services.ACTION_TAKEN_REQUIRED],
        "callback_level": [services.CALLBACK_LEVEL_REQUIRED],
        "callback_at": [services.CALLBACK_AT_REQUIRED],
    }
    with pytest.raises(ValidationError) as refused:
        close(rectification, staff["chief"], callback_level=9)
    assert refused.value.message_dict == {"callback_level": [services.CALLBACK_LEVEL_INVALID]}
    rectification.refresh_from_db()
    assert rectification.status == RectificationStatus.CONTACTED and rectification.callback_level is None


def test_without_a_phone_the_call_back_may_be_left_out(rectification, staff):
    # An anonymous rating (no phone to call): set on the row directly, as no channel stores one today.
    Evaluation.objects.filter(pk=rectification.evaluation_id).update(contact_phone="")
    rectification.refresh_from_db()
    contact(rectification, staff["chief"])
    closed = close(rectification, staff["chief"], callback_level=None, callback_at=None)
    assert closed.status == RectificationStatus.CLOSED and closed.callback_level is None


# --- who may act ----------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["officer", "officer2", "auxiliary", "admin", "other_district"])
def test_others_may_not_act(rectification, staff, who):
    with pytest.raises(PermissionDenied) as refused:
        contact(rectification, staff[who])
    assert str(refused.value) == services.NOT_YOURS
    rectification.refresh_from_db()
    assert rectification.status == RectificationStatus.OPEN


def test_another_stations_supervisor_may_not_act(rectification, west_chief):
    with pytest.raises(PermissionDenied):
        contact(rectification, west_chief)


def test_reassign_to_another_supervisor_of_the_station(rectification, staff, org, west_chief):
    deputy = StaffFactory(username="deputy", unit=org["east_station"], role=Role.STATION_SUPERVISOR).user
    with pytest.raises(ValidationError) as refused:
        rectification_reassign(rectification=rectification, actor=staff["chief"], assignee=west_chief)
    assert refused.value.message_dict == {"assignee": [services.ASSIGNEE_INVALID]}
    with pytest.raises(PermissionDenied):
        rectification_reassign(rectification=rectification, actor=staff["officer"], assignee=deputy)
    reassigned = rectification_reassign(rectification=rectification, actor=staff["chief"], assignee=deputy, version=1)
    assert reassigned.assignee == deputy and reassigned.version == 2
    assert deputy.notifications.filter(link__endswith=f"/{rectification.pk}/").count() == 1


# --- the deadline job -----------------------------------------------------------------------------


def test_the_deadline_job_flags_once_and_notifies_once(staff, service, org):
    deputy = StaffFactory(username="deputy", unit=org["east_station"], role=Role.STATION_SUPERVISOR).user
    with at(date(2026, 9, 30)):
        rectification = bad_review(staff, service)
    rectification_reassign(rectification=rectification, actor=staff["chief"], assignee=deputy)
    Notification.objects.all().delete()
    link = f"/evaluations/rectifications/{rectification.pk}/"

    def run(day):
        with at(day):
            return rectifications_check_deadlines()

    for day in range(1, 9):  # the holiday and the contact due date itself: not late yet
        assert run(date(2026, 10, day)) == {"rectification_contact_late": 0, "rectification_late": 0}, day
    assert run(date(2026, 10, 9)) == {"rectification_contact_late": 1, "rectification_late": 0}
    assert run(date(2026, 10, 9)) == {"rectification_contact_late": 0, "rectification_late": 0}  # once
    rectification.refresh_from_db()
    assert rectification.contact_late_on == date(2026, 10, 9)
    # the assignee and each supervisor of the station, once each; nobody else
    told = Notification.objects.filter(link=link)
    assert sorted(told.values_list("recipient__username", flat=True)) == ["chief", "deputy"]
    assert "差评核实逾期" in told.first().text

    with at(date(2026, 10, 12)):
        contact(rectification, staff["chief"])
    assert run(date(2026, 10, 13)) == {"rectification_contact_late": 0, "rectification_late": 0}  # due today
    assert run(date(2026, 10, 14)) == {"rectification_contact_late": 0, "rectification_late": 1}
    assert run(date(2026, 10, 15)) == {"rectification_contact_late": 0, "rectification_late": 0}
    rectification.refresh_from_db()
    assert rectification.rectify_late_on == date(2026, 10, 14)
    assert Notification.objects.filter(link=link, text__contains="差评整改逾期").count() == 2


def test_a_closed_rectification_is_never_flagged(rectification, staff):
    close(contact(rectification, staff["chief"]), staff["chief"])
    later = rectification.rectify_due_on + timedelta(days=10)
    assert rectifications_check_deadlines(today=later) == {"rectification_contact_late": 0, "rectification_late": 0}


def test_the_beat_task_merges_both_reports(rectification):
    from evaluations.tasks import check_deadlines

    later = rectification.rectify_due_on + timedelta(days=10)
    with at(later):
        report = check_deadlines()
    assert report["rectification_contact_late"] == 1 and report["rectification_late"] == 1


# --- the appeal review (申诉复核) -------------------------------------------------------------------


def _rating_as_stored(evaluation):
    return Evaluation.objects.filter(pk=evaluation.pk).values().get()


def test_review_requested_by_the_station_and_decided_above_leaves_the_rating_alone(rectification, staff):
    evaluation = rectification.evaluation
    before = _rating_as_stored(evaluation)
    review = rating_review_request(
        evaluation=evaluation, actor=staff["chief"], ground="malicious", reason="群众在窗口外与他人争执后迁怒。"
    )
    assert review.outcome == ReviewOutcome.PENDING and review.requested_by == staff["chief"]
    # the bureau supervisors of the district are told (not the city's)
    assert staff["district"].notifications.filter(text__contains="申诉复核待决定").count() == 1
    assert not staff["city"].notifications.filter(text__contains="申诉复核").exists()

    decided = rating_review_decide(review=review, actor=staff["district"], outcome="excluded", note="经查属实。")
    assert (decided.outcome, decided.decided_by, decided.decision_note) == ("excluded", staff["district"], "经查属实。")
    assert staff["chief"].notifications.filter(text__contains="申诉复核已决定").count() == 1
    assert _rating_as_stored(evaluation) == before  # the rating is never edited
    assert Evaluation.objects.filter(pk=evaluation.pk).exists()
    with pytest.raises(Conflict) as refused:
        rating_review_decide(review=review, actor=staff["district"], outcome="upheld", note="改判")
    assert refused.value.message == services.REVIEW_DECIDED


def test_any_rating_may_be_disputed_once(staff, service):
    case = completed_case(officer=staff["officer"], service_type=service)
    evaluation = rate(case, level=Level.VERY_SATISFIED)
    rating_review_request(evaluation=evaluation, actor=staff["chief"], ground="mistaken", reason="群众误点。")
    with pytest.raises(Conflict) as refused:
        rating_review_request(evaluation=evaluation, actor=staff["chief"], ground="mistaken", reason="再次申诉")
    assert refused.value.message == services.REVIEW_EXISTS
    assert RatingReview.objects.filter(evaluation=evaluation).count() == 1


def test_review_input_is_checked(rectification, staff):
    with pytest.raises(ValidationError) as refused:
        rating_review_request(evaluation=rectification.evaluation, actor=staff["chief"], ground="angry", reason="")
    assert refused.value.message_dict == {
        "ground": [services.GROUND_INVALID],
        "reason": [services.REVIEW_REASON_REQUIRED],
    }
    review = rating_review_request(
        evaluation=rectification.evaluation, actor=staff["chief"], ground="mistaken", reason="误评"
    )
    with pytest.raises(ValidationError) as refused:
        rating_review_decide(review=review, actor=staff["district"], outcome="pending", note="")
    assert refused.value.message_dict == {
        "outcome": [services.OUTCOME_INVALID],
        "note": [services.DECISION_NOTE_REQUIRED],
    }


@pytest.mark.parametrize("who", ["officer", "district", "admin"])
def test_only_the_stations_supervisor_requests_a_review(rectification, staff, who):
    with pytest.raises(PermissionDenied) as refused:
        rating_review_request(evaluation=rectification.evaluation, actor=staff[who], ground="mistaken", reason="误评")
    assert str(refused.value) == services.REVIEW_REQUEST_NOT_YOURS
    assert not RatingReview.objects.exists()


def test_another_stations_supervisor_may_not_request_a_review(rectification, west_chief):
    with pytest.raises(PermissionDenied):
        rating_review_request(evaluation=rectification.evaluation, actor=west_chief, ground="mistaken", reason="误评")


@pytest.mark.parametrize("who", ["chief", "officer", "other_district"])
def test_only_a_bureau_supervisor_above_decides(rectification, staff, who):
    review = rating_review_request(
        evaluation=rectification.evaluation, actor=staff["chief"], ground="mistaken", reason="误评"
    )
    with pytest.raises(PermissionDenied) as refused:
        rating_review_decide(review=review, actor=staff[who], outcome="upheld", note="维持")
    assert str(refused.value) == services.REVIEW_DECIDE_NOT_YOURS
    review.refresh_from_db()
    assert review.outcome == ReviewOutcome.PENDING
