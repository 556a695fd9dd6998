"""The election definition: a TOML file an administrator writes, checked key by key.

``parse_definition`` reads the TOML text and returns a :class:`Definition`, or
raises :class:`~vybory.errors.InvalidDefinition` listing every problem at once,
each as ``"file: key: rule"``. ``Definition.to_json()`` is the normalised form
(the same keys as the TOML file, every default filled in, options resolved by
the counting method); ``fingerprint`` is SHA-256 over its canonical JSON.
``definition_from_json`` reads that form back (the record's copy).
``parse_roll`` reads the voter roll (CSV: id, name, district, weight).

The format is documented key by key in docs/definition.md; the JSON Schema is
vybory/model/definition.schema.json.
"""

from __future__ import annotations

import csv
import hashlib
import re
import tomllib
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from fractions import Fraction
from typing import Any

from vybory.crypto.group import Point
from vybory.errors import InvalidDefinition, InvalidInput, VyboryError
from vybory.model.canonical import canonical_json
from vybory.rules import METHODS
from vybory.rules.outcome import number_to_json
from vybory.text import Text, joined, say, say_plural

FORMAT = "vybory-definition"
VERSION = 2

ORGANISATION_TYPES = (
    "party",
    "trade_union",
    "cooperative",
    "youth",
    "cultural",
    "general_meeting",
    "professional",
    "association",
    "other",
)

# Methods whose contests the homomorphic tally counts (ballots encrypted per selection).
HOMOMORPHIC_METHODS = (
    "plurality",
    "block",
    "approval",
    "strikeout",
    "majority",
    "for-against",
    "motion",
    "score",
    "majority-judgment",
)
# Methods whose ballots cannot be added up: each ballot is a ranking (a candidate x rank 0/1
# matrix), counted one by one after the verifiable mixnet (spec §17).
RANKED_METHODS = (
    "irv",
    "stv-scottish",
    "stv-meek",
    "stv-irish",
    "schulze",
    "ranked-pairs",
)
# Methods for which min_marks / max_marks mean "how many names a ballot marks".
MARK_METHODS = ("plurality", "block", "approval", "strikeout", "majority")

SLUG_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")
ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
HEX_RE = re.compile(r"^[0-9a-fA-F]*$")
SEED_RE = re.compile(r"^[0-9a-fA-F]{32,128}$")
MAX_TEXT = 500
# Rule options vybory sets itself for each round (not part of a definition).
ROUND_OPTIONS = ("round",)
EXAMPLE_TIME = "2025-05-11T18:00:00Z"


@dataclass(frozen=True, slots=True)
class District:
    """A district: its own voter list, its own contests.

    Invariants: ``id`` matches ``ID_RE``; ``name`` is non-empty.
    """

    id: str
    name: str

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "name": self.name}


@dataclass(frozen=True, slots=True)
class Organisation:
    """An organisation that may nominate candidates and names trustees and observers.

    Invariants: ``type`` is one of ``ORGANISATION_TYPES``.
    """

    id: str
    name: str
    type: str

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "name": self.name, "type": self.type}


@dataclass(frozen=True, slots=True)
class Trustee:
    """A commission member holding one key share.

    Invariants: ``organisation`` is the id of an organisation of the definition.
    """

    id: str
    name: str
    organisation: str
    signing_key: Point

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "name": self.name, "organisation": self.organisation,
                "signing_key": self.signing_key.to_hex()}


@dataclass(frozen=True, slots=True)
class Authority:
    """The credential authority: a name and the long-term key that signs its credential list."""

    name: str
    signing_key: Point

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "signing_key": self.signing_key.to_hex()}


@dataclass(frozen=True, slots=True)
class Observer:
    """Someone who watches and verifies; ``organisation`` may be ``None`` (press, public)."""

    id: str
    name: str
    organisation: str | None

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "name": self.name, "organisation": self.organisation}


@dataclass(frozen=True, slots=True)
class Contest:
    """One contest of the definition (candidates come later, from nominations).

    Invariants: ``method`` is one of ``HOMOMORPHIC_METHODS`` or ``RANKED_METHODS``; ``options`` is
    the method's option set resolved with defaults, exact numbers written as
    ``int`` or ``"p/q"``; ``seats >= 1``; ``min_marks``/``max_marks`` are set
    only for mark methods and then ``0 <= min_marks <= max_marks``.
    """

    id: str
    title: str
    district: str
    seats: int
    method: str
    options: Mapping[str, Any]
    min_marks: int | None = None
    max_marks: int | None = None
    description: str = ""

    @property
    def is_motion(self) -> bool:
        """A motion has no candidates: its selections are yes, no, abstain."""
        return self.method == "motion"

    @property
    def is_ranked(self) -> bool:
        """A ranked contest's ballots go through the mixnet and are counted one by one."""
        return self.method in RANKED_METHODS

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "title": self.title,
            "description": self.description,
            "district": self.district,
            "seats": self.seats,
            "method": self.method,
            "options": dict(self.options),
            "min_marks": self.min_marks,
            "max_marks": self.max_marks,
        }


