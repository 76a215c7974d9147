"""Loading the service catalog from its data files, and versioning service types."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path

import yaml
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from hukou.models import ChecklistItem, Condition, ServiceType

CATALOG_DIR = Path(__file__).resolve().parent.parent / "catalog"

SERVICE_FIELDS = {
    "code", "name", "category", "description", "time_limit_days", "statutory_limit_days", "fee_yuan",
    "fee_basis", "legal_basis", "handling_mode", "needs_supervisor_approval", "supplement_days",
    "where_when", "process",
}  # fmt: skip
REQUIRED_FIELDS = {"code", "name", "category", "time_limit_days", "statutory_limit_days", "legal_basis",
                   "handling_mode"}  # fmt: skip
MATERIAL_FIELDS = {"name", "detail", "condition", "group", "deferrable"}


class CatalogError(Exception):
    """A catalog file that cannot be loaded; the message names the file and the problem."""


@dataclass
class LoadReport:
    created: list[str] = field(default_factory=list)
    new_versions: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)


def _content_hash(data: dict) -> str:
    canonical = json.dumps(data, ensure_ascii=False, sort_keys=True, default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def _check_shape(data: dict) -> None:
    if not isinstance(data, dict):
        raise CatalogError("the file must hold one mapping (a service type)")
    unknown = set(data) - SERVICE_FIELDS - {"conditions", "materials"}
    if unknown:
        raise CatalogError(f"unknown keys: {', '.join(sorted(unknown))}")
    absent = REQUIRED_FIELDS - set(data)
    if absent:
        raise CatalogError(f"missing keys: {', '.join(sorted(absent))}")
    materials = data.get("materials") or []
    if not materials:
        raise CatalogError("a service type needs at least one material")
    for index, material in enumerate(materials, start=1):
        if not isinstance(material, dict) or not {"name", "detail"} <= set(material):
            raise CatalogError(f"material {index}: needs name and detail")
        extra = set(material) - MATERIAL_FIELDS
        if extra:
            raise CatalogError(f"material {index}: unknown keys {', '.join(sorted(extra))}")
    keys = [c.get("key") for c in data.get("conditions") or []]
    if len(keys) != len(set(keys)):
        raise CatalogError("condition keys must be unique")
    for index, material in enumerate(materials, start=1):
        if material.get("condition") and material["condition"] not in keys:
            raise CatalogError(f"material {index}: unknown condition {material['condition']!r}")


@transaction.atomic
def service_type_load(*, data: dict) -> tuple[ServiceType, str]:
    """Load one service type's data. Returns the current version and what happened: "created",
    "new_version" or "unchanged". The same data twice is a no-op; changed data becomes a new
    version, and the old one stays, no longer current, with its own conditions and materials."""
    _check_shape(data)
    digest = _content_hash(data)
    code = data["code"]
    current = ServiceType.objects.select_for_update().filter(code=code, is_current=True).first()
    if current is not None and current.source_hash == digest:
        return current, "unchanged"

    version = (ServiceType.objects.filter(code=code).aggregate(v=Max("version"))["v"] or 0) + 1
    if current is not None:
        current.is_current = False
        current.save(update_fields=["is_current", "updated_at"])
    try:
        fee = Decimal(str(data.get("fee_yuan", 0)))
    except InvalidOperation as exc:
        raise CatalogError(f"fee_yuan is not a number: {data.get('fee_yuan')!r}") from exc
    service_type = ServiceType(
        **{k: v for k, v in data.items() if k in SERVICE_FIELDS and k != "fee_yuan"},
        fee_yuan=fee,
        version=version,
        is_current=True,
        source_hash=digest,
    )
    _save(service_type)
    _save_checklist(service_type, data.get("conditions") or [], data["materials"])
    return service_type, "created" if current is None and version == 1 else "new_version"


def _save(instance) -> None:
    try:
        instance.full_clean()
    except ValidationError as exc:
        raise CatalogError("; ".join(f"{k}: {' '.join(v)}" for k, v in exc.message_dict.items())) from exc
    instance.save()


def _save_checklist(service_type: ServiceType, conditions: list[dict], materials: list[dict]) -> None:
    by_key = {}
    for order, spec in enumerate(conditions):
        condition = Condition(service_type=service_type, key=spec["key"], question=spec["question"], order=order)
        _save(condition)
        by_key[condition.key] = condition
    for order, spec in enumerate(materials):
        _save(
            ChecklistItem(
                service_type=service_type,
                name=spec["name"],
                detail=spec["detail"],
                condition=by_key.get(spec.get("condition")),
                group=spec.get("group") or "",
                deferrable=bool(spec.get("deferrable", False)),
                order=order,
            )
        )


@transaction.atomic
def catalog_load(*, directory: Path = CATALOG_DIR) -> LoadReport:
    """Load every ``*.yaml`` in the catalog folder, all or nothing."""
    report = LoadReport()
    files = sorted(directory.glob("*.yaml"))
    if not files:
        raise CatalogError(f"{directory}: no catalog files")
    seen: dict[str, Path] = {}
    for path in files:
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
            code = data.get("code") if isinstance(data, dict) else None
            if code in seen:
                raise CatalogError(f"code {code!r} is also used by {seen[code].name}")
            seen[code] = path
            service_type, outcome = service_type_load(data=data)
        except (CatalogError, yaml.YAMLError) as exc:
            raise CatalogError(f"{path.name}: {exc}") from exc
        getattr(report, {"created": "created", "new_version": "new_versions"}.get(outcome, "unchanged")).append(
            service_type.code
        )
    return report


@transaction.atomic
def service_type_new_version(*, service_type: ServiceType) -> ServiceType:
    """Copy the current version into a new current version, to be edited while the old one keeps
    what it said for everything recorded against it."""
    old = ServiceType.objects.select_for_update().get(pk=service_type.pk)
    if not old.is_current:
        raise ValidationError("只能基于现行版本创建新版本。")
    conditions = list(old.conditions.all())
    items = list(old.items.select_related("condition"))
    old.is_current = False
    old.save(update_fields=["is_current", "updated_at"])

    new = ServiceType.objects.get(pk=old.pk)
    new.pk = None
    new._state.adding = True
    new.created_at = timezone.now()
    new.version = (ServiceType.objects.filter(code=old.code).aggregate(v=Max("version"))["v"] or 0) + 1
    new.is_current = True
    new.source_hash = old.source_hash  # the file it came from has not changed
    new.full_clean()
    new.save()
    by_key = {}
    for condition in conditions:
        by_key[condition.key] = Condition.objects.create(
            service_type=new, key=condition.key, question=condition.question, order=condition.order
        )
    ChecklistItem.objects.bulk_create(
        ChecklistItem(
            service_type=new,
            name=item.name,
            detail=item.detail,
            condition=by_key[item.condition.key] if item.condition else None,
            group=item.group,
            deferrable=item.deferrable,
            order=item.order,
        )
        for item in items
    )
    return new
