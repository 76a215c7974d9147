from evaluations.api import appeals, devices, followups, ratings, rectifications

urlpatterns = [
    *devices.urlpatterns,
    *ratings.urlpatterns,
    *rectifications.urlpatterns,
    *followups.urlpatterns,
    *appeals.urlpatterns,
]
