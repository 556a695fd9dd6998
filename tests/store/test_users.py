"""Commission logins: argon2id hashes, wrong passwords refused, names unique."""

from __future__ import annotations

import pytest

from vybory.errors import InvalidInput, Refused
from vybory.store import Database, users
from vybory.store.tables import User


def test_a_login_is_stored_as_an_argon2id_hash_and_checked(database: Database) -> None:
    with database.transaction() as session:
        users.create_user(session, "secretary", "correct horse battery", "commission")
    with database.transaction() as session:
        stored = session.query(User).one()
        assert stored.password_hash.startswith("$argon2id$")
        assert "correct horse" not in stored.password_hash
        assert users.authenticate(session, "secretary", "correct horse battery") is not None
        assert users.authenticate(session, "secretary", "correct horse battery!") is None
        assert users.authenticate(session, "nobody", "correct horse battery") is None


def test_bad_logins_are_refused_and_nothing_is_stored(database: Database) -> None:
    with database.transaction() as session:
        users.create_user(session, "secretary", "correct horse battery", "commission")
    cases = [
        (("secretary", "another long password", "commission"), Refused, "username_taken"),
        (("clerk", "short", "commission"), InvalidInput, "password_too_short"),
        (("clerk", "long enough password", "king"), InvalidInput, "unknown_role"),
        (("  ", "long enough password", "observer"), InvalidInput, "username_missing"),
    ]
    for args, error, code in cases:
        with pytest.raises(error) as caught, database.transaction() as session:
            users.create_user(session, *args)
        assert caught.value.code == code
    with database.transaction(write=False) as session:
        assert [u.username for u in session.query(User).all()] == ["secretary"]


def test_a_disabled_login_cannot_sign_in_and_a_password_can_be_changed(database: Database) -> None:
    with database.transaction() as session:
        users.create_user(session, "trustee-a", "first password!", "trustee", subject="a")
    with database.transaction() as session:
        users.set_password(session, "trustee-a", "second password!")
    with database.transaction() as session:
        assert users.authenticate(session, "trustee-a", "first password!") is None
        user = users.authenticate(session, "trustee-a", "second password!")
        assert user is not None and user.subject == "a"
        user.disabled = True
    with database.transaction() as session:
        assert users.authenticate(session, "trustee-a", "second password!") is None


def test_a_new_sqlite_database_and_its_journal_are_readable_by_the_owner_only(tmp_path) -> None:  # type: ignore[no-untyped-def]
    import os
    import stat

    path = tmp_path / "sub" / "vybory.sqlite"
    old = os.umask(0o022)
    try:
        database = Database(f"sqlite:///{path}")
        with database.transaction() as session:
            users.create_user(session, "secretary", "correct horse battery", "commission")
        files = [p for p in path.parent.iterdir() if p.name.startswith("vybory.sqlite")]
        assert {p.name for p in files} >= {"vybory.sqlite", "vybory.sqlite-wal", "vybory.sqlite-shm"}
        for file in files:
            assert stat.S_IMODE(file.stat().st_mode) == 0o600, file.name
        database.dispose()
    finally:
        os.umask(old)
