"""The audit file, checked on another device (`vybory verify-ballot RECORD --audit FILE`).

The liar is the voting device: it shows the voter their own choices while it encrypted
something else, or encrypted under a key that is not the election's (so that whoever holds
that key can read the ballot). The audit file is opened with the record's key and layouts,
never the file's, so each lie is named; a damaged or foreign file is refused as bad input.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from vybory.cli.main import app
from vybory.cli.record import open_record
from vybory.crypto import elgamal
from vybory.crypto.group import Point, Scalar
from vybory.crypto.rng import DeterministicRng
from vybory.errors import InvalidInput
from vybory.protocol.encrypt import BallotForm, district_layouts, encrypt_ballot
from vybory.verify.audit import check_audit, encryption_code, read_audit

CHOICES = {"south-seat": ["Volkov"], "south-recall": "no"}


def audit_file(exported: Any, choices: dict[str, Any] = CHOICES, *, round: int = 1,
               district: str = "south", key: Point | None = None, seed: str = "audit") -> dict[str, Any]:
    """What the booth writes for an audited ballot of ``district`` in ``round`` (spec §12.6)."""
    state = exported.election.state()
    rnd = state.rounds[round]
    form = BallotForm(state.fingerprint, round, key or state.public_key, district,
                      district_layouts(state, rnd, district), state.definition)
    secret = exported.election.credentials[district][0]
    ballot, secrets = encrypt_ballot(form, secret, choices, DeterministicRng(seed))
    contests = [{"contest": part.contest,
                 "ciphertexts": [s.ciphertext.to_json() for s in part.selections],
                 "randomness": [r.to_hex() for r in secrets.randomness[part.contest]]} for part in ballot.contests]
    audit = {"format": "vybory-ballot-audit", "version": 1, "election": state.fingerprint.hex(), "round": round,
             "public_key": form.public_key.to_hex(), "encryption_code": "", "contests": contests}
    audit["encryption_code"] = encryption_code(read_audit(_bytes(audit, code="00" * 32)).contests)
    return audit


def _bytes(audit: dict[str, Any], code: str | None = None) -> bytes:
    if code is not None:
        audit = dict(audit, encryption_code=code)
    return json.dumps(audit).encode()


def opened(exported: Any, audit: dict[str, Any]) -> Any:
    with open_record(exported.path) as files:
        return check_audit(files, read_audit(_bytes(audit)))


def test_an_honest_audit_opens_to_the_choices(exported: Any) -> None:
    result = opened(exported, audit_file(exported))
    assert result.holds and result.findings == ()
    assert (result.round, result.district) == (1, "south")
    layout = result.layouts["south-seat"]
    assert [n for n, v in zip(layout.labels, result.values["south-seat"]) if v] == ["Volkov"]
    assert result.values["south-recall"] == (0, 1, 0)  # yes, no, abstain
    assert result.titles["south-recall"] == "Recall the South's treasurer"


def test_a_booth_that_encrypted_another_choice_is_caught(exported: Any) -> None:
    """The voter chose "no"; the booth encrypted "yes" and showed "no". Its file either opens to
    "yes" (which the other device prints, for the voter to see) or does not open at all."""
    encrypted = audit_file(exported, {"south-seat": ["Volkov"], "south-recall": "yes"})
    result = opened(exported, encrypted)
    assert result.holds and result.values["south-recall"] == (1, 0, 0)  # the truth: "yes"
    # Randomness that would open these ciphertexts to "no" cannot be found; other randomness fails.
    faked = copy.deepcopy(encrypted)
    faked["contests"][1]["randomness"] = audit_file(exported, seed="fake")["contests"][1]["randomness"]
    result = opened(exported, faked)
    assert not result.holds and result.values == {}
    [finding] = result.findings
    assert finding.code == "audit_mismatch" and finding.field == "audit.contests[1].ciphertexts[0]"


def test_a_booth_that_swapped_ciphertexts_after_showing_the_code_is_caught(exported: Any) -> None:
    honest, other = audit_file(exported), audit_file(exported, {"south-seat": ["Orlova"], "south-recall": "yes"})
    swapped = dict(other, encryption_code=honest["encryption_code"])
    [finding] = opened(exported, swapped).findings
    assert (finding.code, finding.field) == ("audit_mismatch", "audit.encryption_code")


def test_a_ballot_under_a_key_that_is_not_the_elections_is_caught(exported: Any) -> None:
    """The booth encrypted to a key its accomplice holds: the file is self-consistent, but not this election's."""
    stranger = Point.base_mul(Scalar.random(DeterministicRng("accomplice")))
    result = opened(exported, audit_file(exported, key=stranger))
    [finding] = result.findings
    assert (finding.code, finding.field) == ("audit_wrong_key", "audit.public_key")
    assert "whoever holds that key can read it" in finding.message


