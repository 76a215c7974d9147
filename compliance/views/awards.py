"""awards pages."""

urlpatterns: list = []
