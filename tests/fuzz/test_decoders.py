"""Every decoder at the edge, fuzzed with hypothesis: ballots, board events and records,
definitions, rolls, trustee key files, identity keys, receipts and CVR files.

The adversary hands vybory bytes of their choosing (a ballot over the network, a record to
verify, a file to import). Whatever they send, a decoder either returns a value that encodes
back to the same canonical form, or refuses with vybory's own error naming a field: never a
stray exception (a traceback for the voter, a 500 for the server, a crash for the verifier).

``make test`` runs a bounded number of examples (profile ``bounded``); ``make fuzz`` runs many
more (``HYPOTHESIS_PROFILE=long``).
"""

from __future__ import annotations

import io
import json
import os
import zipfile
from collections.abc import Callable
from typing import Any

import pytest
from electionkit import ROLL, SMALL_COUNCIL, T0, ServiceElection
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from vybory.errors import VyboryError
from vybory.model.ballot import Ballot
from vybory.model.canonical import canonical_json, parse_json
from vybory.model.definition import parse_definition, parse_roll

settings.register_profile("bounded", max_examples=60, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
settings.register_profile("long", max_examples=3000, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "bounded"))

JSON = st.recursive(
    st.none() | st.booleans() | st.integers(min_value=-(2**70), max_value=2**70) | st.text(max_size=40)
    | st.floats(allow_nan=False, allow_infinity=False),
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(st.text(max_size=12), inner, max_size=5),
    max_leaves=30,
)


def refuses_cleanly(decode: Callable[[], Any]) -> Any:
    """Runs ``decode``: a value, or vybory's error with a message (anything else fails the test)."""
    try:
        return decode()
    except VyboryError as error:
        assert error.message and isinstance(error.message, str)
        return None


def mutations(document: Any) -> st.SearchStrategy[Any]:
    """``document`` with one value somewhere replaced, removed, or a key added."""
    paths: list[tuple[Any, ...]] = []

    def walk(node: Any, path: tuple[Any, ...]) -> None:
        paths.append(path)
        if isinstance(node, dict):
            for key, value in node.items():
                walk(value, (*path, key))
        elif isinstance(node, list):
            for i, value in enumerate(node):
                walk(value, (*path, i))

    walk(document, ())

    @st.composite
    def mutate(draw: Any) -> Any:
        copy = json.loads(json.dumps(document))
        path = draw(st.sampled_from(paths[1:]))
        parent = copy
        for step in path[:-1]:
            parent = parent[step]
        action = draw(st.sampled_from(["replace", "remove", "add", "flip"]))
        if action == "replace":
            parent[path[-1]] = draw(JSON)
        elif action == "remove":
            del parent[path[-1]]
        elif action == "add" and isinstance(parent, dict):
            parent[draw(st.text(max_size=8))] = draw(JSON)
        else:
            value = parent[path[-1]]
            if isinstance(value, str) and value:
                i = draw(st.integers(0, len(value) - 1))
                parent[path[-1]] = value[:i] + draw(st.sampled_from("0fgA \u00e9-")) + value[i + 1:]
            elif isinstance(value, int) and not isinstance(value, bool):
                parent[path[-1]] = value + draw(st.sampled_from([-1, 1, 2**64, -(2**64)]))
            else:
                parent[path[-1]] = draw(JSON)
        return copy

    return mutate()


def mangled(text: str) -> st.SearchStrategy[str]:
    """``text`` with a slice deleted, duplicated or replaced by random characters."""
    @st.composite
    def mangle(draw: Any) -> str:
        i = draw(st.integers(0, len(text)))
        j = draw(st.integers(i, min(len(text), i + 40)))
        return text[:i] + draw(st.sampled_from(["", text[i:j] * 2, draw(st.text(max_size=20))])) + text[j:]
    return mangle()


@pytest.fixture(scope="module")
def voting(tmp_path_factory: Any) -> ServiceElection:
    """An election open for voting, with ballots to start mutations from."""
    from vybory.service import ElectionService, ManualClock
    from vybory.store import Database

    database = Database(f"sqlite:///{tmp_path_factory.mktemp('fuzz') / 'vybory.sqlite'}", upgrade=True)
    service = ElectionService(database, clock=ManualClock(T0))
    return ServiceElection.create(service, SMALL_COUNCIL, ROLL).open_for_voting()


