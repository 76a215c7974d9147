from django.urls import path

from windows import views

app_name = "windows"

urlpatterns = [
    path("workbench/", views.workbench, name="workbench"),
    path("inbox/", views.notification_list, name="notifications"),
    path("inbox/<int:pk>/read/", views.notification_read, name="notification_read"),
    path("inbox/read-all/", views.notification_read_all, name="notification_read_all"),
]
