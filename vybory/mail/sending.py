"""Sending credential letters over SMTP, with a per-voter delivery journal.

The settings come from the environment of the credential authority's machine
(:meth:`MailSettings.from_environment`): ``VYBORY_SMTP_HOST``, ``VYBORY_SMTP_PORT``,
``VYBORY_SMTP_SECURITY`` (``starttls``, the default; ``ssl``; or ``none``),
``VYBORY_SMTP_USER``, ``VYBORY_SMTP_PASSWORD``, ``VYBORY_SMTP_FROM``, and optionally
``VYBORY_SMTP_CA_FILE`` and ``VYBORY_SMTP_TIMEOUT``.

Every attempt is one line of the journal (``delivery.csv`` in the folder of the letters),
written and flushed to disk as soon as the server has answered: ``sent`` once the server
has accepted the message, ``refused`` with the server's code and reason, ``failed`` when the
connection broke, ``no_address`` for a voter the roll gives no address. A voter's last line
is their outcome; a second run sends only to the voters whose outcome is not ``sent``. No
line of the journal, the log or the report holds a credential or the password.
"""

from __future__ import annotations

import csv
import ipaddress
import logging
import os
import re
import smtplib
import ssl
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.headerregistry import Address
from email.message import EmailMessage
from pathlib import Path
from typing import Any, Self, TextIO

from vybory.errors import InvalidInput, Refused
from vybory.mail.letters import Letter, letter_message
from vybory.model.definition import address_problem, format_time
from vybory.text import Text, joined, say

log = logging.getLogger("vybory.mail")

SECURITY = ("starttls", "ssl", "none")
DEFAULT_PORTS = {"starttls": 587, "ssl": 465, "none": 25}
JOURNAL = "delivery.csv"
JOURNAL_COLUMNS = ("at", "id", "email", "outcome", "detail")
OUTCOMES = ("sent", "refused", "failed", "no_address", "written")
# A secret credential as a letter prints it (or without the dashes): never in a report line.
CREDENTIAL_RE = re.compile(r"[A-Za-z2-7]{4}(?:-?[A-Za-z2-7]{4}){5}")


@dataclass(frozen=True, slots=True)
class MailSettings:
    """How to reach the mail server. ``password`` never appears in ``repr``.

    Invariants: ``security`` is one of ``SECURITY``; a password is only sent over TLS.
    """

    host: str
    port: int
    security: str
    sender: Address
    user: str = ""
    password: str = field(default="", repr=False)
    ca_file: str = ""
    timeout: float = 30.0

    @classmethod
    def from_environment(cls, env: Mapping[str, str]) -> MailSettings:
        """The settings in ``env`` (``os.environ``); every problem named by its variable."""
        problems: list[Text] = []

        def get(name: str) -> str:
            return env.get(f"VYBORY_SMTP_{name}", "").strip()

        host = get("HOST")
        if not host:
            problems.append(say("VYBORY_SMTP_HOST: is not set; give the mail server's name"))
        security = get("SECURITY").lower() or "starttls"
        if security not in SECURITY:
            problems.append(say("VYBORY_SMTP_SECURITY: %(value)s must be starttls (the default), ssl or none",
                                value=repr(get("SECURITY"))))
            security = "starttls"
        port = DEFAULT_PORTS[security]
        if get("PORT"):
            if not get("PORT").isdigit() or not 1 <= int(get("PORT")) <= 65535:
                problems.append(say("VYBORY_SMTP_PORT: %(value)s must be a port number from 1 to 65535",
                                    value=repr(get("PORT"))))
            else:
                port = int(get("PORT"))
        sender = Address()
        try:
            sender = read_sender(env)
        except InvalidInput as exc:
            problems.append(exc.message)  # type: ignore[arg-type]
        user, password = get("USER"), env.get("VYBORY_SMTP_PASSWORD", "")
        if password and not user:
            problems.append(say("VYBORY_SMTP_USER: is not set, but a password is; give both or neither"))
        if user and not password:
            problems.append(say("VYBORY_SMTP_PASSWORD: is not set, but a user is; give both or neither"))
        if password and security == "none":
            problems.append(say("VYBORY_SMTP_PASSWORD: is never sent over a connection without TLS; set "
                                "VYBORY_SMTP_SECURITY to starttls or ssl"))
        ca_file = get("CA_FILE")
        if ca_file and not os.path.isfile(ca_file):
            problems.append(say("VYBORY_SMTP_CA_FILE: %(value)s is not a file", value=repr(ca_file)))
        timeout = 30.0
        if get("TIMEOUT"):
            try:
                timeout = float(get("TIMEOUT"))
            except ValueError:
                timeout = 0.0
            if not 0 < timeout <= 600:
                problems.append(say("VYBORY_SMTP_TIMEOUT: %(value)s must be a number of seconds from 0 to 600",
                                    value=repr(get("TIMEOUT"))))
        if problems:
            raise InvalidInput(joined(problems), field="VYBORY_SMTP", code="mail_settings")
        return cls(host, port, security, sender, user, password, ca_file, timeout)

    def where(self) -> str:
        """The server as a person reads it: ``host:port (security)``, no user and no password."""
        return f"{self.host}:{self.port} ({self.security})"


