"""The outbox's models: templates (their placeholders, what ``clean`` refuses, ``render``), a message's small
facts, the ``due`` queryset, and what the database itself refuses."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from notices.models import Purpose, SmsMessage, SmsStatus, SmsTemplate
from notices.tests.factories import make_sms

SHANGHAI = ZoneInfo("Asia/Shanghai")
NOON = datetime(2026, 11, 23, 12, 0, tzinfo=SHANGHAI)


def template(text: str, purpose: str = Purpose.COMPLETION) -> SmsTemplate:
    return SmsTemplate(purpose=purpose, text=text)


def text_errors(excinfo) -> list[str]:
    return excinfo.value.message_dict["text"]


# --- templates ------------------------------------------------------------------------------------


def test_parameters_are_listed_once_each_in_order_of_first_appearance():
    tpl = template("${station}：${service}已办结，请到${station}的${window}领取（${service}）。")

    assert tpl.parameters == ["station", "service", "window"]


def test_a_template_without_placeholders_has_no_parameters():
    assert template("您的证件已办好，请到窗口领取。").parameters == []


@pytest.mark.django_db
@pytest.mark.parametrize("purpose", Purpose.values)
def test_the_default_templates_are_valid_and_render_their_own_parameters(purpose):
    tpl = SmsTemplate.objects.get(purpose=purpose)
    tpl.full_clean()  # raises if a default text breaks its own rules

    text = tpl.render({name: f"<{name}>" for name in tpl.parameters})

    assert tpl.parameters  # every default text has parameters
    assert "${" not in text
    assert all(f"<{name}>" in text for name in tpl.parameters)


@pytest.mark.parametrize(
    "text",
    [
        "【东关派出所】您的${service}已办结。",
        "您的${service}已办结。【示范市公安局】",
        "[东关派出所]您的${service}已办结。",
    ],
)
def test_clean_refuses_a_signature_in_the_text(text):
    with pytest.raises(ValidationError) as excinfo:
        template(text).clean()

    assert text_errors(excinfo) == ["不要在内容里写签名【…】：签名由短信平台加上。"]


@pytest.mark.parametrize(
    "text",
    [
        "您的${Service}已办结。",  # upper case
        "您的${}已办结。",  # no name
        "您的${service已办结。",  # not closed
        "您的${1service}已办结。",  # starts with a digit
        "您的${ service }已办结。",  # spaces
        "您的${服务}已办结。",  # not ASCII
        "您的${service}在${station-name}已办结。",  # one good, one bad
    ],
)
def test_clean_refuses_a_malformed_placeholder(text):
    with pytest.raises(ValidationError) as excinfo:
        template(text).clean()

    assert text_errors(excinfo) == ["参数写作 ${参数名}，参数名用小写英文字母、数字和下划线。"]


def test_clean_reports_a_signature_and_a_malformed_placeholder_together():
    with pytest.raises(ValidationError) as excinfo:
        template("【东关派出所】您的${Service}已办结。").clean()

    assert len(text_errors(excinfo)) == 2


@pytest.mark.parametrize(
    "text",
    [
        "您在${station}办理的${service}已办结，费用$5，详见{说明}。",  # a lone $ and braces are plain text
        "您在${station}办理的业务已办结（7日内有效）。",  # full-width parentheses are not a signature
    ],
)
def test_clean_accepts_well_formed_text(text):
    template(text).clean()  # no error


def test_clean_refuses_a_parameter_that_the_purpose_never_supplies():
    with pytest.raises(ValidationError) as excinfo:
        template("您在${station}办理的${service}已办结，经办民警${officer}。").clean()

    assert text_errors(excinfo) == [
        "“办结通知”没有这些参数：officer。可用的参数：station、service、date、hours、bring、window、number。"
    ]


def test_render_fills_every_placeholder_and_leaves_the_rest_alone():
    tpl = template("您在${station}办理的${service}已办结，办件号${number}，${station}欢迎您。")

    text = tpl.render({"station": "东关派出所", "service": "居住证办理", "number": 20261121, "unused": "x"})

    assert text == "您在东关派出所办理的居住证办理已办结，办件号20261121，东关派出所欢迎您。"


def test_render_does_not_expand_placeholders_inside_a_value():
    tpl = template("请携带${bring}到${window}。")

    assert tpl.render({"bring": "${window}", "window": "3号窗口"}) == "请携带${window}到3号窗口。"


def test_render_names_every_missing_parameter():
    tpl = template("您在${station}办理的${service}已办结，请到${window}领取。", purpose=Purpose.COMPLETION)

    with pytest.raises(ValidationError) as excinfo:
        tpl.render({"service": "居住证办理"})

    assert excinfo.value.message_dict == {"params": ["短信模板“办结通知”缺少参数：station、window"]}


# --- messages -------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_message_shows_its_phone_masked(org):
    message = make_sms(unit=org["east_station"], phone="13912345678")

    assert message.phone_masked == "139****5678"
    assert str(message) == "办结通知 139****5678 待发送"
    assert "13912345678" not in str(message)


@pytest.mark.django_db
@time_machine.travel(NOON, tick=False)
def test_due_is_what_waits_and_whose_time_has_come(org):
    unit = org["east_station"]
    queued_now = make_sms(unit=unit, send_after=NOON)
    deferred_past = make_sms(unit=unit, send_after=NOON - timedelta(hours=1))
    SmsMessage.objects.filter(pk=deferred_past.pk).update(status=SmsStatus.DEFERRED)
    later = make_sms(unit=unit, send_after=NOON + timedelta(seconds=1))  # not yet
    for status in (SmsStatus.SENDING, SmsStatus.SENT, SmsStatus.DELIVERED, SmsStatus.FAILED):
        done = make_sms(unit=unit, send_after=NOON - timedelta(hours=1))
        SmsMessage.objects.filter(pk=done.pk).update(status=status)

    assert set(SmsMessage.objects.due()) == {queued_now, deferred_past}
    assert set(SmsMessage.objects.due(NOON + timedelta(seconds=1))) == {queued_now, deferred_past, later}


# --- what the database refuses (STYLE.md: a TextChoices field is backed by a CheckConstraint) ----------


@pytest.mark.django_db
@pytest.mark.parametrize("field", ["status", "purpose"])
def test_the_database_refuses_a_message_with_an_unknown_choice(org, field):
    message = make_sms(unit=org["east_station"])

    with pytest.raises(IntegrityError), transaction.atomic():
        SmsMessage.objects.filter(pk=message.pk).update(**{field: "bogus"})


@pytest.mark.django_db
def test_the_database_refuses_a_template_with_an_unknown_purpose():
    with pytest.raises(IntegrityError), transaction.atomic():
        SmsTemplate.objects.create(purpose="bogus", text="您好。")
