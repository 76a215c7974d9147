"""awards API."""

urlpatterns: list = []
