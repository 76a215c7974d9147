from evaluations.views import appeals, devices, followups, ratings, rectifications

app_name = "evaluations"

urlpatterns = [
    *devices.urlpatterns,
    *ratings.urlpatterns,
    *rectifications.urlpatterns,
    *followups.urlpatterns,
    *appeals.urlpatterns,
]
