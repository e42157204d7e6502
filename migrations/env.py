"""Alembic environment: runs on the engine handed over by bot.migrate."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Engine

import models

engine: Engine = context.config.attributes["engine"]

with engine.connect() as connection:
    context.configure(
        connection=connection,
        target_metadata=models.Base.metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()
    connection.commit()
