from compliance.views import awards, dashboard, receptions, reports

app_name = "compliance"

urlpatterns = [
    *dashboard.urlpatterns,
    *reports.urlpatterns,
    *receptions.urlpatterns,
    *awards.urlpatterns,
]
