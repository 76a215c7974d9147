from django.urls import path

from hukou import views

app_name = "hukou"

urlpatterns = [
    path("guide/", views.guide_list, name="guide"),
    path("guide/<slug:code>/", views.guide_detail, name="guide_detail"),
]
