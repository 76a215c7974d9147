"""Every write of the hukou app, and the one checklist decision that the guide, the API and the
case intake all call."""

from hukou.services.catalog import (
    CatalogError,
    LoadReport,
    catalog_load,
    service_type_load,
    service_type_new_version,
)
from hukou.services.checklist import ChecklistDecision, Decision, Requirement, checklist_decide

__all__ = [
    "CatalogError",
    "ChecklistDecision",
    "Decision",
    "LoadReport",
    "Requirement",
    "catalog_load",
    "checklist_decide",
    "service_type_load",
    "service_type_new_version",
]
