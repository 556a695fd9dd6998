"""Backups of a whole database, taken while the server runs, and restores into a new database.

SQLite: the online backup API (a consistent copy of one moment, while writers carry on; the
copy is made under a temporary name and renamed when complete, readable by its owner only).
PostgreSQL: ``pg_dump --format=custom`` and ``pg_restore`` (PostgreSQL's client programs, found
on ``PATH`` or under /usr/lib/postgresql/*/bin); the password goes to them in the environment,
never on a command line that ``ps`` would show.

A restore goes into an empty database only: it never merges into, nor overwrites, an election.
The restored record is then the board as it was at the backup; `vybory verify` checks it and,
since a backup is a copy of the board, anything receipted after the backup is not in it (the
voters' receipts name it).
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

from sqlalchemy.engine import make_url

from vybory.errors import InvalidInput, Refused
from vybory.store.database import Database, database_url
from vybory.text import say

SQLITE_MAGIC = b"SQLite format 3\x00"
PG_DUMP_MAGIC = b"PGDMP"


def backup(url: str | None, file: Path) -> str:
    """Writes a backup of the database at ``url`` to ``file`` (which must not exist); returns the
    kind of backup written (``sqlite`` or ``pg_dump``)."""
    url = database_url(url)
    if file.exists():
        raise InvalidInput(say("%(file)s already exists: choose a new name for the backup", file=str(file)),
                           field="file", code="file_exists")
    if not file.parent.is_dir():
        raise InvalidInput(say("the folder of %(file)s does not exist", file=str(file)), field="file",
                           code="file_missing")
    if _backend(url) == "sqlite" and not _sqlite_path(url).exists():
        raise InvalidInput(say("there is no database at %(url)s", url=url), field="db", code="database_missing")
    database = Database(url, upgrade=False)
    try:
        database.check_schema()  # reachable, and at the schema of this vybory
    finally:
        database.dispose()
    if _backend(url) == "sqlite":
        _sqlite_backup(_sqlite_path(url), file)
        return "sqlite"
    # made readable by its owner only before pg_dump writes a byte into it
    os.close(os.open(file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    try:
        _run_pg("pg_dump", url, ["--format=custom", "--no-owner", "--file", str(file)])
    except Refused:
        file.unlink(missing_ok=True)
        raise
    return "pg_dump"


def restore(file: Path, url: str | None) -> str:
    """Restores the backup ``file`` into the empty database at ``url``; returns its schema revision."""
    url = database_url(url)
    head = _head(file)
    database = Database(url, upgrade=False)
    try:
        if database.table_names():
            raise Refused(say("the database %(url)s is not empty: restore into a new database", url=database.safe_url),
                          field="db", code="database_not_empty")
    finally:
        database.dispose()
    if _backend(url) == "sqlite":
        if not head.startswith(SQLITE_MAGIC):
            raise InvalidInput(say("%(file)s is not an SQLite backup made by `vybory db backup`", file=str(file)),
                               field="file", code="not_a_backup")
        _sqlite_backup(file, _sqlite_path(url), replace=True)
    else:
        if not head.startswith(PG_DUMP_MAGIC):
            raise InvalidInput(say("%(file)s is not a PostgreSQL backup made by `vybory db backup`", file=str(file)),
                               field="file", code="not_a_backup")
        _run_pg("pg_restore", url, ["--no-owner", "--exit-on-error", "--single-transaction", str(file)])
    restored = Database(url, upgrade=False)
    try:
        return restored.revision() or ""
    finally:
        restored.dispose()


def _head(file: Path) -> bytes:
    try:
        with file.open("rb") as handle:
            return handle.read(16)
    except FileNotFoundError:
        raise InvalidInput(say("%(file)s does not exist", file=str(file)), field="file", code="file_missing") from None
    except IsADirectoryError:
        raise InvalidInput(say("%(file)s is a folder, not a file", file=str(file)), field="file",
                           code="file_missing") from None


def _backend(url: str) -> str:
    return make_url(url).get_backend_name()


def _sqlite_path(url: str) -> Path:
    database = make_url(url).database
    if database in (None, "", ":memory:") or str(database).startswith("file:"):
        raise InvalidInput(say("only an SQLite file can be backed up or restored"), field="db", code="bad_database_url")
    return Path(str(database)).expanduser()


def _sqlite_backup(source: Path, target: Path, *, replace: bool = False) -> None:
    """Copies the SQLite database ``source`` to ``target`` with the online backup API."""
    partial = target.with_name(target.name + ".partial")
    partial.unlink(missing_ok=True)
    os.close(os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    try:
        with sqlite3.connect(f"file:{source}?mode=ro", uri=True, timeout=30) as reader:
            writer = sqlite3.connect(partial)
            try:
                reader.backup(writer)
            finally:
                writer.close()
        reader.close()
        if replace:
            for suffix in ("-wal", "-shm"):
                Path(str(target) + suffix).unlink(missing_ok=True)
        os.replace(partial, target)
    except sqlite3.DatabaseError as error:
        partial.unlink(missing_ok=True)
        raise InvalidInput(say("%(file)s cannot be read as an SQLite database: %(reason)s", file=str(source),
                               reason=str(error)), field="file", code="not_a_backup") from None


def _run_pg(program: str, url: str, arguments: list[str]) -> None:
    parsed = make_url(url)
    env = {**os.environ, "PGHOST": parsed.host or "localhost", "PGPORT": str(parsed.port or 5432),
           "PGDATABASE": parsed.database or "", "PGUSER": parsed.username or ""}
    if parsed.password is not None:
        env["PGPASSWORD"] = str(parsed.password)
    options = parsed.query.get("options")
    if isinstance(options, str):
        env["PGOPTIONS"] = options
    command = [_pg_program(program), *arguments]
    if program == "pg_restore":
        command[1:1] = ["--dbname", parsed.database or ""]
    result = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        reason = (result.stderr.strip().splitlines() or ["no message"])[-1]
        raise Refused(say("%(program)s failed: %(reason)s", program=program, reason=reason), field="db",
                      code="backup_failed")


def _pg_program(program: str) -> str:
    found = shutil.which(program)
    if found:
        return found
    for candidate in sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{program}"), reverse=True):
        return str(candidate)
    raise Refused(say("%(program)s is not installed: install PostgreSQL's client programs", program=program),
                  field="db", code="pg_client_missing")
