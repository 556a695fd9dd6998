"""A restarted key ceremony (docs/spec.md §5.8): the trustees of a ``key_ceremony_restarted``
event, the rules they keep, and who an unfinished attempt waits for.

Pure functions over plain values; the server (:mod:`vybory.protocol.keys`), the trustees' software
and the verifier (:mod:`vybory.verify.keys`) use the same ones, so that they agree on every rule.
"""

from __future__ import annotations

import tomllib
import unicodedata
from collections.abc import Collection, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from vybory.crypto.group import Point
from vybory.crypto.threshold import Judgement
from vybory.errors import InvalidInput, Refused, VyboryError
from vybory.model.definition import ID_RE, MAX_TEXT, Definition, Trustee, format_time
from vybory.text import say

FAILED = "failed"
STALLED = "stalled"
TRUSTEE_FIELDS = ("id", "name", "organisation", "signing_key")
MAX_REASON = 2000

# The steps of an attempt (spec §5.2-§5.6), in order: who has not published the one the attempt
# waits for has stalled it.
STEPS = ("trustee_key", "dkg_commitment_hash", "dkg_commitments", "dkg_shares", "dkg_complaint")


def attempt_deadline(definition: Definition, restarted_at: datetime | None) -> datetime:
    """When an attempt of the key ceremony has stalled: voting_open for attempt 1; for a restarted
    attempt the later of voting_open and ``repeat_days`` after its restart (spec §5.8)."""
    opening = definition.deadlines.voting_open
    if restarted_at is None:
        return opening
    return max(opening, restarted_at + timedelta(days=definition.deadlines.repeat_days))


def waiting_for(trustees: int, done: Mapping[str, Collection[int]]) -> dict[int, str]:
    """The trustees an unfinished attempt waits for, each with the step it has not published
    (``done``: the trustees that published each step of :data:`STEPS`); empty once every trustee
    has filed its complaints."""
    everyone = range(1, trustees + 1)
    keys, hashes = done["trustee_key"], done["dkg_commitment_hash"]
    if any(j not in keys or j not in hashes for j in everyone):
        return {j: "trustee_key" if j not in keys else "dkg_commitment_hash"
                for j in everyone if j not in keys or j not in hashes}
    for step in STEPS[2:]:
        missing = {j: step for j in everyone if j not in done[step]}
        if missing:
            return missing
    return {}


def outcome(judged: Judgement | None, threshold: int, deadline: datetime, now: datetime, trustees: int,
            done: Mapping[str, Collection[int]]) -> dict[str, Any] | None:
    """How an unfinished attempt has ended, as its restart names it (spec §5.8): failed (every
    trustee filed its complaints, ``judged``, and fewer than ``threshold`` qualified: who did and
    who did not, and why) or stalled (``deadline`` has passed at ``now`` and some trustees have not
    published the step it waits for, :func:`waiting_for`); None while it may still succeed."""
    if judged is not None:
        if len(judged.qualified) >= threshold:
            return None
        return {"result": FAILED, **judged.to_json()}
    if now < deadline:
        return None
    waiting = waiting_for(trustees, done)
    return {"result": STALLED, "deadline": format_time(deadline),
            "waiting": {str(j): step for j, step in sorted(waiting.items())}}


def failed_seats(ended: Mapping[str, Any]) -> set[int]:
    """The seats a restart may give to new trustees (:func:`outcome` ``ended``): those disqualified
    in a failed attempt, or not acting in a stalled one."""
    return {int(j) for j in ended["disqualified" if ended["result"] == FAILED else "waiting"]}


def _text(value: Any, field: str, maximum: int) -> str:
    if not isinstance(value, str):
        raise InvalidInput(say("must be text"), field=field)
    if value != unicodedata.normalize("NFC", value.strip()) or not value:
        raise InvalidInput(say("must be non-empty text without surrounding spaces (NFC)"), field=field)
    if len(value) > maximum:
        raise InvalidInput(say("is longer than %(maximum)s characters", maximum=maximum), field=field)
    if any(unicodedata.category(ch) == "Cc" and ch not in "\n\t" for ch in value):
        raise InvalidInput(say("contains control characters"), field=field)
    return value


def read_reason(value: Any, field: str = "reason") -> str:
    """The commission's reason for a restart: non-empty text, at most 2000 characters."""
    return _text(value, field, MAX_REASON)


def read_trustee(obj: Any, field: str) -> Trustee:
    """One trustee as a restart lists it: exactly ``id``, ``name``, ``organisation``, ``signing_key``."""
    if not isinstance(obj, Mapping) or set(obj) != set(TRUSTEE_FIELDS):
        raise InvalidInput(say("must be an object with exactly the fields %(names)s", names=", ".join(TRUSTEE_FIELDS)),
                           field=field)
    ident = obj["id"]
    if not isinstance(ident, str) or not ID_RE.match(ident):
        raise InvalidInput(say("must be an id (letters, digits, '-', '_', '.'; starts with a letter or digit; at "
                               "most 64 characters)"), field=f"{field}.id")
    name = _text(obj["name"], f"{field}.name", MAX_TEXT)
    organisation = obj["organisation"]
    if not isinstance(organisation, str) or not ID_RE.match(organisation):
        raise InvalidInput(say("must be the id of one of the definition's organisations"), field=f"{field}.organisation")
    try:
        key = Point.from_hex(obj["signing_key"], f"{field}.signing_key")
    except VyboryError:
        raise InvalidInput(say("must be 64 lower-case hexadecimal digits encoding a point other than the identity "
                               "(the public key `vybory trustee init` prints)"), field=f"{field}.signing_key") from None
    if key.to_hex() != obj["signing_key"]:
        raise InvalidInput(say("must be written in lower-case hexadecimal"), field=f"{field}.signing_key")
    return Trustee(ident, name, organisation, key)


