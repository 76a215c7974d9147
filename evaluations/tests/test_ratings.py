import pytest

from evaluations.models import Evaluation, RatingChannel, Rectification
from evaluations.services.ratings import ALREADY_RATED, LEVEL_REQUIRED, REASONS_INVALID, evaluation_create
from evaluations.tests.factories import completed_case, rate
from windows.errors import Conflict

pytestmark = pytest.mark.django_db


def test_a_completed_case_is_rated_against_its_officer_and_window(staff, service):
    case = completed_case(officer=staff["officer"], window=staff["window"], service_type=service)
    evaluation = rate(case, level=5, channel=RatingChannel.SMS, reasons=["efficiency", "attitude"])
    assert (evaluation.officer, evaluation.window, evaluation.station) == (
        staff["officer"], staff["window"], case.station,
    )  # fmt: skip
    assert evaluation.event.action == "complete"
    assert evaluation.reasons == ["attitude", "efficiency"]  # in the scale's order
    assert evaluation.contact_phone == case.phone
    assert not Rectification.objects.exists()


@pytest.mark.parametrize("second", [RatingChannel.DEVICE, RatingChannel.SMS, RatingChannel.ONLINE])
def test_one_rating_per_case_across_channels(staff, service, second):
    case = completed_case(officer=staff["officer"], service_type=service)
    rate(case, level=4, channel=RatingChannel.DEVICE)
    with pytest.raises(Conflict) as refused:
        rate(case, level=1, channel=second)
    assert refused.value.message == ALREADY_RATED
    assert Evaluation.objects.filter(case=case).count() == 1
    assert not Rectification.objects.exists()  # the refused bad review opened nothing


def test_bad_input_is_refused_with_field_errors(staff, service):
    case = completed_case(officer=staff["officer"], service_type=service)
    with pytest.raises(Exception) as refused:
        evaluation_create(case=case, channel="device", level=9, reasons=["bribery"])
    assert refused.value.message_dict == {"level": [LEVEL_REQUIRED], "reasons": [REASONS_INVALID]}
    assert not Evaluation.objects.exists()


def test_a_bad_review_opens_a_rectification_for_the_station_supervisor(staff, service):
    case = completed_case(officer=staff["officer"], service_type=service)
    evaluation = rate(case, level=2)
    rectification = evaluation.rectification
    assert rectification.assignee == staff["chief"]
    assert rectification.contact_due_on > rectification.opened_on
    assert staff["chief"].notifications.filter(link__contains=str(rectification.pk)).exists()
