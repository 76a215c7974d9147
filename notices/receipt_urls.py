"""Delivery receipts from the SMS providers (included at ``notices/receipts/``)."""

from django.urls import path

from notices import receipts

app_name = "notice_receipts"

urlpatterns = [
    path("aliyun/<str:token>/", receipts.aliyun, name="aliyun"),
    path("tencent/<str:token>/", receipts.tencent, name="tencent"),
    path("http/", receipts.http, name="http"),
]
