"""Ranked contests through the service on a real database (SQLite, and PostgreSQL when configured):
trustees mix through the service and with `vybory trustee mix`, a bad mix leaves the board as it
was, and the decision counts the decrypted rankings exactly as the plaintext count does."""

from __future__ import annotations

from datetime import timedelta

from electionkit import ServiceElection, rng
from mix_kit import CANDIDATES, RANKED, T0, VOTERS, VOTING_CLOSE, VOTING_OPEN
from typer.testing import CliRunner

from vybory import protocol, rules
from vybory.cli.main import app
from vybory.cli.trustee import key_file_json
from vybory.errors import VyboryError
from vybory.model.definition import format_time
from vybory.protocol.decide import rules_contest
from vybory.rules.base import RankedBallot
from vybory.service import ElectionService, ManualClock
from vybory.service.mixing import mix_contests, submit_mix

SLUG = "ranked-committee"
VOTERS_HERE = VOTERS[:8]
ROLL = "id,name,district,weight\n" + "".join(f"v{i},Voter {i},works,{w}\n" for i, (w, _) in enumerate(VOTERS_HERE))


def up_to_the_tally(service: ElectionService, clock: ManualClock) -> dict[int, object]:
    """Definition, nominations, key ceremony, credentials, eight ballots, closed and tallied."""
    e = ServiceElection.create(service, RANKED, ROLL, now=T0)
    e.nominate_all(CANDIDATES)
    e.key_ceremony()
    clock.set(T0 + timedelta(days=10))
    service.close_nominations(SLUG)
    e.issue_credentials()
    service.open_round(SLUG)
    clock.set(VOTING_OPEN + timedelta(hours=1))
    for secret, (_, choices) in zip(e.credentials["works"], VOTERS_HERE, strict=True):
        e.vote(secret, choices, seed="")
    clock.set(VOTING_CLOSE)
    service.close_round(SLUG)
    service.compute_tally(SLUG)
    return e.trustees


def test_ranked_contests_through_the_service_and_the_trustee_mix_step(database, database_url, tmp_path) -> None:
    clock = ManualClock(T0)
    service = ElectionService(database, clock=clock)
    secrets = up_to_the_tally(service, clock)
    status = service.status(SLUG)
    assert status.phase == "mixing"

    # Trustee 1 mixes through the service: both ranked contests, one event each.
    clock.set(VOTING_CLOSE + timedelta(hours=1))
    posted = mix_contests(service, SLUG, secrets[1], rng=rng("mix-1"))
    assert list(posted) == ["chair", "board"] and all(p.kind == "ballots_mixed" for p in posted.values())

    # A mix with a row changed after signing is refused and changes nothing.
    honest = protocol.compute_mix(service.state(SLUG), secrets[2], round=1, contest="chair", now=clock(),
                                  rng=rng("mix-2"))
    forged = dict(honest, rows=[honest["rows"][1], honest["rows"][0], *honest["rows"][2:]])
    head = service.head(SLUG)
    try:
        submit_mix(service, SLUG, forged)
    except VyboryError as error:
        assert error.code == "bad_mix_signature"
    else:
        raise AssertionError("a forged mix was accepted")
    assert service.head(SLUG) == head

    # Trustees 2 and 3 mix with their key files, as they would on their own machines.
    runner = CliRunner()
    env = {"VYBORY_NOW": format_time(VOTING_CLOSE + timedelta(hours=2))}
    state = service.state(SLUG)
    keys = {}
    for j in (2, 3, 4, 5):
        keys[j] = tmp_path / f"trustee-{j}.json"
        keys[j].write_text(key_file_json(SLUG, state.fingerprint, state.definition.trustees[j - 1].id, secrets[j]))
    for j in (2, 3):
        result = runner.invoke(app, ["trustee", "mix", SLUG, "--key", str(keys[j]), "--db", database_url], env=env)
        assert result.exit_code == 0, result.output
        assert "ballots of contest chair mixed" in result.output and "contest board" in result.output
    again = runner.invoke(app, ["trustee", "mix", SLUG, "--key", str(keys[2]), "--db", database_url], env=env)
    assert again.exit_code == 1 and "nothing_to_mix" in again.output
    assert service.status(SLUG).phase == "decryption"

    # Three other trustees decrypt (two of them never mixed); the service decides.
    for j in (3, 4, 5):
        result = runner.invoke(app, ["trustee", "decrypt", SLUG, "--key", str(keys[j]), "--db", database_url],
                               env=env)
        assert result.exit_code == 0, result.output
    clock.set(VOTING_CLOSE + timedelta(hours=3))
    decision = service.decide(SLUG)
    state = service.state(SLUG)
    for result in decision.results:
        if result.contest == "canteen":
            continue
        rc = state.rounds[1].contests[result.contest]
        plain = [RankedBallot(tuple((n,) for n in choices[result.contest]), w) for w, choices in VOTERS_HERE]
        expected = rules.count(result.method, rules_contest(state, 1, rc), ballots=plain)
        assert result.outcome == expected.to_json()
        assert result.winners == tuple(expected.winners) and expected.winners
    mixed = [e for e in service.events(SLUG) if e.kind.value == "ballots_mixed"]
    assert [(e.payload["contest"], e.payload["trustee"]) for e in mixed] == [
        ("chair", 1), ("board", 1), ("chair", 2), ("board", 2), ("chair", 3), ("board", 3)]


def test_a_voter_ranks_on_the_command_line() -> None:
    from vybory.cli.voter import parse_choice
    from vybory.crypto.group import Point
    from vybory.model.definition import fingerprint, parse_definition
    from vybory.model.layout import compute_layout
    from vybory.protocol.encrypt import BallotForm, choice_to_values

    definition = parse_definition(RANKED)
    layout = compute_layout(definition.contest("chair"), [name for _, name in CANDIDATES["chair"]])
    form = BallotForm(fingerprint(definition), 1, Point.GENERATOR, "works", (layout,), definition)
    assert parse_choice(form, "chair=Cleo, Ada") == ("chair", ["Cleo", "Ada"])
    assert choice_to_values(form, "chair", parse_choice(form, "chair=Cleo,Ada")[1])[6:9] == (1, 0, 0)
    assert parse_choice(form, "chair=") == ("chair", [])
