"""The "new election" form: its fields and rows, turned into a TOML definition the service checks.

The form has one field per setting of the definition (docs/definition.md) and one row per
district, organisation, trustee, observer and contest. A row's fields are named
``<list>-<row>-<column>`` (``contests-0-method``). Rows are added and removed by the form's own
buttons (``action=add:contests``, ``action=remove:contests:0``): the server shows the form again
with what was typed, so the page needs no script.

Ids may be left empty: the form makes one from the name (``north`` from "North") or numbers the
row (``district-2``). A trustee's organisation, an observer's organisation and a contest's
district may be given by id or by name.

Times are typed as the ``datetime-local`` fields send them (``YYYY-MM-DDTHH:MM``) in the time
zone the form names (``timezone``, an IANA name; UTC unless chosen), and converted to UTC for
the definition. A time that the zone skips or repeats (a clock change) is refused rather than
guessed.

Every problem is named by the field it is about: the form's own (:class:`FormRefused`), and the
definition's (:func:`field_of` maps a definition key such as ``contests[c1].district`` to the
field ``contests-0-district``). Nothing is created unless the definition parser accepts the whole.
"""

from __future__ import annotations

import functools
import json
import re
import secrets
import tomllib
import zoneinfo
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

from vybory.errors import InvalidInput
from vybory.model.definition import HOMOMORPHIC_METHODS, ID_RE, ORGANISATION_TYPES, RANKED_METHODS
from vybory.text import Text, say, say_plural

METHOD_NAMES = HOMOMORPHIC_METHODS + RANKED_METHODS
MAX_ROWS = 200
DEFAULT_ZONE = "UTC"
TIMES = ("nominations_close", "voting_open", "voting_close")
DAYS = ("runoff_days", "repeat_days", "appeal_days")
SCALARS = ("slug", "title", "credential_authority", "authority_key", "commission_key", "threshold",
           "timezone", *TIMES, *DAYS)
CHECKS = ("revote", "allow_organisation_threshold")


@dataclass(frozen=True, slots=True)
class Column:
    """One field of a row: its name, label, kind (text, number, select, lines) and whether the
    row needs it."""

    name: str
    label: Text
    kind: str = "text"
    required: bool = False
    hint: Text | None = None


@dataclass(frozen=True, slots=True)
class RowList:
    """One list of the form: its rows' columns, the words the page shows, how many rows a new
    form starts with and how few the list may have."""

    name: str
    title: Text
    item: Text
    add: Text
    columns: tuple[Column, ...]
    start: int
    least: int
    hint: Text | None = None

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)


ID_HINT = say("Latin letters, digits, - _ . (left empty: made from the name)")
LISTS: dict[str, RowList] = {
    spec.name: spec
    for spec in (
        RowList("districts", say("Districts"), say("District"), say("Add a district"), (
            Column("name", say("Name"), required=True),
            Column("id", say("Id"), hint=ID_HINT),
        ), 1, 1, say("Each district has its own voters and its own contests.")),
        RowList("organisations", say("Organisations"), say("Organisation"), say("Add an organisation"), (
            Column("name", say("Name"), required=True),
            Column("type", say("Type"), "select", required=True),
            Column("id", say("Id"), hint=ID_HINT),
        ), 2, 1, say("The organisations that nominate candidates and name trustees and observers.")),
        RowList("trustees", say("Trustees"), say("Trustee"), say("Add a trustee"), (
            Column("name", say("Name"), required=True),
            Column("organisation", say("Organisation (its name or id)"), required=True),
            Column("signing_key", say("Signing key (printed by `vybory trustee init`)"), required=True),
            Column("id", say("Id"), hint=ID_HINT),
        ), 3, 1, say("Commission members who each hold a share of the election key.")),
        RowList("observers", say("Observers"), say("Observer"), say("Add an observer"), (
            Column("name", say("Name"), required=True),
            Column("organisation", say("Sent by (an organisation's name or id; empty for press or "
                                       "public)")),
            Column("id", say("Id"), hint=ID_HINT),
        ), 0, 0, say("People who watch the count and verify the record; optional.")),
        RowList("contests", say("Contests"), say("Contest"), say("Add a contest"), (
            Column("title", say("Title"), required=True),
            Column("district", say("District (its name or id; empty when there is one)")),
            Column("method", say("Counting method"), "select", required=True),
            Column("seats", say("Seats"), "number"),
            Column("min_marks", say("Fewest names a ballot marks"), "number",
                   hint=say("only for methods where voters mark names; empty: the method's rule")),
            Column("max_marks", say("Most names a ballot marks"), "number",
                   hint=say("only for methods where voters mark names; empty: the method's rule")),
            Column("description", say("Description shown on the ballot")),
            Column("options", say("Settings of the method (one per line: name = value)"), "lines",
                   hint=say("empty: the method's defaults, listed beside each method below")),
            Column("id", say("Id"), hint=ID_HINT),
        ), 1, 1, say("Candidates are not listed here: the organisations nominate them once the "
                     "election exists, and the commission registers them.")),
    )
}

