"""ID numbers (GB 11643-1999), phones, masking, and the ID number never stored in clear."""

from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from hukou import personal_data as pd
from hukou.models import Case
from hukou.tests.factories import ID_NUMBERS, make_case


def test_a_valid_id_number_is_normalised():
    assert pd.validate_id_number("11010519491231002X").value == "11010519491231002X"
    assert pd.validate_id_number(" 110105 19491231 002x ").value == "11010519491231002X"  # lower-case x, spaces
    assert pd.validate_id_number("11010519491231002X").warnings == ()


@pytest.mark.parametrize(
    ("number", "message"),
    [
        ("110105194912310021", pd.ID_WRONG_CHECK_DIGIT),
        ("11010519491231002", pd.ID_WRONG_LENGTH),
        ("1101051949123100211", pd.ID_WRONG_LENGTH),
        ("11010519491231A02X", pd.ID_WRONG_FORMAT),
        ("110105194902300023", pd.ID_IMPOSSIBLE_BIRTH_DATE),  # 30 February
        ("110105190002290024", pd.ID_IMPOSSIBLE_BIRTH_DATE),  # 1900 was not a leap year
        ("110105209901010025", pd.ID_IMPOSSIBLE_BIRTH_DATE),  # born in the future
        ("", pd.ID_WRONG_LENGTH),
    ],
)
def test_invalid_id_numbers_say_why(number, message):
    with pytest.raises(ValidationError) as error:
        pd.validate_id_number(number, today=date(2026, 11, 21))
    assert error.value.messages == [message]


def test_an_unknown_region_is_a_warning_not_a_rejection():
    from stdnum.cn import ric

    body = "99010519900101123"
    number = pd.validate_id_number(body + ric.calc_check_digit(body + "0"))
    assert number.warnings == (pd.ID_UNKNOWN_REGION,)


def test_a_retired_region_code_stays_valid():
    from stdnum.cn import ric

    # 370802 (济宁市市中区) was abolished in 2013; people born there keep their numbers for life.
    body = "37080219850101123"
    number = pd.validate_id_number(body + ric.calc_check_digit(body + "0"))
    assert number.value.startswith("370802")


@pytest.mark.parametrize("raw", ["13800138000", "+86 138 0013 8000", "86-138-0013-8000", "19912345678"])
def test_mainland_mobiles(raw):
    assert len(pd.normalise_phone(raw)) == 11


@pytest.mark.parametrize("raw", ["12800138000", "1380013800", "010-12345678", "138001380000", "abc"])
def test_not_mainland_mobiles(raw):
    with pytest.raises(ValidationError, match=pd.PHONE_INVALID):
        pd.normalise_phone(raw)


def test_masking():
    assert pd.mask_id_number("37080219900101123X") == "370802********123X"
    assert pd.mask_phone("13800138000") == "138****8000"
    assert pd.mask_name("张三") == "张*"
    assert pd.mask_name("欧阳娜娜") == "欧阳**"
    assert pd.mask_name("王") == "王"


def test_encryption_round_trip_and_key_rotation(settings):
    from cryptography.fernet import Fernet

    old = Fernet.generate_key().decode()
    settings.ID_NUMBER_KEYS = [old]
    pd._fernet.cache_clear()
    token = pd.encrypt_id_number(ID_NUMBERS[0])
    assert ID_NUMBERS[0] not in token

    settings.ID_NUMBER_KEYS = [Fernet.generate_key().decode(), old]  # a new key first, the old still decrypts
    pd._fernet.cache_clear()
    assert pd.decrypt_id_number(token) == ID_NUMBERS[0]
    pd._fernet.cache_clear()


def test_the_hash_is_keyed(settings):
    first = pd.hash_id_number(ID_NUMBERS[0])
    settings.ID_NUMBER_HASH_KEY = "another key"
    assert pd.hash_id_number(ID_NUMBERS[0]) != first


@pytest.mark.django_db
def test_the_id_number_is_not_in_clear_in_the_database(staff, permit):
    case = make_case(actor=staff["officer"], service_type=permit, id_number=ID_NUMBERS[2])
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM hukou_case WHERE id = %s", [case.pk])
        row = " ".join(str(value) for value in cursor.fetchone())
        cursor.execute("SELECT * FROM hukou_caseevent WHERE case_id = %s", [case.pk])
        row += " ".join(str(value) for values in cursor.fetchall() for value in values)
    assert ID_NUMBERS[2] not in row
    assert "440305********0011" in row  # the masked form is what lists show
    assert Case.objects.get(pk=case.pk).id_number_hash == pd.hash_id_number(ID_NUMBERS[2])
