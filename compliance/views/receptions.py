"""receptions pages."""

urlpatterns: list = []