# The most fields a post of the form may hold: the settings, the buttons' and hidden fields
# (csrf_token, action, roll, roll_kept) and every column of MAX_ROWS rows of each list, as a
# browser posts them (empty ones too).
MAX_FIELDS = len(SCALARS) + len(CHECKS) + 4 + MAX_ROWS * sum(len(spec.columns) for spec in LISTS.values())

# The words for each counting method: a name and one line on what the voter does and who wins.
METHOD_WORDS: dict[str, tuple[Text, Text]] = {
    "plurality": (say("Plurality"), say("Each voter marks one name; the most votes win.")),
    "block": (say("Block vote"), say("Each voter marks up to as many names as there are seats; the "
                                     "most votes win.")),
    "approval": (say("Approval"), say("Each voter marks every candidate they accept; the most marks "
                                      "win.")),
    "strikeout": (say("Strike-out ballot (1937)"), say("Voters cross out the names they reject and "
                                                      "leave at most one per seat; an absolute "
                                                      "majority wins, otherwise a runoff.")),
    "majority": (say("Absolute majority with runoff (1937)"), say(
        "Each voter marks one name; more than half of the valid votes and a turnout quorum win, "
        "otherwise a runoff between the top two.")),
    "for-against": (say("For or against each candidate (1937)"), say(
        "Voters vote for or against every candidate separately; more than half for is elected.")),
    "motion": (say("Motion or referendum"), say("One question answered yes, no or abstain; yes "
                                                "needs more than the threshold.")),
    "score": (say("Score voting"), say("Voters give every candidate a score; the highest sum wins.")),
    "majority-judgment": (say("Majority judgment"), say("Voters grade every candidate; the highest "
                                                        "median grade wins.")),
    "irv": (say("Instant runoff (ranked, one seat)"), say(
        "Voters number the candidates in order; the last is excluded and their votes pass on, until "
        "one has a majority.")),
    "stv-scottish": (say("Single transferable vote, Scottish rules (ranked)"), say(
        "Voters number the candidates; surpluses and excluded candidates' votes pass on as in "
        "Scottish council elections.")),
    "stv-meek": (say("Single transferable vote, Meek's method (ranked)"), say(
        "Voters number the candidates; votes pass on by Meek's exact method (New Zealand rules).")),
    "stv-irish": (say("Single transferable vote, Irish rules (ranked)"), say(
        "Voters number the candidates; whole ballot papers pass on as in the Irish Dáil count.")),
    "schulze": (say("Schulze (ranked, Condorcet)"), say(
        "Voters number the candidates; the one who beats every other in head-to-head comparisons "
        "(by the strongest paths) wins.")),
    "ranked-pairs": (say("Ranked pairs (ranked, Condorcet)"), say(
        "Voters number the candidates; the head-to-head wins are locked in from the strongest "
        "down.")),
}
TYPE_WORDS: dict[str, Text] = {
    "party": say("party"),
    "trade_union": say("trade union"),
    "cooperative": say("co-operative"),
    "youth": say("youth organisation"),
    "cultural": say("cultural society"),
    "general_meeting": say("general meeting"),
    "professional": say("professional body"),
    "association": say("association"),
    "other": say("other"),
}
assert set(METHOD_WORDS) == set(METHOD_NAMES) and set(TYPE_WORDS) == set(ORGANISATION_TYPES)

