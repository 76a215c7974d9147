"""Prepared statements for the busiest plain-SQL reads.

PostgreSQL plans every statement it is sent; for a join of a few tables read by its unique key, the
planning costs several times the execution. A statement prepared once per connection is planned once
(after five runs PostgreSQL keeps a generic plan). psycopg2 does not prepare statements by itself, so
this does, for the connections it has seen (prepared statements outlive a rolled-back transaction and end
with the connection). Behind a pooler in transaction mode, prepared statements do not work: there,
set ``DATABASE_PREPARED_STATEMENTS=False``. Other databases run the SQL as it is.
"""

from __future__ import annotations

import re
import weakref
from collections.abc import Sequence

from django.conf import settings
from django.db import connection

_prepared: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # raw connection → names prepared on it
_NAME = re.compile(r"^[a-z_][a-z0-9_]*$")


def execute_prepared(cursor, name: str, sql: str, params: Sequence, types: Sequence[str]) -> None:
    """Run ``sql`` (``%s`` placeholders, one per parameter, of PostgreSQL ``types``) on ``cursor``,
    as the prepared statement ``name`` on PostgreSQL."""
    if connection.vendor != "postgresql" or not getattr(settings, "DATABASE_PREPARED_STATEMENTS", True):
        cursor.execute(sql, params)
        return
    connection.ensure_connection()
    names = _prepared.setdefault(connection.connection, set())
    if name not in names:  # checked once per connection, where the statement is prepared
        if not _NAME.match(name) or len(types) != len(params) or sql.count("%s") != len(params):
            raise ValueError(f"prepared statement {name!r}: a plain name and one type per %s placeholder")
        numbered = iter(range(1, len(params) + 1))
        cursor.execute(f"PREPARE {name} ({', '.join(types)}) AS {re.sub('%s', lambda _m: f'${next(numbered)}', sql)}")
        names.add(name)
    cursor.execute(f"EXECUTE {name} ({', '.join(['%s'] * len(params))})", params)
