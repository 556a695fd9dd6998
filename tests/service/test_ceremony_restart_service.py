"""The key ceremony's restart through the service (and its database, SQLite and PostgreSQL): a
failed attempt stays on the board, the commission restarts it, the refusals change nothing, and
the election runs to its verified result on the attempt-2 key."""

from __future__ import annotations

from functools import partial
from typing import Any

import pytest
from electionkit import (
    NOMINATIONS_CLOSE,
    at,
    bad_shares_to,
    key_ceremony_steps,
    secret_shares,
    signed,
    signing_key,
)
from kit import SLUG, VOTING_CLOSE, VOTING_OPEN, new_election, refused
from typer.testing import CliRunner

from vybory.cli.main import app
from vybory.cli.record import export_record
from vybory.crypto.group import Point
from vybory.errors import Refused
from vybory.model.definition import Trustee
from vybory.protocol import restart_key_ceremony


def failing_ceremony(election: Any) -> None:
    """Trustees 1 and 2 send trustee 3 shares that do not open: both are disqualified, 1 < k = 2."""
    key_ceremony_steps(election.state, partial(election.service.submit_trustee_step, SLUG), election.clock(),
                       "failing", bad_shares_to(election.state, 3, (1, 2)))


def commission_restart(election: Any, replacements: dict[int, Trustee] | None = None,
                       reason: str = "two trustees sent bad shares") -> dict[str, Any]:
    state = election.state()
    body = restart_key_ceremony(state, reason=reason, now=election.clock(), replacements=replacements)
    return signed(state, "key_ceremony_restarted", body)


def test_a_failed_ceremony_is_restarted_and_the_election_runs_on_the_new_key(service, clock, tmp_path) -> None:
    election = new_election(service)
    election.nominate_all()
    failing_ceremony(election)
    # The last complaint is on the board (the failure is the board's to show); nothing completed.
    state = election.state()
    assert len(state.keys.complaints) == 3 and state.keys.completed is None
    waiting = [w for w in service.status(SLUG).waiting if w.role == "commission"]
    assert any("restart the key ceremony" in w.action for w in waiting)
    elena = state.trustees[2]
    # Trustee 3 qualified: the commission cannot give its seat away, and a refusal changes nothing.
    ours = Trustee("olga", "Olga", elena.organisation, Point.from_hex(signing_key("trustee", "olga"), "k"))
    payload = commission_restart(election)
    payload["trustees"][2] = ours.to_json()
    refused(service, SLUG, lambda: service.restart_key_ceremony(SLUG, signed(state, "key_ceremony_restarted", {
        k: v for k, v in payload.items() if k != "signed"})), "restart_replaces_qualified")
    anna = state.trustees[0]
    alla = Trustee("alla", "Alla", anna.organisation, Point.from_hex(signing_key("trustee", "alla"), "k"))
    posted = service.restart_key_ceremony(SLUG, commission_restart(election, {1: alla}))
    assert posted.kind == "key_ceremony_restarted"
    assert service.has_trustee(SLUG, "alla") and not service.has_trustee(SLUG, "anna")
    # Attempt 2, run by alla, clara and elena with new key files, completes.
    secrets = key_ceremony_steps(election.state, partial(service.submit_trustee_step, SLUG), clock(), "attempt-2")
    state = election.state()
    assert state.keys.completed is not None and state.keys.completed["attempt"] == 2
    election.trustees = secret_shares(state, secrets)
    # Once completed it is never restarted: not even with the commission's own signature.
    refused(service, SLUG, lambda: service.restart_key_ceremony(SLUG, {**payload, "attempt": 3}),
            "key_ceremony_completed")
    clock.set(at(NOMINATIONS_CLOSE, days=3))
    service.close_nominations(SLUG)
    election.issue_credentials()
    service.open_round(SLUG)
    clock.set(at(VOTING_OPEN, hours=1))
    north = election.credentials["north"]
    election.vote(north[0], {"north-seat": "Ivanov"})
    election.vote(north[1], {"north-seat": "Ivanov"})
    clock.set(VOTING_CLOSE)
    service.close_round(SLUG)
    service.compute_tally(SLUG)
    election.decrypt((1, 3))
    decision = service.decide(SLUG)
    assert decision.shares_used == (1, 3)
    # The record, exported, verifies: the verifier follows both attempts.
    export_record(service, SLUG, tmp_path / "record.zip")
    result = CliRunner().invoke(app, ["verify", str(tmp_path / "record.zip"), "--workers", "1"])
    assert result.exit_code == 0, result.output


def test_a_stalled_ceremony_is_restarted_only_after_its_deadline(service, clock) -> None:
    election = new_election(service)
    clock.set(NOMINATIONS_CLOSE)
    # Nobody acts. Before the deadline the commission cannot restart; after it, it can.
    state = election.state()
    with pytest.raises(Refused) as caught:
        restart_key_ceremony(state, reason="nobody came", now=clock())
    assert caught.value.code == "key_ceremony_not_failed"
    clock.set(VOTING_OPEN)
    posted = service.restart_key_ceremony(SLUG, commission_restart(election, reason="nobody came"))
    event = service.events(SLUG)[posted.position - 1]
    assert event.payload["outcome"] == {"result": "stalled", "deadline": "2025-03-20T06:00:00Z",
                                        "waiting": {"1": "trustee_key", "2": "trustee_key", "3": "trustee_key"}}
