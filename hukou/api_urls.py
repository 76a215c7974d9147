from django.urls import path

from hukou import api

urlpatterns = [
    path("service-types/", api.ServiceTypeList.as_view(), name="api-service-type-list"),
    path("service-types/<slug:code>/", api.ServiceTypeDetail.as_view(), name="api-service-type-detail"),
    path("service-types/<slug:code>/check/", api.ServiceTypeCheck.as_view(), name="api-service-type-check"),
]
