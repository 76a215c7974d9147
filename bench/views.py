"""The yardstick for the lookup benchmark: the least a Django view can do with the database."""

from django.contrib.auth.decorators import login_not_required
from django.http import JsonResponse

from hukou.models import Case


@login_not_required
def minimal(request, pk: int):
    """One indexed primary-key read, answered as JSON."""
    number = Case.objects.filter(pk=pk).values_list("number", flat=True).first()
    return JsonResponse({"number": number})