def read_sender(env: Mapping[str, str]) -> Address:
    """The letters' From address, ``VYBORY_SMTP_FROM`` (the dry run needs only this one)."""
    raw = env.get("VYBORY_SMTP_FROM", "").strip()
    if not raw:
        raise InvalidInput(say("VYBORY_SMTP_FROM: is not set; give the address the letters come from"),
                           field="VYBORY_SMTP_FROM", code="mail_settings")
    wrong = address_problem(raw)
    if wrong is not None:
        raise InvalidInput(say("VYBORY_SMTP_FROM: %(value)s: %(rule)s", value=repr(raw), rule=wrong),
                           field="VYBORY_SMTP_FROM", code="mail_settings")
    return Address(addr_spec=raw)


# --- the journal ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Outcome:
    """One voter's delivery outcome: ``outcome`` is one of ``OUTCOMES``."""

    voter_id: str
    email: str
    outcome: str
    detail: str = ""
    at: str = ""


def read_journal(path: Path) -> dict[str, Outcome]:
    """Each voter's last outcome in the journal at ``path`` (none when there is no journal)."""
    if not path.exists():
        return {}
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    if not rows or tuple(rows[0]) != JOURNAL_COLUMNS:
        raise InvalidInput(say("%(path)s: line 1: must be the header %(header)s", path=str(path),
                               header=",".join(JOURNAL_COLUMNS)), field="journal", code="journal_unreadable")
    last: dict[str, Outcome] = {}
    for n, row in enumerate(rows[1:], start=2):
        if len(row) != len(JOURNAL_COLUMNS) or row[3] not in OUTCOMES:
            # A line cut short by a crash is the last one; anything else is a damaged journal.
            if n == len(rows):
                continue
            raise InvalidInput(say("%(path)s: line %(line)s: is not a line of the journal (%(header)s)",
                                   path=str(path), line=n, header=",".join(JOURNAL_COLUMNS)),
                               field="journal", code="journal_unreadable")
        at, voter_id, email, outcome, detail = row
        last[voter_id] = Outcome(voter_id, email, outcome, detail, at)
    return last


class Journal:
    """Appends outcomes to the journal, each line on disk before the next letter is sent."""

    def __init__(self, path: Path | None, clock: Callable[[], datetime]):
        self.path = path
        self.clock = clock
        self.outcomes: list[Outcome] = []
        self._handle: TextIO | None = None

    def __enter__(self) -> Self:
        if self.path is not None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._drop_cut_line()
            fresh = not self.path.exists() or self.path.stat().st_size == 0
            descriptor = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
            self._handle = os.fdopen(descriptor, "a", encoding="utf-8", newline="")
            if fresh:
                csv.writer(self._handle).writerow(JOURNAL_COLUMNS)
        return self

    def _drop_cut_line(self) -> None:
        """A line a crash cut short (no line end) is removed: its attempt has no outcome."""
        assert self.path is not None
        if not self.path.exists():
            return
        data = self.path.read_bytes()
        if data and not data.endswith(b"\n"):
            with self.path.open("r+b") as handle:
                handle.truncate(data.rfind(b"\n") + 1)

    def __exit__(self, *_exc: object) -> None:
        if self._handle is not None:
            self._handle.close()

    def record(self, voter_id: str, email: str, outcome: str, detail: str = "", secret: str = "") -> Outcome:
        detail = redact(detail, secret)
        entry = Outcome(voter_id, email, outcome, detail, format_time(self.clock()))
        self.outcomes.append(entry)
        if self._handle is not None:
            csv.writer(self._handle).writerow([entry.at, voter_id, email, outcome, detail])
            self._handle.flush()
            os.fsync(self._handle.fileno())
        log.info("letter for roll number %s: %s%s", voter_id, outcome, f" ({detail})" if detail else "")
        return entry


