from django.urls import path

from bench import views
from config.urls import urlpatterns as portal

urlpatterns = [*portal, path("bench/minimal/<int:pk>/", views.minimal)]
