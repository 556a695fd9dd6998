"""`vybory export`, `vybory verify` and `vybory verify-ballot` on a real election's record:
exit codes, the report naming what failed, and damaged files refused with one clear message."""

from __future__ import annotations

import json
import sys
import zipfile
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "verify"))

from election import Election, build

from vybory.cli.main import app

# Builds one election for the whole module: keep these tests on one worker.
pytestmark = pytest.mark.xdist_group("record-cli")


class Run:
    def __init__(self) -> None:
        self.runner = CliRunner()

    def __call__(self, *args: str, code: int = 0) -> str:
        result = self.runner.invoke(app, list(args))
        output = result.output + (result.stderr if result.stderr_bytes is not None else "")
        assert result.exit_code == code, f"{args}: exit {result.exit_code}\n{output}\n{result.exception!r}"
        assert "Traceback" not in output
        return output


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Election, str, Path]:
    folder = tmp_path_factory.mktemp("cli-record")
    e = build(folder)
    return e, f"sqlite:///{folder / 'vybory.sqlite'}", folder


@pytest.fixture(scope="module")
def record(built: tuple[Election, str, Path]) -> Path:
    e, url, folder = built
    out = Run()("export", e.slug, str(folder / "record.zip"), "--db", url)
    head = e.service.head(e.slug)
    assert f"{head.position} events, head {head.hash}" in out
    assert f"vybory verify {folder / 'record.zip'} --head {head.hash}" in out
    return folder / "record.zip"


def rewrite(source: Path, target: Path, change: Any) -> Path:
    """A copy of the record with ``change(name, data) -> data or None`` applied to each file."""
    with zipfile.ZipFile(source) as archive, zipfile.ZipFile(target, "w") as out:
        for name in archive.namelist():
            data = change(name, archive.read(name))
            if data is not None:
                out.writestr(name, data)
    return target


def test_export_then_verify(record: Path) -> None:
    out = Run()("verify", str(record), "--workers", "1")
    assert "verified: every check holds" in out
    for number in range(1, 20):
        assert f"\n{number:>2}. " in "\n" + out
    assert "note: round 1: the share of trustee 4 is invalid" in out
    # Without --head: which part the trustees witnessed, and which part only the record vouches for.
    assert "witnessed: events 1-" in out and "by 4 of 5 trustees (anna, boris, clara, elena)" in out
    assert "NOT witnessed: events" in out and "only this record vouches for them" in out
    assert "Compare this record's head with one published elsewhere" in out


def test_verify_as_json_on_every_core(record: Path, built: tuple[Election, str, Path]) -> None:
    e = built[0]
    head = e.service.head(e.slug).hash
    fingerprint = e.state().fingerprint.hex()
    out = Run()("verify", str(record), "--json", "--workers", "2", "--head", head, "--fingerprint", fingerprint)
    report = json.loads(out)
    assert report["verified"] is True and report["head"] == head and report["ballots"] == 36
    assert [c["number"] for c in report["checks"]] == list(range(1, 20))
    assert report["witnessed"]["latest"]["trustees"] == ["anna", "boris", "clara"]


def test_verify_on_a_dask_cluster(record: Path) -> None:
    import distributed
    with distributed.LocalCluster(n_workers=1, threads_per_worker=2, processes=False,
                                  dashboard_address=None) as cluster:
        out = Run()("verify", str(record), "--dask", cluster.scheduler_address)
    assert "verified" in out


def test_the_wrong_published_head_or_election_fails(record: Path) -> None:
    run = Run()
    report = json.loads(run("verify", str(record), "--json", "--workers", "1", "--head", "00" * 32, code=1))
    assert report["verified"] is False
    [head] = [c for c in report["checks"] if c["name"] == "head"]
    assert [f["code"] for f in head["findings"]] == ["published_head_mismatch"]
    out = run("verify", str(record), "--workers", "1", "--fingerprint", "11" * 32, code=1)
    assert "this is the record of another election" in out and "NOT verified" in out


def test_a_tampered_ballot_is_listed_with_its_event_and_tracking_code(record: Path, tmp_path: Path,
                                                                       built: tuple[Election, str, Path]) -> None:
    receipt = built[0].receipts[5]

    def change(name: str, data: bytes) -> bytes:
        if name != "events.jsonl":
            return data
        lines = data.splitlines(keepends=True)
        line = lines[receipt.position - 1].decode()
        event = json.loads(line)
        ballot = event["payload"]["ballot"]
        ballot["round"] = 2  # moved to the next round: the signature no longer covers it
        lines[receipt.position - 1] = (json.dumps(event, separators=(",", ":"), sort_keys=True,
                                                  ensure_ascii=False) + "\n").encode()
        return b"".join(lines)

    bad = rewrite(record, tmp_path / "bad.zip", change)
    out = Run()("verify", str(bad), "--workers", "1", code=1)
    assert f"event {receipt.position} (ballot_cast), ballot {receipt.tracking_code}" in out
    assert "its hash does not match its contents" in out
    assert "NOT verified" in out


