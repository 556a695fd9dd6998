"""Logins never take the writer lock: a flood of wrong passwords cannot stall the casting of ballots.

The adversary is anyone on the network: they send logins (for unknown names,
or wrong passwords) as fast as they can. If each attempt ran argon2 inside a
writing transaction, every attempt would hold the database's writer lock for
tens of milliseconds and ballots would wait behind them (or fail with
``database is locked``).
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from vybory.service import ElectionService
from vybory.store import Database, users


def test_logins_open_no_writing_transaction_and_hash_outside_any(
    database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    service = ElectionService(database)
    service.add_user("secretary", "correct horse battery", "commission")
    opened: list[bool] = []
    inside = threading.local()
    original = database.transaction

    @contextmanager
    def recording(*, write: bool = True) -> Iterator[Any]:
        opened.append(write)
        inside.active = True
        try:
            with original(write=write) as session:
                yield session
        finally:
            inside.active = False

    hashed_inside: list[bool] = []
    check = users.check_password

    def recording_check(password_hash: str, password: str) -> bool:
        hashed_inside.append(getattr(inside, "active", False))
        return check(password_hash, password)

    monkeypatch.setattr(database, "transaction", recording)
    monkeypatch.setattr(users, "check_password", recording_check)
    assert service.authenticate("nobody", "correct horse battery") is None
    assert service.authenticate("secretary", "wrong horse battery") is None
    assert service.authenticate("secretary", "correct horse battery") is not None
    assert opened and not any(opened), "a login opened a writing transaction"
    assert hashed_inside == [False, False, False], "argon2 ran inside a transaction"


def test_a_login_succeeds_while_a_ballot_holds_the_writer_lock(tmp_path: Path) -> None:
    path = tmp_path / "vybory.sqlite"
    service = ElectionService(Database(f"sqlite:///{path}"))
    service.add_user("secretary", "correct horse battery", "commission")
    writer = sqlite3.connect(path, isolation_level=None)
    writer.execute("BEGIN IMMEDIATE")  # another writer (a ballot being cast) holds the lock
    try:
        found: list[Any] = []
        errors: list[BaseException] = []

        def login() -> None:
            try:
                found.append(service.authenticate("secretary", "correct horse battery"))
                found.append(service.authenticate("nobody", "correct horse battery"))
            except BaseException as error:  # noqa: BLE001 - reported below
                errors.append(error)

        thread = threading.Thread(target=login)
        thread.start()
        thread.join(timeout=20)  # a login that waited for the lock would wait its 30 s busy timeout
        assert not thread.is_alive(), "the login waited for the writer lock"
        assert not errors, errors
        assert found[0] is not None and found[0]["role"] == "commission" and found[1] is None
    finally:
        writer.execute("ROLLBACK")
        writer.close()
