"""A real election's record verifies, every check in order; bad records fail cleanly, naming the problem."""

from __future__ import annotations

import json
import zipfile

from tamper import load, record_files, to_lines

from vybory.cli.record import open_record
from vybory.model.canonical import canonical_json
from vybory.model.definition import definition_from_json, fingerprint
from vybory.verify import CHECKS, verify_record
from vybory.verify.record import parse_manifest
from vybory.verify.report import CHECK_NAMES, Status


def test_the_record_of_a_whole_election_verifies(exported) -> None:  # type: ignore[no-untyped-def]
    with open_record(exported.path) as files:
        report = verify_record(files)
    assert report.ok, [str(f) for f in report.failures]
    assert [c.name for c in report.checks] == list(CHECK_NAMES)
    assert [c.spec.number for c in report.checks] == list(range(1, len(CHECKS) + 1))
    e = exported.election
    assert report.election == e.slug
    assert report.head == e.service.head(e.slug).hash
    assert report.events == e.service.head(e.slug).position
    assert report.ballots == len(e.receipts) == 36
    checked = {c.name: c.checked for c in report.checks}
    # Every check looked at something (no ranked contest here, hence no mix): nothing passes by having
    # nothing to do.
    assert checked.pop("mixes") == 0
    assert all(n > 0 for n in checked.values()), checked
    assert checked["ballots"] == 36
    assert checked["counted_ballots"] == 8 + 2 + 8 + 9  # credentials that voted, round by round
    assert checked["decryption_shares"] == 7
    # Trustees 1-3 witnessed every phase, the last after the publication; trustee 5 until round 1 closed.
    assert checked["witnesses"] == 4 * 4 + 3 * 6
    witnessed = report.witnessed
    assert witnessed is not None and witnessed.trustees == 5
    # Each witnesses the last event that is not a witness: the publication; its three witnesses follow.
    published = report.events - 3
    assert witnessed.latest == witnessed.levels[-1]
    assert (witnessed.latest.position, witnessed.latest.trustees) == (published, ("anna", "boris", "clara"))
    assert witnessed.latest.phase == "results published"
    assert witnessed.to_json()["unwitnessed_from"] == published + 1
    assert witnessed.lines()[-1].startswith(f"NOT witnessed: events {published + 1}-{report.events} (the last 3) "
                                            "(trustees' witnesses only, each signed)")
    assert any(len(level.trustees) == 4 for level in witnessed.levels)
    # Trustee 4's share had a bad proof: skipped and named on the board, which is allowed.
    notes = report.check("decryption_shares").notes
    assert len(notes) == 1 and "trustee 4" in notes[0]


def test_the_report_as_json(exported) -> None:  # type: ignore[no-untyped-def]
    with open_record(exported.path) as files:
        data = verify_record(files).to_json()
    assert data["format"] == "vybory-verification" and data["verified"] is True
    assert [c["name"] for c in data["checks"]] == list(CHECK_NAMES)
    assert all(c["status"] == "passed" and c["findings"] == [] for c in data["checks"])
    json.dumps(data)


def test_the_manifest_and_files_of_an_export(exported) -> None:  # type: ignore[no-untyped-def]
    manifest = parse_manifest(exported.files["manifest.json"])
    e = exported.election
    assert set(exported.files) == {"manifest.json", "definition.json", "events.jsonl", "README.md"}
    assert manifest.election == e.slug and manifest.events == len(exported.events)
    assert manifest.fingerprint == e.state().fingerprint.hex() == fingerprint(e.state().definition).hex()
    assert exported.files["definition.json"] == canonical_json(e.state().definition.to_json())
    assert definition_from_json(json.loads(exported.files["definition.json"])) == e.state().definition
    # Each line is one event, exactly as the service's board holds it.
    events = e.service.events(e.slug)
    assert exported.events == [ev.to_line() + b"\n" for ev in events]
    readme = exported.files["README.md"].decode()
    assert manifest.head in readme and "vybory verify" in readme and "verify-ballot" in readme


