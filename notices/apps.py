from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class NoticesConfig(AppConfig):
    name = "notices"
    verbose_name = _("短信与通知")

    def ready(self) -> None:
        from notices.services import sms_templates_ensure

        # Every purpose has a template to edit in the admin from the first migrate on (and again after a
        # test database is flushed), like Django's own permissions.
        post_migrate.connect(lambda sender, using="default", **kwargs: sms_templates_ensure(using=using),
                             sender=self, weak=False)  # fmt: skip