@dataclass(frozen=True, slots=True)
class Deadlines:
    """When each phase ends (UTC), and how long later rounds last.

    Invariants: ``nominations_close < voting_open < voting_close``, all aware
    UTC datetimes with whole seconds; ``runoff_days``, ``repeat_days``,
    ``appeal_days`` >= 1.
    """

    nominations_close: datetime
    voting_open: datetime
    voting_close: datetime
    runoff_days: int = 14
    repeat_days: int = 14
    appeal_days: int = 2

    @property
    def runoff_duration(self) -> timedelta:
        return timedelta(days=self.runoff_days)

    @property
    def repeat_duration(self) -> timedelta:
        return timedelta(days=self.repeat_days)

    @property
    def appeal_duration(self) -> timedelta:
        return timedelta(days=self.appeal_days)

    def to_json(self) -> dict[str, Any]:
        return {
            "nominations_close": format_time(self.nominations_close),
            "voting_open": format_time(self.voting_open),
            "voting_close": format_time(self.voting_close),
            "runoff_days": self.runoff_days,
            "repeat_days": self.repeat_days,
            "appeal_days": self.appeal_days,
        }


@dataclass(frozen=True, slots=True)
class Definition:
    """A checked election definition.

    Invariants: ids are unique within their list; every reference (district,
    organisation) names an entry of the definition; ``1 <= threshold <=
    len(trustees)``; unless ``allow_organisation_threshold``, no organisation
    holds ``threshold`` trustees or more; ``seed`` is lower-case hex; every signing key (each
    trustee's, the credential authority's, the commission's) is a valid point other than the
    identity, and no two of them are equal.
    """

    slug: str
    title: str
    seed: str
    credential_authority: Authority
    deadlines: Deadlines
    districts: tuple[District, ...]
    organisations: tuple[Organisation, ...]
    threshold: int
    commission_key: Point
    trustees: tuple[Trustee, ...]
    contests: tuple[Contest, ...]
    observers: tuple[Observer, ...] = ()
    allow_organisation_threshold: bool = False
    revote: bool = True
    public_roll: bool = False
    version: int = VERSION
    _index: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        self._index.update(
            districts={d.id: d for d in self.districts},
            organisations={o.id: o for o in self.organisations},
            trustees={t.id: t for t in self.trustees},
            contests={c.id: c for c in self.contests},
        )

    @property
    def seed_bytes(self) -> bytes:
        return bytes.fromhex(self.seed)

    def district(self, district_id: str) -> District:
        return self._index["districts"][district_id]

    def organisation(self, organisation_id: str) -> Organisation:
        return self._index["organisations"][organisation_id]

    def trustee(self, trustee_id: str) -> Trustee:
        return self._index["trustees"][trustee_id]

    def contest(self, contest_id: str) -> Contest:
        return self._index["contests"][contest_id]

    def has_district(self, district_id: str) -> bool:
        return district_id in self._index["districts"]

    def has_organisation(self, organisation_id: str) -> bool:
        return organisation_id in self._index["organisations"]

    def has_contest(self, contest_id: str) -> bool:
        return contest_id in self._index["contests"]

    def has_trustee(self, trustee_id: str) -> bool:
        return trustee_id in self._index["trustees"]

    def contests_in(self, district_id: str) -> tuple[Contest, ...]:
        return tuple(c for c in self.contests if c.district == district_id)

    def to_json(self) -> dict[str, Any]:
        """The normalised definition (the object the fingerprint hashes). ``public_roll`` is in it only
        when true, so that every definition without it keeps its fingerprint."""
        out = {
            "format": FORMAT,
            "version": self.version,
            "slug": self.slug,
            "title": self.title,
            "seed": self.seed,
            "credential_authority": self.credential_authority.to_json(),
            "revote": self.revote,
            "deadlines": self.deadlines.to_json(),
            "districts": [d.to_json() for d in self.districts],
            "organisations": [o.to_json() for o in self.organisations],
            "commission": {
                "threshold": self.threshold,
                "allow_organisation_threshold": self.allow_organisation_threshold,
                "signing_key": self.commission_key.to_hex(),
            },
            "trustees": [t.to_json() for t in self.trustees],
            "observers": [o.to_json() for o in self.observers],
            "contests": [c.to_json() for c in self.contests],
        }
        if self.public_roll:
            out["public_roll"] = True
        return out


@dataclass(frozen=True, slots=True)
class Voter:
    """One line of the voter roll. Never on the board.

    Invariants: ``district`` names a district of the definition; ``weight >= 1``; ``email`` is
    empty or an address :func:`address_problem` accepts; ``language`` is empty (English) or one of
    ``LETTER_LANGUAGES``. ``email`` and ``language`` are for the credential authority's letters:
    neither is in the roll's commitment, and the service never stores them.
    """

    id: str
    name: str
    district: str
    weight: int = 1
    email: str = ""
    language: str = ""


