"""The verifier's memory does not grow with the voters beyond a few dozen bytes each.

A national credential list is one board line of about 130 bytes a voter. Parsed whole as JSON
it would take about 500 bytes a voter more; kept as a dict of hex strings, about 250. The
reader (``read_line``) leaves the list in its line, ``read_credentials`` keeps 32 bytes and an
index a credential, and each round's last ballots take 40 bytes a credential. Measured here
with tracemalloc at 2,000 and 20,000 credentials: the growth between the two, per credential.

The adversary is whoever writes the record (the server, or the credential authority): a list
the fast reader takes differently from the JSON parser would let them count a credential the
list does not hold. So every line the fast path reads is compared with the parser's reading,
and lines that are not written canonically go to the parser (and are named as such).
"""

from __future__ import annotations

import gc
import json
import tracemalloc
from collections.abc import Callable
from typing import Any

import pytest
from electionkit import MARCH, DefinitionToml, contest

from vybory.crypto.group import Point, Scalar
from vybory.errors import InvalidEncoding
from vybory.model.definition import parse_definition
from vybory.model.signing import signed_message
from vybory.verify.credentials import CredentialList, read_credentials
from vybory.verify.lines import (
    ListedEntries,
    canonical,
    member_json,
    read_json,
    read_line,
    signed_json,
)
from vybory.verify.report import Findings
from vybory.verify.rounds import LastBallots

DEFINITION = parse_definition(DefinitionToml(
    slug="streaming", title="Streaming", seed="5eed" * 8, deadlines=MARCH, threshold=2,
    districts=(("d1", "One"), ("d2", "Two")),
    organisations=(("a", "A", "trade_union"), ("b", "B", "cooperative"), ("c", "C", "youth")),
    trustees=(("t1", "T1", "a"), ("t2", "T2", "b"), ("t3", "T3", "c")),
    contests=(contest("seat-1", "Seat 1", district="d1", method="majority"),
              contest("seat-2", "Seat 2", district="d2", method="majority")),
).text())
AUTHORITY = DEFINITION.credential_authority.name
POINTS: list[str] = []


def points(n: int) -> list[str]:
    """``n`` distinct valid credentials, sorted."""
    while len(POINTS) < n:
        POINTS.append(Point.base_mul(Scalar.from_int(len(POINTS) + 2)).to_hex())
    return sorted(POINTS[:n])


def entries(n: int) -> list[dict[str, Any]]:
    return [{"credential": c, "district": ("d1", "d2")[i % 2], "weight": 1 + i % 3} for i, c in enumerate(points(n))]


def event(listed: Any, **payload: Any) -> dict[str, Any]:
    body = {"at": "2025-03-11T00:00:00Z", "authority": AUTHORITY, "credentials": listed, "districts": [],
            "signed": {"commitment": "11" * 32, "response": "22" * 32, "signer": "authority"}, **payload}
    return {"hash": "ab" * 32, "kind": "credentials_published", "payload": body, "position": 7,
            "previous_hash": "cd" * 32}


def first_credential(line: bytes) -> bytes:
    start = line.index(b'"credential":"') + len(b'"credential":"')
    return line[start:start + 64]


def line_of(obj: Any) -> bytes:
    return canonical(obj) + b"\n"


def read(line: bytes) -> tuple[CredentialList, Findings]:
    out = Findings()
    payload = read_line(line).obj["payload"]
    return read_credentials(payload, DEFINITION, 7, out, None), out


def codes(out: Findings) -> list[tuple[str, str]]:
    return sorted((f.code, f.message) for f in out.report(election="", fingerprint="", head="", events=0,
                                                           ballots=0, witnessed=None).failures)


# ---------------------------------------------------------------- the fast reader is the parser

def test_the_fast_reader_reads_what_the_json_parser_reads() -> None:
    obj = event(entries(50))
    line = line_of(obj)
    fast = read_line(line)
    listed = fast.obj["payload"]["credentials"]
    assert isinstance(listed, ListedEntries)  # the list was not parsed
    assert len(listed) == 50
    assert listed.to_json() == obj["payload"]["credentials"]
    assert fast.canonical
    whole = canonical(obj)
    assert fast.payload_json == member_json(whole, obj, "payload") == canonical(obj["payload"])
    assert {k: v for k, v in fast.obj.items() if k != "payload"} == {k: v for k, v in obj.items() if k != "payload"}
    assert signed_json("credentials_published", fast.obj["payload"], fast.payload_json) == \
        signed_message("credentials_published", obj["payload"])


def test_the_signed_message_is_the_signers_for_every_shape() -> None:
    # Members before "at" ("answers") or none after "signed": written again, not cut.
    for payload in ({"answers": [1], "at": "x", "signed": {"a": 1}},
                    {"at": "x", "signed": {"a": 1}, "zeta": 2},
                    {"at": "x", "b": "\u00e9\u2028", "signed": {}},
                    {"b": 1}):
        assert signed_json("roll_complaints_answered", payload, canonical(payload)) == \
            signed_message("roll_complaints_answered", payload)


