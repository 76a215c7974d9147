"""Cases and ratings for the evaluations tests, made through the same services the portal uses."""

from __future__ import annotations

from hukou.services import case_transition
from hukou.tests.factories import make_case, make_service_type

# A same-day service with one required material and no approval: accepted and completed at the counter.
SAME_DAY = {
    "code": "same-day",
    "name": "户口簿补领",
    "category": "certificate",
    "time_limit_days": 0,
    "statutory_limit_days": 20,
    "fee_yuan": 0,
    "legal_basis": "测试依据",
    "handling_mode": "window",
    "materials": [{"name": "身份证", "detail": "原件"}],
}


def same_day_service():
    return make_service_type(SAME_DAY)


def accepted_case(*, officer, window=None, service_type=None, **overrides):
    """A case taken in at ``window`` and accepted (all materials handed over)."""
    service_type = service_type or same_day_service()
    names = [item.name for item in service_type.items.all() if item.condition_id is None and not item.group]
    case = make_case(actor=officer, service_type=service_type, provided_names=names, window=window, **overrides)
    return case_transition(case=case, actor=officer, action="accept", window=window)


def completed_case(*, officer, window=None, service_type=None, **overrides):
    """A case taken in, accepted and completed by ``officer`` at ``window``."""
    case = accepted_case(officer=officer, window=window, service_type=service_type, **overrides)
    return case_transition(case=case, actor=officer, action="complete", window=window)


def rate(case, level=4, channel="device", **kwargs):
    from evaluations.services.ratings import evaluation_create

    return evaluation_create(case=case, channel=channel, level=level, **kwargs)