# --- time ---------------------------------------------------------------------


def format_time(moment: datetime) -> str:
    """``YYYY-MM-DDTHH:MM:SSZ`` for an aware UTC datetime."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_time(value: Any) -> datetime:
    """An aware UTC datetime from an ISO 8601 string or a TOML datetime.

    Raises ValueError (with the reason) for a date without time, a time
    without an offset, an offset other than UTC or fractional seconds.
    """
    if isinstance(value, str):
        text = value.strip()
        if text.endswith(("Z", "z")):
            text = text[:-1] + "+00:00"
        try:
            value = datetime.fromisoformat(text)
        except ValueError:
            raise ValueError(say("%(value)s is not an ISO 8601 date and time", value=repr(value))) from None
    if isinstance(value, date) and not isinstance(value, datetime):
        raise ValueError(say("needs a time of day too, such as %(example)s", example=EXAMPLE_TIME))  # noqa: TRY004
    if not isinstance(value, datetime):
        raise ValueError(say("must be a date and time such as %(example)s, not %(value)s",  # noqa: TRY004
                             example=EXAMPLE_TIME, value=repr(value)))
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(say("needs the UTC offset: write Z at the end, such as %(example)s",
                             example=EXAMPLE_TIME))
    if value.utcoffset() != timedelta(0):
        raise ValueError(say("must be in UTC (ending in Z or +00:00)"))
    if value.microsecond:
        raise ValueError(say("must be given to the whole second"))
    return value.astimezone(UTC)


# --- building and checking ----------------------------------------------------


def problem(source: str, key: str, rule: Text) -> Text:
    """One problem of a definition: ``"source: key: rule"``, a message whose parameters keep the
    key (``contests[c1].district``) and the rule (itself a message) apart, so that a page can
    show the rule, translated, beside the field the key names."""
    return say("%(source)s: %(key)s: %(rule)s", source=source, key=key, rule=rule)


class _Problems:
    """Collects the problems (:func:`problem`) of one definition."""

    def __init__(self, source: str):
        self.source = source
        self.lines: list[Text] = []

    def add(self, key: str, rule: Text) -> None:
        self.lines.append(problem(self.source, key, rule))


def _unknown_keys(obj: Mapping[str, Any], allowed: tuple[str, ...], where: str, p: _Problems) -> None:
    for key in obj:
        if key not in allowed:
            p.add(f"{where}.{key}" if where else key,
                  say("unknown key (allowed here: %(allowed)s)", allowed=", ".join(allowed)))


def _text(obj: Mapping[str, Any], key: str, where: str, p: _Problems, *, required: bool = True,
          default: str = "") -> str:
    name = f"{where}.{key}" if where else key
    if key not in obj:
        if required:
            p.add(name, say("is required"))
        return default
    value = obj[key]
    if not isinstance(value, str):
        p.add(name, say("must be text, not %(kind)s", kind=type(value).__name__))
        return default
    value = value.strip()
    if required and not value:
        p.add(name, say("must not be empty"))
    if len(value) > MAX_TEXT:
        p.add(name, say_plural("is longer than %(num)s character", "is longer than %(num)s characters",
                               MAX_TEXT))
    return value


def _ident(obj: Mapping[str, Any], key: str, where: str, p: _Problems) -> str:
    value = _text(obj, key, where, p)
    if value and not ID_RE.match(value):
        p.add(f"{where}.{key}", say("%(value)s is not a valid id (Latin letters, digits, '-', '_', '.'; "
                                    "starts with a letter or digit; at most 64 characters)",
                                    value=repr(value)))
    return value


def _int(obj: Mapping[str, Any], key: str, where: str, p: _Problems, *, minimum: int,
         default: int | None = None, maximum: int = 10**6) -> int | None:
    name = f"{where}.{key}" if where else key
    if key not in obj or obj[key] is None:
        if default is None and key not in obj:
            return None
        return default
    value = obj[key]
    if isinstance(value, bool) or not isinstance(value, int):
        p.add(name, say("must be a whole number, not %(value)s", value=repr(value)))
        return default
    if not minimum <= value <= maximum:
        p.add(name, say("must be between %(minimum)s and %(maximum)s, not %(value)s",
                        minimum=minimum, maximum=maximum, value=value))
        return default
    return value


def _bool(obj: Mapping[str, Any], key: str, where: str, p: _Problems, default: bool) -> bool:
    name = f"{where}.{key}" if where else key
    if key not in obj:
        return default
    value = obj[key]
    if not isinstance(value, bool):
        p.add(name, say("must be true or false, not %(value)s", value=repr(value)))
        return default
    return value


def _table(obj: Mapping[str, Any], key: str, p: _Problems, *, required: bool = True) -> Mapping[str, Any]:
    if key not in obj:
        if required:
            p.add(key, say("is required (a table)"))
        return {}
    value = obj[key]
    if not isinstance(value, Mapping):
        p.add(key, say("must be a table"))
        return {}
    return value


def _array(obj: Mapping[str, Any], key: str, p: _Problems, *, required: bool = True) -> list[Mapping[str, Any]]:
    if key not in obj:
        if required:
            p.add(key, say("is required (at least one entry)"))
        return []
    value = obj[key]
    if not isinstance(value, list):
        p.add(key, say("must be a list of tables ([[%(key)s]])", key=key))
        return []
    items = []
    for i, item in enumerate(value):
        if not isinstance(item, Mapping):
            p.add(f"{key}[{i}]", say("must be a table"))
        else:
            items.append(item)
    if required and not value:
        p.add(key, say("needs at least one entry"))
    return items


def _signing_key(obj: Mapping[str, Any], where: str, p: _Problems, seen: dict[bytes, str]) -> Point | None:
    """The long-term signing key ``obj.signing_key`` (64 hex digits, a canonical point other than
    the identity), once per definition: two roles never share a key."""
    key = f"{where}.signing_key"
    if "signing_key" not in obj:
        p.add(key, say("is required (the public key printed by `vybory trustee init`, `vybory credentials "
                       "init` or `vybory commission init`)"))
        return None
    value = obj["signing_key"]
    if not isinstance(value, str):
        p.add(key, say("must be a string of 64 hexadecimal digits"))
        return None
    if len(value) != 64 or not HEX_RE.match(value):
        p.add(key, say_plural("must be 64 hexadecimal digits (0-9, a-f), not %(num)s character",
                              "must be 64 hexadecimal digits (0-9, a-f), not %(num)s characters",
                              len(value)) if len(value) != 64
              else say("must be 64 hexadecimal digits (0-9, a-f); it holds other characters"))
        return None
    try:
        point = Point.from_hex(value.lower(), key)
    except VyboryError:
        p.add(key, say("these 64 digits are not a public key (not a valid point, or the identity): "
                       "copy the key again as it was printed"))
        return None
    if point.to_hex() != value:
        p.add(key, say("must be written in lower-case hexadecimal"))
        return None
    if point.to_bytes() in seen:
        p.add(key, say("is the same key as %(other)s: every signer has its own key",
                       other=f"{seen[point.to_bytes()]}.signing_key"))
        return None
    seen[point.to_bytes()] = where
    return point


def _unique(ids: list[str], key: str, p: _Problems) -> None:
    for value, n in Counter(i for i in ids if i).items():
        if n > 1:
            p.add(key, say_plural("id %(value)s is used %(num)s time; ids must be unique",
                                  "id %(value)s is used %(num)s times; ids must be unique", n,
                                  value=repr(value)))


def _option_value(value: Any) -> Any:
    """An option value as canonical JSON can carry it (exact numbers as int or "p/q")."""
    if isinstance(value, Fraction):
        return number_to_json(value)
    return value


def _option_names(method: str) -> frozenset[str]:
    try:
        return frozenset(METHODS[method].options)
    except VyboryError:
        return frozenset()


def _options(method: str, given: Any, where: str, p: _Problems) -> dict[str, Any]:
    if not isinstance(given, Mapping):
        p.add(f"{where}.options", say("must be a table"))
        return {}
    try:
        resolved = METHODS[method].resolve_options(given)
    except InvalidDefinition as exc:
        for found in exc.problems:
            key = found.params.get("key") if isinstance(found, Text) else None
            if isinstance(found, Text) and isinstance(key, str) and key.startswith("options."):
                p.add(f"{where}.{key}", found.params["rule"])
            else:
                p.add(f"{where}.method", found if isinstance(found, Text) else say("%(words)s", words=found))
        return {}
    except VyboryError as exc:
        p.add(f"{where}.options", exc.message if isinstance(exc.message, Text)
              else say("%(words)s", words=exc.message))
        return {}
    out = {}
    for key, value in resolved.items():
        if key in ROUND_OPTIONS:
            continue
        value = _option_value(value)
        if isinstance(value, float):
            p.add(f"{where}.options.{key}", say("must be an exact number (write it as \"1/2\")"))
            continue
        out[key] = value
    return out


def _contest(raw: Mapping[str, Any], i: int, districts: list[str], p: _Problems) -> Contest | None:
    where = f"contests[{i}]"
    before = len(p.lines)
    cid = _ident(raw, "id", where, p)
    if cid:
        where = f"contests[{cid}]"
    _unknown_keys(raw, ("id", "title", "description", "district", "seats", "method", "options",
                        "min_marks", "max_marks"), where, p)
    title = _text(raw, "title", where, p)
    description = _text(raw, "description", where, p, required=False)
    if "district" in raw:
        district = _ident(raw, "district", where, p)
        if district and district not in districts:
            p.add(f"{where}.district",
                  say("%(value)s is not one of the districts (%(known)s)", value=repr(district),
                      known=", ".join(districts) or say("none defined")))
    elif len(districts) == 1:
        district = districts[0]
    else:
        p.add(f"{where}.district", say("is required when there is more than one district"))
        district = ""
    seats = _int(raw, "seats", where, p, minimum=1, default=1, maximum=1000) or 1
    method = _text(raw, "method", where, p)
    options: dict[str, Any] = {}
    if method and method not in METHODS:
        p.add(f"{where}.method", say("unknown counting method %(method)s (known: %(known)s)",
                                     method=repr(method), known=", ".join(HOMOMORPHIC_METHODS + RANKED_METHODS)))
    elif method and method not in HOMOMORPHIC_METHODS + RANKED_METHODS:
        p.add(f"{where}.method",
              say("method %(method)s has no encrypted ballot; choose one of %(known)s",
                  method=repr(method), known=", ".join(HOMOMORPHIC_METHODS + RANKED_METHODS)))
    elif method == "irv" and seats != 1:
        p.add(f"{where}.seats", say("IRV fills one seat, not %(seats)s (for several seats use an STV method)",
                                    seats=seats))
    min_marks = _int(raw, "min_marks", where, p, minimum=0, maximum=1000)
    max_marks = _int(raw, "max_marks", where, p, minimum=1, maximum=1000)
    if method in HOMOMORPHIC_METHODS + RANKED_METHODS:
        given = raw.get("options", {})
        if isinstance(given, Mapping):
            # A method whose rule has min_marks / max_marks options gets the contest's limits
            # as those options, so that the ballot layout and the count use the same numbers.
            given = dict(given)
            schema = _option_names(method)
            for key, value in (("min_marks", min_marks), ("max_marks", max_marks)):
                if value is not None and key in schema:
                    if key in given and given[key] != value:
                        p.add(f"{where}.options.{key}",
                              say("disagrees with %(key)s = %(value)s of the contest", key=key, value=value))
                    given[key] = value
        if isinstance(given, Mapping) and "round" in given and "round" in _option_names(method):
            p.add(f"{where}.options.round", say("is set by vybory for each round (first or runoff); "
                                                "leave it out"))
            given = {k: v for k, v in given.items() if k != "round"}
        options = _options(method, given, where, p)
        for key in ("withdrawn", "undeclared_write_in"):
            if options.get(key) is not None:
                p.add(f"{where}.options.{key}", say("names candidates, who come from the nominations in an "
                                                    "election (a withdrawn candidate is simply not "
                                                    "registered); leave it out"))
        if options.get("blank_in_denominator") is False:
            p.add(f"{where}.options.blank_in_denominator",
                  say("an encrypted tally cannot tell blank ballots from others; leave it true"))
        if min_marks is None and isinstance(options.get("min_marks"), int):
            min_marks = options["min_marks"]
        if max_marks is None and isinstance(options.get("max_marks"), int):
            max_marks = options["max_marks"]
    if method and method not in MARK_METHODS and (min_marks is not None or max_marks is not None):
        p.add(f"{where}.min_marks" if min_marks is not None else f"{where}.max_marks",
              say("limits on marks apply only to %(methods)s; method %(method)s has its own ballot layout",
                  methods=", ".join(MARK_METHODS), method=repr(method)))
        min_marks = max_marks = None
    if min_marks is not None and max_marks is not None and min_marks > max_marks:
        p.add(f"{where}.min_marks", say("the fewest marks must not exceed the most marks (%(low)s > %(high)s)",
                                        low=min_marks, high=max_marks))
    if method == "motion" and seats != 1:
        p.add(f"{where}.seats", say("a motion has no seats; leave seats out"))
    if len(p.lines) > before:
        return None
    return Contest(cid, title, district, seats, method, options, min_marks, max_marks, description)


def _build(raw: Mapping[str, Any], source: str) -> Definition:
    p = _Problems(source)
    if not isinstance(raw, Mapping):
        raise InvalidDefinition([problem(source, "(top)", say("must be a table"))])
    _unknown_keys(raw, ("format", "version", "slug", "title", "seed", "credential_authority",
                        "revote", "public_roll", "deadlines", "districts", "organisations", "commission",
                        "trustees", "observers", "contests"), "", p)
    if "format" in raw and raw["format"] != FORMAT:
        p.add("format", say("must be %(format)s", format=repr(FORMAT)))
    if "version" in raw and raw["version"] != VERSION:
        p.add("version", say("this vybory reads version %(version)s, not %(given)s", version=VERSION,
                             given=repr(raw["version"])) if raw["version"] != 1
              else say("this vybory reads version %(version)s, not 1 (version 1 names no signing keys: give "
                       "every trustee, the credential authority and the commission a signing_key)",
                       version=VERSION))
    slug = _text(raw, "slug", "", p)
    if slug and not SLUG_RE.match(slug):
        p.add("slug", say("%(value)s must be lower-case Latin letters, digits and '-', at most 63 characters",
                          value=repr(slug)))
    title = _text(raw, "title", "", p)
    seed = _text(raw, "seed", "", p)
    if seed and (not SEED_RE.match(seed) or len(seed) % 2):
        p.add("seed", say("must be hexadecimal, an even number of 32 to 128 digits (16 to 64 bytes)"))
    seed = seed.lower()
    keys_seen: dict[bytes, str] = {}
    ca = _table(raw, "credential_authority", p)
    _unknown_keys(ca, ("name", "signing_key"), "credential_authority", p)
    authority_name = _text(ca, "name", "credential_authority", p) if ca else ""
    authority_key = _signing_key(ca, "credential_authority", p, keys_seen) if ca else None
    revote = _bool(raw, "revote", "", p, True)
    public_roll = _bool(raw, "public_roll", "", p, False)

    dl = _table(raw, "deadlines", p)
    _unknown_keys(dl, ("nominations_close", "voting_open", "voting_close", "runoff_days",
                       "repeat_days", "appeal_days"), "deadlines", p)
    times: dict[str, datetime] = {}
    for key in ("nominations_close", "voting_open", "voting_close"):
        if key not in dl:
            if dl or "deadlines" in raw:
                p.add(f"deadlines.{key}", say("is required"))
            continue
        try:
            times[key] = parse_time(dl[key])
        except ValueError as exc:
            reason = exc.args[0] if exc.args else ""
            p.add(f"deadlines.{key}", reason if isinstance(reason, Text) else say("%(words)s", words=str(reason)))
    if len(times) == 3:
        if not times["nominations_close"] <= times["voting_open"]:
            p.add("deadlines.voting_open", say("must not be before the nominations close"))
        if not times["voting_open"] < times["voting_close"]:
            p.add("deadlines.voting_close", say("must be after voting opens"))
    runoff_days = _int(dl, "runoff_days", "deadlines", p, minimum=1, default=14, maximum=365) or 14
    repeat_days = _int(dl, "repeat_days", "deadlines", p, minimum=1, default=14, maximum=365) or 14
    appeal_days = _int(dl, "appeal_days", "deadlines", p, minimum=1, default=2, maximum=365) or 2

    districts = []
    for i, d in enumerate(_array(raw, "districts", p)):
        _unknown_keys(d, ("id", "name"), f"districts[{i}]", p)
        districts.append(District(_ident(d, "id", f"districts[{i}]", p), _text(d, "name", f"districts[{i}]", p)))
    _unique([d.id for d in districts], "districts", p)
    district_ids = [d.id for d in districts if d.id]

    organisations = []
    for i, o in enumerate(_array(raw, "organisations", p)):
        where = f"organisations[{i}]"
        _unknown_keys(o, ("id", "name", "type"), where, p)
        otype = _text(o, "type", where, p)
        if otype and otype not in ORGANISATION_TYPES:
            p.add(f"{where}.type", say("%(value)s is not one of %(known)s", value=repr(otype),
                                       known=", ".join(ORGANISATION_TYPES)))
        organisations.append(Organisation(_ident(o, "id", where, p), _text(o, "name", where, p), otype))
    _unique([o.id for o in organisations], "organisations", p)
    org_ids = {o.id for o in organisations if o.id}

    commission = _table(raw, "commission", p)
    _unknown_keys(commission, ("threshold", "allow_organisation_threshold", "signing_key"), "commission", p)
    commission_key = _signing_key(commission, "commission", p, keys_seen) if commission else None
    threshold = _int(commission, "threshold", "commission", p, minimum=1, maximum=1000)
    if commission and threshold is None and "threshold" not in commission:
        p.add("commission.threshold", say("is required (k: how many trustees together can decrypt)"))
    allow_org = _bool(commission, "allow_organisation_threshold", "commission", p, False)

    trustees = []
    for i, t in enumerate(_array(raw, "trustees", p)):
        where = f"trustees[{i}]"
        _unknown_keys(t, ("id", "name", "organisation", "signing_key"), where, p)
        org = _ident(t, "organisation", where, p)
        if org and org not in org_ids:
            p.add(f"{where}.organisation", say("%(value)s is not one of the organisations", value=repr(org)))
        signing = _signing_key(t, where, p, keys_seen)
        if signing is not None:
            trustees.append(Trustee(_ident(t, "id", where, p), _text(t, "name", where, p), org, signing))
    _unique([t.id for t in trustees], "trustees", p)
    if threshold is not None and trustees:
        if threshold > len(trustees):
            p.add("commission.threshold", say_plural("k = %(k)s is more than the %(num)s trustee",
                                                     "k = %(k)s is more than the %(num)s trustees",
                                                     len(trustees), k=threshold))
        elif not allow_org:
            held = Counter(t.organisation for t in trustees if t.organisation)
            for org, n in sorted(held.items()):
                if n >= threshold:
                    p.add("commission.allow_organisation_threshold", say_plural(
                        "is not set, but organisation %(org)s alone holds %(num)s trustee, which reaches "
                        "the threshold k = %(k)s: one organisation could decrypt alone (give the "
                        "trustees to more organisations, or allow this to accept it on the record)",
                        "is not set, but organisation %(org)s alone holds %(num)s trustees, which reaches "
                        "the threshold k = %(k)s: one organisation could decrypt alone (give the "
                        "trustees to more organisations, or allow this to accept it on the record)",
                        n, org=repr(org), k=threshold))

    observers = []
    for i, o in enumerate(_array(raw, "observers", p, required=False)):
        where = f"observers[{i}]"
        _unknown_keys(o, ("id", "name", "organisation"), where, p)
        sent_by: str | None = None
        if o.get("organisation") is not None:
            sent_by = _ident(o, "organisation", where, p)
            if sent_by and sent_by not in org_ids:
                p.add(f"{where}.organisation", say("%(value)s is not one of the organisations",
                                                   value=repr(sent_by)))
        observers.append(Observer(_ident(o, "id", where, p), _text(o, "name", where, p), sent_by))
    _unique([o.id for o in observers], "observers", p)

    contests = []
    for i, c in enumerate(_array(raw, "contests", p)):
        contest = _contest(c, i, district_ids, p)
        if contest is not None:
            contests.append(contest)
    _unique([c.id for c in contests], "contests", p)

    if p.lines:
        raise InvalidDefinition(p.lines)
    assert threshold is not None and authority_key is not None and commission_key is not None
    return Definition(
        slug=slug,
        title=title,
        seed=seed,
        credential_authority=Authority(authority_name, authority_key),
        commission_key=commission_key,
        deadlines=Deadlines(times["nominations_close"], times["voting_open"], times["voting_close"],
                            runoff_days, repeat_days, appeal_days),
        districts=tuple(districts),
        organisations=tuple(organisations),
        threshold=threshold,
        trustees=tuple(trustees),
        contests=tuple(contests),
        observers=tuple(observers),
        allow_organisation_threshold=allow_org,
        revote=revote,
        public_roll=public_roll,
    )


def parse_definition(toml_text: str, *, source: str = "election.toml") -> Definition:
    """The checked definition in ``toml_text``.

    Raises :class:`~vybory.errors.InvalidDefinition` whose ``problems`` lists
    every problem found, each as ``"source: key: rule"``.
    """
    if not isinstance(toml_text, str):
        raise InvalidDefinition([problem(source, "(file)", say("must be text"))])
    try:
        raw = tomllib.loads(toml_text)
    except tomllib.TOMLDecodeError as exc:
        raise InvalidDefinition([problem(source, "(file)", say("not valid TOML: %(reason)s",
                                                               reason=str(exc)))]) from None
    return _build(raw, source)


def definition_from_json(obj: Any, *, source: str = "definition.json") -> Definition:
    """A definition from its normalised JSON form (as ``Definition.to_json`` writes it)."""
    if not isinstance(obj, Mapping):
        raise InvalidDefinition([problem(source, "(top)", say("must be a JSON object"))])
    for key in ("format", "version"):
        if key not in obj:
            raise InvalidDefinition([problem(source, key, say("is required in the JSON form"))])
    return _build(obj, source)


def fingerprint(definition: Definition) -> bytes:
    """SHA-256 over the canonical JSON of ``definition.to_json()`` (32 bytes)."""
    return hashlib.sha256(canonical_json(definition.to_json())).digest()


# --- the voter roll -----------------------------------------------------------

ROLL_COLUMNS = ("id", "name", "district", "weight", "email", "language")
# The languages a credential letter can be written in (the catalogues of vybory/web/locale).
LETTER_LANGUAGES = ("en", "ru")
_ADDRESS_LOCAL = re.compile(r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*")
_ADDRESS_LABEL = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?")


def address_problem(address: str) -> Text | None:
    """Why ``address`` is not an e-mail address a letter can go to, or None when it is one.

    The rule: ``local@domain``, at most 254 characters of ASCII; the local part is dot-separated
    atoms (letters, digits and ``!#$%&'*+/=?^_`{|}~-``, at most 64 characters); the domain has at
    least two labels of letters, digits and inner hyphens. No name, no angle brackets, no spaces,
    no line breaks (a header cannot be smuggled in through the roll).
    """
    if not address.isascii() or not address.isprintable():
        return say("must be an e-mail address of plain ASCII characters (no line breaks; addresses "
                   "with other letters are not supported)")
    if len(address) > 254:
        return say("an e-mail address has at most 254 characters")
    local, at_sign, domain = address.rpartition("@")
    if not at_sign or not local or not domain:
        return say("must be an e-mail address: name@domain")
    if len(local) > 64 or not _ADDRESS_LOCAL.fullmatch(local):
        return say("the part before @ must be at most 64 letters, digits and the signs "
                   "!#$%%&'*+/=?^_`{|}~- in dot-separated groups")
    labels = domain.split(".")
    if len(labels) < 2 or not all(_ADDRESS_LABEL.fullmatch(label) for label in labels):
        return say("the part after @ must be a domain name such as example.org")
    return None


def parse_roll(csv_text: str, definition: Definition, *, source: str = "roll.csv") -> list[Voter]:
    """The voters in ``csv_text`` (header: id, name, district[, weight][, email][, language]).

    ``email`` and ``language`` are for the credential authority's letters only: they are
    never on the board, never in the roll's commitment, never stored by the service.

    Raises :class:`~vybory.errors.InvalidInput` listing every problem, each
    naming the line and column: a missing column, an unknown district, a
    duplicate id, a weight that is not a whole number >= 1, a malformed e-mail
    address or one already given on another line, a language without letters.
    """
    if not isinstance(csv_text, str):
        raise InvalidInput(say("%(source)s: must be text", source=source), field="roll")
    text = csv_text.removeprefix("\ufeff")
    try:
        rows = list(csv.reader(text.splitlines(keepends=True)))
    except csv.Error as exc:
        raise InvalidInput(say("%(source)s: not valid CSV: %(reason)s", source=source, reason=str(exc)),
                           field="roll") from None
    if not rows:
        raise InvalidInput(say("%(source)s: is empty; expected a header line id,name,district,weight",
                               source=source), field="roll")
    header = [h.strip().lower() for h in rows[0]]
    problems: list[Text] = []
    for name in ("id", "name", "district"):
        if name not in header:
            problems.append(say("%(source)s: line 1: column %(column)s is missing (header: %(header)s)",
                                source=source, column=repr(name), header=", ".join(ROLL_COLUMNS)))
    for j, h in enumerate(header):
        if h not in ROLL_COLUMNS:
            problems.append(say("%(source)s: line 1, column %(number)s: unknown column %(column)s",
                                source=source, number=j + 1, column=repr(h)))
        elif header.index(h) != j:
            problems.append(say("%(source)s: line 1, column %(number)s: column %(column)s appears twice",
                                source=source, number=j + 1, column=repr(h)))
    if problems:
        raise InvalidInput(joined(problems), field="roll")
    col = {h: header.index(h) for h in ROLL_COLUMNS if h in header}
    voters: list[Voter] = []
    seen: dict[str, int] = {}
    addresses: dict[str, int] = {}
    districts = ", ".join(d.id for d in definition.districts)
    for n, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != len(header):
            problems.append(say("%(source)s: line %(line)s: has %(count)s columns, the header has %(header)s",
                                source=source, line=n, count=len(row), header=len(header)))
            continue
        cell = {h: row[j].strip() for h, j in col.items()}

        def problem(column: str, rule: Text, n: int = n) -> None:
            problems.append(say("%(source)s: line %(line)s, column %(number)s (%(column)s): %(rule)s",
                                source=source, line=n, number=col[column] + 1, column=column, rule=rule))

        vid, name, district = cell["id"], cell["name"], cell["district"]
        if not vid:
            problem("id", say("is empty"))
        elif vid in seen:
            problem("id", say("%(value)s is already on line %(line)s", value=repr(vid), line=seen[vid]))
        else:
            seen[vid] = n
        if not name:
            problem("name", say("is empty"))
        elif not name.isprintable():
            problem("name", say("must be one line of text (no line breaks or control characters)"))
        if not definition.has_district(district):
            problem("district", say("%(value)s is not one of the districts (%(districts)s)", value=repr(district),
                                    districts=districts))
        weight = 1
        weight_text = cell.get("weight", "")
        if weight_text:
            if not weight_text.isdigit() or int(weight_text) < 1 or int(weight_text) > 10**6:
                problem("weight", say("%(value)s must be a whole number from 1 to 1000000", value=repr(weight_text)))
            else:
                weight = int(weight_text)
        email = cell.get("email", "")
        if email:
            wrong = address_problem(email)
            key = email.lower()
            if wrong is not None:
                problem("email", say("%(value)s: %(rule)s", value=repr(email), rule=wrong))
            elif key in addresses:
                problem("email", say("%(value)s is already the address of line %(line)s: each voter's letter "
                                     "goes to their own address", value=repr(email), line=addresses[key]))
            else:
                addresses[key] = n
        language = cell.get("language", "").lower()
        if language and language not in LETTER_LANGUAGES:
            problem("language", say("%(value)s is not a language of the letters (%(languages)s); leave it "
                                    "empty for English", value=repr(cell["language"]),
                                    languages=", ".join(LETTER_LANGUAGES)))
        voters.append(Voter(vid, name, district, weight, email, language))
    if problems:
        raise InvalidInput(joined(problems), field="roll")
    if not voters:
        raise InvalidInput(say("%(source)s: has a header but no voters", source=source), field="roll")
    return voters


__all__ = [
    "HOMOMORPHIC_METHODS",
    "LETTER_LANGUAGES",
    "MARK_METHODS",
    "ORGANISATION_TYPES",
    "RANKED_METHODS",
    "ROLL_COLUMNS",
    "Contest",
    "Deadlines",
    "Definition",
    "District",
    "Observer",
    "Organisation",
    "Trustee",
    "Voter",
    "address_problem",
    "definition_from_json",
    "fingerprint",
    "format_time",
    "parse_definition",
    "parse_roll",
    "parse_time",
]
