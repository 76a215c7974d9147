"""Mainland mobile numbers: read, checked and masked. SMS goes to these, so they live here; ``hukou``
uses the same rules for the numbers it records."""

import re

from django.core.exceptions import ValidationError

PHONE_INVALID = "请输入11位中国大陆手机号码。"

_PHONE = re.compile(r"^1[3-9]\d{9}$")


def normalise_phone(raw: str) -> str:
    """A mainland mobile number as 11 digits; ``+86``/``86`` prefixes, spaces and dashes are dropped."""
    digits = re.sub(r"[\s-]", "", raw or "")
    digits = re.sub(r"^(\+?86)(?=1\d{10}$)", "", digits)
    if not _PHONE.match(digits):
        raise ValidationError(PHONE_INVALID, code="phone")
    return digits


def mask_phone(phone: str) -> str:
    """138****5678: the network prefix and the last four."""
    return f"{phone[:3]}****{phone[-4:]}" if len(phone) == 11 else phone
