from django.http import Http404
from django.urls import path


def rectification_detail(request, pk):  # replaced by the rectification pages
    raise Http404


urlpatterns = [path("evaluations/rectifications/<int:pk>/", rectification_detail, name="rectification_detail")]