def read_trustees(value: Any, count: int, field: str = "trustees") -> tuple[Trustee, ...]:
    """The trustee list of a restart: ``count`` trustees (the definition's n), seat j at place j."""
    if not isinstance(value, list):
        raise InvalidInput(say("must be a list of trustees"), field=field)
    if len(value) != count:
        raise Refused(say("must list %(count)s trustees, one for each seat of the commission (k of n stays as the "
                          "definition says), not %(given)s", count=count, given=len(value)), field=field,
                      code="restart_trustee_count")
    return tuple(read_trustee(t, f"{field}[{i}]") for i, t in enumerate(value))


def check_seats(definition: Definition, previous: Sequence[Trustee], earlier: Sequence[Trustee],
                failed: Collection[int], new: Sequence[Trustee], field: str = "trustees") -> None:
    """The rules a restarted attempt's trustees keep (spec §5.8), or Refused naming the seat.

    ``previous``: the trustees of the attempt that failed, seat by seat; ``earlier``: every trustee
    of every attempt so far; ``failed``: the seats whose trustee was disqualified in that attempt
    (or had not acted when it stalled). A seat whose trustee did not fail keeps that trustee
    exactly; a replacement represents the organisation of the trustee it replaces, and brings an
    id and a signing key no trustee, the credential authority or the commission has had.
    """
    used_ids = {t.id for t in earlier}
    used_keys = {t.signing_key for t in earlier} | {definition.credential_authority.signing_key}
    if definition.commission_key is not None:
        used_keys.add(definition.commission_key)
    ids: set[str] = set()
    keys: set[Point] = set()
    for j, (old, trustee) in enumerate(zip(previous, new, strict=True), start=1):
        where = f"{field}[{j - 1}]"
        if trustee == old:
            ids.add(trustee.id)
            keys.add(trustee.signing_key)
            continue
        if j not in failed:
            raise Refused(say("seat %(j)s: trustee %(j)s (%(name)s) did not fail the attempt and keeps the seat: a "
                              "restart replaces only trustees who were disqualified or had not acted", j=j,
                              name=old.name), field=where, code="restart_replaces_qualified")
        if trustee.organisation != old.organisation:
            raise Refused(say("seat %(j)s: the replacement must represent %(organisation)s, the organisation of the "
                              "trustee it replaces, not %(other)s", j=j, organisation=repr(old.organisation),
                              other=repr(trustee.organisation)), field=f"{where}.organisation",
                          code="restart_organisation")
        if trustee.id in used_ids or trustee.id in ids:
            raise Refused(say("seat %(j)s: the id %(id)s is already a trustee's: a replacement has a new id", j=j,
                              id=repr(trustee.id)), field=f"{where}.id", code="restart_trustee_reused")
        if trustee.signing_key in used_keys or trustee.signing_key in keys:
            raise Refused(say("seat %(j)s: this signing key is already a trustee's, the credential authority's or the "
                              "commission's: a replacement brings its own new key", j=j),
                          field=f"{where}.signing_key", code="restart_trustee_reused")
        ids.add(trustee.id)
        keys.add(trustee.signing_key)


def parse_replacements(text: str, source: str = "replacements") -> dict[int, Trustee]:
    """The new trustees a commission names for failed seats, from TOML::

        [[trustees]]
        seat = 1                 # the seat (trustee number) it takes
        id = "alla"
        name = "Alla Orlova"
        organisation = "union"   # the organisation of the trustee it replaces
        signing_key = "…"        # printed by `vybory trustee init`

    Refused naming the entry and the field (``source: trustees[0].seat: …``)."""
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise InvalidInput(say("%(source)s is not valid TOML: %(error)s", source=source, error=str(exc)),
                           field=source) from None
    entries = raw.get("trustees")
    if set(raw) != {"trustees"} or not isinstance(entries, list) or not entries:
        raise InvalidInput(say("%(source)s must hold only [[trustees]] entries, at least one", source=source),
                           field=source)
    out: dict[int, Trustee] = {}
    for i, entry in enumerate(entries):
        where = f"{source}: trustees[{i}]"
        seat = entry.get("seat") if isinstance(entry, Mapping) else None
        if isinstance(seat, bool) or not isinstance(seat, int) or seat < 1:
            raise InvalidInput(say("must be the seat (trustee number, 1 or more) the new trustee takes"),
                               field=f"{where}.seat")
        if seat in out:
            raise InvalidInput(say("seat %(seat)s is named twice", seat=seat), field=f"{where}.seat")
        out[seat] = read_trustee({k: v for k, v in entry.items() if k != "seat"}, where)
    return out


__all__ = [
    "FAILED",
    "STALLED",
    "STEPS",
    "attempt_deadline",
    "check_seats",
    "failed_seats",
    "outcome",
    "parse_replacements",
    "read_reason",
    "read_trustee",
    "read_trustees",
    "waiting_for",
]
