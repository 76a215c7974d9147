"""Prepared statements for the busiest plain-SQL reads (windows/db.py), on PostgreSQL."""

import pytest
from django.db import connection

from windows.db import execute_prepared


def prepared(name: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_prepared_statements WHERE name = %s", [name])
        return cursor.fetchone()[0]


def add_one(value: int) -> int:
    with connection.cursor() as cursor:
        execute_prepared(cursor, "windows_test_add_one", "SELECT %s + 1", [value], ["integer"])
        return cursor.fetchone()[0]


@pytest.mark.django_db(transaction=True)
def test_a_statement_is_prepared_once_per_connection_and_again_on_a_new_one():
    assert [add_one(n) for n in (1, 2, 3)] == [2, 3, 4]
    assert prepared("windows_test_add_one") == 1
    connection.close()
    assert prepared("windows_test_add_one") == 0  # a new connection has none
    assert add_one(41) == 42
    assert prepared("windows_test_add_one") == 1


@pytest.mark.django_db
def test_off_runs_the_plain_statement(settings):
    settings.DATABASE_PREPARED_STATEMENTS = False
    with connection.cursor() as cursor:
        execute_prepared(cursor, "windows_test_plain", "SELECT %s::integer * 2", [21], ["integer"])
        assert cursor.fetchone() == (42,)
    assert prepared("windows_test_plain") == 0


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("name", "sql", "params", "types"),
    [
        ("windows-test", "SELECT %s", [1], ["integer"]),  # not a plain identifier
        ("windows_test", "SELECT %s, %s", [1], ["integer"]),  # a placeholder without a parameter
        ("windows_test", "SELECT %s", [1], []),  # a parameter without a type
    ],
)
def test_a_malformed_statement_is_refused_before_it_reaches_the_database(name, sql, params, types):
    with connection.cursor() as cursor, pytest.raises(ValueError, match="one type per"):
        execute_prepared(cursor, name, sql, params, types)