ROW_FIELD = re.compile(r"([a-z]+)-([0-9]{1,4})-([a-z_]+)")


@dataclass(frozen=True, slots=True)
class ElectionForm:
    """What the form holds, as typed: the settings by name, and each list's rows."""

    values: Mapping[str, str]
    rows: Mapping[str, tuple[Mapping[str, str], ...]]
    checks: Mapping[str, bool]
    roll: str = ""

    def get(self, name: str) -> str:
        return self.values.get(name, "")

    @staticmethod
    def new() -> ElectionForm:
        """An empty form: UTC, the default days, revoting allowed, each list's first rows."""
        return ElectionForm(
            {"timezone": DEFAULT_ZONE, "runoff_days": "14", "repeat_days": "14", "appeal_days": "2",
             "threshold": "2"},
            {name: tuple({} for _ in range(spec.start)) for name, spec in LISTS.items()},
            {"revote": True, "allow_organisation_threshold": False},
        )

    @staticmethod
    def of(posted: Mapping[str, Any]) -> ElectionForm:
        """The form as posted. Refuses rows past :data:`MAX_ROWS` (a form no person typed)."""
        values = {name: _clean(posted.get(name)) for name in SCALARS}
        found: dict[str, dict[int, dict[str, str]]] = {name: {} for name in LISTS}
        for key, value in posted.items():
            match = ROW_FIELD.fullmatch(str(key))
            if not match or match.group(1) not in LISTS:
                continue
            name, index, column = match.group(1), int(match.group(2)), match.group(3)
            if column not in {c.name for c in LISTS[name].columns}:
                continue
            found[name].setdefault(index, {})[column] = _clean(value, lines=column == "options")
        rows = {}
        for name, by_index in found.items():
            if len(by_index) > MAX_ROWS:
                raise _too_many_rows(name)
            rows[name] = tuple(by_index[i] for i in sorted(by_index))
        checks = {name: _clean(posted.get(name)) in ("on", "true", "yes", "1") for name in CHECKS}
        return ElectionForm(values, rows, checks, _clean(posted.get("roll_kept"), lines=True))

    def adding(self, name: str) -> ElectionForm:
        """The same form with one more (empty) row in list ``name``."""
        if name not in LISTS:
            return self
        if len(self.rows.get(name, ())) >= MAX_ROWS:
            raise _too_many_rows(name)
        return replace(self, rows={**self.rows, name: (*self.rows.get(name, ()), {})})

    def removing(self, name: str, index: int) -> ElectionForm:
        """The same form without row ``index`` of list ``name``."""
        if name not in LISTS:
            return self
        kept = tuple(r for i, r in enumerate(self.rows.get(name, ())) if i != index)
        return replace(self, rows={**self.rows, name: kept})


def _too_many_rows(name: str) -> InvalidInput:
    return InvalidInput(
        say_plural("a form holds at most %(num)s row in a list", "a form holds at most %(num)s rows in a list",
                   MAX_ROWS),
        field=name, code="too_many_rows")


def _clean(value: Any, *, lines: bool = False) -> str:
    if not isinstance(value, str):
        return ""
    text = value.replace("\r\n", "\n").strip()
    return text if lines else " ".join(text.split())


# --- problems ------------------------------------------------------------------------------


