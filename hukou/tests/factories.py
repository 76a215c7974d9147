"""Service types for tests, loaded through the same loader as the real catalog."""

import copy
import itertools

from hukou.services import service_type_load

_codes = itertools.count(1)

# Seed 004's one-year residence permit, as the article lists it.
RESIDENCE_PERMIT_1Y = {
    "code": "residence-permit-1y",
    "name": "居住证申领（一年期）",
    "category": "residence",
    "time_limit_days": 10,
    "statutory_limit_days": 15,
    "fee_yuan": 0,
    "legal_basis": "《居住证暂行条例》",
    "handling_mode": "appointment",
    "supplement_days": 10,
    "conditions": [{"key": "childbearing_age_woman", "question": "申请人为育龄妇女"}],
    "materials": [
        {"name": "居民身份证", "detail": "本人居民身份证原件"},
        {"name": "婚育证明", "detail": "流动人口婚育证明材料", "condition": "childbearing_age_woman"},
        {"name": "房屋租赁合同", "detail": "原件及复印件", "group": "居住或务工就学证明（任选其一）"},
        {"name": "居住证明", "detail": "单位或居（村）委会出具", "group": "居住或务工就学证明（任选其一）"},
        {"name": "务工经商证明", "detail": "用工单位出具", "group": "居住或务工就学证明（任选其一）"},
        {"name": "就医、就学证明", "detail": "医院或学校出具", "group": "居住或务工就学证明（任选其一）"},
    ],
}

# A made-up service with every kind of material: required, conditional, one-of, deferrable.
MIXED = {
    "code": "mixed",
    "name": "测试事项",
    "category": "certificate",
    "time_limit_days": 5,
    "statutory_limit_days": 20,
    "fee_yuan": "20.00",
    "legal_basis": "测试依据",
    "handling_mode": "window",
    "conditions": [
        {"key": "minor", "question": "申请人未满16周岁"},
        {"key": "by_agent", "question": "委托他人代办"},
    ],
    "materials": [
        {"name": "身份证", "detail": "原件"},
        {"name": "户口簿", "detail": "原件"},
        {"name": "户口簿复印件", "detail": "一份", "deferrable": True},
        {"name": "监护人身份证", "detail": "原件", "condition": "minor"},
        {"name": "委托书", "detail": "原件", "condition": "by_agent", "deferrable": True},
        {"name": "出生医学证明", "detail": "原件", "group": "出生证明（任选其一）"},
        {"name": "医院出具的出生证明", "detail": "原件", "group": "出生证明（任选其一）"},
        {"name": "照片", "detail": "两张", "group": "照片或回执（任选其一）", "deferrable": True},
        {"name": "照相回执", "detail": "一份", "group": "照片或回执（任选其一）", "deferrable": True},
    ],
}


def make_service_type(template: dict = MIXED, **overrides):
    """Load a copy of ``template`` under a fresh code (unless one is given)."""
    data = copy.deepcopy(template)
    data["code"] = f"{template['code']}-{next(_codes)}"
    data.update(overrides)
    service_type, _ = service_type_load(data=data)
    return service_type


def items_by_name(service_type) -> dict:
    return {item.name: item for item in service_type.items.all()}


# Valid GB 11643 numbers (check characters computed, regions real).
ID_NUMBERS = ["11010519491231002X", "37080219900101123X", "440305198512120011", "320102200002290021"]


def make_case(*, actor, service_type, provided_names=(), facts=None, **overrides):
    """Take in a case through the intake service, handing over the named materials."""
    from hukou.services import case_create

    items = items_by_name(service_type)
    data = {
        "applicant_name": "张三",
        "id_number": ID_NUMBERS[1],
        "phone": "13800138000",
        "facts": facts if facts is not None else {c.key: False for c in service_type.conditions.all()},
        "provided": [items[n].pk for n in provided_names],
    }
    data.update(overrides)
    return case_create(actor=actor, service_type=service_type, **data)
