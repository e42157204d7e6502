"""What every benchmark shares: the machine line, the table, a temporary PostgreSQL."""

from __future__ import annotations

import os
import platform
import subprocess
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import date

from sqlalchemy import Engine, text
from sqlalchemy.orm import Session

from tests.support.postgres_server import PostgresServer, PostgresUnavailable


class Unavailable(Exception):
    """PostgreSQL could not be had; the message says why."""


def environment() -> str:
    """Python version, cores, architecture and date, for the head of a report."""
    return (
        f"Python {platform.python_version()} · {os.cpu_count()} cores · "
        f"{platform.machine()} · {date.today().isoformat()}\n"
    )


def print_table(rows: Sequence[Sequence[str]], left: int = 1) -> None:
    """Print rows aligned: the first `left` columns to the left, the rest to the right."""
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    for row in rows:
        print(
            "  ".join(
                cell.ljust(width) if i < left else cell.rjust(width)
                for i, (cell, width) in enumerate(zip(row, widths, strict=True))
            )
        )


@contextmanager
def postgres() -> Iterator[PostgresServer]:
    """A temporary PostgreSQL server, stopped afterwards; Unavailable when it cannot start."""
    try:
        server = PostgresServer()
    except PostgresUnavailable as exc:
        raise Unavailable(str(exc)) from exc
    try:
        try:
            server.start()
        except (subprocess.CalledProcessError, RuntimeError, OSError) as exc:
            reason = str(exc).splitlines()[0][:120]
            raise Unavailable(f"the temporary server did not start ({reason})") from exc
        yield server
    finally:
        server.stop()


def as_kept(engine: Engine) -> None:
    """Bring a freshly loaded database to how a kept one is: statistics current and, on
    PostgreSQL, vacuumed and checkpointed, so that what is timed next does not run beside
    autovacuum or a checkpoint working through the load."""
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        if connection.dialect.name == "postgresql":
            connection.execute(text("VACUUM ANALYZE"))
            connection.execute(text("CHECKPOINT"))
        else:
            connection.execute(text("ANALYZE"))


def advance_ids(session: Session, *tables: str) -> None:
    """After rows were inserted with their ids given, move PostgreSQL's id sequences past them."""
    bind = session.get_bind()
    if bind.dialect.name != "postgresql":
        return
    for table in tables:
        session.execute(
            text(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f"(SELECT COALESCE(MAX(id), 0) + 1 FROM {table}), false)"
            )
        )