class FormRefused(InvalidInput):
    """The form's own problems, each by the field it is about (``fields``: field -> words)."""

    code = "invalid_form"

    def __init__(self, fields: Mapping[str, list[Text]]):
        self.fields = {k: list(v) for k, v in fields.items()}
        count = sum(len(v) for v in self.fields.values())
        super().__init__(
            say_plural("the form has %(num)s problem: it is shown by its field; nothing was created",
                       "the form has %(num)s problems: each is shown by its field; nothing was created",
                       count),
            field=next(iter(self.fields), None),
        )


@dataclass(slots=True)
class _Collect:
    fields: dict[str, list[Text]] = field(default_factory=dict)

    def add(self, name: str, rule: Text) -> None:
        self.fields.setdefault(name, []).append(rule)


# --- building the definition ---------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Built:
    """The TOML text of the form's election, the deadlines in UTC, and where each definition
    entry came from (``origin[list][j]``: the form row of the list's j-th entry)."""

    toml: str
    utc: Mapping[str, datetime]
    origin: Mapping[str, tuple[int, ...]]
    contest_rows: Mapping[str, int]
    ids: Mapping[str, Mapping[int, str]] = field(default_factory=dict)

    def with_ids(self, form: ElectionForm) -> ElectionForm:
        """``form`` with every id the form made written into its row, so that the secretary sees
        the ids the problems name."""
        rows = {name: tuple({**row, "id": row.get("id") or self.ids.get(name, {}).get(i, "")}
                            for i, row in enumerate(entries)) for name, entries in form.rows.items()}
        return replace(form, rows=rows)


def toml_string(text: str) -> str:
    """A TOML basic string (JSON's string escapes are valid TOML)."""
    return json.dumps(text, ensure_ascii=False)


REGIONS = ("Africa", "America", "Antarctica", "Arctic", "Asia", "Atlantic", "Australia", "Europe",
           "Indian", "Pacific")


@functools.cache
def zones() -> tuple[str, ...]:
    """The time zones a form may name: UTC first, then the IANA zones named by region and city
    (``Europe/Moscow``), sorted; the old aliases (``W-SU``, ``Cuba``) are left out."""
    return (DEFAULT_ZONE, *sorted(z for z in zoneinfo.available_timezones() if z.split("/")[0] in REGIONS))


def zone_of(name: str) -> zoneinfo.ZoneInfo | None:
    """The IANA zone ``name``, or None when it is not one of :func:`zones` (so that no other
    name, a path for one, reaches the zone files)."""
    if name not in zones():
        return None
    return zoneinfo.ZoneInfo(name)


def to_utc(value: str, zone: zoneinfo.ZoneInfo) -> datetime | Text:
    """``YYYY-MM-DDTHH:MM[:SS]`` read in ``zone``, as a UTC datetime; or why it cannot be."""
    text = value.strip().replace(" ", "T")
    if not text:
        return say("is required")
    try:
        local = datetime.fromisoformat(text)
    except ValueError:
        return say("%(value)s is not a date and time (day, month, year, hours and minutes)",
                   value=repr(value))
    if local.tzinfo is not None:
        return say("give the time without a time zone: the form's time zone applies")
    if local.microsecond:
        return say("must be given to the whole second")
    early = local.replace(tzinfo=zone, fold=0)
    moment = early.astimezone(UTC)
    if moment.astimezone(zone).replace(tzinfo=None) != local:
        return say("%(time)s does not exist in %(zone)s (the clocks go forward): choose another time",
                   time=local.strftime("%Y-%m-%d %H:%M"), zone=zone.key)
    if early.utcoffset() != local.replace(tzinfo=zone, fold=1).utcoffset():
        return say("%(time)s happens twice in %(zone)s (the clocks go back): choose another time or "
                   "give it in UTC", time=local.strftime("%Y-%m-%d %H:%M"), zone=zone.key)
    return moment


