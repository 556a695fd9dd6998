"""The database tables (SQLAlchemy 2 declarative models).

The board (``board_events``) is the election: every public step is one row,
hash-chained, never updated or deleted (triggers refuse it on both SQLite and
PostgreSQL, see the first migration). The other tables are either private
(``voters``: the roll; ``users``: commission logins; ``login_sessions``: who is logged in;
``attempts``: the throttles' failed attempts) or indexes derived from
the board for fast look-ups (``ballots``, ``ciphertexts``, ``credentials``),
written in the same transaction as the event they index.

The migrations under ``vybory/store/migrations`` create this schema; the
models here describe it for queries (a test checks the two agree).
"""

from __future__ import annotations

from datetime import datetime
from typing import cast

from sqlalchemy import (
    BigInteger,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class Election(Base):
    """One election: its slug (used on the command line and in URLs) and fingerprint.

    ``definition_source`` keeps the TOML text as the commission submitted it;
    the public, canonical definition is in the board's first event.
    """

    __tablename__ = "elections"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    slug: Mapped[str] = mapped_column(String(100), unique=True)
    title: Mapped[str] = mapped_column(String(500))
    fingerprint: Mapped[str] = mapped_column(String(64), unique=True)
    definition_source: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class BoardEvent(Base):
    """One event of the bulletin board. Append-only.

    Invariants: ``(election_id, position)`` is unique; ``hash`` is the event
    hash over position, kind, payload and ``previous_hash`` (docs/spec.md);
    ``payload`` is the canonical JSON text of the event's payload.
    """

    __tablename__ = "board_events"
    __table_args__ = (
        UniqueConstraint("election_id", "position"),
        Index(None, "election_id", "kind"),
    )

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    election_id: Mapped[int] = mapped_column(ForeignKey("elections.id"))
    position: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(40))
    payload: Mapped[str] = mapped_column(Text)
    previous_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64), unique=True)
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class BallotEntry(Base):
    """Index of cast ballots: tracking code and public credential -> board position."""

    __tablename__ = "ballots"
    __table_args__ = (
        UniqueConstraint("election_id", "tracking_code"),
        Index(None, "election_id", "round", "credential"),
    )

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    election_id: Mapped[int] = mapped_column(ForeignKey("elections.id"))
    round: Mapped[int] = mapped_column(Integer)
    tracking_code: Mapped[str] = mapped_column(String(64))
    credential: Mapped[str] = mapped_column(String(64))
    position: Mapped[int] = mapped_column(Integer)


class CiphertextEntry(Base):
    """Index of every ciphertext on the board, by digest: a repeat is a replayed ballot."""

    __tablename__ = "ciphertexts"
    __table_args__ = (UniqueConstraint("election_id", "digest"),)

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    election_id: Mapped[int] = mapped_column(ForeignKey("elections.id"))
    digest: Mapped[str] = mapped_column(String(64))
    position: Mapped[int] = mapped_column(Integer)


class CredentialEntry(Base):
    """Index of the published public credentials (no identities)."""

    __tablename__ = "credentials"
    __table_args__ = (UniqueConstraint("election_id", "credential"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    election_id: Mapped[int] = mapped_column(ForeignKey("elections.id"))
    credential: Mapped[str] = mapped_column(String(64))
    district: Mapped[str] = mapped_column(String(100))
    weight: Mapped[int] = mapped_column(Integer)
    position: Mapped[int] = mapped_column(Integer)


class Voter(Base):
    """The private voter roll: never on the board, never exported."""

    __tablename__ = "voters"
    __table_args__ = (UniqueConstraint("election_id", "voter_id"), Index(None, "election_id", "district"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    election_id: Mapped[int] = mapped_column(ForeignKey("elections.id"))
    voter_id: Mapped[str] = mapped_column(String(100))
    name: Mapped[str] = mapped_column(String(300))
    district: Mapped[str] = mapped_column(String(100))
    weight: Mapped[int] = mapped_column(Integer, default=1)


class User(Base):
    """A web login (commission secretary, trustee, observer); passwords hashed with argon2id.

    ``role`` is one of ``commission``, ``trustee``, ``observer``, ``organisation``;
    ``subject`` names the trustee or organisation the login speaks for, and
    ``election_id`` limits it to one election (``None``: every election).
    """

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(100), unique=True)
    password_hash: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20))
    election_id: Mapped[int | None] = mapped_column(ForeignKey("elections.id"), nullable=True)
    subject: Mapped[str | None] = mapped_column(String(100), nullable=True)
    disabled: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class LoginSession(Base):
    """A logged-in session, held by the server: the cookie only carries its random token, whose
    SHA-256 is ``id``. Deleting the row ends the session (logout, password change, disabled login)."""

    __tablename__ = "login_sessions"
    __table_args__ = (Index(None, "user_id"),)

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class Attempt(Base):
    """The failed attempts of one throttle key (``login-account:<name>``, ``login-address:<ip>``,
    ``guess-address:<ip>``), shared by every server process and kept across restarts: the
    number of failures, the wall-clock time (Unix seconds) until which the key is locked, and
    that of its last failure (rows idle for long are deleted)."""

    __tablename__ = "attempts"
    __table_args__ = (Index(None, "last"),)

    key: Mapped[str] = mapped_column(String(300), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer)
    locked_until: Mapped[float] = mapped_column(Float)
    last: Mapped[float] = mapped_column(Float)


metadata = Base.metadata


def table_of(model: type[Base]) -> Table:
    """The Core table of a model (for fast inserts without the ORM's unit of work)."""
    return cast(Table, model.__table__)
