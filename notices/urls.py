from django.urls import path

from notices import views

app_name = "notices"

urlpatterns = [
    path("sms/", views.attention, name="attention"),
    path("sms/<int:pk>/retry/", views.retry, name="retry"),
    path("outbox/", views.outbox, name="outbox"),
]
