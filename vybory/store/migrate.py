"""Alembic migrations run from Python (no alembic.ini needed).

The migration scripts live in ``vybory/store/migrations`` and ship with the
package; :func:`upgrade` applies every missing one in a single transaction.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def head_revision() -> str:
    """The newest schema revision this program knows."""
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None
    return head


def current_revision(engine: Engine) -> str | None:
    """The revision the database is at, ``None`` if it has no vybory schema."""
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def upgrade(engine: Engine, revision: str = "head") -> str:
    """Upgrades the schema to ``revision`` in one transaction; returns the revision reached."""
    config = alembic_config()
    with engine.begin() as connection:
        current = MigrationContext.configure(connection).get_current_revision()
        if current != head_revision() or revision != "head":
            config.attributes["connection"] = connection
            command.upgrade(config, revision)
        reached = MigrationContext.configure(connection).get_current_revision()
    assert reached is not None
    return reached
