"""One voter's credential letter, in the voter's language (the roll's ``language``, English
when it is empty), as printed text or as an e-mail message.

The words go through the message catalogue (:func:`vybory.text.say`, rendered with
:func:`vybory.web.i18n.localise`), so the Russian letter is the catalogue's Russian.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from urllib.parse import urlsplit

from vybory.model.definition import Voter
from vybory.text import Text, say
from vybory.web.i18n import DEFAULT_LANGUAGE, localise


@dataclass(frozen=True, slots=True)
class Letter:
    """What a letter says about its election and its voter (``secret`` is the credential)."""

    title: str
    slug: str
    fingerprint: str
    voter: Voter
    district: str
    secret: str
    site: str = ""  # the election's web address, for the booth link; none when empty

    @property
    def language(self) -> str:
        return self.voter.language or DEFAULT_LANGUAGE


def booth_link(site: str, slug: str, lang: str) -> str:
    """The booth's address on the election's site, in the voter's language."""
    return f"{site.rstrip('/')}/elections/{slug}/booth?lang={lang}"


def site_problem(site: str) -> Text | None:
    """Why ``site`` is not a web address a letter can point to (``https://host[/path]``)."""
    parts = urlsplit(site)
    if (parts.scheme not in ("https", "http") or not parts.hostname or parts.query or parts.fragment
            or not site.isascii() or not site.isprintable() or " " in site):
        return say("must be the election site's web address, such as https://vote.example.org")
    return None


def _paragraphs(letter: Letter) -> list[Text]:
    voter, secret, slug = letter.voter, letter.secret, letter.slug
    browser = ([say("To vote in your browser, open %(link)s\n"
                    "and type the credential when the booth asks for it. Check that the address is the one\n"
                    "the commission published: never type your credential on another site.",
                    link=booth_link(letter.site, slug, letter.language))] if letter.site else [])
    return [
        say("Voting credential for: %(name)s (roll number %(id)s)", name=voter.name, id=voter.id),
        say("District: %(district)s", district=letter.district),
        say("    Your secret credential:   %(secret)s", secret=secret),
        say("Keep this letter to yourself. Whoever holds the credential can vote in your name;\n"
            "nobody else has it, and the election's server never sees it."),
        say("You may vote again as often as you like while voting is open: only your last ballot\n"
            "counts. If someone watches you vote, vote again later, alone."),
        *browser,
        say("To vote from the command line:\n"
            "    vybory vote %(slug)s --credential %(secret)s --choice CONTEST=CANDIDATE\n"
            "(run `vybory vote %(slug)s --credential %(secret)s` to see your ballot first).",
            slug=slug, secret=secret),
        say("Election fingerprint: %(fingerprint)s", fingerprint=letter.fingerprint),
    ]


def letter_text(letter: Letter) -> str:
    """The letter as plain text, ready to print or to send, in the voter's language."""
    lang = letter.language
    first, district, credential, *rest = (localise(lang, p) for p in _paragraphs(letter))
    title = letter.title
    return (f"{title}\n{'=' * len(title)}\n\n{first}\n{district}\n\n{credential}\n\n"
            + "\n\n".join(rest) + "\n")


def letter_subject(letter: Letter) -> str:
    """The e-mail's subject line (no credential in it: subjects show in lists and logs)."""
    return localise(letter.language, say("Your voting credential: %(title)s", title=_one_line(letter.title)))


def _one_line(text: str) -> str:
    """``text`` with its whitespace (line breaks included) as single spaces: fit for a header."""
    return " ".join(text.split())


def letter_message(letter: Letter, sender: Address, *, now: datetime) -> EmailMessage:
    """The letter as an e-mail to the voter's address, from ``sender``."""
    message = EmailMessage()
    message["From"] = sender
    message["To"] = Address(display_name=_one_line(letter.voter.name), addr_spec=letter.voter.email)
    message["Subject"] = letter_subject(letter)
    message["Date"] = format_datetime(now)
    message["Message-ID"] = make_msgid(domain=sender.domain or None)
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(letter_text(letter), charset="utf-8")
    message["Content-Language"] = letter.language  # after set_content, which drops Content-* headers
    return message


__all__ = ["Letter", "booth_link", "letter_message", "letter_subject", "letter_text", "site_problem"]