def _slugged(name: str) -> str:
    text = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:64]
    # a name in another script leaves only its digits ("Цех 1" -> "1"): number the row instead
    return text if re.search(r"[a-z]", text) and ID_RE.match(text) else ""


def _ids(rows: list[tuple[int, Mapping[str, str]]], prefix: str) -> dict[int, str]:
    """Each row's id: as typed, else made from its name, else ``prefix-<row>``; never one another
    row already has."""
    taken = {r.get("id", "") for _, r in rows if r.get("id")}
    out: dict[int, str] = {}
    for index, row in rows:
        if row.get("id"):
            out[index] = row["id"]
            continue
        made = _slugged(row.get("name") or row.get("title") or "")
        if not made or made in taken:
            made = f"{prefix}-{index + 1}"
            while made in taken:
                made += "x"
        taken.add(made)
        out[index] = made
    return out


def _resolve(value: str, ids: Mapping[int, str], rows: Mapping[int, Mapping[str, str]]) -> str:
    """An id for ``value``: an id as typed, or the id of the row with that name."""
    if not value or value in ids.values():
        return value
    for index, row in rows.items():
        if (row.get("name") or row.get("title") or "").casefold() == value.casefold():
            return ids[index]
    return value


def _filled(form: ElectionForm, name: str) -> list[tuple[int, Mapping[str, str]]]:
    return [(i, row) for i, row in enumerate(form.rows.get(name, ())) if any(row.values())]


def _whole(value: str, name: str, c: _Collect, *, least: int) -> int | None:
    if not value:
        return None
    if not value.isdigit() or int(value) < least:
        c.add(name, say("%(value)s is not a whole number of at least %(least)s", value=repr(value),
                        least=least))
        return None
    return int(value)


def _option_lines(text: str, name: str, c: _Collect) -> dict[str, Any]:
    options: dict[str, Any] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        key, sep, raw = line.partition("=")
        key = key.strip()
        if not sep or not re.fullmatch(r"[a-z_]+", key):
            c.add(name, say("line %(number)s: %(line)s must be written as name = value",
                            number=number, line=repr(line.strip())))
            continue
        try:
            value: Any = tomllib.loads(f"v = {raw.strip()}")["v"]
        except tomllib.TOMLDecodeError:
            value = raw.strip()
        options[key] = value
    return options


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    return toml_string(str(value))


