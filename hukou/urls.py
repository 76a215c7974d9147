from django.urls import path

from hukou.views import guide

app_name = "hukou"

urlpatterns = [
    path("guide/", guide.guide_list, name="guide"),
    path("guide/<slug:code>/", guide.guide_detail, name="guide_detail"),
]
