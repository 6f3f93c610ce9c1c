"""Queries a dispatcher runs many times a second, compiled to SQL once.

Turning a queryset into SQL is most of what a small query costs in Python: the claim
round's look for endpoints waiting to be claimed took 1.3 ms of CPU, 1.1 of it the ORM
compiling the same statement again (py-spy on a busy ``qcluster``: 17 % of the
dispatcher's time under a stream of API writes, and the bulk of an idle worker's polling;
reading an endpoint's next deliveries, another 17 %). A ``PreparedQuery`` is compiled once
per database and row limit with stand-ins for the values that change (the time, an id),
and run with the real values swapped in; the queryset stays the one definition.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import QuerySet
from django.db.models.sql.compiler import SQLCompiler

# Values no real query uses: the compiled parameters equal to one are where the real
# value goes.
NOW = datetime(2001, 2, 3, 4, 5, 6, 789012, tzinfo=UTC)
ID = -2_000_000_011


class PreparedQuery:
    """``build(**stand_ins)`` compiled once; ``rows(limit, **values)`` gives the rows
    ``build(**values)[:limit]`` selects, as tuples."""

    def __init__(self, build: Callable[..., QuerySet[Any]], **stand_ins: Any) -> None:
        self._build = build
        self._stand_ins = stand_ins
        self._compile = lru_cache(maxsize=64)(self._compiled)

    def rows(
        self, limit: int, using: str = DEFAULT_DB_ALIAS, **values: Any
    ) -> list[tuple[Any, ...]]:
        # Per thread: a compiler holds its thread's connection, which the converters of
        # the values read (a UUID from SQLite's text, say) are given.
        compiled = self._compile(using, limit, threading.get_ident())
        connection = connections[using]
        adapted = {name: _adapt(connection, value) for name, value in values.items()}
        arguments = [
            adapted[compiled.slots[i]] if i in compiled.slots else value
            for i, value in enumerate(compiled.params)
        ]
        with connection.cursor() as cursor:
            cursor.execute(compiled.sql, arguments)
            rows = cursor.fetchall()
        if not compiled.converters:
            return list(rows)
        return [tuple(row) for row in compiled.compiler.apply_converters(rows, compiled.converters)]

    def _compiled(self, using: str, limit: int, thread: int) -> _Compiled:
        compiler = self._build(**self._stand_ins)[:limit].query.get_compiler(using)
        sql, params = compiler.as_sql()
        columns = [column for column, _, _ in compiler.select[: compiler.col_count]]
        connection = connections[using]
        markers = {_adapt(connection, value): name for name, value in self._stand_ins.items()}
        slots = {i: markers[value] for i, value in enumerate(params) if _marker(value, markers)}
        missing = set(self._stand_ins) - set(slots.values())
        if missing:
            raise ValueError(f"the query does not use {', '.join(sorted(missing))}")
        return _Compiled(sql, tuple(params), slots, compiler, compiler.get_converters(columns))


@dataclass(frozen=True)
class _Compiled:
    sql: str
    params: tuple[Any, ...]
    slots: dict[int, str]  # parameter position: the name of the value that goes there
    compiler: SQLCompiler
    converters: dict[int, Any]


def _adapt(connection: Any, value: Any) -> Any:
    if isinstance(value, datetime):
        return connection.ops.adapt_datetimefield_value(value)
    return value


def _marker(value: Any, markers: dict[Any, str]) -> bool:
    try:
        return value in markers
    except TypeError:  # an unhashable parameter is never a stand-in
        return False
