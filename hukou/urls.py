from django.urls import path

from hukou.views import cases, documents, guide, status

app_name = "hukou"

urlpatterns = [
    path("guide/", guide.guide_list, name="guide"),
    path("guide/<slug:code>/", guide.guide_detail, name="guide_detail"),
    path("status/", status.case_status, name="lookup"),
    # the officers' case pages
    path("cases/", cases.case_list, name="case_list"),
    path("cases/export.csv", cases.case_export, name="case_export"),
    path("cases/panel/", cases.workbench_cases, name="workbench_cases"),
    path("cases/new/", cases.case_intake, name="case_intake"),
    path("cases/new/services/", cases.intake_services, name="case_intake_services"),
    path("cases/new/check-id/", cases.intake_check_id, name="case_intake_check_id"),
    path("cases/new/decision/", cases.intake_decision, name="case_intake_decision"),
    path("cases/<str:number>/", cases.case_detail, name="case_detail"),
    path("cases/<str:number>/move/", cases.case_move, name="case_move"),
    path("cases/<str:number>/materials/", cases.case_materials, name="case_materials"),
    path("cases/<str:number>/decision/", cases.case_decision_preview, name="case_decision"),
    path("cases/<str:number>/reveal-id/", cases.case_reveal_id, name="case_reveal_id"),
    path("documents/<str:number>/", documents.document_detail, name="document"),
    path("documents/<str:number>/pdf/", documents.document_pdf, name="document_pdf"),
]
