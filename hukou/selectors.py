"""Reads of the service catalog. The catalog is public: these need no user."""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet

from hukou.models import ChecklistItem, ServiceType

MAX_QUERY_LENGTH = 50


def service_type_search(service_types: QuerySet[ServiceType], query: str) -> QuerySet[ServiceType]:
    """Those whose name, description or any material contains ``query`` (a Chinese substring)."""
    query = query.strip()[:MAX_QUERY_LENGTH]
    if not query:
        return service_types
    in_materials = ChecklistItem.objects.filter(service_type=OuterRef("pk"), name__icontains=query)
    return service_types.filter(Q(name__icontains=query) | Q(description__icontains=query) | Exists(in_materials))


def service_type_list(*, query: str = "", category: str = "") -> QuerySet[ServiceType]:
    """Published service types (the current version of each active one), by category and name."""
    service_types = ServiceType.objects.published()
    if category:
        service_types = service_types.filter(category=category)
    return service_type_search(service_types, query).order_by("category", "name")


def service_type_get(*, code: str) -> ServiceType:
    """The published service type with its conditions and checklist loaded; ``ServiceType.DoesNotExist``
    for an unknown or inactive code."""
    return (
        ServiceType.objects.published()
        .prefetch_related("conditions", Prefetch("items", queryset=ChecklistItem.objects.select_related("condition")))
        .get(code=code)
    )
