"""A trustee's software decrypts only the sum of the ballots (SQLite and PostgreSQL).

The adversary is the database operator (or a server) that wants one voter's choice: it writes one
ballot's ciphertexts onto the board as the round's tally and re-hashes the chain; k honest
trustees who decrypt "the tally" would decrypt that ballot. `vybory trustee decrypt` (and the
offline tool the trustee page uses) adds up the round's ballots on the board it read and refuses
a tally that is not their sum, before any share is computed or posted."""

from __future__ import annotations

import json
from typing import Any

import pytest
from electionkit import ROLL, SMALL_COUNCIL, VOTING_CLOSE, ServiceElection, at, rewrite_board
from typer.testing import CliRunner

from vybory import protocol
from vybory.cli.main import app
from vybory.cli.trustee import key_file_json
from vybory.errors import Refused
from vybory.model.board import EventKind
from vybory.model.definition import format_time
from vybory.web import offline

CHOICES = ({"north-seat": ["Ivanov"]}, {"north-seat": ["Petrova"]}, {"north-seat": ["Ivanov"]})


@pytest.fixture
def tallied(service):  # type: ignore[no-untyped-def]
    """The small council: three North ballots cast, the round closed and its tally published."""
    e = ServiceElection.create(service, SMALL_COUNCIL, ROLL).open_for_voting()
    for secret, choices in zip(e.credentials["north"], CHOICES, strict=False):
        e.vote(secret, choices)
    e.clock.set(VOTING_CLOSE)
    service.close_round(e.slug)
    service.compute_tally(e.slug)
    return e


def one_ballot_as_the_tally(rows: list[dict[str, Any]]) -> None:
    """The operator's edit: the North tally's ciphertexts become the first North ballot's."""
    ballot = next(r for r in rows if r["kind"] == "ballot_cast"
                  and r["payload"]["ballot"]["contests"][0]["contest"] == "north-seat")
    (tally,) = [r for r in rows if r["kind"] == "encrypted_tally"]
    north = next(c for c in tally["payload"]["contests"] if c["contest"] == "north-seat")
    north["ciphertexts"] = [s["ciphertext"] for s in ballot["payload"]["ballot"]["contests"][0]["selections"]]


def decrypt(url: str, e: ServiceElection, j: int, folder: Any) -> Any:
    state = e.state()
    key = folder / f"trustee-{j}.json"
    key.write_text(key_file_json(e.slug, state.fingerprint, state.definition.trustees[j - 1].id, e.trustees[j]))
    env = {"VYBORY_NOW": format_time(at(VOTING_CLOSE, hours=1))}
    return CliRunner().invoke(app, ["trustee", "decrypt", e.slug, "--key", str(key), "--db", url], env=env)


def test_a_trustee_decrypts_the_sum_of_the_ballots(database_url, tallied, tmp_path) -> None:
    result = decrypt(database_url, tallied, 1, tmp_path)
    assert result.exit_code == 0, result.output
    assert [e.kind for e in tallied.service.events(tallied.slug)][-1] is EventKind.DECRYPTION_SHARE


def test_a_tally_that_is_one_voters_ballot_is_not_decrypted(database_url, tallied, tmp_path) -> None:
    rewrite_board(database_url, one_ballot_as_the_tally)
    result = decrypt(database_url, tallied, 1, tmp_path)
    assert result.exit_code == 1, result.output
    assert "tally_not_the_ballots" in result.output and "Traceback" not in result.output
    kinds = [e.kind for e in tallied.service.events(tallied.slug)]
    assert EventKind.DECRYPTION_SHARE not in kinds, "a share of the forged tally was posted"


def test_the_offline_tool_refuses_the_forged_tally_of_a_downloaded_board(database_url, tallied, tmp_path) -> None:
    honest = tallied.service.events(tallied.slug)
    key = tmp_path / "key.json"
    state = tallied.state()
    key.write_text(key_file_json(tallied.slug, state.fingerprint, state.definition.trustees[0].id, tallied.trustees[1]))
    message, _ = offline.compute_step("decrypt", protocol.replay(honest), key, ballots=honest)
    assert message["kind"] == "decryption_share"

    rewrite_board(database_url, one_ballot_as_the_tally)
    forged = tallied.service.events(tallied.slug)
    with pytest.raises(Refused) as refused:
        offline.compute_step("decrypt", protocol.replay(forged), key, ballots=forged)
    assert refused.value.code == "tally_not_the_ballots"
    with pytest.raises(Exception) as missing:
        offline.compute_step("decrypt", protocol.replay(forged), key)
    assert getattr(missing.value, "code", None) == "ballots_missing"


