"""`vybory db backup` / `vybory db restore`, for real: a backup taken while `vybory serve` takes
ballots, restored into a fresh database, the restored record verified, and voting continued.

The adversary is bad luck (the disk under the database lost on polling day) and the operator
in a hurry: a backup that is not one moment (half a ballot), a restore poured into a database
that already holds an election, or a file that is no backup at all. A backup is the board as it
was: every ballot receipted before it is there at its receipt's position with its hash, the
record verifies with `vybory verify`, and the voters whose ballots came after it still hold
their receipts and can send the same ballot again.
"""

from __future__ import annotations

import json
import os
import secrets
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from serverkit import Served, demo_ballots, run_vybory, seed

pytestmark = pytest.mark.slow


def cast(url: str, slug: str, ballots: list[dict]) -> list[dict]:  # type: ignore[type-arg]
    receipts = []
    for ballot in ballots:
        response = httpx.post(f"{url}/api/elections/{slug}/ballots", json=ballot, timeout=60)
        assert response.status_code == 201, response.text
        receipts.append(response.json())
    return receipts


def board(url: str, slug: str) -> list[dict]:  # type: ignore[type-arg]
    lines = httpx.get(f"{url}/api/elections/{slug}/board.jsonl", timeout=60).text.splitlines()
    return [json.loads(line) for line in lines if line]


def verify(url: str, slug: str, folder: Path) -> None:
    record = httpx.get(f"{url}/api/elections/{slug}/record", timeout=120)
    assert record.status_code == 200
    path = folder / f"record-{secrets.token_hex(4)}.zip"
    path.write_bytes(record.content)
    head = board(url, slug)[-1]["hash"]
    verified = run_vybory("verify", str(path), "--head", head, check=False)
    assert verified.returncode == 0, verified.stdout + verified.stderr


def backup_restore_and_vote_on(source: str, target: str, tmp_path: Path) -> None:
    demo = seed(source, tmp_path / "seed", voters=8)
    with Served(source, tmp_path / "serve.log") as served:
        ballots = demo_ballots(served.url, demo, 3)
        before = cast(served.url, demo.slug, ballots[:2])
        backed_up = run_vybory("db", "backup", str(tmp_path / "backup.db"), "--db", source)
        assert "backup" in backed_up.stdout.lower()
        after = cast(served.url, demo.slug, ballots[2:])  # receipted after the backup
    assert os.stat(tmp_path / "backup.db").st_mode & 0o077 == 0  # it holds the roll and password hashes
    restored = run_vybory("db", "restore", str(tmp_path / "backup.db"), "--db", target)
    assert "restored" in restored.stdout.lower()
    with Served(target, tmp_path / "restored.log") as served:
        events = {e["position"]: e for e in board(served.url, demo.slug)}
        for receipt in before:
            event = events[receipt["position"]]
            assert event["hash"] == receipt["event_hash"]
            assert event["payload"]["tracking_code"] == receipt["tracking_code"]
        assert after[0]["tracking_code"] not in {e["payload"].get("tracking_code") for e in events.values()}
        verify(served.url, demo.slug, tmp_path)
        # voting goes on: the ballot cast after the backup again, and a new one
        again = cast(served.url, demo.slug, ballots[2:] + demo_ballots(served.url, demo, 1))
        assert again[0]["tracking_code"] == after[0]["tracking_code"]
        assert cast(served.url, demo.slug, ballots[:1]) == before[:1]  # idempotent on the restored board
        verify(served.url, demo.slug, tmp_path)
        # the logins came along
        login = httpx.post(f"{served.url}/api/session", timeout=60,
                           json={"username": "secretary", "password": demo.logins["secretary"][1]})
        assert login.status_code == 200


def test_backup_mid_election_restore_verify_and_vote_on_sqlite(tmp_path: Path) -> None:
    backup_restore_and_vote_on(f"sqlite:///{tmp_path / 'vybory.sqlite'}",
                               f"sqlite:///{tmp_path / 'restored.sqlite'}", tmp_path)


@pytest.fixture
def postgres_databases() -> Iterator[tuple[str, str]]:
    base = os.environ.get("VYBORY_TEST_POSTGRES_URL")
    if not base:
        pytest.fail("VYBORY_TEST_POSTGRES_URL is not set: the PostgreSQL backup is tested for real")
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    names = [f"vybory_backup_{secrets.token_hex(4)}", f"vybory_restore_{secrets.token_hex(4)}"]
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        for name in names:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield tuple(make_url(base).set(database=name).render_as_string(hide_password=False)  # type: ignore[misc]
                    for name in names)
    finally:
        with admin.connect() as connection:
            for name in names:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.mark.postgres
def test_backup_mid_election_restore_verify_and_vote_on_postgresql(tmp_path: Path, postgres_databases) -> None:  # type: ignore[no-untyped-def]
    source, target = postgres_databases
    backup_restore_and_vote_on(source, target, tmp_path)


def test_a_bad_backup_or_restore_is_refused_and_changes_nothing(tmp_path: Path) -> None:
    source = f"sqlite:///{tmp_path / 'vybory.sqlite'}"
    demo = seed(source, tmp_path / "seed", voters=4)
    (tmp_path / "taken.db").write_bytes(b"keep me")
    refused = run_vybory("db", "backup", str(tmp_path / "taken.db"), "--db", source, check=False)
    assert refused.returncode == 2 and "file_exists" in refused.stderr and "taken.db" in refused.stderr
    assert (tmp_path / "taken.db").read_bytes() == b"keep me"
    missing = run_vybory("db", "backup", str(tmp_path / "b.db"), "--db", f"sqlite:///{tmp_path / 'none.sqlite'}",
                         check=False)
    assert missing.returncode == 2 and "database_missing" in missing.stderr
    assert not (tmp_path / "none.sqlite").exists() and not (tmp_path / "b.db").exists()
    # not a backup: refused, the target stays empty
    (tmp_path / "garbage.db").write_bytes(b"PK\x03\x04 this is a zip, not a database")
    target = f"sqlite:///{tmp_path / 'target.sqlite'}"
    garbage = run_vybory("db", "restore", str(tmp_path / "garbage.db"), "--db", target, check=False)
    assert garbage.returncode == 2 and "not_a_backup" in garbage.stderr
    nowhere = run_vybory("db", "restore", str(tmp_path / "no-such.db"), "--db", target, check=False)
    assert nowhere.returncode == 2 and "file_missing" in nowhere.stderr
    # a restore never pours a backup into a database that holds an election
    run_vybory("db", "backup", str(tmp_path / "good.db"), "--db", source)
    before = (tmp_path / "vybory.sqlite").read_bytes()
    full = run_vybory("db", "restore", str(tmp_path / "good.db"), "--db", source, check=False)
    assert full.returncode == 1 and "database_not_empty" in full.stderr
    assert (tmp_path / "vybory.sqlite").read_bytes() == before
    assert demo.slug