def redact(text: str, secret: str = "") -> str:
    """``text`` without anything that looks like a credential (a server may echo the message)."""
    if secret:
        text = text.replace(secret, "[credential]").replace(secret.replace("-", ""), "[credential]")
    return CREDENTIAL_RE.sub("[credential]", text)


def _reason(code: int, message: bytes | str) -> str:
    words = message.decode("utf-8", "replace") if isinstance(message, bytes) else str(message)
    return f"{code} {' '.join(words.split())}".strip()


# --- sending --------------------------------------------------------------------------------


class ConnectionLost(Exception):
    """The mail server went away in the middle of a run; ``reason`` says how."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def _is_loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host == "localhost"


def connect(settings: MailSettings) -> smtplib.SMTP:
    """An open, authenticated SMTP session, or :class:`~vybory.errors.Refused` saying why not
    (server unreachable, no STARTTLS where it is required, a certificate that does not verify,
    a login refused)."""
    context = ssl.create_default_context(cafile=settings.ca_file or None)
    where = settings.where()
    session: smtplib.SMTP | None = None
    try:
        if settings.security == "ssl":
            session = smtplib.SMTP_SSL(settings.host, settings.port, timeout=settings.timeout, context=context)
        else:
            session = smtplib.SMTP(settings.host, settings.port, timeout=settings.timeout)
        session.ehlo()
        if settings.security == "starttls":
            if not session.has_extn("starttls"):
                raise Refused(say("the mail server %(server)s does not offer STARTTLS: the letters would cross "
                                  "the network readable by anyone on the way; use a server that does, or set "
                                  "VYBORY_SMTP_SECURITY=ssl (or none, for a server on this machine only)",
                                  server=where), field="VYBORY_SMTP_SECURITY", code="mail_no_tls")
            session.starttls(context=context)
            session.ehlo()
        if settings.user:
            session.login(settings.user, settings.password)
    except Refused:
        _close(session)
        raise
    except ssl.SSLError as exc:
        _close(session)
        raise Refused(say("the mail server %(server)s: TLS failed (%(reason)s); with a private certificate "
                          "authority, give its certificate in VYBORY_SMTP_CA_FILE", server=where,
                          reason=getattr(exc, "verify_message", None) or exc.reason or str(exc)),
                      field="VYBORY_SMTP_SECURITY", code="mail_tls_failed") from None
    except smtplib.SMTPAuthenticationError as exc:
        _close(session)
        raise Refused(say("the mail server %(server)s refused the login of %(user)s: %(reason)s", server=where,
                          user=repr(settings.user), reason=_reason(exc.smtp_code, exc.smtp_error)),
                      field="VYBORY_SMTP_USER", code="mail_login_refused") from None
    except (smtplib.SMTPException, OSError) as exc:
        _close(session)
        raise Refused(say("cannot talk to the mail server %(server)s: %(reason)s", server=where,
                          reason=redact(str(exc) or type(exc).__name__)),
                      field="VYBORY_SMTP_HOST", code="mail_unreachable") from None
    if settings.security == "none" and not _is_loopback(settings.host):
        log.warning("letters to %s go without TLS (VYBORY_SMTP_SECURITY=none)", where)
    return session


def probe(settings: MailSettings) -> None:
    """Connects (TLS, login) and leaves: a wrong setting is refused before anything is issued."""
    _close(connect(settings))


def _close(session: smtplib.SMTP | None) -> None:
    if session is None:
        return
    try:
        session.quit()
    except (smtplib.SMTPException, OSError):
        session.close()


def send_one(session: smtplib.SMTP, message: EmailMessage, sender: Address, to: str) -> tuple[str, str]:
    """Sends ``message`` to ``to``: ``("sent", "")`` or ``("refused", server's reason)``; raises
    :class:`ConnectionLost` when the connection broke (the letter may or may not have gone)."""
    try:
        session.send_message(message, from_addr=sender.addr_spec, to_addrs=[to])
    except smtplib.SMTPRecipientsRefused as exc:
        code, why = exc.recipients.get(to, (0, b"refused"))
        return "refused", _reason(code, why)
    except smtplib.SMTPServerDisconnected as exc:
        raise ConnectionLost(str(exc) or "the server closed the connection") from None
    except smtplib.SMTPResponseException as exc:
        if exc.smtp_code == 421:  # the server is closing the connection
            raise ConnectionLost(_reason(exc.smtp_code, exc.smtp_error)) from None
        return "refused", _reason(exc.smtp_code, exc.smtp_error)
    except (smtplib.SMTPException, OSError) as exc:
        raise ConnectionLost(str(exc) or type(exc).__name__) from None
    return "sent", ""


@dataclass
class Run:
    """What one run did: every voter's outcome in roll order, and how it ended."""

    outcomes: list[Outcome]
    lost: str = ""  # why the connection broke, when it did
    skipped: list[str] = field(default_factory=list)  # roll numbers not tried after the break

    def count(self, outcome: str) -> int:
        return sum(1 for o in self.outcomes if o.outcome == outcome)


def send_letters(letters: Sequence[Letter], settings: MailSettings, journal_path: Path, *,
                 clock: Callable[[], datetime] = lambda: datetime.now(UTC),
                 session_factory: Callable[[MailSettings], smtplib.SMTP] = connect) -> Run:
    """Sends every letter whose voter has an address and whose last outcome in the journal is
    not ``sent``; records each outcome in the journal as it happens. A voter without an address
    is recorded ``no_address`` (their letter is to be printed). When the connection breaks,
    the letter in flight is ``failed``; if that connection had carried letters, a new one is
    opened and the letter tried again, otherwise the rest are left for the next run."""
    last = read_journal(journal_path)
    run = Run([])
    # Not again: a voter who has a letter, or who still has no address and was told so before.
    pending = [letter for letter in letters if letter.voter.id not in last
               or not (last[letter.voter.id].outcome == "sent"
                       or (last[letter.voter.id].outcome == "no_address" and not letter.voter.email))]
    with Journal(journal_path, clock) as journal:
        if not pending:
            return run
        session: smtplib.SMTP | None = None
        if any(letter.voter.email for letter in pending):
            session = session_factory(settings)
        delivered = 0  # letters accepted on the current connection
        k = 0
        try:
            while k < len(pending):
                letter = pending[k]
                voter = letter.voter
                if not voter.email:
                    run.outcomes.append(journal.record(voter.id, "", "no_address"))
                    k += 1
                    continue
                message = letter_message(letter, settings.sender, now=clock())
                try:
                    if session is None:
                        session = session_factory(settings)
                    outcome, detail = send_one(session, message, settings.sender, voter.email)
                except (ConnectionLost, Refused) as error:
                    reason = error.reason if isinstance(error, ConnectionLost) else str(error)
                    failed = journal.record(voter.id, voter.email, "failed", reason, letter.secret)
                    _close(session)
                    session = None
                    if delivered:
                        # The connection carried letters before it broke (a server's limit per
                        # connection, say): a new one tries this letter again.
                        delivered = 0
                        continue
                    run.outcomes.append(failed)
                    run.lost = redact(reason, letter.secret)
                    run.skipped = [rest.voter.id for rest in pending[k + 1:]]
                    return run
                if outcome == "sent":
                    delivered += 1
                run.outcomes.append(journal.record(voter.id, voter.email, outcome, detail, letter.secret))
                k += 1
        finally:
            _close(session)
    return run


def write_messages(letters: Iterable[Letter], sender: Address, folder: Path, *, now: datetime,
                   write: Callable[[Path, bytes], Any], file_name: Callable[[str], str]) -> Run:
    """The dry run: each letter with an address written as ``folder/<roll number>.eml`` (what
    would be sent, byte for byte), nothing sent; the outcomes (``written``, ``no_address``)
    recorded in ``folder/delivery.csv``."""
    run = Run([])
    (folder / JOURNAL).unlink(missing_ok=True)
    with Journal(folder / JOURNAL, lambda: now) as journal:
        for letter in letters:
            voter = letter.voter
            if not voter.email:
                run.outcomes.append(journal.record(voter.id, "", "no_address"))
                continue
            message = letter_message(letter, sender, now=now)
            write(folder / f"{file_name(voter.id)}.eml", message.as_bytes())
            run.outcomes.append(journal.record(voter.id, voter.email, "written"))
    return run


__all__ = [
    "JOURNAL",
    "OUTCOMES",
    "ConnectionLost",
    "MailSettings",
    "Outcome",
    "Run",
    "connect",
    "probe",
    "read_journal",
    "read_sender",
    "redact",
    "send_letters",
    "send_one",
    "write_messages",
]
