from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.utils.translation import gettext_lazy as _
from django_ratelimit.decorators import ratelimit
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from windows import views as windows_views

admin.site.site_header = _("户籍窗口管理后台")
admin.site.site_title = _("户籍窗口")

login_view = ratelimit(key="ip", rate=windows_views.login_rate, method="POST", block=True)(
    auth_views.LoginView.as_view(redirect_authenticated_user=True)
)

urlpatterns = [
    path("", windows_views.home, name="home"),
    path("healthz", windows_views.healthz, name="healthz"),
    path("accounts/login/", login_view, name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/password/", auth_views.PasswordChangeView.as_view(), name="password_change"),
    path("accounts/password/done/", auth_views.PasswordChangeDoneView.as_view(), name="password_change_done"),
    path("", include("windows.urls")),
    path("", include("hukou.urls")),
    path("", include("evaluations.urls")),
    path("compliance/", include("compliance.urls")),
    path("notices/", include("notices.urls")),
    path("notices/receipts/", include("notices.receipt_urls")),
    path("api/", include("windows.api_urls")),
    path("api/", include("hukou.api_urls")),
    path("api/", include("evaluations.api_urls")),
    path("api/compliance/", include("compliance.api_urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path(f"{settings.ADMIN_URL}", admin.site.urls),
]
