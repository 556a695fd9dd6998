"""A real SMTP server for the tests (aiosmtpd, on 127.0.0.1, in a thread of the test): it keeps
every message it accepts, and can refuse recipients, drop the connection after some letters,
offer STARTTLS with a certificate made for the test, and require a login."""

from __future__ import annotations

import ssl
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from serverkit import free_port


@dataclass
class Mailbox:
    """What the server does and what it got: ``refuse`` maps an address to the reply it gets at
    RCPT; after ``drop_after`` accepted messages the next DATA closes the connection unanswered;
    after ``per_connection`` messages on one connection the next MAIL gets 421 (a provider's
    limit; the client then closes the connection, as RFC 5321 says)."""

    refuse: dict[str, str] = field(default_factory=dict)
    drop_after: int | None = None
    per_connection: int | None = None
    connections: set[int] = field(default_factory=set)
    login: tuple[str, str] | None = None
    received: list[tuple[list[str], bytes]] = field(default_factory=list)
    logins: list[str] = field(default_factory=list)

    async def handle_MAIL(self, server: Any, session: Any, envelope: Any, address: str,
                          mail_options: Any) -> str:
        self.connections.add(id(session))
        if self.per_connection is not None and getattr(session, "letters", 0) >= self.per_connection:
            return "421 4.7.0 too many messages on one connection"
        envelope.mail_from = address
        return "250 OK"

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str,
                          rcpt_options: Any) -> str:
        if address in self.refuse:
            return self.refuse[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.drop_after is not None and len(self.received) >= self.drop_after:
            server.transport.close()
            return "421 closing"
        self.received.append((list(envelope.rcpt_tos), bytes(envelope.original_content or envelope.content)))
        session.letters = getattr(session, "letters", 0) + 1
        return "250 2.0.0 queued"

    def authenticate(self, server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any) -> AuthResult:
        if not isinstance(auth_data, LoginPassword) or self.login is None:
            return AuthResult(success=False, handled=False)
        user, password = auth_data.login.decode(), auth_data.password.decode()
        self.logins.append(user)
        return AuthResult(success=(user, password) == self.login, handled=False)

    def messages(self) -> list[EmailMessage]:
        return [message_from_bytes(raw, policy=policy.default) for _to, raw in self.received]  # type: ignore[misc]

    def recipients(self) -> list[str]:
        return [to for tos, _raw in self.received for to in tos]


def make_certificate(folder: Path) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 (openssl): ``(certificate, key)``."""
    cert, key = folder / "smtp-cert.pem", folder / "smtp-key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                    "-nodes", "-keyout", str(key), "-out", str(cert), "-days", "2", "-subj", "/CN=localhost",
                    "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost"],
                   check=True, capture_output=True)
    return cert, key


@contextmanager
def smtp_server(mailbox: Mailbox, *, certificate: tuple[Path, Path] | None = None,
                implicit_tls: bool = False) -> Iterator[int]:
    """Runs the server for ``mailbox``; yields its port. With ``certificate`` it offers STARTTLS
    and requires it, or with ``implicit_tls`` speaks TLS from the first byte (and, with
    ``mailbox.login``, requires a login over it)."""
    options: dict[str, Any] = {}
    if certificate is not None:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(str(certificate[0]), str(certificate[1]))
        if implicit_tls:
            options.update(ssl_context=context)
        else:
            options.update(tls_context=context, require_starttls=True)
    if mailbox.login is not None:
        # Over implicit TLS aiosmtpd does not know the connection is encrypted: it is.
        options.update(authenticator=mailbox.authenticate, auth_required=True, auth_require_tls=not implicit_tls)
    port = free_port()
    controller = Controller(mailbox, hostname="127.0.0.1", port=port, **options)
    controller.start()
    try:
        yield port
    finally:
        controller.stop()
