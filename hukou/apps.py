from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class HukouConfig(AppConfig):
    name = "hukou"
    verbose_name = _("户政业务")
