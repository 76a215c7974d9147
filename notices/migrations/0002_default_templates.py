"""The default texts of the four purposes; edited in the admin afterwards (and registered at the provider)."""

from django.db import migrations

DEFAULTS = {
    "completion": "您在${station}办理的${service}已办结，请于${date}起${hours}携带${bring}到${window}领取。办件号${number}。",
    "supplement_reminder": "您在${station}容缺受理的${service}（办件号${number}），请于${due}前携带${missing}到窗口补交。",
    "notice_copy": "您在${station}申请的${service}（办件号${number}）需补正材料：${missing}。请带齐材料和补正材料通知书到窗口办理。",
    "rating_invitation": "您在${station}办理的${service}已办结，欢迎评价我们的服务：${link} （7日内有效）",
}


def add_templates(apps, schema_editor):
    SmsTemplate = apps.get_model("notices", "SmsTemplate")
    for purpose, text in DEFAULTS.items():
        SmsTemplate.objects.get_or_create(purpose=purpose, defaults={"text": text})


class Migration(migrations.Migration):
    dependencies = [("notices", "0001_outbox")]

    operations = [migrations.RunPython(add_templates, migrations.RunPython.noop)]
