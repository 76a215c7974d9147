"""The checklist decision: given a service type, the materials the citizen has and the answers to
its conditions, may the case be accepted now (受理), accepted with secondary materials to follow
(容缺受理), or must the citizen be told in one notice what is missing (一次性告知)?"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from hukou.models import ChecklistItem, Condition, ServiceType

UNKNOWN_ITEMS = "不属于该事项材料清单的材料编号：%(ids)s。"
UNKNOWN_CONDITIONS = "该事项没有这些适用条件：%(keys)s。"


class Decision(models.TextChoices):
    ACCEPT = "accept", _("材料齐全，可以受理")
    ACCEPT_DEFICIENT = "accept_deficient", _("可容缺受理")
    NOTIFY = "notify", _("材料不全，一次性告知")


@dataclass(frozen=True)
class Requirement:
    """One thing the citizen must bring: a single material, or a group of which any one will do."""

    items: tuple[ChecklistItem, ...]

    @property
    def one_of(self) -> bool:
        return bool(self.items[0].group)

    @property
    def label(self) -> str:
        return self.items[0].group or self.items[0].name

    @property
    def deferrable(self) -> bool:
        return all(item.deferrable for item in self.items)


@dataclass(frozen=True)
class ChecklistDecision:
    decision: Decision
    missing: tuple[Requirement, ...]
    deferrable_missing: tuple[Requirement, ...]
    # Conditions nobody answered: their materials were counted as needed.
    unanswered: tuple[Condition, ...]

    @property
    def missing_items(self) -> list[ChecklistItem]:
        return [item for requirement in self.missing for item in requirement.items]

    @property
    def deferrable_missing_items(self) -> list[ChecklistItem]:
        return [item for requirement in self.deferrable_missing for item in requirement.items]


def grouped[T](things: Iterable[T], group_of: Callable[[T], str | None]) -> list[tuple[str, list[T]]]:
    """Checklist lines in order: each ungrouped thing alone (group ""), the things sharing a one-of group
    together where the first of them stood. Serves catalog items and the entries stored in documents."""
    lines: list[tuple[str, list[T]]] = []
    by_group: dict[str, list[T]] = {}
    for thing in things:
        group = group_of(thing) or ""
        if not group:
            lines.append(("", [thing]))
        elif group in by_group:
            by_group[group].append(thing)
        else:
            by_group[group] = [thing]
            lines.append((group, by_group[group]))
    return lines


def requirements_of(items: Iterable[ChecklistItem]) -> list[Requirement]:
    """The checklist as requirements, in order: items sharing a group text form one requirement."""
    return [Requirement(tuple(members)) for _group, members in grouped(items, lambda item: item.group)]


def checklist_decide(
    *,
    service_type: ServiceType,
    provided: Iterable[int],
    facts: Mapping[str, bool] | None = None,
    items: Iterable[ChecklistItem] | None = None,
) -> ChecklistDecision:
    """Decide on one application. ``provided`` are checklist item ids; ``facts`` answer conditions
    by key. An unanswered condition counts as applying (the citizen is told to bring the material
    rather than turned away later). Unknown ids or keys raise ``ValidationError`` naming them.

    ``items`` may pass the service type's checklist already loaded (with conditions), saving a query.
    """
    facts = dict(facts or {})
    items = list(items) if items is not None else list(service_type.items.select_related("condition"))
    provided = set(provided)

    errors = {}
    unknown_ids = provided - {item.pk for item in items}
    if unknown_ids:
        errors["provided"] = [UNKNOWN_ITEMS % {"ids": ", ".join(str(i) for i in sorted(unknown_ids))}]
    conditions = {c.key: c for c in service_type.conditions.all()}
    unknown_keys = set(facts) - set(conditions)
    if unknown_keys:
        errors["facts"] = [UNKNOWN_CONDITIONS % {"keys": ", ".join(sorted(unknown_keys))}]
    if errors:
        raise ValidationError(errors)

    def applies(item: ChecklistItem) -> bool:
        return item.condition is None or facts.get(item.condition.key, True)

    missing: list[Requirement] = []
    deferrable_missing: list[Requirement] = []
    for requirement in requirements_of(items):
        applicable = tuple(item for item in requirement.items if applies(item))
        if not applicable or any(item.pk in provided for item in applicable):
            continue
        needed = Requirement(applicable)
        (deferrable_missing if needed.deferrable else missing).append(needed)

    if missing:
        decision = Decision.NOTIFY
    elif deferrable_missing:
        decision = Decision.ACCEPT_DEFICIENT
    else:
        decision = Decision.ACCEPT
    unanswered = tuple(c for key, c in conditions.items() if key not in facts)
    return ChecklistDecision(decision, tuple(missing), tuple(deferrable_missing), unanswered)
