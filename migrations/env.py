"""Alembic environment: runs on the engine handed over by bot.migrate."""

from __future__ import annotations

from typing import Any, Literal

from alembic import context
from alembic.autogenerate.api import AutogenContext
from sqlalchemy import Engine

import models
from models.base import UtcDateTime

engine: Engine = context.config.attributes["engine"]


def render_item(kind: str, item: Any, autogen_context: AutogenContext) -> str | Literal[False]:
    """Render our UTC datetime type by its own name, imported from models.base."""
    if kind == "type" and isinstance(item, UtcDateTime):
        autogen_context.imports.add("from models.base import UtcDateTime")
        return "UtcDateTime()"
    return False


with engine.connect() as connection:
    context.configure(
        connection=connection,
        target_metadata=models.Base.metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        render_item=render_item,
    )
    with context.begin_transaction():
        context.run_migrations()
    connection.commit()