def test_a_record_whose_announced_key_is_the_servers_does_not_hold(exported: Any, tmp_path: Path) -> None:
    # The server announces a joint key of its own on the board (re-hashing the chain and the
    # manifest) and its booth encrypts under that key: the audit opens under the record's key,
    # but that key is not the one the trustees' ceremony makes, so the audit does not hold.
    import zipfile

    from tamper import load, manifest_for, read_zip, rechain, rechained, to_lines

    server = Point.base_mul(Scalar.random(DeterministicRng("server's own key")))
    files = read_zip(exported.path)
    events = load(files["events.jsonl"].splitlines(keepends=True))
    (completed,) = [e for e in events if e["kind"] == "key_ceremony_completed"]
    completed["payload"]["public_key"] = server.to_hex()
    audit = _bytes(audit_file(exported, key=server))
    result = check_audit(rechained(files, events), read_audit(audit))
    assert not result.holds and not result.board_intact and result.findings == ()

    rechain(events)
    lines = to_lines(events)
    forged = tmp_path / "forged.zip"
    with zipfile.ZipFile(forged, "w") as archive:
        for name, data in {**files, "events.jsonl": b"".join(lines),
                           "manifest.json": manifest_for(files, lines, events)}.items():
            archive.writestr(name, data)
    (tmp_path / "audit.json").write_bytes(audit)
    out = run("verify-ballot", str(forged), "--audit", str(tmp_path / "audit.json"), code=1)
    assert "does not hold" in out and "key ceremony" in out and "faithfully" not in out


def test_a_ballot_that_drops_or_reorders_a_contest_is_caught(exported: Any) -> None:
    audit = audit_file(exported)
    dropped = dict(audit, contests=audit["contests"][:1])
    [finding] = opened(exported, dropped).findings
    assert finding.code == "audit_incomplete" and "south-seat, south-recall" in finding.message
    reordered = dict(audit, contests=audit["contests"][::-1])
    assert opened(exported, reordered).findings[0].code == "audit_incomplete"
    north = audit_file(exported, {"north-seat": ["Ivanov"]}, district="north")
    mixed = dict(audit, contests=audit["contests"] + north["contests"])
    assert opened(exported, mixed).findings[0].code == "audit_incomplete"


def test_a_ballot_of_another_election_or_round_is_named(exported: Any, other_exported: Any) -> None:
    foreign = audit_file(other_exported)
    [finding] = opened(exported, foreign).findings
    assert (finding.code, finding.field) == ("audit_other_election", "audit.election")
    [finding] = opened(exported, dict(audit_file(exported), round=7)).findings
    assert (finding.code, finding.field) == ("audit_unknown_round", "audit.round")
    unknown = copy.deepcopy(audit_file(exported))
    unknown["contests"][0]["contest"] = "mayor"
    assert opened(exported, unknown).findings[0].code == "audit_unknown_contest"


def test_a_ballot_with_too_many_marks_is_caught(exported: Any) -> None:
    """Values the booth's own proofs would never allow (two names for one seat) are named as such."""
    audit = audit_file(exported)
    state = exported.election.state()
    layout = state.rounds[1].layouts["south-seat"]
    rng = DeterministicRng("marks")
    rs = [Scalar.random(rng) for _ in layout.labels]
    audit["contests"][0]["ciphertexts"] = [elgamal.encrypt(state.public_key, 1, r).to_json() for r in rs]
    audit["contests"][0]["randomness"] = [r.to_hex() for r in rs]
    audit["encryption_code"] = encryption_code(read_audit(_bytes(audit, code="00" * 32)).contests)
    [finding] = opened(exported, audit).findings
    assert finding.code == "audit_invalid_choice" and finding.field == "audit.contests[0]"


