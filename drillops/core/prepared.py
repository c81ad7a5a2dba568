"""Server-side prepared statements for the few hottest reads (PostgreSQL).

Planning a statement with a few subqueries costs PostgreSQL about as much CPU as running it;
Django's psycopg2 backend plans every statement anew. A statement prepared once per database
session is planned once (PostgreSQL switches to its generic plan after a few runs when that is
not worse), so a hot read pays only for its execution.

Statements are written with named parameters (`%(name)s`), as for cursor.execute; each is
prepared the first time a session runs it. Prepared statements live as long as the session and
outlast a rolled-back transaction, so the names prepared on each connection are remembered by
connection object (a new connection prepares again).
"""

from __future__ import annotations

import functools
import re
import weakref
from collections.abc import Mapping
from typing import Any

from django.db import ProgrammingError
from django.db import connection as default_connection
from django.db.backends.utils import CursorWrapper

_UNKNOWN_STATEMENT = "26000"  # invalid_sql_statement_name
_PARAMETER = re.compile(r"%\((\w+)\)s")
_prepared: weakref.WeakKeyDictionary[Any, set[str]] = weakref.WeakKeyDictionary()


@functools.cache
def _numbered(sql: str) -> tuple[str, tuple[str, ...]]:
    """The statement with $1, $2, ... for its named parameters, and the names in that order."""
    names: list[str] = []

    def number(found: re.Match[str]) -> str:
        if found.group(1) not in names:
            names.append(found.group(1))
        return f"${names.index(found.group(1)) + 1}"

    return _PARAMETER.sub(number, sql), tuple(names)


def execute_prepared(cursor: CursorWrapper, name: str, sql: str, params: Mapping[str, Any]) -> None:
    """Run `sql` (named parameters) as the prepared statement `name` on the cursor's connection.
    One name is one statement: give each different text its own name."""
    numbered, names = _numbered(sql)
    known = _prepared.setdefault(cursor.db.connection, set())
    execute = f"EXECUTE {name} ({', '.join(['%s'] * len(names))})" if names else f"EXECUTE {name}"
    values = [params[n] for n in names]
    if name not in known:
        cursor.execute(f"PREPARE {name} AS {numbered}")  # no parameters: the text goes as it is
        known.add(name)
    try:
        cursor.execute(execute, values)
    except ProgrammingError as error:
        # Someone deallocated it (DISCARD ALL); outside a transaction it can be prepared again.
        if getattr(error.__cause__, "pgcode", None) != _UNKNOWN_STATEMENT or cursor.db.in_atomic_block:
            raise
        cursor.execute(f"PREPARE {name} AS {numbered}")
        cursor.execute(execute, values)


def forget_prepared(connection: Any = default_connection) -> None:
    """After DISCARD ALL or DEALLOCATE on this connection (tests): prepare again next time."""
    if connection.connection is not None:
        _prepared.pop(connection.connection, None)
