"""Crash safety: `vybory serve` killed with SIGKILL at random moments while voter processes cast
ballots over HTTP, restarted each time; on PostgreSQL the database server is killed once too.

The adversary is bad luck (a power cut, the OOM killer, a crashed database) and the voter who
is told "your ballot is in" when it is not. After the last restart every ballot that got a
receipt is on the board at its receipt's position with its hash, no ballot is there twice, no
event is partial (the chain and the whole record verify with `vybory verify`), and a client
that got no answer can simply send the same ballot again: it gets the same receipt.

`make test` runs the short version; `make soak` runs the long one (marker ``soak``).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from crashkit import PrivatePostgres, check_after_crashes, crash_run, seed
from serverkit import Served

SHORT = {"voters": 12, "clients": 3, "per_credential": 2, "kills": 5}
LONG = {"voters": 60, "clients": 4, "per_credential": 5, "kills": 25}

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("crash")]


def crash_on_sqlite(tmp_path: Path, voters: int, clients: int, per_credential: int, kills: int) -> dict:  # type: ignore[type-arg]
    url = f"sqlite:///{tmp_path / 'vybory.sqlite'}"
    slug, credentials = seed(url, tmp_path / "seed", voters)
    with Served(url, tmp_path / "serve.log") as served:
        run = crash_run(served, tmp_path, slug, credentials, clients=clients, per_credential=per_credential,
                        kills=kills)
        figures = check_after_crashes(run, served.url, tmp_path)
    assert figures["kills"] >= 5 and figures["kills_while_casting"] >= 1
    return figures


def crash_on_postgres(tmp_path: Path, voters: int, clients: int, per_credential: int, kills: int) -> dict:  # type: ignore[type-arg]
    if not PrivatePostgres.available():
        pytest.fail("PostgreSQL 15 is not installed (/usr/lib/postgresql/15/bin): apt-get install postgresql")
    database = PrivatePostgres()
    try:
        database.start()
        slug, credentials = seed(database.url, tmp_path / "seed", voters)
        with Served(database.url, tmp_path / "serve.log") as served:
            run = crash_run(served, tmp_path, slug, credentials, clients=clients, per_credential=per_credential,
                            kills=kills, database=database)
            figures = check_after_crashes(run, served.url, tmp_path)
    finally:
        database.stop()
    assert figures["kills"] >= 5 and figures["database_kills"] == 1
    return figures


def report(name: str, figures: dict) -> None:  # type: ignore[type-arg]
    print(f"\n{name}: {json.dumps(figures)}")
    folder = os.environ.get("VYBORY_FIGURES")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        (Path(folder) / f"{name}.json").write_text(json.dumps(figures, indent=2) + "\n")


def test_receipted_ballots_survive_kills_on_sqlite(tmp_path: Path) -> None:
    report("crash-sqlite-short", crash_on_sqlite(tmp_path, **SHORT))


def test_receipted_ballots_survive_kills_of_the_server_and_the_database_on_postgresql(tmp_path: Path) -> None:
    report("crash-postgresql-short", crash_on_postgres(tmp_path, **SHORT))


@pytest.mark.soak
def test_soak_kills_on_sqlite(tmp_path: Path) -> None:
    report("crash-sqlite-long", crash_on_sqlite(tmp_path, **LONG))


@pytest.mark.soak
def test_soak_kills_on_postgresql(tmp_path: Path) -> None:
    report("crash-postgresql-long", crash_on_postgres(tmp_path, **LONG))