def test_a_booth_that_used_a_layout_of_its_own_is_caught(exported: Any) -> None:
    """The record's layout is the one the file is read with, never the file's own: a contest with a
    selection left out (a candidate the booth dropped) and a selection holding more than its
    maximum are each named, even with the encryption code made to match."""
    state = exported.election.state()
    layout = state.rounds[1].layouts["south-seat"]
    short = audit_file(exported)
    short["contests"][0]["ciphertexts"].pop()
    short["contests"][0]["randomness"].pop()
    short["encryption_code"] = encryption_code(read_audit(_bytes(short, code="00" * 32)).contests)
    [finding] = opened(exported, short).findings
    assert (finding.code, finding.field) == ("audit_mismatch", "audit.contests[0]")
    assert f"{layout.size} selections in this round, not {layout.size - 1}" in finding.message
    over = audit_file(exported)
    r = Scalar.random(DeterministicRng("over"))
    over["contests"][0]["ciphertexts"][0] = elgamal.encrypt(state.public_key, layout.maxima[0] + 1, r).to_json()
    over["contests"][0]["randomness"][0] = r.to_hex()
    over["encryption_code"] = encryption_code(read_audit(_bytes(over, code="00" * 32)).contests)
    [finding] = opened(exported, over).findings
    assert (finding.code, finding.field) == ("audit_mismatch", "audit.contests[0].ciphertexts[0]")
    assert f"from 0 to {layout.maxima[0]}" in finding.message


@pytest.mark.parametrize(("change", "field"), [
    (lambda a: a.pop("round"), "audit"),
    (lambda a: a.update(format="helios"), "audit.format"),
    (lambda a: a.update(version=2), "audit.version"),
    (lambda a: a.update(round=0), "audit.round"),
    (lambda a: a.update(round=True), "audit.round"),
    (lambda a: a.update(election="AB" * 32), "audit.election"),
    (lambda a: a.update(encryption_code="ab"), "audit.encryption_code"),
    (lambda a: a.update(public_key="00" * 32), "audit.public_key"),
    (lambda a: a.update(contests=[]), "audit.contests"),
    (lambda a: a["contests"][0].update(extra=1), "audit.contests[0]"),
    (lambda a: a["contests"][0]["randomness"].pop(), "audit.contests[0]"),
    (lambda a: a["contests"][0]["randomness"].__setitem__(0, "ff" * 32), "audit.contests[0].randomness[0]"),
    (lambda a: a["contests"][0]["ciphertexts"][0].update(alpha="11" * 32), "audit.contests[0].ciphertexts[0].alpha"),
    (lambda a: a["contests"].append(copy.deepcopy(a["contests"][0])), "audit.contests[2]"),
])
def test_a_damaged_audit_file_is_refused_naming_the_field(exported: Any, change: Any, field: str) -> None:
    audit = copy.deepcopy(audit_file(exported))
    change(audit)
    with pytest.raises(InvalidInput) as caught:
        read_audit(_bytes(audit))
    assert caught.value.field == field


def test_garbage_is_not_an_audit_file() -> None:
    for data in (b"", b"\xff\xfe", b"[1, 2]", b'{"format": "vybory-ballot"}'):
        with pytest.raises(InvalidInput) as caught:
            read_audit(data)
        assert caught.value.field in ("audit", "audit.format")


def run(*args: str, code: int) -> str:
    result = CliRunner().invoke(app, list(args))
    output = result.output + (result.stderr if result.stderr_bytes is not None else "")
    assert result.exit_code == code, output
    assert "Traceback" not in output
    return output


def test_the_command_prints_the_choices_and_names_a_lie(exported: Any, tmp_path: Path) -> None:
    good = tmp_path / "audit.json"
    good.write_bytes(_bytes(audit_file(exported)))
    out = run("verify-ballot", str(exported.path), "--audit", str(good), code=0)
    assert "opens" in out and "round 1, district 'south'" in out
    assert "Councillor for the South: Volkov" in out
    assert "Recall the South's treasurer: no" in out
    answer = json.loads(run("verify-ballot", str(exported.path), "--audit", str(good), "--json", code=0))
    assert answer["holds"] and answer["choices"] == {"south-seat": ["Volkov"], "south-recall": "no"}

    stranger = Point.base_mul(Scalar.random(DeterministicRng("accomplice")))
    bad = tmp_path / "lie.json"
    bad.write_bytes(_bytes(audit_file(exported, key=stranger)))
    out = run("verify-ballot", str(exported.path), "--audit", str(bad), code=1)
    assert "audit_wrong_key" in out and "Do not vote on the device" in out

    garbage = tmp_path / "garbage.json"
    garbage.write_text("not json")
    assert "Bad input (audit): is not a JSON file" in run("verify-ballot", str(exported.path), "--audit",
                                                          str(garbage), code=2)
    assert "cannot be read" in run("verify-ballot", str(exported.path), "--audit", str(tmp_path / "none.json"),
                                   code=2)
    out = run("verify-ballot", str(exported.path), "ab" * 32, "--audit", str(good), code=2)
    assert "never cast" in out and "TRACKING_CODE" in out
