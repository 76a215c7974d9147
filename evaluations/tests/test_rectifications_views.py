"""The rectification pages: the scoped list, the rectification page and its forms, the workbench panel."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from evaluations.models import Level, RatingReview, RectificationStatus, ReviewOutcome
from evaluations.services import rectifications as services
from evaluations.services.rectifications import rectification_close, rectification_contact
from evaluations.tests.factories import completed_case, rate
from windows.models import Role
from windows.tests.factories import StaffFactory

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")
PHONE, MASKED = "13800138000", "138****8000"


def bad_review(staff, service, level=Level.DISSATISFIED, officer="officer"):
    case = completed_case(officer=staff[officer], window=staff["window"], service_type=service)
    return rate(case, level=level, reasons=["attitude"], comment="态度生硬").rectification


@pytest.fixture
def west_chief(org):
    return StaffFactory(username="west-chief", unit=org["west_station"], role=Role.STATION_SUPERVISOR).user


@pytest.fixture
def rectification(staff, service):
    return bad_review(staff, service)


def detail_url(rectification, step=""):
    url = reverse("evaluations:rectification_detail", args=[rectification.pk])
    return f"{url}{step}/" if step else url


def page(client, user, url, **params):
    client.force_login(user)
    return client.get(url, params)


# --- the rectification page -----------------------------------------------------------------------


def test_the_supervisor_sees_the_rating_the_full_phone_and_the_contact_form(client, staff, rectification):
    response = page(client, staff["chief"], detail_url(rectification))
    assert response.status_code == 200
    html = response.content.decode()
    case_number = rectification.evaluation.case.number
    assert reverse("hukou:case_detail", args=[case_number]) in html
    assert "不满意" in html and "服务态度" in html and "态度生硬" in html
    assert PHONE in html
    assert reverse("evaluations:rectification_contact", args=[rectification.pk]) in html
    assert reverse("evaluations:rectification_close", args=[rectification.pk]) not in html  # not yet
    assert reverse("evaluations:rectification_review", args=[rectification.pk]) in html
    assert 'name="csrfmiddlewaretoken"' in html
    # the limits and the working days left (rated today: contact due the next working day)
    assert rectification.contact_due_on.isoformat() in html and "还剩 1 个工作日" in html


def test_the_officer_rated_reads_it_without_forms_or_the_full_phone(client, staff, rectification):
    response = page(client, staff["officer"], detail_url(rectification))
    assert response.status_code == 200
    html = response.content.decode()
    assert MASKED in html and PHONE not in html
    assert 'data-testid="read-only"' in html
    assert "/contact/" not in html and "/review/" not in html


@pytest.mark.parametrize("who", ["other_officer", "other_district", "officer2"])
def test_others_get_a_404(client, staff, rectification, who):
    assert page(client, staff[who], detail_url(rectification)).status_code == 404


def test_another_stations_supervisor_gets_a_404(client, rectification, west_chief):
    assert page(client, west_chief, detail_url(rectification)).status_code == 404
    client.force_login(west_chief)
    response = client.post(detail_url(rectification, "contact"), {"version": 1, "contact_note": "越权"})
    assert response.status_code == 404
    rectification.refresh_from_db()
    assert rectification.status == RectificationStatus.OPEN


def test_contact_then_close_through_the_page(client, staff, rectification):
    client.force_login(staff["chief"])
    response = client.post(
        detail_url(rectification, "contact"), {"version": 1, "contact_note": "电话联系群众，已致歉。"}
    )
    assert response.status_code == 302 and response.url == detail_url(rectification)
    rectification.refresh_from_db()
    assert rectification.status == RectificationStatus.CONTACTED and rectification.contacted_by == staff["chief"]

    html = client.get(detail_url(rectification)).content.decode()
    assert "已记录核实联系情况" in html and "电话联系群众，已致歉。" in html
    assert reverse("evaluations:rectification_close", args=[rectification.pk]) in html

    now = timezone.localtime().strftime("%Y-%m-%dT%H:%M")
    response = client.post(
        detail_url(rectification, "close"),
        {"version": 2, "finding": "语气生硬", "action_taken": "培训", "callback_level": "4", "callback_at": now},
    )
    assert response.status_code == 302
    rectification.refresh_from_db()
    assert rectification.status == RectificationStatus.CLOSED and rectification.callback_level == Level.SATISFIED
    html = client.get(detail_url(rectification)).content.decode()
    assert "差评整改已办结" in html and 'data-kind="closed"' in html


def test_missing_fields_are_shown_on_the_form_and_nothing_is_saved(client, staff, rectification):
    client.force_login(staff["chief"])
    response = client.post(detail_url(rectification, "contact"), {"version": 1, "contact_note": ""})
    assert response.status_code == 200
    assert services.CONTACT_NOTE_REQUIRED in response.content.decode()
    rectification.refresh_from_db()
    assert rectification.status == RectificationStatus.OPEN and rectification.version == 1

    rectification_contact(rectification=rectification, actor=staff["chief"], contact_note="已联系")
    response = client.post(
        detail_url(rectification, "close"), {"version": 2, "finding": "查明", "action_taken": "已整改"}
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert services.CALLBACK_LEVEL_REQUIRED in html and services.CALLBACK_AT_REQUIRED in html
    assert "查明" in html  # what was typed is kept
    rectification.refresh_from_db()
    assert rectification.status == RectificationStatus.CONTACTED


def test_a_malformed_post_is_a_form_error_not_a_500(client, staff, rectification):
    client.force_login(staff["chief"])
    response = client.post(
        detail_url(rectification, "contact"), {"version": "x", "contact_note": "有", "contacted_at": "昨天"}
    )
    assert response.status_code == 200
    rectification.refresh_from_db()
    assert rectification.status == RectificationStatus.OPEN


def test_a_stale_version_or_wrong_order_answers_409(client, staff, rectification):
    client.force_login(staff["chief"])
    rectification_contact(rectification=rectification, actor=staff["district"], contact_note="分局已联系")
    response = client.post(detail_url(rectification, "contact"), {"version": 1, "contact_note": "我也联系了"})
    assert response.status_code == 409
    assert services.STALE_VERSION in response.content.decode()
    response = client.post(detail_url(rectification, "contact"), {"version": 2, "contact_note": "我也联系了"})
    assert response.status_code == 409
    rectification.refresh_from_db()
    assert rectification.contact_note == "分局已联系"


def test_an_officer_posting_is_refused_with_a_403(client, staff, rectification):
    client.force_login(staff["officer"])
    response = client.post(detail_url(rectification, "contact"), {"version": 1, "contact_note": "自己处理"})
    assert response.status_code == 403
    assert services.NOT_YOURS in response.content.decode()
    rectification.refresh_from_db()
    assert rectification.status == RectificationStatus.OPEN


def test_review_requested_and_decided_through_the_page(client, staff, rectification):
    client.force_login(staff["chief"])
    response = client.post(detail_url(rectification, "review"), {"ground": "", "reason": ""})
    assert services.GROUND_INVALID in response.content.decode()
    response = client.post(detail_url(rectification, "review"), {"ground": "mistaken", "reason": "群众误点"})
    assert response.status_code == 302
    assert RatingReview.objects.get().outcome == ReviewOutcome.PENDING
    html = client.get(detail_url(rectification)).content.decode()
    assert "/review/decision/" not in html  # the station does not decide its own review
    assert 'data-testid="review-request"' not in html  # once per rating

    client.force_login(staff["district"])
    html = client.get(detail_url(rectification)).content.decode()
    assert "/review/decision/" in html
    response = client.post(detail_url(rectification, "review/decision"), {"outcome": "upheld", "note": "评价有效"})
    assert response.status_code == 302
    review = RatingReview.objects.get()
    assert review.outcome == ReviewOutcome.UPHELD and review.decided_by == staff["district"]
    rectification.evaluation.refresh_from_db()
    assert rectification.evaluation.level == Level.DISSATISFIED


# --- the list -------------------------------------------------------------------------------------


def test_the_list_is_scoped_open_first_by_deadline_and_filtered(client, staff, service, rectification, west_chief):
    other_case = completed_case(officer=staff["other_officer"], service_type=service)
    rate(other_case, level=Level.VERY_DISSATISFIED)
    second = bad_review(staff, service, officer="officer2")
    first = bad_review(staff, service)
    rectification_close(
        rectification=rectification_contact(rectification=rectification, actor=staff["chief"], contact_note="已联系"),
        actor=staff["chief"],
        finding="查明",
        action_taken="整改",
        callback_level=Level.SATISFIED,
        callback_at=timezone.now(),
    )
    rectification_contact(rectification=first, actor=staff["chief"], contact_note="已联系")  # due later now

    url = reverse("evaluations:rectification_list")
    html = page(client, staff["chief"], url).content.decode()
    rows = [detail_url(r) for r in (second, first, rectification)]  # open (contact due) < contacted < closed
    positions = [html.index(f'href="{row}"') for row in rows]
    assert positions == sorted(positions)
    assert other_case.number not in html

    html = page(client, west_chief, url).content.decode()  # their own station's only
    assert "共 1 件" in html and other_case.number in html and detail_url(first) not in html
    html = page(client, staff["officer"], url).content.decode()  # their own ratings only
    assert detail_url(first) in html and detail_url(second) not in html

    html = page(client, staff["chief"], url, status="closed").content.decode()
    assert "共 1 件" in html and detail_url(rectification) in html


def test_late_ones_are_marked_and_filtered(client, staff, service):
    with time_machine.travel(datetime(2026, 9, 30, 10, tzinfo=SHANGHAI), tick=False):
        late = bad_review(staff, service)
    with time_machine.travel(datetime(2026, 10, 9, 10, tzinfo=SHANGHAI), tick=False):
        fresh = bad_review(staff, service, officer="officer2")
        url = reverse("evaluations:rectification_list")
        html = page(client, staff["chief"], url).content.decode()
        assert html.count('data-testid="late"') == 1
        html = page(client, staff["chief"], url, late="true").content.decode()
        assert "共 1 件" in html and detail_url(late) in html and detail_url(fresh) not in html
        # the page of the late one says by how many working days
        assert "已逾期 1 个工作日" in page(client, staff["chief"], detail_url(late)).content.decode()


def test_the_list_keeps_to_a_fixed_number_of_queries(client, staff, service, django_assert_max_num_queries):
    for _ in range(3):
        bad_review(staff, service)
    client.force_login(staff["chief"])
    url = reverse("evaluations:rectification_list")
    client.get(url)
    with django_assert_max_num_queries(12):
        response = client.get(url)
    assert "共 3 件" in response.content.decode()


# --- the workbench panel --------------------------------------------------------------------------


def test_the_panel_shows_late_and_due_today_to_the_supervisors(client, staff, service, west_chief):
    with time_machine.travel(datetime(2026, 9, 30, 10, tzinfo=SHANGHAI), tick=False):
        late = bad_review(staff, service)
    with time_machine.travel(datetime(2026, 10, 8, 10, tzinfo=SHANGHAI), tick=False):
        due_today = bad_review(staff, service, officer="officer2")
    url = reverse("evaluations:workbench_rectifications")
    with time_machine.travel(datetime(2026, 10, 9, 10, tzinfo=SHANGHAI), tick=False):
        # on 9 October: the first is past its contact limit (8 October), the second's is today
        for who in ("chief", "district"):
            html = page(client, staff[who], url).content.decode()
            late_part, _sep, today_part = html.partition('data-testid="panel-due-today"')
            assert detail_url(late) in late_part and detail_url(due_today) in today_part, who
        assert page(client, staff["officer"], url).content == b""  # not a supervisor
        assert page(client, west_chief, url).content == b""  # nothing in their scope
    with time_machine.travel(datetime(2026, 10, 8, 10, tzinfo=SHANGHAI), tick=False):
        html = page(client, staff["chief"], url).content.decode()
        assert 'data-testid="panel-late"' not in html and detail_url(late) in html  # due today, not late yet


def test_the_workbench_loads_the_panel(client, staff):
    html = page(client, staff["chief"], reverse("windows:workbench")).content.decode()
    assert reverse("evaluations:workbench_rectifications") in html


def test_pages_are_for_staff_only(client, staff, rectification, django_user_model):
    citizen = django_user_model.objects.create_user(username="citizen", password="x")
    for url in (reverse("evaluations:rectification_list"), detail_url(rectification)):
        assert page(client, citizen, url).status_code == 403
    client.logout()
    response = client.get(reverse("evaluations:rectification_list"))
    assert response.status_code == 302 and "/accounts/login/" in response.url


def test_due_dates_in_the_page_are_working_days(client, staff, service):
    with time_machine.travel(datetime(2026, 9, 30, 10, tzinfo=SHANGHAI), tick=False):
        rectification = bad_review(staff, service)
        html = page(client, staff["chief"], detail_url(rectification)).content.decode()
    assert date(2026, 10, 8).isoformat() in html and date(2026, 10, 13).isoformat() in html
    assert "还剩 1 个工作日" in html and "还剩 5 个工作日" in html
