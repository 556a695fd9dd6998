"""Commission, trustee and observer web logins, with argon2id password hashes."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from vybory.errors import InvalidInput, Refused
from vybory.store.tables import LoginSession, User

ROLES = ("commission", "trustee", "observer", "organisation")
MIN_PASSWORD = 10

_hasher = PasswordHasher()


def hash_password(password: str) -> str:
    """An argon2id hash of ``password`` (with its own salt and parameters)."""
    return _hasher.hash(password)


def check_password(password_hash: str, password: str) -> bool:
    """True when ``password`` matches ``password_hash``; never raises on a wrong password."""
    try:
        return _hasher.verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def check_new_password(password: str) -> None:
    """Refuses a password too short to be stored."""
    if len(password) < MIN_PASSWORD:
        raise InvalidInput(
            f"a password needs at least {MIN_PASSWORD} characters", field="password", code="password_too_short"
        )


def create_user(
    session: Session,
    username: str,
    password: str,
    role: str,
    *,
    election_id: int | None = None,
    subject: str | None = None,
    now: datetime | None = None,
    password_hash: str | None = None,
) -> User:
    """Adds a login; refuses an unknown role, a short password or a name already taken."""
    username = username.strip()
    if not username:
        raise InvalidInput("a user name is required", field="username", code="username_missing")
    if role not in ROLES:
        raise InvalidInput(
            f"role {role!r} is not one of {', '.join(ROLES)}", field="role", code="unknown_role"
        )
    check_new_password(password)
    if session.scalars(select(User).where(User.username == username)).first() is not None:
        raise Refused(f"the user name {username!r} is already taken", field="username", code="username_taken")
    user = User(
        username=username,
        password_hash=password_hash or hash_password(password),
        role=role,
        election_id=election_id,
        subject=subject,
        disabled=False,
        created_at=now or datetime.now(UTC),
    )
    session.add(user)
    session.flush()
    return user


def find_login(session: Session, username: str) -> User | None:
    """The login named ``username`` (enabled or not), read only."""
    return session.scalars(select(User).where(User.username == username.strip())).first()


def password_matches(user: User | None, password: str) -> bool:
    """True when ``user`` is an enabled login whose hash matches ``password``.

    Pure CPU work (argon2): callers run it outside any transaction, so a flood of
    logins never holds the database's writer lock. An unknown name spends the same
    effort as a real check, so timing does not reveal which names exist.
    """
    if user is None:
        check_password(_DUMMY_HASH, password)
        return False
    return not user.disabled and check_password(user.password_hash, password)


def needs_rehash(user: User) -> bool:
    return _hasher.check_needs_rehash(user.password_hash)


def replace_hash(session: Session, username: str, old_hash: str, new_hash: str) -> None:
    """Stores ``new_hash`` (computed before the transaction) unless the hash changed meanwhile."""
    user = find_login(session, username)
    if user is not None and user.password_hash == old_hash:
        user.password_hash = new_hash


def authenticate(session: Session, username: str, password: str) -> User | None:
    """The user if the name and password match an enabled login, else ``None``.

    A stored hash made with older argon2 parameters is upgraded in place.
    """
    user = find_login(session, username)
    if not password_matches(user, password):
        return None
    assert user is not None
    if needs_rehash(user):
        user.password_hash = hash_password(password)
    return user


def set_password(session: Session, username: str, password: str, *, password_hash: str | None = None) -> None:
    user = session.scalars(select(User).where(User.username == username)).first()
    if user is None:
        raise Refused(f"there is no user {username!r}", field="username", code="unknown_user")
    check_new_password(password)
    user.password_hash = password_hash or hash_password(password)
    end_sessions(session, user.id)


def disable_user(session: Session, username: str) -> None:
    """Disables a login and ends all its sessions."""
    user = find_login(session, username)
    if user is None:
        raise Refused(f"there is no user {username!r}", field="username", code="unknown_user")
    user.disabled = True
    end_sessions(session, user.id)


# --- sessions ------------------------------------------------------------------------


def session_id(token: str) -> str:
    """The stored id of a session token: its SHA-256 (a stolen database holds no usable token)."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def open_session(session: Session, user: User, token: str, *, now: datetime, lifetime: timedelta) -> None:
    """Records a new session of ``user`` (and forgets the user's expired ones)."""
    for old in session.scalars(select(LoginSession).where(LoginSession.user_id == user.id)):
        if _aware(old.expires_at) <= now:
            session.delete(old)
    session.add(LoginSession(id=session_id(token), user_id=user.id, created_at=now, expires_at=now + lifetime))
    session.flush()


def session_user(session: Session, token: str, *, now: datetime) -> User | None:
    """The enabled login whose unexpired session ``token`` is, else ``None`` (read only)."""
    row = session.get(LoginSession, session_id(token))
    if row is None or _aware(row.expires_at) <= now:
        return None
    user = session.get(User, row.user_id)
    if user is None or user.disabled:
        return None
    return user


def end_session(session: Session, token: str) -> None:
    session.execute(delete(LoginSession).where(LoginSession.id == session_id(token)))


def end_sessions(session: Session, user_id: int) -> None:
    """Ends every session of one login (password changed, login disabled)."""
    session.execute(delete(LoginSession).where(LoginSession.user_id == user_id))


def _aware(moment: datetime) -> datetime:
    """SQLite gives back naive datetimes: vybory stores UTC."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


_DUMMY_HASH = _hasher.hash("vybory-no-such-user")