def test_no_secret_and_no_identity_in_the_record(exported) -> None:  # type: ignore[no-untyped-def]
    e = exported.election
    with zipfile.ZipFile(exported.path) as archive:
        text = "\n".join(archive.read(name).decode("utf-8") for name in archive.namelist())
    haystack = text.lower()
    roll = [line.split(",") for line in e.roll.strip().splitlines()[1:]]
    assert len(roll) == 17
    for voter_id, name, _district, _weight in roll:
        assert voter_id.lower() not in haystack, voter_id
        assert name.lower() not in haystack, name
    secrets = e.secrets()
    assert len(secrets) > 2 * 17
    for secret in secrets:
        assert secret.lower() not in haystack, "a secret reached the record"
    # The scan itself finds what is there: the public credentials and the trustees' public keys are.
    some_public = load(exported.events)[-1]["hash"]
    assert some_public in haystack


def test_an_unpublished_election_verifies_up_to_where_it_is(other_exported) -> None:  # type: ignore[no-untyped-def]
    with open_record(other_exported.path) as files:
        report = verify_record(files)
    assert report.ok, [str(f) for f in report.failures]
    assert any("not published yet" in n for n in report.check("head").notes)
    assert report.check("publication").checked == 0


def test_the_record_of_another_election_fails_cleanly(exported, other_exported) -> None:  # type: ignore[no-untyped-def]
    mine = parse_manifest(exported.files["manifest.json"]).fingerprint
    with open_record(other_exported.path) as files:
        report = verify_record(files, expected_fingerprint=mine)
    assert not report.ok
    [finding] = report.check("definition").findings
    assert finding.code == "other_election" and mine in finding.message
    # Everything else about that record holds: only the identity of the election is wrong.
    assert [c.name for c in report.checks if c.status is not Status.PASSED] == ["definition"]


def test_a_definition_from_another_election_is_named(exported, other_exported) -> None:  # type: ignore[no-untyped-def]
    files = record_files(exported.files, definition=other_exported.files["definition.json"])
    report = verify_record(files)
    assert not report.ok
    codes = {f.code for f in report.check("definition").findings}
    assert {"fingerprint_mismatch", "definition_mismatch", "slug_mismatch"} <= codes
    assert report.check("record").status is Status.FAILED  # its digest is not the manifest's either


def test_ballots_of_another_election_are_refused(exported, other_exported) -> None:  # type: ignore[no-untyped-def]
    from tamper import rechained

    events = load(exported.events)
    foreign = next(e for e in load(other_exported.events) if e["kind"] == "ballot_cast")
    closed = next(i for i, e in enumerate(events) if e["kind"] == "round_closed")
    events.insert(closed, foreign)
    report = verify_record(rechained(exported.files, events))
    [finding] = [f for f in report.check("ballots").findings if f.position == closed + 1]
    assert finding.tracking_code == foreign["payload"]["tracking_code"]
    assert finding.code == "unknown_credential"


def test_missing_files_are_named(exported) -> None:  # type: ignore[no-untyped-def]
    for name in ("manifest", "definition", "readme"):
        report = verify_record(record_files(exported.files, **{name: None}))
        assert not report.ok
        assert any(f.code == "record_file_missing" for f in report.failures), name
    without_events = dict(exported.files)
    del without_events["events.jsonl"]
    report = verify_record(record_files(without_events))
    assert [f.code for f in report.check("record").findings] == ["record_file_missing"]
    assert report.check("ballots").status is Status.NOT_RUN


