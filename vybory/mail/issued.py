"""The folder of issued letters as the credential authority's tools read it back: the private
table ``credentials.csv`` (roll columns with the addresses, and each voter's credential) and the
signed list ``credentials.json``. Reading it never makes a credential.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Mapping
from pathlib import Path

from vybory import protocol
from vybory.errors import InvalidInput, Refused, VyboryError
from vybory.mail.letters import Letter, site_problem
from vybory.mail.sending import MailSettings, read_sender
from vybory.model.canonical import parse_json
from vybory.model.definition import Definition, Voter, parse_roll
from vybory.model.signing import check_payload_signature
from vybory.text import joined, say


def _read(path: Path, what: str) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        raise InvalidInput(say("%(what)s %(path)s cannot be read", what=what, path=repr(str(path))), field=what,
                           code="file_unreadable") from None


CREDENTIALS_TABLE = "credentials.csv"
PUBLIC_LIST = "credentials.json"
TABLE_COLUMNS = ("id", "name", "district", "weight", "email", "language", "credential")
DRY_RUN_FOLDER = "mail"
LETTER_SETTINGS = "letter-settings.json"  # what the letters say beyond the roll: {"site": URL}


def check_site(site: str) -> str:
    """``site`` (``--site``) as the letters give it, or InvalidInput naming the rule."""
    wrong = site_problem(site)
    if wrong is not None:
        raise InvalidInput(say("%(value)s: %(rule)s", value=repr(site), rule=wrong), field="site",
                           code="bad_site")
    return site


def letter_settings(site: str) -> str:
    """The folder's ``letter-settings.json``, so that letters sent later say what the printed ones say."""
    return json.dumps({"site": site}) + "\n"


def read_site(folder: Path) -> str:
    """The site the letters in ``folder`` were issued with ("" for none, or a folder without the file)."""
    path = folder / LETTER_SETTINGS
    if not path.exists():
        return ""
    raw = parse_json(_read(path, "letter settings"), field="letter settings")
    site = raw.get("site", "") if isinstance(raw, dict) else None
    if not isinstance(site, str):
        raise InvalidInput(say("%(path)s: must be {\"site\": URL}", path=str(path)), field="letter settings",
                           code="file_unreadable")
    return check_site(site) if site else ""


def file_name(voter_id: str) -> str:
    """A roll number as a file name (letters/<name>.txt, mail/<name>.eml)."""
    return re.sub(r"[^A-Za-z0-9_.-]", "_", voter_id)


def credentials_table(rows: list[tuple[Voter, str]]) -> str:
    """The authority's private table (mail merge, and what ``credentials send`` reads)."""
    table = io.StringIO()
    writer = csv.writer(table)
    writer.writerow(TABLE_COLUMNS)
    for voter, secret in rows:
        writer.writerow([voter.id, voter.name, voter.district, voter.weight, voter.email, voter.language, secret])
    return table.getvalue()