@pytest.fixture(scope="module")
def valid_ballot(voting: ServiceElection) -> dict[str, Any]:
    return voting.make_ballot(voting.credentials["north"][0], {"north-seat": ["Ivanov"]}).to_json()  # type: ignore[no-any-return]


@given(st.binary(max_size=300))
def test_json_at_the_edge_is_parsed_or_refused(data: bytes) -> None:
    refuses_cleanly(lambda: parse_json(data, field="body"))


@given(data=st.data())
def test_a_mutated_ballot_decodes_canonically_or_is_refused(valid_ballot: dict[str, Any], data: Any) -> None:
    mutated = data.draw(mutations(valid_ballot))
    ballot = refuses_cleanly(lambda: Ballot.from_json(parse_json(canonical_json(mutated))))
    if ballot is not None:
        assert Ballot.from_json(ballot.to_json()) == ballot


@given(data=st.data())
def test_a_mutated_ballot_is_refused_by_the_service_with_nothing_stored(voting: ServiceElection,
                                                                       valid_ballot: dict[str, Any],
                                                                       data: Any) -> None:
    mutated = data.draw(mutations(valid_ballot))
    before = voting.service.head(voting.slug)
    refuses_cleanly(lambda: voting.service.cast_ballot(voting.slug, json.dumps(mutated)))
    after = voting.service.head(voting.slug)
    assert after.position in (before.position, before.position + 1)


@given(data=st.data())
def test_a_mutated_board_event_is_read_or_refused(voting: ServiceElection, data: Any) -> None:
    from vybory.verify.lines import read_event

    events = voting.service.events(voting.slug, start=1, stop=12)
    original = data.draw(st.sampled_from(events)).to_json()
    mutated = data.draw(mutations(original))
    refuses_cleanly(lambda: read_event(mutated))


@given(data=st.data())
def test_a_damaged_record_is_refused_or_reported_never_a_crash(voting: ServiceElection, tmp_path_factory: Any,
                                                               data: Any) -> None:
    from vybory.cli.record import RecordUnreadable, export_record, open_record
    from vybory.verify.verifier import verify_record

    folder = tmp_path_factory.mktemp("record")
    good = folder / "good.zip"
    export_record(voting.service, voting.slug, good)
    raw = bytearray(good.read_bytes())
    how = data.draw(st.sampled_from(["bytes", "events", "manifest"]))
    if how == "bytes":
        for _ in range(data.draw(st.integers(1, 8))):
            raw[data.draw(st.integers(0, len(raw) - 1))] = data.draw(st.integers(0, 255))
        damaged = bytes(raw)
    else:
        with zipfile.ZipFile(io.BytesIO(bytes(raw))) as archive:
            files = {name: archive.read(name) for name in archive.namelist()}
        name = next(n for n in files if (n.endswith(".jsonl") if how == "events" else "manifest" in n))
        files[name] = data.draw(mangled(files[name].decode())).encode()
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w") as archive:
            for key, value in files.items():
                archive.writestr(key, value)
        damaged = out.getvalue()
    path = folder / "damaged.zip"
    path.write_bytes(damaged)
    try:
        with open_record(path) as files:
            report = refuses_cleanly(lambda: verify_record(files))
    except RecordUnreadable as error:
        assert str(error)
        return
    if report is not None and damaged != bytes(good.read_bytes()):
        assert report.to_json() is not None


@given(st.data())
def test_a_mangled_definition_is_parsed_or_refused(data: Any) -> None:
    text = data.draw(mangled(SMALL_COUNCIL) | st.text(max_size=200))
    refuses_cleanly(lambda: parse_definition(text))


@given(st.data())
def test_a_mangled_roll_is_parsed_or_refused(data: Any) -> None:
    definition = parse_definition(SMALL_COUNCIL)
    text = data.draw(mangled(ROLL) | st.text(max_size=200))
    voters = refuses_cleanly(lambda: parse_roll(text, definition))
    if voters is not None:
        assert all(definition.has_district(v.district) for v in voters)


