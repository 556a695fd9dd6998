"""The "new election" form: its fields, turned into a TOML definition the service checks.

Lists are typed one entry per line, parts separated by ``|``:

- districts: ``id | name``
- organisations: ``id | name | type``
- trustees: ``id | name | organisation id``
- contests: ``id | title | district id | method | seats`` (seats optional, default 1)

Times are UTC (``YYYY-MM-DDTHH:MM`` as an HTML ``datetime-local`` field sends them).
A line with the wrong number of parts is refused naming the field and line;
everything else is checked by the definition parser, which names every
problem at once.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Mapping
from dataclasses import dataclass

from vybory.errors import InvalidInput
from vybory.text import say

LIST_FIELDS = {
    "districts": (("id", "name"), 2),
    "organisations": (("id", "name", "type"), 3),
    "trustees": (("id", "name", "organisation", "signing key"), 4),
    "contests": (("id", "title", "district", "method", "seats"), 4),
}


@dataclass(frozen=True, slots=True)
class ElectionForm:
    """What the form holds (text as typed)."""

    slug: str
    title: str
    credential_authority: str
    authority_key: str
    commission_key: str
    nominations_close: str
    voting_open: str
    voting_close: str
    runoff_days: str
    repeat_days: str
    threshold: str
    districts: str
    organisations: str
    trustees: str
    contests: str

    @staticmethod
    def of(values: Mapping[str, str]) -> ElectionForm:
        return ElectionForm(
            **{
                name: str(values.get(name, "") or "").strip()
                for name in ElectionForm.__dataclass_fields__
            }
        )


def toml_string(text: str) -> str:
    """A TOML basic string (JSON's string escapes are valid TOML)."""
    return json.dumps(text, ensure_ascii=False)


def toml_time(value: str, field: str) -> str:
    """``YYYY-MM-DDTHH:MM[:SS]`` (UTC) as a TOML offset date-time."""
    text = value.strip().replace(" ", "T")
    if len(text) == 16:
        text += ":00"
    if len(text) != 19 or text[4] != "-" or text[10] != "T":
        raise InvalidInput(
            say("%(value)s is not a date and time (YYYY-MM-DDTHH:MM, UTC)", value=repr(value)),
            field=field,
            code="bad_time",
        )
    return text + "Z"


def rows(text: str, field: str) -> list[list[str]]:
    names, minimum = LIST_FIELDS[field]
    out = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        parts = [part.strip() for part in line.split("|")]
        if not minimum <= len(parts) <= len(names):
            raise InvalidInput(
                say("line %(number)s: %(line)s must be %(names)s", number=number, line=repr(line.strip()), names=' | '.join(names)),
                field=field,
                code="bad_line",
            )
        out.append(parts)
    return out


def definition_toml(form: ElectionForm, *, seed: str | None = None) -> str:
    """The TOML text of the form's election (a fresh random seed unless given)."""
    lines = [
        f"slug = {toml_string(form.slug)}",
        f"title = {toml_string(form.title)}",
        f"seed = {toml_string(seed or secrets.token_hex(16))}",
        "",
        "[credential_authority]",
        f"name = {toml_string(form.credential_authority)}",
        f"signing_key = {toml_string(form.authority_key.lower())}",
        "",
        "[deadlines]",
        f"nominations_close = {toml_time(form.nominations_close, 'nominations_close')}",
        f"voting_open = {toml_time(form.voting_open, 'voting_open')}",
        f"voting_close = {toml_time(form.voting_close, 'voting_close')}",
    ]
    for name in ("runoff_days", "repeat_days"):
        value = getattr(form, name)
        if value:
            if not value.isdigit():
                raise InvalidInput(
                    say("%(value)s is not a whole number of days", value=repr(value)), field=name, code="bad_number"
                )
            lines.append(f"{name} = {int(value)}")
    if not form.threshold.isdigit():
        raise InvalidInput(
            say("k (how many trustees together can decrypt) must be a whole number"),
            field="threshold",
            code="bad_number",
        )
    lines += ["", "[commission]", f"threshold = {int(form.threshold)}",
              f"signing_key = {toml_string(form.commission_key.lower())}"]
    for d in rows(form.districts, "districts"):
        lines += ["", "[[districts]]", f"id = {toml_string(d[0])}", f"name = {toml_string(d[1])}"]
    for o in rows(form.organisations, "organisations"):
        lines += [
            "",
            "[[organisations]]",
            f"id = {toml_string(o[0])}",
            f"name = {toml_string(o[1])}",
            f"type = {toml_string(o[2])}",
        ]
    for t in rows(form.trustees, "trustees"):
        lines += [
            "",
            "[[trustees]]",
            f"id = {toml_string(t[0])}",
            f"name = {toml_string(t[1])}",
            f"organisation = {toml_string(t[2])}",
            f"signing_key = {toml_string(t[3].lower())}",
        ]
    for number, c in enumerate(rows(form.contests, "contests"), start=1):
        lines += [
            "",
            "[[contests]]",
            f"id = {toml_string(c[0])}",
            f"title = {toml_string(c[1])}",
            f"district = {toml_string(c[2])}",
            f"method = {toml_string(c[3])}",
        ]
        if len(c) > 4 and c[4]:
            if not c[4].isdigit():
                raise InvalidInput(
                    say("line %(number)s: seats %(value)s must be a whole number", number=number, value=repr(c[4])),
                    field="contests",
                    code="bad_number",
                )
            lines.append(f"seats = {int(c[4])}")
    return "\n".join(lines) + "\n"
