"""Reads of the service catalog. The catalog is public: these need no user."""

from __future__ import annotations

from datetime import date, timedelta

from django.core.exceptions import ValidationError
from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet

from hukou import personal_data
from hukou.models import RUNNING_STATUSES, Case, CaseDocument, CaseStatus, ChecklistItem, ServiceType
from windows.access import scope_filter
from windows.workdays import add_working_days

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


# --- cases ------------------------------------------------------------------------------------


def case_list(*, user) -> QuerySet[Case]:
    """The cases the user may see (their station, or everything below their bureau), with what a
    list row shows loaded in the same query."""
    return Case.objects.filter(scope_filter(user, "station")).select_related(
        "service_type", "station", "window", "officer"
    )


def case_get(*, user, number: str) -> Case:
    """One case by number; ``Case.DoesNotExist`` alike for a missing case and another unit's."""
    return case_list(user=user).get(number=number)


def case_search(cases: QuerySet[Case], query: str) -> QuerySet[Case]:
    """By case number, applicant name, or a whole ID number (through its keyed hash)."""
    query = query.strip()[:MAX_QUERY_LENGTH]
    if not query:
        return cases
    condition = Q(number__icontains=query) | Q(applicant_name__icontains=query)
    try:
        id_number = personal_data.validate_id_number(query)
    except ValidationError:
        pass
    else:
        condition |= Q(id_number_hash=personal_data.hash_id_number(id_number.value))
    return cases.filter(condition)


# --- documents --------------------------------------------------------------------------------


def document_get(*, user, number: str) -> CaseDocument:
    """One case document by number, scoped through its case's station like ``case_get``;
    ``CaseDocument.DoesNotExist`` alike for a missing document and another unit's."""
    return CaseDocument.objects.filter(scope_filter(user, "case__station")).select_related("case").get(number=number)


# --- deadlines: which running cases stand where (the deadline job, the workbench, the case list) -----

DECISION_WORKING_DAYS = 5  # 行政许可法 第三十二条: decide on an application within 5 (working) days
REMINDER_WORKING_DAYS = 2  # the 容缺 reminder SMS: from two working days before the deadline


def due_soon(today: date) -> Q:
    """Running cases due by the next working day, not overdue yet."""
    return Q(status__in=RUNNING_STATUSES, due_on__gte=today, due_on__lte=add_working_days(today, 1))


def overdue(today: date) -> Q:
    return Q(status__in=RUNNING_STATUSES, due_on__lt=today)


def supplements_overdue(today: date) -> Q:
    return Q(status=CaseStatus.ACCEPTED_DEFICIENT, supplement_due_on__lt=today)


def supplements_due_soon(today: date) -> Q:
    """容缺 cases whose deadline is today or within the next two working days (their reminder is due)."""
    return Q(
        status=CaseStatus.ACCEPTED_DEFICIENT,
        supplement_due_on__gte=today,
        supplement_due_on__lte=add_working_days(today, REMINDER_WORKING_DAYS),
    )


def undecided_cutoff(today: date) -> date:
    """The last day on which materials may have arrived for the 5 working days to decide to have
    run out before ``today``: materials received on or before it and still undecided count as accepted."""
    cutoff = today - timedelta(days=1)
    while add_working_days(cutoff, DECISION_WORKING_DAYS) >= today:
        cutoff -= timedelta(days=1)
    return cutoff


def undecided(today: date) -> Q:
    return Q(status=CaseStatus.DRAFT, materials_received_on__lte=undecided_cutoff(today))
