"""dashboard pages."""

urlpatterns: list = []
