"""Alembic, driven from code: upgrade and check the schema's revision.

Alembic takes a quarter of a second to import, so a worker whose database is already at
the newest revision checks that without it (`is_current`) and never loads it.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Engine, inspect, text

import migrations

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS_DIR = Path(migrations.__file__).parent
# `revision = "0024"` and `down_revision = "0023"` (or a tuple, for a merge) in a script.
_ASSIGNMENT = re.compile(r"^(revision|down_revision)\s*(?::[^=\n]*)?=\s*(.+?)\s*$", re.MULTILINE)


class SchemaNotMigrated(Exception):
    """The database's schema is not at the newest revision."""


def alembic_config(engine: Engine) -> Config:
    """An Alembic config that runs on `engine`."""
    # Loaded only to migrate: see the module's docstring.
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("file_template", "%%(year)d_%%(month).2d_%%(day).2d_%%(rev)s_%%(slug)s")
    config.attributes["engine"] = engine
    return config


def head_revision() -> str:
    """The newest revision in migrations/versions."""
    # Loaded only to migrate: see the module's docstring.
    from alembic.script import ScriptDirectory

    head = ScriptDirectory(str(MIGRATIONS_DIR)).get_current_head()
    if head is None:
        raise RuntimeError("no migrations found")
    return head


def heads_on_disk() -> set[str]:
    """The revisions in migrations/versions that no other revision revises, read as text."""
    revisions: set[str] = set()
    revised: set[str] = set()
    for path in (MIGRATIONS_DIR / "versions").glob("*.py"):
        found = dict(_ASSIGNMENT.findall(path.read_text(encoding="utf-8")))
        if "revision" not in found:
            continue
        revisions.add(ast.literal_eval(found["revision"]))
        down = ast.literal_eval(found.get("down_revision", "None"))
        revised.update(down if isinstance(down, tuple | list) else [down] if down else [])
    return revisions - revised


def is_current(engine: Engine) -> bool:
    """Whether the database is at the one newest revision (False when in any doubt)."""
    heads = heads_on_disk()
    with engine.connect() as connection:
        if len(heads) != 1 or not inspect(connection).has_table("alembic_version"):
            return False
        stored = set(connection.scalars(text("SELECT version_num FROM alembic_version")))
    return stored == heads


def current_revision(engine: Engine) -> str | None:
    """The revision the database is at, or None when unmigrated."""
    # Loaded only to migrate: see the module's docstring.
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Migrate the database to `revision`."""
    # Loaded only to migrate: see the module's docstring.
    from alembic import command

    command.upgrade(alembic_config(engine), revision)


def downgrade(engine: Engine, revision: str) -> None:
    """Migrate the database back to `revision`."""
    # Loaded only to migrate: see the module's docstring.
    from alembic import command

    command.downgrade(alembic_config(engine), revision)


def ensure_current(engine: Engine) -> None:
    """Raise SchemaNotMigrated unless the database is at the head revision."""
    if is_current(engine):
        return
    current = current_revision(engine)
    if current != head_revision():
        raise SchemaNotMigrated(current or "empty")