@given(data=st.data())
def test_a_mutated_trustee_key_file_is_loaded_or_refused(voting: ServiceElection, tmp_path_factory: Any,
                                                         data: Any) -> None:
    from vybory.cli.trustee import key_file_json, load_key

    state = voting.state()
    good = json.loads(key_file_json(voting.slug, state.fingerprint, state.definition.trustees[0].id,
                                    voting.trustees[1]))
    text = data.draw(mutations(good).map(json.dumps) | mangled(json.dumps(good)))
    path = tmp_path_factory.mktemp("key") / "key.json"
    path.write_text(text, encoding="utf-8")
    refuses_cleanly(lambda: load_key(path, state))


@given(data=st.data())
def test_a_mutated_identity_key_or_receipt_is_read_or_refused(data: Any) -> None:
    from vybory.model.identity import IdentityKey, read_identity
    from vybory.verify.receipt import read_receipt

    identity = IdentityKey.generate("trustee", "t1").to_json()
    refuses_cleanly(lambda: read_identity(json.dumps(data.draw(mutations(identity)))))
    receipt = {"election": "e", "fingerprint": "ab" * 32, "round": 1, "tracking_code": "cd" * 32, "position": 9,
               "event_hash": "ef" * 32, "previous_hash": "01" * 32, "head": {"position": 9, "hash": "ef" * 32},
               "replaced": None}
    refuses_cleanly(lambda: read_receipt(json.dumps(data.draw(mutations(receipt)))))
    refuses_cleanly(lambda: read_receipt(data.draw(st.binary(max_size=80))))


@given(data=st.data())
def test_a_mangled_cvr_file_is_read_or_refused(tmp_path_factory: Any, data: Any) -> None:
    """Through the edge a count reads records by: an RCTab configuration naming the file."""
    from vybory.cli.rctab import count_rctab

    folder = tmp_path_factory.mktemp("cvr")
    csv_text = "Ann,Bob,Cy\n1,2,\n,1,2\n3,,1\n"
    cdf = {"GpUnit": [{"@id": "p1", "Name": "P1"}], "Election": [{"Candidate": [{"@id": "c1", "Name": "Ann"}],
           "Contest": [{"@id": "k", "Name": "Mayor", "ContestSelection": [{"@id": "s1", "CandidateIds": ["c1"]}]}]}],
           "CVR": [{"BallotPrePrintedId": "1", "CVRSnapshot": [{"@id": "x", "CVRContest": [
               {"ContestId": "k", "CVRContestSelection": [{"ContestSelectionId": "s1", "Rank": 1}]}]}],
               "CurrentSnapshotId": "x", "BallotStyleUnitId": "p1"}]}
    provider = data.draw(st.sampled_from(["genericCsv", "cdf"]))
    if provider == "genericCsv":
        raw = data.draw(mangled(csv_text).map(str.encode) | st.binary(max_size=100))
        name = "cvr.csv"
    else:
        raw = data.draw(mutations(cdf).map(lambda d: json.dumps(d).encode())
                        | mangled(json.dumps(cdf)).map(str.encode) | st.binary(max_size=100))
        name = "cvr.json"
    (folder / name).write_bytes(raw)
    config = {
        "outputSettings": {"contestName": "Mayor"},
        "cvrFileSources": [{"filePath": name, "provider": provider, "contestId": "Mayor",
                            "firstVoteColumnIndex": "1"}],
        "candidates": [{"name": n, "excluded": False} for n in ("Ann", "Bob", "Cy")],
        "rules": {"tiebreakMode": "random", "overvoteRule": "exhaustImmediately",
                  "winnerElectionMode": "singleWinnerMajority", "randomSeed": "7", "numberOfWinners": "1",
                  "maxSkippedRanksAllowed": "unlimited", "maxRankingsAllowed": "3"},
    }
    (folder / "config.json").write_text(json.dumps(config))
    refuses_cleanly(lambda: count_rctab(folder / "config.json"))