def test_a_manifest_that_is_not_one(exported) -> None:  # type: ignore[no-untyped-def]
    cases = {
        b"not json": "invalid_encoding",
        b"[]": "record_manifest",
        json.dumps({"format": "other"}).encode(): "record_manifest",
    }
    good = json.loads(exported.files["manifest.json"])
    for key, value in (("format", "zip-of-stuff"), ("version", 3), ("version", 1), ("version", True), ("head", "XYZ"), ("events", -1),
                       ("files", {})):
        bad = dict(good)
        bad[key] = value
        cases[json.dumps(bad).encode()] = {"format": "record_format", "version": "record_version"}.get(
            key, "record_manifest")
    for data, code in cases.items():
        report = verify_record(record_files(exported.files, manifest=data))
        assert not report.ok
        assert [f.code for f in report.check("record").findings] == [code], data
    old = dict(good, version=1)
    message = verify_record(record_files(exported.files, manifest=json.dumps(old).encode())).check("record").findings[0]
    assert "version 1 records have no signatures" in message.message


def test_garbage_lines_are_named_and_the_rest_is_still_checked(exported) -> None:  # type: ignore[no-untyped-def]
    lines = list(exported.events)
    lines[9] = b'{"position": 10, "kind": "nonsense"\n'
    lines[20] = b"\xff\xfe garbage\n"
    report = verify_record(record_files(exported.files, lines))
    board = {(f.position, f.code) for f in report.check("board").findings}
    assert (10, "board_unreadable") in board and (21, "board_unreadable") in board
    # Line 11 cannot be linked to an unreadable line 10, but is otherwise checked; line 12 links to it.
    assert not any(f.position in (11, 12, 22) for f in report.check("board").findings)
    assert report.check("ballots").checked == 36


def test_a_truncated_events_file_is_named(exported) -> None:  # type: ignore[no-untyped-def]
    data = exported.files["events.jsonl"]
    cut = data[: len(data) - len(data.splitlines(keepends=True)[-1]) - 100]  # into the line before the last
    report = verify_record(record_files(exported.files, to_lines([]) + [cut]))
    assert not report.ok
    last = cut.count(b"\n") + 1
    codes = {f.code for f in report.failures if f.position == last}
    assert "board_unreadable" in codes
    assert {f.code for f in report.check("head").findings} == {"head_unreadable", "head_mismatch"}
    assert {f.code for f in report.check("record").findings} == {"record_file_digest", "record_event_count"}


def test_a_payload_of_the_wrong_shape_is_a_finding_not_a_crash(exported) -> None:  # type: ignore[no-untyped-def]
    from tamper import rechained

    for kind, change in (
        ("round_opened", lambda p: p.update(contests="all of them")),
        ("encrypted_tally", lambda p: p.update(contests=[{"contest": 5}])),
        ("tally_decrypted", lambda p: p.update(shares_used="1,2,3")),
        ("outcome_declared", lambda p: p.update(outcomes=[None])),
        ("key_ceremony_completed", lambda p: p.update(verification_keys=[1, 2])),
        ("credentials_published", lambda p: p["credentials"].append({"credential": 7})),
        ("ballot_cast", lambda p: p.update(ballot={"round": "one"})),
        ("dkg_shares", lambda p: p.update(shares={"x": 1})),
        ("election_published", lambda p: p.update(results=None)),
    ):
        events = load(exported.events)
        change(next(e for e in events if e["kind"] == kind)["payload"])
        report = verify_record(rechained(exported.files, events))
        assert not report.ok, kind
        assert any(f.kind == kind for f in report.failures), (kind, [str(f) for f in report.failures])


def test_the_booth_recorded_when_a_round_opens(exported) -> None:  # type: ignore[no-untyped-def]
    from tamper import rechained

    for booth, ok in (("ab" * 32, True), ("AB" * 32, False), ("ab" * 31, False), (7, False)):
        # The witnesses dropped too: they would name the change (tests/verify/test_witnessed_record.py).
        events = [e for e in load(exported.events) if e["kind"] != "head_witnessed"]
        next(e for e in events if e["kind"] == "round_opened")["payload"]["booth"] = booth
        report = verify_record(rechained(exported.files, events))
        assert report.ok is ok, booth
        if ok:
            assert any(booth in note for note in report.check("rounds").notes)
        else:
            assert [f.code for f in report.failures] == ["round_booth"]
