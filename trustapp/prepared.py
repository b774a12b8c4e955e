"""Querysets whose SQL is compiled once per process, for the few queries every page runs.

Django turns a queryset into SQL each time it is evaluated. For the query behind every couple
page (a person's place in their couple with both partners, joined to the couple and the users)
that costs about 1 ms of CPU, four times what PostgreSQL takes to answer it (docs/benchmarks.md).
A `PreparedQuery` compiles its queryset once per database, with stand-in ids, and on each call
puts the real ids in their place in the SQL it kept. The rows then go through Django's own model
iterator, so the objects are the ones the queryset itself would give.

Only integer ids change between calls, and the queryset may use each one only as a value to
look up (`filter(author=author)`), never in arithmetic or a condition: everything else it says
is fixed when it is built, which is what makes the compiled SQL safe to keep. Unlike a queryset,
it sends an id out of a column's range to the database instead of answering `[]` itself; the
ids given to it come from the database or from a checked URL.
"""

import copy
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import connections, router
from django.db.models import Model, QuerySet
from django.db.models.sql.compiler import SQLCompiler


@dataclass(frozen=True)
class _Compiled:
    queryset: QuerySet[Any]
    compiler: SQLCompiler
    sql: str
    params: tuple[Any, ...]
    slots: tuple[str | None, ...]  # for each parameter: the id it takes, or None to keep it


def _run_as_compiled(compiler_class: type[SQLCompiler]) -> type[SQLCompiler]:
    class PreparedCompiler(compiler_class):  # type: ignore[misc, valid-type]
        prepared: tuple[str, tuple[Any, ...]]

        def as_sql(self, *args: Any, **kwargs: Any) -> tuple[str, tuple[Any, ...]]:
            return self.prepared

    return PreparedCompiler


class PreparedQuery[M: Model]:
    """`build(**ids)` returns the queryset for some integer ids; calling the prepared query with
    those ids gives the list that queryset would."""

    def __init__(self, model: type[M], build: Callable[..., QuerySet[M]], *ids: str) -> None:
        self.model = model
        self._build = build
        self._ids = frozenset(ids)
        self._compiled: dict[tuple[str, str], _Compiled] = {}

    def __call__(self, **ids: int) -> list[M]:
        if set(ids) != self._ids or any(type(value) is not int for value in ids.values()):
            raise TypeError(f"Call with integer ids for {sorted(self._ids)}, not {ids!r}.")
        alias = router.db_for_read(self.model)
        connection = connections[alias]
        compiled = self._compiled.get((alias, connection.vendor))
        if compiled is None:
            compiled = self._compile(alias)
        compiler = copy.copy(compiled.compiler)
        # Connections belong to a thread; the kept compiler may come from another one.
        compiler.connection = connection
        compiler.prepared = (
            compiled.sql,
            tuple(
                value if slot is None else ids[slot]
                for slot, value in zip(compiled.slots, compiled.params, strict=True)
            ),
        )
        queryset = compiled.queryset.all()  # a clone: the kept queryset never changes
        queryset.query.get_compiler = lambda *args, **kwargs: compiler
        return list(queryset)

    def _compile(self, alias: str) -> _Compiled:
        # Compiled twice with different stand-ins: a parameter that follows the stand-ins is
        # where an id goes, and every other parameter, and the SQL itself, must not change. The
        # two sets differ in parity and spacing, so that a value derived from an id is not
        # taken for a constant or for another id; they are small, so that even a small integer
        # column's lookups take them as they would a real id.
        names = sorted(self._ids)
        first = {name: 10_007 + 1_009 * n for n, name in enumerate(names)}
        second = {name: 23_456 + 997 * n for n, name in enumerate(names)}
        queryset = self._build(**first).using(alias)
        compiler = queryset.query.get_compiler(using=alias)
        sql, params = compiler.as_sql()
        again, other_params = self._build(**second).using(alias).query.get_compiler(alias).as_sql()
        if again != sql or len(other_params) != len(params):
            raise ValueError("The query's SQL changes with its ids; it cannot be prepared.")
        slots: list[str | None] = []
        for value, other in zip(params, other_params, strict=True):
            slot = next(
                (name for name in names if (value, other) == (first[name], second[name])), None
            )
            if slot is None and value != other:
                raise ValueError("The query's parameters change in a way its ids do not explain.")
            slots.append(slot)
        if missing := self._ids - set(slots):
            raise ValueError(f"The ids {sorted(missing)} do not reach the query's SQL.")
        compiler.__class__ = _run_as_compiled(type(compiler))
        compiler.connection = None  # each call sets its own thread's
        compiled = _Compiled(queryset, compiler, sql, tuple(params), tuple(slots))
        self._compiled[(alias, connections[alias].vendor)] = compiled
        return compiled