def build(form: ElectionForm, *, seed: str | None = None) -> Built:
    """The definition of the form's election (a fresh random seed unless given).

    Raises :class:`FormRefused` naming every field the form itself cannot read (times, numbers,
    a time zone, too few rows, option lines); the definition's own rules are the parser's.
    """
    c = _Collect()
    zone = zone_of(form.get("timezone") or DEFAULT_ZONE)
    utc: dict[str, datetime] = {}
    if zone is None:
        c.add("timezone", say("%(value)s is not a time zone of the list", value=repr(form.get("timezone"))))
    else:
        for name in TIMES:
            moment = to_utc(form.get(name), zone)
            if isinstance(moment, datetime):
                utc[name] = moment
            else:
                c.add(name, moment)
    days = {name: _whole(form.get(name), name, c, least=1) for name in DAYS}
    threshold = _whole(form.get("threshold"), "threshold", c, least=1)
    if threshold is None and not form.get("threshold"):
        c.add("threshold", say("is required (k: how many trustees together can decrypt)"))
    filled = {name: _filled(form, name) for name in LISTS}
    for name, spec in LISTS.items():
        if len(filled[name]) < spec.least:
            c.add(name, say_plural("needs at least %(num)s entry", "needs at least %(num)s entries",
                                   spec.least))
        for index, row in filled[name]:
            for column in spec.columns:
                if column.required and not row.get(column.name):
                    c.add(f"{name}-{index}-{column.name}", say("is required"))
    ids = {name: _ids(filled[name], name.removesuffix("s")) for name in LISTS}
    by_index = {name: dict(filled[name]) for name in LISTS}
    contest_fields: list[tuple[int, dict[str, Any]]] = []
    for index, row in filled["contests"]:
        where = f"contests-{index}"
        numbers = {k: _whole(row.get(k, ""), f"{where}-{k}", c, least=0 if k == "min_marks" else 1)
                   for k in ("seats", "min_marks", "max_marks")}
        options = _option_lines(row.get("options", ""), f"{where}-options", c)
        contest_fields.append((index, {**numbers, "options": options}))
    if c.fields:
        raise FormRefused(c.fields)

    lines = [
        f"slug = {toml_string(form.get('slug'))}",
        f"title = {toml_string(form.get('title'))}",
        f"seed = {toml_string(seed or secrets.token_hex(16))}",
        f"revote = {_toml_value(form.checks.get('revote', True))}",
        "",
        "[credential_authority]",
        f"name = {toml_string(form.get('credential_authority'))}",
        f"signing_key = {toml_string(form.get('authority_key'))}",
        "",
        "[deadlines]",
        *(f"{name} = {utc[name].strftime('%Y-%m-%dT%H:%M:%SZ')}" for name in TIMES),
        *(f"{name} = {value}" for name, value in days.items() if value is not None),
        "",
        "[commission]",
        f"threshold = {threshold}",
        f"allow_organisation_threshold = {_toml_value(form.checks.get('allow_organisation_threshold', False))}",
        f"signing_key = {toml_string(form.get('commission_key'))}",
    ]
    for index, d in filled["districts"]:
        lines += ["", "[[districts]]", f"id = {toml_string(ids['districts'][index])}",
                  f"name = {toml_string(d.get('name', ''))}"]
    for index, o in filled["organisations"]:
        lines += ["", "[[organisations]]", f"id = {toml_string(ids['organisations'][index])}",
                  f"name = {toml_string(o.get('name', ''))}", f"type = {toml_string(o.get('type', ''))}"]
    organisation = ids["organisations"], by_index["organisations"]
    for index, t in filled["trustees"]:
        lines += ["", "[[trustees]]", f"id = {toml_string(ids['trustees'][index])}",
                  f"name = {toml_string(t.get('name', ''))}",
                  f"organisation = {toml_string(_resolve(t.get('organisation', ''), *organisation))}",
                  f"signing_key = {toml_string(t.get('signing_key', ''))}"]
    for index, o in filled["observers"]:
        lines += ["", "[[observers]]", f"id = {toml_string(ids['observers'][index])}",
                  f"name = {toml_string(o.get('name', ''))}"]
        if o.get("organisation"):
            lines.append(f"organisation = {toml_string(_resolve(o['organisation'], *organisation))}")
    district = ids["districts"], by_index["districts"]
    for index, typed in contest_fields:
        row = by_index["contests"][index]
        lines += ["", "[[contests]]", f"id = {toml_string(ids['contests'][index])}",
                  f"title = {toml_string(row.get('title', ''))}",
                  f"method = {toml_string(row.get('method', ''))}"]
        if row.get("district"):
            lines.append(f"district = {toml_string(_resolve(row['district'], *district))}")
        if row.get("description"):
            lines.append(f"description = {toml_string(row['description'])}")
        lines += [f"{k} = {typed[k]}" for k in ("seats", "min_marks", "max_marks") if typed[k] is not None]
        if typed["options"]:
            lines += ["", "[contests.options]"]
            lines += [f"{k} = {_toml_value(v)}" for k, v in typed["options"].items()]
    origin = {name: tuple(i for i, _ in filled[name]) for name in LISTS}
    contest_rows: dict[str, int] = {}
    for index, _row in filled["contests"]:
        contest_rows.setdefault(ids["contests"][index], index)
    return Built("\n".join(lines) + "\n", utc, origin, contest_rows, ids)