def issued_letters(folder: Path, definition: Definition, fp: bytes, slug: str) -> list[Letter]:
    """The letters issued into ``folder``: its ``credentials.csv`` (addresses may have been
    corrected there), read as a roll (every line and column checked) and every credential
    required to be on the signed list ``credentials.json`` of this election, with the voter's
    district and weight, and in one letter only."""
    source = str(folder / CREDENTIALS_TABLE)
    text = _read(folder / CREDENTIALS_TABLE, "credentials table")
    signed = parse_json(_read(folder / PUBLIC_LIST, "signed list"), field="signed list")
    if not isinstance(signed, dict) or not isinstance(signed.get("credentials"), list):
        raise InvalidInput(say("%(path)s: is not a signed list of credentials", path=str(folder / PUBLIC_LIST)),
                           field="signed list", code="not_a_credential_list")
    check_payload_signature(definition, fp, "credentials_published", signed)
    rows = list(csv.reader(text.removeprefix("\ufeff").splitlines(keepends=True)))
    if not rows or [h.strip().lower() for h in rows[0]][-1:] != ["credential"]:
        raise InvalidInput(say("%(source)s: line 1: the last column must be 'credential' (the table "
                               "`vybory credentials issue` wrote)", source=source),
                           field="credentials table", code="not_a_credential_table")
    roll_text = io.StringIO()
    csv.writer(roll_text).writerows(row[:-1] for row in rows)
    voters = parse_roll(roll_text.getvalue(), definition, source=source)
    secrets = {row[0].strip(): row[-1].strip() for row in rows[1:] if row and any(c.strip() for c in row)}
    listed = {e.get("credential"): (e.get("district"), e.get("weight"))
              for e in signed["credentials"] if isinstance(e, dict)}
    given: dict[str, str] = {}  # public credential -> the roll number whose letter carries it
    problems = []
    column = len(rows[0])
    letters = []
    site = read_site(folder)
    for voter in voters:
        secret = secrets[voter.id]
        try:
            public = protocol.public_credential(secret).to_hex()
        except VyboryError:
            problems.append(say("%(source)s: roll number %(id)s, column %(column)s (credential): is not a "
                                "credential", source=source, id=voter.id, column=column))
            continue
        if public not in listed:
            problems.append(say("%(source)s: roll number %(id)s, column %(column)s (credential): is not on the "
                                "signed list %(list)s", source=source, id=voter.id, column=column,
                                list=PUBLIC_LIST))
            continue
        if public in given:
            problems.append(say("%(source)s: roll number %(id)s, column %(column)s (credential): is already the "
                                "credential of roll number %(other)s", source=source, id=voter.id, column=column,
                                other=given[public]))
            continue
        given[public] = voter.id
        if listed[public] != (voter.district, voter.weight):
            district, weight = listed[public]
            problems.append(say("%(source)s: roll number %(id)s, column %(column)s (credential): the signed list "
                                "%(list)s gives it to district %(district)s with weight %(weight)s, not to this "
                                "voter's", source=source, id=voter.id, column=column, list=PUBLIC_LIST,
                                district=repr(district), weight=weight))
            continue
        letters.append(Letter(definition.title, slug, fp.hex(), voter, definition.district(voter.district).name,
                              secret, site))
    if problems:
        raise Refused(joined(problems), field="credentials table", code="credential_not_listed")
    return letters


def roll_columns(roll_text: str) -> list[str]:
    """The column names of a roll file's header line, as :func:`parse_roll` reads them."""
    return [h.strip().lower() for h in next(csv.reader(roll_text.removeprefix("\ufeff").splitlines()), [])]


def roll_has_addresses(roll_text: str) -> bool:
    """Whether a roll file's header has the letters' columns (email, language)."""
    return bool({"email", "language"} & set(roll_columns(roll_text)))


def check_can_send(env: Mapping[str, str], voters: list[Voter], roll_text: str | None,
                   dry_run: bool) -> MailSettings | None:
    """Before anything is issued: the settings (``None`` for a dry run, which needs only the From
    address) and a roll that has addresses. Refused with nothing issued and nothing sent."""
    settings = None
    if dry_run:
        read_sender(env)
    else:
        settings = MailSettings.from_environment(env)
    if roll_text is not None and "email" not in roll_columns(roll_text):
        raise InvalidInput(say("the roll: line 1: --send needs an 'email' column (the voters' addresses)"),
                           field="roll", code="roll_without_addresses")
    if not any(v.email for v in voters):
        raise InvalidInput(say("no voter on the roll has an e-mail address: the addresses are in the "
                               "'email' column of your copy of the roll (--roll); the service never keeps them"),
                           field="roll", code="roll_without_addresses")
    return settings




__all__ = [
    "CREDENTIALS_TABLE",
    "DRY_RUN_FOLDER",
    "LETTER_SETTINGS",
    "PUBLIC_LIST",
    "check_can_send",
    "check_site",
    "credentials_table",
    "file_name",
    "issued_letters",
    "letter_settings",
    "read_site",
    "roll_columns",
    "roll_has_addresses",
]
