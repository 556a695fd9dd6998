"""Migrations create the schema the models describe, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from vybory.errors import InvalidInput, Refused
from vybory.store import Database, migrate
from vybory.store.tables import metadata

TABLES = ["alembic_version", "attempts", "ballots", "board_events", "ciphertexts", "credentials", "elections", "login_sessions", "users",
          "voters"]


def test_upgrade_creates_every_table_at_the_newest_revision(database: Database) -> None:
    assert database.table_names() == TABLES
    assert database.revision() == migrate.head_revision()


def test_upgrade_twice_changes_nothing(database: Database) -> None:
    assert database.upgrade() == migrate.head_revision()
    assert database.table_names() == TABLES


def test_models_agree_with_the_migrations(database: Database) -> None:
    with database.engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), metadata)
    assert differences == []


def test_downgrade_removes_the_schema_and_upgrade_restores_it(database: Database) -> None:
    from alembic import command

    config = migrate.alembic_config()
    with database.engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "base")
    assert database.table_names() == ["alembic_version"]
    assert database.revision() is None
    database.upgrade()
    assert database.table_names() == TABLES


def test_an_sqlite_file_is_created_and_upgraded_on_first_use(tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "sub" / "first.sqlite"
    db = Database(f"sqlite:///{path}")
    assert path.exists()
    assert db.revision() == migrate.head_revision()
    db.dispose()


def test_a_database_without_schema_is_refused_until_upgraded(database_url: str) -> None:
    if not database_url.startswith("postgresql"):
        db = Database(database_url, upgrade=False)
    else:
        with pytest.raises(Refused) as caught:
            Database(database_url)
        assert caught.value.code == "schema_out_of_date"
        assert "vybory db upgrade" in str(caught.value)
        db = Database(database_url, upgrade=False)
    with pytest.raises(Refused) as caught:
        db.check_schema()
    assert caught.value.code == "schema_out_of_date"
    db.upgrade()
    db.check_schema()
    db.dispose()


def test_a_bad_url_is_refused_in_words() -> None:
    with pytest.raises(InvalidInput) as caught:
        Database("not a url", upgrade=False)
    assert caught.value.code == "bad_database_url"
    with pytest.raises(InvalidInput) as caught:
        Database("mysql://x@y/z", upgrade=False)
    assert "not supported" in str(caught.value)


def test_an_unreachable_server_is_refused_in_words() -> None:
    db = Database("postgresql+psycopg://nobody:x@127.0.0.1:1/none?connect_timeout=2", upgrade=False)
    with pytest.raises(Refused) as caught:
        db.check_schema()
    assert caught.value.code == "database_unreachable"
    assert "x@" not in str(caught.value)