# --- the definition's problems, by field --------------------------------------------------------

SCALAR_KEYS = {
    "slug": "slug", "title": "title", "revote": "revote",
    "credential_authority": "credential_authority", "credential_authority.name": "credential_authority",
    "credential_authority.signing_key": "authority_key",
    "commission": "threshold", "commission.threshold": "threshold",
    "commission.signing_key": "commission_key",
    "commission.allow_organisation_threshold": "allow_organisation_threshold",
    **{f"deadlines.{name}": name for name in (*TIMES, *DAYS)},
}
ENTRY_KEY = re.compile(r"([a-z]+)\[([^\]]*)\](?:\.([a-z_]+))?(?:\.([a-z_]+))?")


def field_of(key: str, built: Built | None) -> str | None:
    """The form field a definition key names (``contests[c1].options.quorum`` ->
    ``contests-0-options``), the list for a key about a whole list, None for the form as a whole."""
    if key in SCALAR_KEYS:
        return SCALAR_KEYS[key]
    if key in LISTS:
        return key
    match = ENTRY_KEY.fullmatch(key)
    if not match or match.group(1) not in LISTS or built is None:
        return None
    name, which, column = match.group(1), match.group(2), match.group(3)
    if which.isdigit() and int(which) < len(built.origin[name]):
        row = built.origin[name][int(which)]
    elif name == "contests" and which in built.contest_rows:
        row = built.contest_rows[which]
    else:
        return name
    if column is None:
        return f"{name}-{row}"
    if column == "signing_key" and name == "trustees":
        return f"{name}-{row}-signing_key"
    known = {c.name for c in LISTS[name].columns}
    return f"{name}-{row}-{column}" if column in known else f"{name}-{row}"


def by_field(problems: list[Any], built: Built | None) -> tuple[dict[str, list[Text]], list[Text]]:
    """The definition's problems as the form shows them: the rule of each, by the field its key
    names; the rest (the form as a whole) apart."""
    fields: dict[str, list[Text]] = {}
    general: list[Text] = []
    for found in problems:
        if isinstance(found, Text) and isinstance(found.params.get("rule"), Text):
            target = field_of(str(found.params.get("key", "")), built)
            if target is not None:
                fields.setdefault(target, []).append(found.params["rule"])
                continue
        general.append(found if isinstance(found, Text) else say("%(words)s", words=str(found)))
    return fields, general


def label_of(name: str) -> Text:
    """The words for a field in the list of problems: "Contest 2, Counting method"."""
    match = re.fullmatch(r"([a-z]+)-([0-9]+)(?:-([a-z_]+))?", name)
    if match and match.group(1) in LISTS:
        spec = LISTS[match.group(1)]
        row = say("%(item)s %(number)s", item=spec.item, number=int(match.group(2)) + 1)
        if match.group(3) is None:
            return row
        return say("%(row)s: %(field)s", row=row, field=spec.column(match.group(3)).label)
    if name in LISTS:
        return LISTS[name].title
    return FIELD_LABELS.get(name, say("%(words)s", words=name))


FIELD_LABELS: dict[str, Text] = {
    "title": say("Title"),
    "slug": say("Short name (slug)"),
    "revote": say("Voters may vote again"),
    "timezone": say("Time zone of the times"),
    "nominations_close": say("Nominations close"),
    "voting_open": say("Voting opens"),
    "voting_close": say("Voting closes"),
    "runoff_days": say("Days for a runoff"),
    "repeat_days": say("Days for a repeat election"),
    "appeal_days": say("Days to appeal a refused nomination"),
    "threshold": say("How many trustees together can decrypt (k)"),
    "allow_organisation_threshold": say("Let one organisation hold k trustees or more"),
    "credential_authority": say("Credential authority"),
    "authority_key": say("The credential authority's signing key"),
    "commission_key": say("The commission's signing key"),
    "roll": say("Voter roll"),
}
