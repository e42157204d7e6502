"""Record the SQL statements an engine runs, with their parameters."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Engine, event


@contextmanager
def captured(engine: Engine) -> Iterator[dict[str, Any]]:
    """Each distinct statement run meanwhile, with the parameters of its first run."""
    seen: dict[str, Any] = {}

    def record(
        _conn: object, _cursor: object, statement: str, parameters: Any, *_rest: object
    ) -> None:
        seen.setdefault(statement, parameters)

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)
