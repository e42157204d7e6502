"""Constant statements, compiled once per database and run on the driver's cursor."""

from __future__ import annotations

from collections import namedtuple
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import Connection, Dialect, Select
from sqlalchemy.sql.dml import UpdateBase

Processor = Callable[[Any], Any] | None
# Where a database connection keeps the cursor its Queries run on.
_CURSOR = "linli_query_cursor"


@dataclass(frozen=True)
class _Compiled:
    """One statement's SQL for one database, with what turns values in and out."""

    sql: str
    order: tuple[str, ...] | None
    # Each parameter's name, whether the caller must give it, its value when the caller
    # gives none, and its conversion.
    binds: tuple[tuple[str, bool, Any, Processor], ...]
    # Each result column's conversion, by position, for the columns that have one.
    results: tuple[tuple[int, Callable[[Any], Any]], ...]
    returns: bool
    row: type[tuple[Any, ...]]


class Query:
    """A statement that never changes, with its parameters as named bindparams: a SELECT of
    columns, or an INSERT or UPDATE (RETURNING columns, or nothing) given every value.

    SQLAlchemy builds an execution context and a result for each statement, which costs
    ten times the driver's own work for a one-row query (about 20 µs against 2 µs on
    SQLite). A Query compiles once per database and then runs on the driver's cursor,
    with the same conversions of values both ways and the same cursor events.
    """

    def __init__(self, statement: Select[*tuple[Any, ...]] | UpdateBase) -> None:
        self.statement = statement
        self._compiled: dict[str, _Compiled] = {}

    def run(self, connection: Connection, params: Mapping[str, Any]) -> list[Any]:
        """The rows, as named tuples; a driver error is raised again the ordinary way."""
        dialect = connection.dialect
        compiled = self._compiled.get(dialect.name) or self._compile(dialect)
        values = {}
        for name, required, default, process in compiled.binds:
            value = params[name] if required or name in params else default
            values[name] = value if process is None else process(value)
        args: Any = values if compiled.order is None else [values[n] for n in compiled.order]
        cursor = _cursor(connection)
        try:
            for listener in connection.dispatch.before_cursor_execute:
                listener(connection, cursor, compiled.sql, args, None, False)
            cursor.execute(compiled.sql, args)
            fetched = cursor.fetchall() if compiled.returns else []
        except dialect.loaded_dbapi.Error:
            # SQLAlchemy's way wraps the error, and lets go of a connection the server dropped.
            result = connection.execute(self.statement, params)
            return list(result.all()) if result.returns_rows else []
        found = []
        for raw in fetched:
            converted = list(raw)
            for at, process in compiled.results:
                converted[at] = process(converted[at])
            found.append(compiled.row(*converted))
        return found

    def _compile(self, dialect: Dialect) -> _Compiled:
        compiled = self.statement.compile(dialect=dialect)
        if compiled.escaped_bind_names or any(b.expanding for b in compiled.binds.values()):
            raise ValueError("a Query takes plain named parameters only")
        if compiled.insert_prefetch or compiled.update_prefetch:
            raise ValueError("a Query makes no default values: give every one")
        columns = self.statement.exported_columns
        found = _Compiled(
            sql=str(compiled),
            order=tuple(compiled.positiontup or ()) if compiled.positional else None,
            binds=tuple(
                (
                    name,
                    bind.required,
                    bind.value,
                    bind.type.dialect_impl(dialect).bind_processor(dialect),
                )
                for name, bind in compiled.binds.items()
            ),
            results=tuple(
                (at, process)
                for at, column in enumerate(columns)
                if (process := column.type.dialect_impl(dialect).result_processor(dialect, None))
            ),
            returns=len(columns) > 0,
            row=namedtuple("QueryRow", cast(list[str], columns.keys())),
        )
        self._compiled[dialect.name] = found
        return found


def _cursor(connection: Connection) -> Any:
    """The driver's cursor kept for Queries on this database connection: making one costs
    psycopg about a sixth of a one-row query. It lives as long as the connection does."""
    pooled = connection.connection
    driver: Any = pooled.dbapi_connection
    cursor = pooled.info.get(_CURSOR)
    if cursor is None or cursor.connection is not driver:
        cursor = pooled.info[_CURSOR] = driver.cursor()
    return cursor
