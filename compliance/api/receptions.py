"""receptions API."""

urlpatterns: list = []
