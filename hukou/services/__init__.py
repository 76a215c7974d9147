"""Every write of the hukou app, and the one checklist decision that the guide, the API and the
case intake all call."""

from hukou.services.cases import (
    Action,
    case_allowed_actions,
    case_create,
    case_decision,
    case_may,
    case_may_reveal,
    case_reassign,
    case_record_materials,
    case_record_visit,
    case_reveal_id_number,
    case_transition,
    supplement_default,
)
from hukou.services.catalog import (
    CatalogError,
    LoadReport,
    catalog_load,
    service_type_load,
    service_type_new_version,
)
from hukou.services.checklist import ChecklistDecision, Decision, Requirement, checklist_decide

__all__ = [
    "Action",
    "CatalogError",
    "ChecklistDecision",
    "Decision",
    "LoadReport",
    "Requirement",
    "case_allowed_actions",
    "case_create",
    "case_decision",
    "case_may",
    "case_may_reveal",
    "case_reassign",
    "case_record_materials",
    "case_record_visit",
    "case_reveal_id_number",
    "case_transition",
    "catalog_load",
    "checklist_decide",
    "service_type_load",
    "service_type_new_version",
    "supplement_default",
]