@pytest.mark.parametrize(("name", "spoil"), [
    ("a space after a comma", lambda t: t.replace(b'"weight":1},{', b'"weight":1}, {', 1)),
    ("an escaped district", lambda t: t.replace(b'"district":"d1"', b'"district":"\\u0064\\u0031"', 1)),
    ("an upper-case credential", lambda t: t.replace(first_credential(t), first_credential(t).upper(), 1)),
    ("a fourth key", lambda t: t.replace(b'"weight":1}', b'"weight":1,"x":0}', 1)),
    ("a weight of 2^53", lambda t: t.replace(b'"weight":1}', b'"weight":9007199254740993}', 1)),
    ("a second credentials member", lambda t: t.replace(b'"districts":[]', b'"credentials":[],"districts":[]', 1)),
    ("garbage after the list", lambda t: t.replace(b'}],"districts"', b'}]]],"districts"', 1)),
    ("a truncated line", lambda t: t[:len(t) // 2]),
])
def test_a_line_not_written_canonically_is_read_by_the_parser(name: str, spoil: Callable[[bytes], bytes]) -> None:
    line = spoil(line_of(event(entries(6))))
    try:
        parsed = read_json(line)
    except InvalidEncoding as error:  # the parser refuses it: so does the reader, with the same error
        with pytest.raises(type(error)):
            read_line(line)
        return
    got = read_line(line)
    assert not isinstance(got.obj["payload"]["credentials"], ListedEntries), name
    assert got.obj == parsed
    # Not canonical (named board_line), except what is canonical JSON but not an entry's form:
    # read_credentials names those (credential_point, credential_entry).
    assert got.canonical == (line.rstrip(b"\n") == canonical(parsed))
    assert got.canonical == (name in ("an upper-case credential", "a fourth key"))


def test_findings_on_a_list_read_fast_are_the_parsers() -> None:
    good = entries(8)
    bad_point = "ff" * 32
    cases = [
        good[:3] + [good[2]] + good[3:],  # a credential twice, in order
        good[:5] + [good[1]] + good[5:],  # a credential twice, out of order
        list(reversed(good)),  # not sorted
        good[:4] + [{**good[4], "district": "d9"}] + good[5:],  # not a district
        good[:4] + [{**good[4], "weight": 0}] + good[5:],  # no weight
        good[:4] + [{**good[4], "credential": bad_point}] + good[5:],  # not a point
    ]
    for listed in cases:
        line = line_of(event(listed))
        assert isinstance(read_line(line).obj["payload"]["credentials"], ListedEntries)
        fast, out_fast = read(line)
        slow_out = Findings()
        slow = read_credentials(read_json(line)["payload"], DEFINITION, 7, slow_out, None)
        assert codes(out_fast) == codes(slow_out)
        assert dict(fast.items()) == dict(slow.items())
        assert any(code.startswith("credential_") for code, _ in codes(out_fast))


def test_a_credential_is_found_only_as_listed() -> None:
    credentials, _ = read(line_of(event(entries(40))))
    listed = points(40)
    assert list(credentials) == listed
    for i, text in enumerate(listed):
        assert credentials.index(text) == i
        assert text in credentials
    for text in (listed[3].upper(), listed[3][:-2], listed[3] + "00", "zz" * 32, 7, None,
                 Point.base_mul(Scalar.from_int(10**6)).to_hex()):
        assert credentials.index(text) is None
        assert text not in credentials
    with pytest.raises(KeyError):
        credentials["00" * 32]


def test_last_ballots_keep_the_latest_of_each_credential() -> None:
    credentials, _ = read(line_of(event(entries(10))))
    last = LastBallots(credentials)
    listed = list(credentials)
    last.put(3, 100, "a" * 64)
    last.put(3, 120, "b" * 64)
    last.put(5, 130, "not a code")
    assert len(last) == 2
    assert last[listed[3]].position == 120 and last[listed[3]].tracking_code == "b" * 64
    assert last[listed[5]].tracking_code == "not a code"
    assert list(last) == [listed[3], listed[5]]
    assert listed[4] not in last
    with pytest.raises(KeyError):
        last[listed[4]]


# ------------------------------------------------------------------------ memory per credential

def measured(n: int) -> tuple[int, int]:
    """(bytes kept, peak bytes) while reading a list of ``n`` and voting with every credential,
    beyond the line itself."""
    line = line_of(event(entries(n)))
    codes_ = [f"{i:064x}" for i in range(n)]
    gc.collect()
    tracemalloc.start()
    try:
        credentials, _ = read(line)
        last = LastBallots(credentials)
        for i in range(n):
            last.put(i, 1000 + i, codes_[i])
        gc.collect()
        kept, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert len(credentials) == len(last) == n
    return kept, peak


def test_memory_grows_by_a_few_dozen_bytes_a_credential() -> None:
    small, large = measured(2_000), measured(20_000)
    kept = (large[0] - small[0]) / 18_000
    peak = (large[1] - small[1]) / 18_000
    # 32 bytes of key, 4 of index, 8 of position and 32 of tracking code: 76 a credential.
    assert kept < 100, f"{kept:.0f} bytes kept a credential"
    # The line (110 bytes a credential here) is the caller's; reading it copies it once (the payload's
    # bytes, which the event's hash covers), and never parses it into objects.
    assert peak < 160, f"{peak:.0f} bytes at the peak a credential"


def test_the_record_of_json_would_not_pass_the_bound() -> None:
    # The bound above is tight enough to fail the way the list used to be read (one json.loads,
    # a dict of hex strings): this test keeps it honest.
    line = line_of(event(entries(20_000)))
    gc.collect()
    tracemalloc.start()
    try:
        parsed = json.loads(line)
        kept = {e["credential"]: (e["district"], e["weight"]) for e in parsed["payload"]["credentials"]}
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert len(kept) == 20_000
    assert peak / 20_000 > 300
