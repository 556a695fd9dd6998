"""Opening the database: engine, transactions, and schema upgrades.

``Database(url)`` connects to SQLite (the default, a file in the current
directory) or PostgreSQL (``postgresql+psycopg://...``). An SQLite file is
created and brought to the newest schema on first use; PostgreSQL is upgraded
only by ``vybory db upgrade`` (:meth:`Database.upgrade`), and any use before
that is refused with a message saying so.

Every operation runs in one transaction (:meth:`Database.transaction`): it is
committed whole or rolled back whole. A writing transaction takes the writer's
lock first (``BEGIN IMMEDIATE`` on SQLite; on PostgreSQL the service locks the
election's row with ``SELECT ... FOR UPDATE``), so two writers never interleave
their reads of the board's head.
"""

from __future__ import annotations

import os
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from pathlib import Path

from sqlalchemy import Engine, create_engine, event, inspect
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, InterfaceError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from vybory.errors import InvalidInput, Refused
from vybory.store import migrate

try:
    import fcntl
except ImportError:  # pragma: no cover - not POSIX: SQLite's busy handler alone
    fcntl = None  # type: ignore[assignment]

DEFAULT_URL = "sqlite:///vybory.sqlite"
URL_VARIABLE = "VYBORY_DATABASE_URL"


def database_url(url: str | None = None) -> str:
    """The URL to use: the one given, else ``$VYBORY_DATABASE_URL``, else ``vybory.sqlite`` here."""
    return url or os.environ.get(URL_VARIABLE) or DEFAULT_URL


def make_engine(url: str, **options: object) -> Engine:
    """An engine for ``url`` with vybory's connection settings.

    SQLite: foreign keys on, write-ahead log, a busy timeout, and transactions
    begun by vybory (``BEGIN IMMEDIATE`` for writers, see :class:`Database`).
    """
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise InvalidInput(
            f"{url!r} is not a database URL (examples: sqlite:///vybory.sqlite, "
            "postgresql+psycopg://user:password@host/database)",
            field="database",
            code="bad_database_url",
        ) from None
    if parsed.get_backend_name() == "sqlite":
        if parsed.database not in (None, "", ":memory:") and not str(parsed.database).startswith("file:"):
            _private_file(Path(str(parsed.database)).expanduser())
        engine = create_engine(url, connect_args={"timeout": 30}, **options)  # type: ignore[arg-type]
        _configure_sqlite(engine, in_memory=parsed.database in (None, "", ":memory:"))
        return engine
    if parsed.get_backend_name() == "postgresql":
        return create_engine(url, pool_pre_ping=True, **options)  # type: ignore[arg-type]
    raise InvalidInput(
        f"database {parsed.get_backend_name()!r} is not supported: use SQLite or PostgreSQL",
        field="database",
        code="bad_database_url",
    )


def _configure_sqlite(engine: Engine, *, in_memory: bool) -> None:
    @event.listens_for(engine, "connect")
    def _connect(dbapi_connection, _record):  # type: ignore[no-untyped-def]
        # Let vybory emit BEGIN itself (the sqlite3 module's own handling is too lazy).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys = ON")
        if not in_memory:
            cursor.execute("PRAGMA journal_mode = WAL")
            # FULL: a commit reaches the disk before it returns, so a receipt handed out is never
            # lost to a power cut (NORMAL in WAL mode may lose the last commits); group commits
            # of ballots share one sync.
            cursor.execute("PRAGMA synchronous = FULL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(connection):  # type: ignore[no-untyped-def]
        mode = "IMMEDIATE" if connection.get_execution_options().get("vybory_write") else "DEFERRED"
        connection.exec_driver_sql(f"BEGIN {mode}")


def _lock_path(url: str) -> str | None:
    """The writers' lock file of an SQLite file database (``None`` for PostgreSQL or memory)."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:") \
            or str(parsed.database).startswith("file:"):
        return None
    return str(Path(str(parsed.database)).expanduser()) + ".lock"


def _private_file(path: Path) -> None:
    """Creates the SQLite file readable by its owner only (0600): it holds the private roll and
    the password hashes. SQLite gives the -wal and -shm files the database file's mode."""
    if path.exists():
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))


