from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WindowsConfig(AppConfig):
    name = "windows"
    verbose_name = _("组织机构与窗口")

    def ready(self) -> None:
        from windows import signals  # noqa: F401  (connects the sign-in log)
