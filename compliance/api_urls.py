from compliance.api import awards, dashboard, receptions, reports

urlpatterns = [
    *dashboard.urlpatterns,
    *reports.urlpatterns,
    *receptions.urlpatterns,
    *awards.urlpatterns,
]
