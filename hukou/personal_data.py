"""Citizens' personal data: ID numbers (GB 11643-1999) and mobile phones validated; ID numbers kept
encrypted with a keyed hash for exact search, and shown masked unless revealed on purpose."""

from __future__ import annotations

import hashlib
import hmac
import re
from dataclasses import dataclass
from datetime import date
from functools import cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured, ValidationError
from stdnum import exceptions as stdnum_errors
from stdnum.cn import ric

from notices.phones import PHONE_INVALID, mask_phone, normalise_phone  # noqa: F401  (the same rules for cases)

ID_WRONG_LENGTH = "身份证号码应为18位。"
ID_WRONG_FORMAT = "身份证号码前17位应为数字，最后一位为数字或X。"
ID_WRONG_CHECK_DIGIT = "身份证号码校验位不正确，请核对。"
ID_IMPOSSIBLE_BIRTH_DATE = "身份证号码中的出生日期不存在。"
ID_UNKNOWN_REGION = "身份证号码前6位不是已知的行政区划代码（含已撤销的），请核对；确认无误可继续办理。"


@dataclass(frozen=True)
class IdNumber:
    """A valid ID number, normalised (upper-case X), with what the officer should be told."""

    value: str
    warnings: tuple[str, ...] = ()

    @property
    def masked(self) -> str:
        return mask_id_number(self.value)


def validate_id_number(raw: str, *, today: date | None = None) -> IdNumber:
    """Check an ID number to GB 11643-1999: 18 characters, a real birth date (not in the future), and
    the ISO 7064 MOD 11-2 check character; ``x`` is read as ``X``. An unknown region code is only a
    warning: retired codes stay valid for life."""
    number = re.sub(r"[\s-]", "", raw or "").upper()
    if len(number) != 18:
        raise ValidationError(ID_WRONG_LENGTH, code="length")
    if not number[:17].isdigit() or not (number[17].isdigit() or number[17] == "X"):
        raise ValidationError(ID_WRONG_FORMAT, code="format")
    try:
        birth = ric.get_birth_date(number)
    except stdnum_errors.ValidationError:
        raise ValidationError(ID_IMPOSSIBLE_BIRTH_DATE, code="birth_date") from None
    if birth > (today or date.today()) or birth.year < 1880:
        raise ValidationError(ID_IMPOSSIBLE_BIRTH_DATE, code="birth_date")
    if ric.calc_check_digit(number) != number[17]:
        raise ValidationError(ID_WRONG_CHECK_DIGIT, code="check_digit")
    warnings = ()
    try:
        ric.get_birth_place(number)
    except stdnum_errors.ValidationError:
        warnings = (ID_UNKNOWN_REGION,)
    return IdNumber(number, warnings)


def mask_id_number(number: str) -> str:
    """``370802**********1234``-style: the region and the last four, nothing else."""
    return f"{number[:6]}{'*' * (len(number) - 10)}{number[-4:]}" if len(number) > 10 else "*" * len(number)


# Compound surnames that keep two characters visible: 欧阳** rather than 欧*.
COMPOUND_SURNAMES = frozenset(
    "欧阳 太史 端木 上官 司马 东方 独孤 南宫 万俟 闻人 夏侯 诸葛 尉迟 公羊 赫连 澹台 皇甫 宗政 濮阳 公冶 "
    "太叔 申屠 公孙 慕容 仲孙 钟离 长孙 宇文 司徒 鲜于 司空 闾丘 子车 亓官 司寇 巫马 公西 颛孙 壤驷 公良 "
    "漆雕 乐正 宰父 谷梁 拓跋 夹谷 轩辕 令狐 段干 百里 呼延 东郭 南门 羊舌 微生 公户 公玉 公仪 梁丘 公仲 "
    "公上 公门 公山 公坚 左丘 公伯 西门 公祖 第五 公乘 贯丘 公皙 南荣 东里 东宫 仲长 子书 子桑 即墨 达奚 褚师".split()
)


def mask_name(name: str) -> str:
    """For public pages: the surname and a star for every other character (张*, 欧阳**)."""
    name = (name or "").strip()
    if not name:
        return ""
    keep = 2 if name[:2] in COMPOUND_SURNAMES and len(name) > 2 else 1
    return name[:keep] + "*" * (len(name) - keep)


@cache
def _fernet() -> MultiFernet:
    keys = settings.ID_NUMBER_KEYS
    if not keys:
        raise ImproperlyConfigured("ID_NUMBER_KEYS is empty: set at least one Fernet key.")
    return MultiFernet([Fernet(key) for key in keys])


def encrypt_id_number(number: str) -> str:
    """Encrypted with the first of ``ID_NUMBER_KEYS``; older keys still decrypt (key rotation)."""
    return _fernet().encrypt(number.encode()).decode()


def decrypt_id_number(token: str) -> str:
    try:
        return _fernet().decrypt(token.encode()).decode()
    except InvalidToken as exc:
        raise ImproperlyConfigured("An ID number cannot be decrypted with ID_NUMBER_KEYS.") from exc


def hash_id_number(number: str) -> str:
    """A keyed hash (HMAC-SHA256) for exact search; without the key it tells nothing."""
    return hmac.new(settings.ID_NUMBER_HASH_KEY.encode(), number.encode(), hashlib.sha256).hexdigest()
