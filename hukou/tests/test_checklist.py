"""The one checklist decision over required, conditional, one-of and deferrable materials."""

import pytest
from django.core.exceptions import ValidationError

from hukou.services import Decision, checklist_decide
from hukou.services.checklist import UNKNOWN_CONDITIONS, UNKNOWN_ITEMS
from hukou.tests.factories import RESIDENCE_PERMIT_1Y, items_by_name, make_service_type

pytestmark = pytest.mark.django_db

NOT_MINOR_NO_AGENT = {"minor": False, "by_agent": False}
COMPLETE = ["身份证", "户口簿", "户口簿复印件", "出生医学证明", "照片"]


def decide(service_type, names, facts=None):
    items = items_by_name(service_type)
    return checklist_decide(service_type=service_type, provided=[items[n].pk for n in names], facts=facts or {})


def names(requirements):
    return [r.label for r in requirements]


def test_everything_there_is_accept(mixed):
    result = decide(mixed, COMPLETE, NOT_MINOR_NO_AGENT)
    assert result.decision == Decision.ACCEPT
    assert result.missing == ()
    assert result.deferrable_missing == ()
    assert result.unanswered == ()


def test_a_required_material_missing_is_notify(mixed):
    result = decide(mixed, ["户口簿", "户口簿复印件", "出生医学证明", "照片"], NOT_MINOR_NO_AGENT)
    assert result.decision == Decision.NOTIFY
    assert names(result.missing) == ["身份证"]


def test_only_deferrable_materials_missing_is_accept_deficient(mixed):
    result = decide(mixed, ["身份证", "户口簿", "出生医学证明"], NOT_MINOR_NO_AGENT)
    assert result.decision == Decision.ACCEPT_DEFICIENT
    assert result.missing == ()
    assert names(result.deferrable_missing) == ["户口簿复印件", "照片或回执（任选其一）"]


def test_required_and_deferrable_missing_lists_both_for_one_notice(mixed):
    result = decide(mixed, ["身份证", "出生医学证明"], NOT_MINOR_NO_AGENT)
    assert result.decision == Decision.NOTIFY
    assert names(result.missing) == ["户口簿"]
    assert names(result.deferrable_missing) == ["户口簿复印件", "照片或回执（任选其一）"]


def test_a_conditional_material_applies_only_when_its_condition_holds(mixed):
    assert decide(mixed, COMPLETE, {"minor": False, "by_agent": False}).decision == Decision.ACCEPT

    minor = decide(mixed, COMPLETE, {"minor": True, "by_agent": False})
    assert minor.decision == Decision.NOTIFY
    assert names(minor.missing) == ["监护人身份证"]

    assert decide(mixed, [*COMPLETE, "监护人身份证"], {"minor": True, "by_agent": False}).decision == Decision.ACCEPT


def test_a_conditional_deferrable_material(mixed):
    result = decide(mixed, COMPLETE, {"minor": False, "by_agent": True})
    assert result.decision == Decision.ACCEPT_DEFICIENT
    assert names(result.deferrable_missing) == ["委托书"]


def test_an_unanswered_condition_counts_as_applying_and_is_reported(mixed):
    result = decide(mixed, COMPLETE, {"by_agent": False})
    assert result.decision == Decision.NOTIFY
    assert names(result.missing) == ["监护人身份证"]
    assert [c.key for c in result.unanswered] == ["minor"]


def test_any_one_of_a_group_satisfies_it(mixed):
    for birth_proof in ("出生医学证明", "医院出具的出生证明"):
        chosen = ["身份证", "户口簿", "户口簿复印件", birth_proof, "照相回执"]
        assert decide(mixed, chosen, NOT_MINOR_NO_AGENT).decision == Decision.ACCEPT


def test_a_missing_group_is_one_requirement_listing_every_alternative(mixed):
    result = decide(mixed, ["身份证", "户口簿", "户口簿复印件", "照片"], NOT_MINOR_NO_AGENT)
    assert result.decision == Decision.NOTIFY
    [group] = result.missing
    assert group.one_of
    assert group.label == "出生证明（任选其一）"
    assert [i.name for i in group.items] == ["出生医学证明", "医院出具的出生证明"]
    assert [i.name for i in result.missing_items] == ["出生医学证明", "医院出具的出生证明"]


def test_seed_004_one_year_residence_permit():
    permit = make_service_type(RESIDENCE_PERMIT_1Y)

    # ID card and any one of the residence / work / study proofs: complete.
    for proof in ("房屋租赁合同", "居住证明", "务工经商证明", "就医、就学证明"):
        result = decide(permit, ["居民身份证", proof], {"childbearing_age_woman": False})
        assert result.decision == Decision.ACCEPT, proof

    # A woman of childbearing age also needs the 婚育证明.
    result = decide(permit, ["居民身份证", "居住证明"], {"childbearing_age_woman": True})
    assert result.decision == Decision.NOTIFY
    assert names(result.missing) == ["婚育证明"]

    # No proof at all: one requirement, "任选其一", not four.
    result = decide(permit, ["居民身份证"], {"childbearing_age_woman": False})
    assert names(result.missing) == ["居住或务工就学证明（任选其一）"]
    assert len(result.missing_items) == 4


def test_unknown_item_ids_are_named(mixed):
    with pytest.raises(ValidationError) as error:
        checklist_decide(service_type=mixed, provided=[999999, 999998], facts={})
    assert error.value.message_dict == {"provided": [UNKNOWN_ITEMS % {"ids": "999998, 999999"}]}


def test_an_item_of_another_service_is_refused(mixed):
    other = make_service_type()
    foreign = other.items.first()
    with pytest.raises(ValidationError) as error:
        checklist_decide(service_type=mixed, provided=[foreign.pk], facts={})
    assert str(foreign.pk) in error.value.message_dict["provided"][0]


def test_unknown_conditions_are_named(mixed):
    with pytest.raises(ValidationError) as error:
        checklist_decide(service_type=mixed, provided=[], facts={"pregnant": True, "minor": True})
    assert error.value.message_dict == {"facts": [UNKNOWN_CONDITIONS % {"keys": "pregnant"}]}


def test_the_decision_costs_a_fixed_number_of_queries(mixed, django_assert_num_queries):
    items = items_by_name(mixed)
    provided = [items[n].pk for n in COMPLETE]
    with django_assert_num_queries(2):  # the checklist with its conditions, and the conditions
        checklist_decide(service_type=mixed, provided=provided, facts=NOT_MINOR_NO_AGENT)
