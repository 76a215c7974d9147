from django.urls import path

from hukou import api

urlpatterns = [
    path("service-types/", api.ServiceTypeList.as_view(), name="api-service-type-list"),
    path("service-types/<slug:code>/", api.ServiceTypeDetail.as_view(), name="api-service-type-detail"),
    path("service-types/<slug:code>/check/", api.ServiceTypeCheck.as_view(), name="api-service-type-check"),
    path("public/case-status/", api.case_status_lookup, name="api-case-status"),
    path("cases/", api.CaseListCreate.as_view(), name="api-case-list"),
    path("cases/<str:number>/", api.CaseDetail.as_view(), name="api-case-detail"),
    path("cases/<str:number>/transitions/", api.CaseTransition.as_view(), name="api-case-transition"),
    path("cases/<str:number>/materials/", api.CaseMaterials.as_view(), name="api-case-materials"),
    path("cases/<str:number>/events/", api.CaseEvents.as_view(), name="api-case-events"),
]