def prune_one_ballot(rows: list[dict[str, Any]]) -> None:
    """A subtler edit: one North ballot deleted, the witnesses that would name the old chain
    deleted too, and the tally and the round's counts made the sum of what is left, so the board
    is a consistent one that simply never had that ballot."""
    from vybory.crypto.elgamal import Ciphertext

    ballots = [r for r in rows if r["kind"] == "ballot_cast"
               and r["payload"]["ballot"]["contests"][0]["contest"] == "north-seat"]
    rows.remove(ballots[0])
    rows[:] = [r for r in rows if r["kind"] != "head_witnessed"]
    kept = [[Ciphertext.from_json(s["ciphertext"], "ct") for s in b["payload"]["ballot"]["contests"][0]["selections"]]
            for b in ballots[1:]]
    sums = [sum(column[1:], column[0]) for column in zip(*kept, strict=True)]
    (closed,) = [r for r in rows if r["kind"] == "round_closed"]
    closed["payload"]["voters"] -= 1
    closed["payload"]["ballots"] -= 1
    (tally,) = [r for r in rows if r["kind"] == "encrypted_tally"]
    north = next(c for c in tally["payload"]["contests"] if c["contest"] == "north-seat")
    north.update(ciphertexts=[ct.to_json() for ct in sums], ballots=north["ballots"] - 1,
                 ballots_cast=north["ballots_cast"] - 1)


def test_a_board_pruned_of_a_ballot_after_the_trustee_witnessed_it_is_not_decrypted(database_url, service, tmp_path) -> None:
    """The operator removes one counted ballot (and every witness that would give it away) and
    makes the tally the sum of the rest: the tally check alone passes, so the trustee's own heads
    file is what refuses it (`vybory trustee decrypt --heads`, and the offline tool's --heads)."""
    from vybory.verify.heads import heads_line

    e = ServiceElection.create(service, SMALL_COUNCIL, ROLL).open_for_voting()
    for secret, choices in zip(e.credentials["north"], CHOICES, strict=False):
        e.vote(secret, choices)
    e.clock.set(VOTING_CLOSE)
    service.close_round(e.slug)
    (head,) = e.witness(1)
    heads = tmp_path / "heads.txt"
    heads.write_text(heads_line(head), encoding="utf-8")
    service.compute_tally(e.slug)

    rewrite_board(database_url, prune_one_ballot)
    pruned = service.events(e.slug)
    assert sum(1 for ev in pruned if ev.kind is EventKind.BALLOT_CAST) == len(CHOICES) - 1
    protocol.check_encrypted_tally(protocol.replay(pruned), round=1, ballots=pruned)  # the sum holds

    key = tmp_path / "trustee-1.json"
    state = e.state()
    key.write_text(key_file_json(e.slug, state.fingerprint, state.definition.trustees[0].id, e.trustees[1]))
    env = {"VYBORY_NOW": format_time(at(VOTING_CLOSE, hours=1))}
    result = CliRunner().invoke(app, ["trustee", "decrypt", e.slug, "--key", str(key), "--db", database_url,
                                      "--heads", str(heads)], env=env)
    assert result.exit_code == 1, result.output
    assert "history_rewritten" in result.output and "no share is computed" in result.output
    assert "Traceback" not in result.output
    assert EventKind.DECRYPTION_SHARE not in [ev.kind for ev in service.events(e.slug)]

    board = tmp_path / "board.jsonl"
    board.write_text("".join(json.dumps(ev.to_json()) + "\n" for ev in pruned), encoding="utf-8")
    out = tmp_path / "share.json"
    code = offline.main(["decrypt", "--board", str(board), "--key", str(key), "--out", str(out),
                         "--heads", str(heads)])
    assert code == 1 and not out.exists()