@pytest.mark.parametrize("damage", ["truncated", "corrupt", "not a zip", "empty", "folder", "missing"])
def test_a_damaged_record_gets_one_clear_message(record: Path, tmp_path: Path, damage: str) -> None:
    data = record.read_bytes()
    path = tmp_path / "record.zip"
    if damage == "truncated":
        path.write_bytes(data[: len(data) // 2])
    elif damage == "corrupt":
        middle = len(data) // 3
        path.write_bytes(data[:middle] + bytes(b ^ 0x5A for b in data[middle:middle + 64]) + data[middle + 64:])
    elif damage == "not a zip":
        path.write_text("position,kind\n1,election_defined\n")
    elif damage == "empty":
        path.write_bytes(b"")
    elif damage == "folder":
        path.mkdir()
    else:
        path = tmp_path / "nowhere.zip"
    run = Run()
    out = run("verify", str(path), code=2)
    assert "The record cannot be read" in out
    data = json.loads(run("verify", str(path), "--json", code=2))
    assert data["verified"] is False and data["error"] == "record_unreadable"
    assert "The record cannot be read" in run("verify-ballot", str(path), "ab" * 32, code=2)


def test_a_record_without_its_manifest_or_with_garbage_lines(record: Path, tmp_path: Path) -> None:
    no_manifest = rewrite(record, tmp_path / "a.zip", lambda n, d: None if n == "manifest.json" else d)
    out = Run()("verify", str(no_manifest), "--workers", "1", code=1)
    assert "the record has no manifest.json" in out

    def garbage(name: str, data: bytes) -> bytes:
        if name != "events.jsonl":
            return data
        lines = data.splitlines(keepends=True)
        lines[6] = b"{ this is not json\n"
        return b"".join(lines)

    out = Run()("verify", str(rewrite(record, tmp_path / "b.zip", garbage)), "--workers", "1", code=1)
    assert "event 7: not an event" in out


def test_verify_ballot(record: Path, built: tuple[Election, str, Path]) -> None:
    e = built[0]
    run = Run()
    first, later = e.receipts[0], e.receipts[8]
    assert later.replaced == first.tracking_code
    out = run("verify-ballot", str(record), later.tracking_code)
    assert out.startswith("counted:") and f"event {later.position}" in out
    out = run("verify-ballot", str(record), first.tracking_code)
    assert out.startswith("superseded:") and later.tracking_code in out and f"event {later.position}" in out
    out = run("verify-ballot", str(record), "cd" * 32, code=1)
    assert out.startswith("not found:")
    data = json.loads(run("verify-ballot", str(record), later.tracking_code, "--json"))
    assert data["state"] == "counted" and data["position"] == later.position and data["board_intact"]


def test_verify_ballot_with_the_voters_credential(record: Path, built: tuple[Election, str, Path],
                                                 tmp_path: Path) -> None:
    e = built[0]
    run = Run()
    mine, other = e.credentials["north"][0], e.credentials["north"][1]
    revote = e.receipts[8]  # north voter 1's counted ballot
    letter = tmp_path / "letter.txt"
    letter.write_text(f"Council election\n\n    Your secret credential:   {mine}\n")
    out = run("verify-ballot", str(record), revote.tracking_code, "--credential-file", str(letter))
    assert out.startswith("counted:") and "your credential is on the list (district north)" in out
    assert "yours: this ballot was cast with your credential" in out
    assert f"your credential's latest ballot in round 1: {revote.tracking_code}" in out
    # A device that showed voter 2 voter 1's ballot: voter 2's own check fails, by name.
    out = run("verify-ballot", str(record), revote.tracking_code, "--credential", other, code=1)
    assert "not yours (ballot_not_yours)" in out and "someone else's ballot" in out
    data = json.loads(run("verify-ballot", str(record), revote.tracking_code, "--credential", other, "--json",
                          code=1))
    assert data["credential"]["yours"] is False and data["credential"]["findings"][0]["code"] == "ballot_not_yours"
    out = run("verify-ballot", str(record), revote.tracking_code, "--credential", "ABCD-EFGH-IJKL-MNOP-QRST-UVWX",
              code=1)
    assert "credential_not_listed" in out
    for args in (("--credential", "not a credential"), ("--credential-file", str(tmp_path / "none.txt"))):
        out = run("verify-ballot", str(record), revote.tracking_code, *args, code=2)
        assert "Bad input" in out and "credential" in out


def test_export_of_an_unknown_election_leaves_nothing(built: tuple[Election, str, Path], tmp_path: Path) -> None:
    _, url, _ = built
    out = Run()("export", "no-such-election", str(tmp_path / "x.zip"), "--db", url, code=1)
    assert "there is no election 'no-such-election'" in out
    assert list(tmp_path.iterdir()) == []


def test_verify_ballot_with_a_receipt(record: Path, built: tuple[Election, str, Path], tmp_path: Path) -> None:
    e = built[0]
    run = Run()
    receipt = tmp_path / "receipt.json"
    receipt.write_text(json.dumps(e.receipts[8].to_json()))
    out = run("verify-ballot", str(record), "--receipt", str(receipt))
    assert out.startswith("counted:") and "receipt holds" in out
    data = json.loads(run("verify-ballot", str(record), "--receipt", str(receipt), "--json"))
    assert data["receipt"] == {"holds": True, "findings": []}
    # The server gave the voter a receipt for a board it later rewrote: the hash no longer matches.
    forged = e.receipts[8].to_json() | {"event_hash": "ab" * 32, "head": {"position": e.receipts[8].position,
                                                                           "hash": "ab" * 32}}
    receipt.write_text(json.dumps(forged))
    out = run("verify-ballot", str(record), "--receipt", str(receipt), code=1)
    assert "receipt broken (receipt_event_changed)" in out
    receipt.write_text("{not json")
    assert "Bad input (receipt)" in run("verify-ballot", str(record), "--receipt", str(receipt), code=2)
    assert "Bad input (receipt)" in run("verify-ballot", str(record), "--receipt", str(tmp_path / "none"), code=2)
    receipt.write_text(json.dumps(e.receipts[8].to_json()))
    out = run("verify-ballot", str(record), e.receipts[0].tracking_code, "--receipt", str(receipt), code=2)
    assert "Bad input (tracking_code)" in out
    assert "Bad input (tracking_code)" in run("verify-ballot", str(record), code=2)


def test_an_extra_file_in_the_archive_is_reported(record: Path, tmp_path: Path) -> None:
    # Whoever hands out the record slips in a file of its own (a "corrected" result, a script):
    # it is not part of the record, and verify says so by name.
    target = rewrite(record, tmp_path / "extra.zip", lambda n, d: d)
    with zipfile.ZipFile(target, "a") as archive:
        archive.writestr("results-corrected.json", b"{}")
    data = json.loads(Run()("verify", str(target), "--json", "--workers", "1", code=1))
    record_check = next(c for c in data["checks"] if c["name"] == "record")
    assert [f["code"] for f in record_check["findings"]] == ["record_extra_file"]
    assert "results-corrected.json" in record_check["findings"][0]["message"]
    assert all(c["status"] == "passed" for c in data["checks"] if c["name"] != "record")


def test_heads_then_verify_with_the_heads_file(record: Path, tmp_path: Path) -> None:
    run = Run()
    out = run("heads", str(record))
    lines = [line for line in out.splitlines() if line and not line.startswith("#")]
    assert [line.split(" ", 2)[2] for line in lines[:3]] == ["key ceremony done", "nominations closed",
                                                            "credentials published"]
    assert lines[-1].endswith("last event")
    heads = tmp_path / "heads.txt"
    heads.write_text(out)
    assert "verified: every check holds" in run("verify", str(record), "--heads", str(heads))

    # A record rebuilt without the last round: the observer's heads file names what was removed.
    def cut(name: str, data: bytes) -> bytes:
        if name != "events.jsonl":
            return data
        return b"".join(data.splitlines(keepends=True)[:int(lines[5].split()[0])])

    short = rewrite(record, tmp_path / "short.zip", cut)
    out = run("verify", str(short), "--heads", str(heads), code=1)
    assert "this record ends at event" in out and "events were removed" in out
    for text, field in (("12\n", "heads line 1"), ("# nothing\n", "heads")):
        heads.write_text(text)
        out = run("verify", str(record), "--heads", str(heads), code=2)
        assert "Bad input" in out and (field in out or "holds no head" in out)
    out = run("verify", str(record), "--heads", str(tmp_path / "missing.txt"), code=2)
    assert "the heads file cannot be read" in out