class Database:
    """A connection to vybory's database.

    ``upgrade``: ``None`` (default) upgrades an SQLite file on first use and
    refuses an out-of-date PostgreSQL schema; ``True`` always upgrades;
    ``False`` never does (and does not check).
    """

    def __init__(self, url: str | None = None, *, upgrade: bool | None = None, engine: Engine | None = None):
        self.url = database_url(url)
        self.engine = engine if engine is not None else make_engine(self.url)
        self.dialect = self.engine.dialect.name
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        self._writer = self.engine.execution_options(vybory_write=True)
        self._write_sessions = sessionmaker(self._writer, expire_on_commit=False)
        # One flock per process (a lock file descriptor is shared by its threads, so they queue on
        # a mutex first); opened on first write, so that a forked process opens its own.
        self._lock_path = _lock_path(self.url) if fcntl is not None else None
        self._lock_mutex = threading.Lock()
        self._lock_file: int | None = None
        self._lock_pid = 0
        if upgrade is True or (upgrade is None and self.dialect == "sqlite"):
            self.upgrade()
        elif upgrade is None:
            self.check_schema()

    @property
    def is_postgresql(self) -> bool:
        return self.dialect == "postgresql"

    def upgrade(self) -> str:
        """Brings the schema to the newest revision; returns that revision."""
        if self.dialect == "sqlite":
            path = make_url(self.url).database
            if path and path != ":memory:":
                Path(path).expanduser().parent.mkdir(parents=True, exist_ok=True)
        try:
            return migrate.upgrade(self._writer)
        except OperationalError as exc:
            raise self._unreachable(exc) from None

    def _unreachable(self, exc: OperationalError) -> Refused:
        return Refused(
            f"cannot reach the database at {self.safe_url}: {exc.orig}",
            field="database",
            code="database_unreachable",
        )

    def revision(self) -> str | None:
        """The schema revision the database is at (``None``: no vybory schema yet)."""
        return migrate.current_revision(self.engine)

    def check_schema(self) -> None:
        """Refuses to work on a database whose schema is missing or older than this program's."""
        try:
            current = self.revision()
        except OperationalError as exc:
            raise self._unreachable(exc) from None
        head = migrate.head_revision()
        if current != head:
            state = "has no vybory schema" if current is None else f"is at schema {current}, not {head}"
            raise Refused(
                f"the database {self.safe_url} {state}: run `vybory db upgrade --db URL` first",
                field="database",
                code="schema_out_of_date",
            )

    @property
    def safe_url(self) -> str:
        """The URL with any password hidden."""
        return make_url(self.url).render_as_string(hide_password=True)

    @contextmanager
    def transaction(self, *, write: bool = True) -> Iterator[Session]:
        """One transaction: committed if the block ends normally, rolled back otherwise."""
        factory = self._write_sessions if write else self._sessions
        with self._writers_queue() if write else nullcontext(), factory() as session, session.begin():
            yield session

    @contextmanager
    def _writers_queue(self) -> Iterator[None]:
        """On an SQLite file, writers of every process queue on an exclusive ``flock`` of
        ``<file>.lock`` before ``BEGIN IMMEDIATE``: the kernel wakes the next one as soon as the
        lock is free, where SQLite's own busy handler would poll with growing sleeps (up to
        100 ms each), which starves writers when several server processes share the file."""
        if self._lock_path is None:
            yield
            return
        with self._lock_mutex:
            if self._lock_file is None or self._lock_pid != os.getpid():
                # A forked child must not share its parent's open file: flock is per open file.
                self._lock_file = os.open(self._lock_path, os.O_RDWR | os.O_CREAT, 0o600)
                self._lock_pid = os.getpid()
            fcntl.flock(self._lock_file, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(self._lock_file, fcntl.LOCK_UN)

    def table_names(self) -> list[str]:
        return sorted(inspect(self.engine).get_table_names())

    def dispose(self) -> None:
        self.engine.dispose()
        with self._lock_mutex:
            if self._lock_file is not None and self._lock_pid == os.getpid():
                os.close(self._lock_file)
            self._lock_file = None


# SQLSTATEs that mean "the server is not there just now" (connection exceptions, shutting down or
# starting up, too many connections) or "try the same again" (serialization, deadlock, lock wait).
_PASSING_SQLSTATES = ("08", "57P01", "57P02", "57P03", "53300", "40001", "40P01", "55P03")
_PASSING_SQLITE = ("database is locked", "database table is locked")


def is_outage(error: BaseException) -> bool:
    """Whether ``error`` is the database being unreachable for now (down, restarting, busy: the same
    request may succeed in a moment) rather than a misconfiguration that no retry cures (a missing
    table, a wrong password or database name, a schema that is not this program's)."""
    if not isinstance(error, DBAPIError):
        return False
    if error.connection_invalidated or isinstance(error, InterfaceError):
        return True  # SQLAlchemy saw the connection drop
    orig = error.orig
    if isinstance(orig, OSError):
        return True  # refused, reset, timed out, before any database answered
    sqlstate = getattr(orig, "sqlstate", None)
    if isinstance(sqlstate, str):
        return sqlstate.startswith(_PASSING_SQLSTATES)
    text = str(orig)
    if isinstance(orig, sqlite3.Error):
        return text.startswith(_PASSING_SQLITE)
    if not isinstance(error, OperationalError):
        return False
    # psycopg reports a failed connection without an SQLSTATE: a server that answered FATAL refused
    # us for good (password, database name) unless it is starting up or shutting down
    return "FATAL:" not in text or "the database system is" in text

