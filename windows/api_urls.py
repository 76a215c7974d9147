from django.urls import path

from windows import api

urlpatterns = [
    path("me/", api.MeView.as_view(), name="api-me"),
    path("units/", api.UnitList.as_view(), name="api-unit-list"),
    path("units/<str:code>/", api.UnitDetail.as_view(), name="api-unit-detail"),
    path("notifications/", api.NotificationList.as_view(), name="api-notification-list"),
    path("notifications/<int:pk>/read/", api.NotificationRead.as_view(), name="api-notification-read"),
]
