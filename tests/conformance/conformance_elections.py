"""The elections of the conformance kit: small, complete, real, one feature each.

Each function runs one election on an in-memory board whose every append goes through the
server's door (``protocol.check_append``), with deterministic randomness, and returns the
board's lines (``events.jsonl``). The same code gives the same bytes on every machine.

| record | feature |
|---|---|
| strikeout | the 1937 ballot: names left standing, two seats, absolute majority |
| motion | a recall motion against the registered voters |
| for-against | each candidate voted on separately, at most two "for" per ballot |
| weighted | approval and block votes of credentials weighing 1 to 250 |
| ranked | IRV and Scottish STV, weights 1 to 3, mixed by three trustees, re-votes |
| runoff | no absolute majority in round 1, a runoff between the top two in round 2 |
| repeat | turnout below the quorum in round 1, a repeat election in round 2 |
| complaints | a dealer's bad share (justified complaint: disqualified) and two false complaints |
| skipped-share | a decryption share with a bad proof, skipped and named; the other two combine |
| inspection | the roll posted for inspection; a voter left off (accepted, a corrected roll) and a rejected complaint |
| restart | a key ceremony that fails (trustees 1 and 2 disqualified, k = 2), restarted by the commission with seat 1 given to a new trustee of the same organisation, completed in attempt 2 |
| districts | two districts, a runoff in round 2 for one of them only, no re-vote allowed, four trustees (k = 2) |
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from electionkit import (
    MAY,
    RANKED_VOTING_CLOSE,
    Board,
    DefinitionToml,
    at,
    bad_shares_to,
    contest,
    credential_statement,
    decrypt_round,
    decryption_share,
    encrypted_tally,
    key_ceremony_steps,
    nominate_all,
    publish_credentials,
    ranked_committee,
    ranked_election,
    rng,
    roll_of,
    roll_statement,
    run_key_ceremony,
    sealed_ballot,
    secret_shares,
    signed,
    signing_key,
    vote,
)

from vybory import protocol
from vybory.crypto import threshold
from vybory.crypto.group import Point
from vybory.model.board import next_event
from vybory.model.canonical import canonical_json
from vybory.model.definition import Trustee, format_time, parse_definition

T0 = datetime(2025, 4, 20, 9, 0, tzinfo=UTC)
CLOSE = MAY["nominations_close"]
OPEN = MAY["voting_open"]
VOTING_CLOSE = MAY["voting_close"]
ORGANISATIONS = (("union", "Union", "trade_union"), ("coop", "Co-op", "cooperative"), ("youth", "Youth", "youth"))
ONE_TRUSTEE = (("ada", "Ada", "union"),)
THREE_TRUSTEES = (("ada", "Ada", "union"), ("ben", "Ben", "coop"), ("cas", "Cas", "youth"))


def definition(slug: str, contests: Sequence[Mapping[str, Any]], *, trustees: Sequence[tuple[str, str, str]] = ONE_TRUSTEE,
               threshold: int = 1, deadlines: Mapping[str, Any] | None = None, public_roll: bool | None = None,
               districts: Sequence[tuple[str, str]] = (("d", "The district"),),
               organisations: Sequence[tuple[str, str, str]] = ORGANISATIONS, revote: bool | None = None) -> str:
    return DefinitionToml(
        slug=slug, title=f"Conformance: {slug}", seed=(slug.encode().hex() * 8)[:32],
        deadlines=deadlines or {**MAY, "runoff_days": 7, "repeat_days": 10}, threshold=threshold,
        districts=districts, organisations=organisations, trustees=trustees, contests=contests,
        allow_organisation_threshold=True if len(trustees) == 1 else None, public_roll=public_roll,
        revote=revote).text()


def open_election(text: str, candidates: Mapping[str, Sequence[tuple[str, str]]], weights: Sequence[int],
                  ceremony: Callable[[Board], dict[int, Any]] | None = None) -> tuple[Board, dict[int, Any], list[str]]:
    """Nominations registered and closed, the key ceremony done, the credentials published, round 1
    open; returns the board, the trustees' secrets (with their shares) and the voters' secrets."""
    board = Board(parse_definition(text), T0)
    nominate_all(board, candidates, T0)
    board.append("nominations_closed", protocol.close_nominations(board.state, now=CLOSE), CLOSE)
    trustees = (ceremony or (lambda b: run_key_ceremony(b, CLOSE)))(board)
    voters = publish_credentials(board, [("d", w) for w in weights], at(CLOSE, days=1))
    board.append("round_opened", protocol.open_round(board.state, now=OPEN), OPEN)
    return board, trustees, voters


def cast(board: Board, voters: Sequence[str], choices: Sequence[Mapping[str, Any]], start: datetime,
         seed: str = "v") -> None:
    for i, (secret, choice) in enumerate(zip(voters, choices)):
        vote(board, secret, choice, at(start, minutes=i), seed=seed)


def close(board: Board, number: int, now: datetime) -> None:
    board.append("round_closed", protocol.close_round(board.state, round=number, now=now), now)


def next_round(board: Board, now: datetime) -> None:
    board.append("round_opened", protocol.open_next_round(board.state, now=now), now)


def publish(board: Board, now: datetime) -> list[bytes]:
    board.append("election_published", protocol.publish_election(board.state, now=now), now)
    return board.lines()


def single_round(text: str, candidates: Mapping[str, Sequence[tuple[str, str]]], weights: Sequence[int],
                 choices: Sequence[Mapping[str, Any]]) -> list[bytes]:
    board, trustees, voters = open_election(text, candidates, weights)
    cast(board, voters, choices, at(OPEN, hours=1))
    close(board, 1, VOTING_CLOSE)
    decrypt_round(board, trustees, 1, tuple(sorted(trustees))[:board.state.threshold], at(VOTING_CLOSE, hours=1))
    return publish(board, at(VOTING_CLOSE, hours=2))


NAMES4 = [("union", "Avdeeva"), ("coop", "Belov"), ("youth", "Chernova"), ("union", "Dudin")]


def strikeout() -> list[bytes]:
    text = definition("strikeout", [contest("board", "Works board", method="strikeout", seats=2)])
    left = [["Avdeeva", "Belov"], ["Avdeeva"], ["Avdeeva", "Chernova"], ["Belov", "Avdeeva"], [], ["Dudin", "Belov"],
            ["Belov"]]
    return single_round(text, {"board": NAMES4}, [1] * 8, [{"board": names} for names in left])


def motion() -> list[bytes]:
    text = definition("motion", [contest("recall", "Recall the treasurer", method="motion",
                                         options={"denominator": "registered"})])
    answers = ["yes", "yes", "no", "yes", "abstain", "yes", "yes"]
    return single_round(text, {}, [1] * 9, [{"recall": a} for a in answers])


def for_against() -> list[bytes]:
    text = definition("for-against", [contest("council", "Council", method="for-against", seats=2,
                                              options={"max_for": 2})])
    votes = [{"Avdeeva": "for", "Belov": "for"}, {"Avdeeva": "for", "Chernova": "against"},
             {"Belov": "for", "Dudin": "for"}, {"Avdeeva": "for", "Belov": "for", "Dudin": "against"},
             {"Belov": "for", "Dudin": "against"}, {"Chernova": "for", "Avdeeva": "for"}, {}]
    return single_round(text, {"council": NAMES4}, [1] * 8, [{"council": v} for v in votes])


def weighted() -> list[bytes]:
    text = definition("weighted", [contest("audit", "Audit committee", method="approval", seats=2),
                                   contest("delegates", "Delegates", method="block", seats=2)])
    weights = [1, 3, 7, 250, 1, 2]
    choices = [{"audit": ["Avdeeva", "Belov"], "delegates": ["Chernova"]},
               {"audit": ["Belov"], "delegates": ["Avdeeva", "Dudin"]},
               {"audit": ["Chernova", "Dudin", "Belov"], "delegates": ["Dudin", "Belov"]},
               {"audit": ["Dudin"], "delegates": ["Avdeeva", "Chernova"]},
               {"audit": [], "delegates": []},
               {"audit": ["Avdeeva", "Belov", "Chernova", "Dudin"], "delegates": ["Belov"]}]
    return single_round(text, {"audit": NAMES4, "delegates": NAMES4}, weights, choices)


def ranked() -> list[bytes]:
    voters: list[tuple[int, dict[str, Any]]] = [
        (1, {"chair": ["Ada", "Boyd"], "board": ["Ewa", "Fyodor"], "canteen": "yes"}),
        (2, {"chair": ["Boyd", "Ada"], "board": ["Fyodor", "Ewa", "Gale"], "canteen": "no"}),
        (1, {"chair": ["Cleo"], "board": ["Gale", "Ewa"], "canteen": "abstain"}),
        (3, {"chair": ["Cleo", "Ada"], "board": ["Gale"], "canteen": "yes"}),
        (1, {"chair": [], "board": [], "canteen": "yes"}),
    ]
    e = ranked_election(ranked_committee(max_ranks=2),
                        {"chair": [("union", "Ada"), ("coop", "Boyd"), ("youth", "Cleo")],
                         "board": [("union", "Ewa"), ("coop", "Fyodor"), ("youth", "Gale")]},
                        voters, {"chair": ["Boyd"], "board": ["Ewa"], "canteen": "no"})
    b = e.board
    now = at(RANKED_VOTING_CLOSE, hours=1)
    for name in ("chair", "board"):
        for j in (5, 2, 3):
            e.mix(j, name, now)
    for j in (4, 1, 2):
        e.share(j, now)
    b.append("tally_decrypted", protocol.combine_shares(b.state, round=1, now=now), now)
    b.append("outcome_declared", protocol.declare_outcomes(b.state, round=1, now=now), now)
    return publish(b, now)


def two_rounds(text: str, weights: Sequence[int], first: Sequence[Mapping[str, Any]],
               second: Sequence[Mapping[str, Any]]) -> list[bytes]:
    board, trustees, voters = open_election(text, {"chair": NAMES4[:3]}, weights)
    cast(board, voters, first, at(OPEN, hours=1))
    close(board, 1, VOTING_CLOSE)
    decrypt_round(board, trustees, 1, (1,), at(VOTING_CLOSE, hours=1))
    reopen = at(VOTING_CLOSE, days=2)
    next_round(board, reopen)
    cast(board, voters, second, at(reopen, hours=1), seed="second")
    closes = board.state.rounds[2].closes_at
    close(board, 2, closes)
    decrypt_round(board, trustees, 2, (1,), at(closes, hours=1))
    return publish(board, at(closes, hours=2))


def runoff() -> list[bytes]:
    text = definition("runoff", [contest("chair", "Chair", method="majority")])
    first = [{"chair": ["Avdeeva"]}, {"chair": ["Belov"]}, {"chair": ["Chernova"]}, {"chair": ["Avdeeva"]},
             {"chair": ["Belov"]}, {"chair": ["Avdeeva"]}, {"chair": []}]
    second = [{"chair": ["Avdeeva"]}, {"chair": ["Belov"]}, {"chair": ["Belov"]}, {"chair": ["Avdeeva"]},
              {"chair": ["Belov"]}]
    return two_rounds(text, [1] * 8, first, second)


def repeat() -> list[bytes]:
    text = definition("repeat", [contest("chair", "Chair", method="majority")])
    first = [{"chair": ["Avdeeva"]}, {"chair": ["Belov"]}, {"chair": ["Avdeeva"]}]
    second = [{"chair": ["Avdeeva"]}, {"chair": ["Belov"]}, {"chair": ["Avdeeva"]}, {"chair": ["Chernova"]},
              {"chair": ["Avdeeva"]}, {"chair": ["Avdeeva"]}]
    return two_rounds(text, [1] * 8, first, second)


def ceremony_with_complaints(board: Board) -> dict[int, Any]:
    """Trustee 1 sends trustee 3 a share that does not open (a justified complaint disqualifies it);
    trustee 3 complains falsely about trustee 2 and trustee 2 about trustee 3 (both recorded, no effect)."""
    false = {3: 2, 2: 3}  # complainer -> dealer whose good share it complains about

    def lie(kind: str, s: Any, payload: dict[str, Any]) -> dict[str, Any]:
        state = board.state
        if kind == "dkg_shares" and s.trustee == 1:
            for share in payload["shares"]:
                if share["recipient"] == 3:
                    share["ciphertext"] = "00" * 48
        elif kind == "dkg_complaint" and s.trustee in false:
            share = next(x for x in state.keys.shares[false[s.trustee]] if x.recipient == s.trustee)
            made_up = threshold.make_complaint(state.fingerprint, s, share, rng(f"false-{s.trustee}"))
            payload["complaints"] = [*payload["complaints"], made_up.to_json()]
        else:
            return payload
        return signed(state, kind, payload)

    secrets = key_ceremony_steps(lambda: board.state, lambda kind, payload: board.append(kind, payload, CLOSE),
                                 CLOSE, "complaints", lie)
    board.append("key_ceremony_completed", protocol.complete_key_ceremony(board.state, now=CLOSE), CLOSE)
    qualified = board.state.keys.qualified
    return secret_shares(board.state, {i: s for i, s in secrets.items() if i in qualified})


def complaints() -> list[bytes]:
    text = definition("complaints", [contest("chair", "Chair", method="plurality")], trustees=THREE_TRUSTEES,
                      threshold=2)
    board, trustees, voters = open_election(text, {"chair": NAMES4[:3]}, [1] * 4, ceremony_with_complaints)
    cast(board, voters, [{"chair": ["Belov"]}, {"chair": ["Avdeeva"]}, {"chair": ["Belov"]}], at(OPEN, hours=1))
    close(board, 1, VOTING_CLOSE)
    decrypt_round(board, trustees, 1, (3, 2), at(VOTING_CLOSE, hours=1))
    return publish(board, at(VOTING_CLOSE, hours=2))


def skipped_share() -> list[bytes]:
    text = definition("skipped-share", [contest("chair", "Chair", method="plurality")], trustees=THREE_TRUSTEES,
                      threshold=2)
    board, trustees, voters = open_election(text, {"chair": NAMES4[:3]}, [1] * 4)
    cast(board, voters, [{"chair": ["Chernova"]}, {"chair": ["Avdeeva"]}, {"chair": ["Chernova"]},
                         {"chair": ["Belov"]}], at(OPEN, hours=1))
    now = at(VOTING_CLOSE, hours=1)
    board.append("round_closed", protocol.close_round(board.state, round=1, now=now), now)
    encrypted_tally(board, 1, now)
    bad = decryption_share(board.state, trustees[1], 1, now)
    factors = bad["share"]["factors"]
    factors[0], factors[1] = factors[1], factors[0]
    board.append("decryption_share", signed(board.state, "decryption_share", bad), now)
    for j in (2, 3):
        board.append("decryption_share", decryption_share(board.state, trustees[j], 1, now), now)
    board.append("tally_decrypted", protocol.combine_shares(board.state, round=1, now=now), now)
    board.append("outcome_declared", protocol.declare_outcomes(board.state, round=1, now=now), now)
    return publish(board, now)


def inspection() -> list[bytes]:
    """The roll of five posted for inspection; voter-6 complains of being left off (accepted: the
    commission signs a corrected roll of six), someone complains that voter-2 should not be on it
    (rejected, with the reason); then the credentials for the corrected roll, four ballots."""
    text = definition("inspection", [contest("chair", "Chair", method="plurality")], public_roll=True)
    board = Board(parse_definition(text), T0)
    nominate_all(board, {"chair": NAMES4[:3]}, T0)
    board.append("nominations_closed", protocol.close_nominations(board.state, now=CLOSE), CLOSE)
    trustees = run_key_ceremony(board, CLOSE)
    now = at(CLOSE, days=1)
    roll = roll_of([("d", 1)] * 6)
    board.append("roll_published", roll_statement(board.state, roll[:5]), now)
    left_off = board.append("roll_complaint", {"complaint": "left_off", "voter": "voter-6", "district": "d",
                                               "reason": "I work at the plant since March"}, at(now, hours=1))
    wrong = board.append("roll_complaint", {"complaint": "not_eligible", "voter": "voter-2", "district": "d",
                                            "reason": "voter-2 left the plant"}, at(now, hours=2))
    answers = protocol.answer_complaints([(left_off.position, "accepted", "on the payroll since 3 March"),
                                          (wrong.position, "rejected", "voter-2 is still employed")])
    board.append("roll_complaints_answered", signed(board.state, "roll_complaints_answered", answers), at(now, hours=3))
    board.append("roll_published", roll_statement(board.state, roll), at(now, hours=4))
    gen = rng("credentials")
    voters = [protocol.generate_credential(gen)[0] for _ in roll]
    entries = [(protocol.public_credential(s), v.district, v.weight) for s, v in zip(voters, roll)]
    board.append("credentials_published", credential_statement(board.state, roll, entries), at(now, hours=5))
    board.append("round_opened", protocol.open_round(board.state, now=OPEN), OPEN)
    cast(board, voters, [{"chair": ["Belov"]}, {"chair": ["Avdeeva"]}, {"chair": ["Belov"]}, {"chair": ["Belov"]}],
         at(OPEN, hours=1))
    close(board, 1, VOTING_CLOSE)
    decrypt_round(board, trustees, 1, (1,), at(VOTING_CLOSE, hours=1))
    return publish(board, at(VOTING_CLOSE, hours=2))


RESTART_AT = at(CLOSE, hours=1)
ATTEMPT_2 = at(CLOSE, hours=2)
NEWCOMER = ("ari", "Ari", "union")  # the union's new trustee in seat 1 after the restart


def failed_ceremony(board: Board) -> None:
    """Attempt 1: trustees 1 and 2 send trustee 3 shares that do not open; trustee 3's justified
    complaints disqualify both, and one qualified trustee is fewer than k = 2."""
    key_ceremony_steps(lambda: board.state, lambda kind, payload: board.append(kind, payload, CLOSE), CLOSE,
                       "restart-1", bad_shares_to(lambda: board.state, 3, (1, 2)))


def restart_statement(board: Board, seats: Mapping[int, Trustee]) -> dict[str, Any]:
    """The commission's restart, made and signed on its own machine."""
    payload = protocol.restart_key_ceremony(board.state, now=RESTART_AT, replacements=seats,
                                            reason="trustees 1 and 2 sent shares that do not open; the union "
                                                   "names a new trustee, the co-operative's trustee tries again")
    return signed(board.state, "key_ceremony_restarted", payload)


def newcomer(ident: str, name: str, organisation: str) -> Trustee:
    return Trustee(ident, name, organisation, Point.from_hex(signing_key("trustee", ident), "signing_key"))


def ceremony_restarted(board: Board, replace_qualified: bool = False) -> dict[int, Any]:
    """A failed attempt 1, the commission's restart (seat 1 to a newcomer), attempt 2 completed.
    With ``replace_qualified`` the commission also gives seat 3 (whose trustee qualified) to its own
    person, and the server, colluding, appends that restart without its check."""
    failed_ceremony(board)
    seats = {1: newcomer(*NEWCOMER)}
    if not replace_qualified:
        board.append("key_ceremony_restarted", restart_statement(board, seats), RESTART_AT)
    else:
        payload = restart_statement(board, seats)
        payload["trustees"][2] = newcomer("cora", "Cora", "youth").to_json()
        payload = signed(board.state, "key_ceremony_restarted", {k: v for k, v in payload.items() if k != "signed"})
        payload["at"] = format_time(RESTART_AT)
        event = next_event(board.events[-1], "key_ceremony_restarted", payload)
        board.events.append(event)
        board.state.apply(event)
    secrets = key_ceremony_steps(lambda: board.state, lambda kind, payload: board.append(kind, payload, ATTEMPT_2),
                                 ATTEMPT_2, "restart-2")
    board.append("key_ceremony_completed", protocol.complete_key_ceremony(board.state, now=ATTEMPT_2), ATTEMPT_2)
    return secret_shares(board.state, secrets)


def restart(replace_qualified: bool = False) -> list[bytes]:
    text = definition("restart", [contest("chair", "Chair", method="plurality")], trustees=THREE_TRUSTEES,
                      threshold=2)
    board, trustees, voters = open_election(text, {"chair": NAMES4[:3]}, [1] * 3,
                                            lambda b: ceremony_restarted(b, replace_qualified))
    cast(board, voters, [{"chair": ["Avdeeva"]}, {"chair": ["Chernova"]}, {"chair": ["Avdeeva"]}], at(OPEN, hours=1))
    close(board, 1, VOTING_CLOSE)
    decrypt_round(board, trustees, 1, (1, 3), at(VOTING_CLOSE, hours=1))
    return publish(board, at(VOTING_CLOSE, hours=2))


FOUR_TRUSTEES = (*THREE_TRUSTEES, ("dora", "Dora", "guild"))
SHOPS = (("east", "The east shop"), ("west", "The west shop"))
EAST = [("union", "Avdeeva"), ("coop", "Belov"), ("youth", "Chernova")]
WEST = [("union", "Dudin"), ("guild", "Egorova")]
EAST_FIRST = [["Avdeeva"], ["Belov"], ["Chernova"], ["Avdeeva"], ["Belov"]]  # no majority: a runoff
WEST_FIRST = [["Dudin"], ["Egorova"], ["Dudin"], ["Dudin"]]
EAST_RUNOFF = [["Avdeeva"], ["Belov"], ["Belov"], ["Avdeeva"], ["Belov"]]


def districts(revote_by: int | None = None) -> list[bytes]:
    """Five voters in the east shop elect their delegate by absolute majority (a runoff between
    the top two in round 2), four in the west shop theirs by plurality (decided in round 1), so
    round 2 has no contest in the west; a re-vote is not allowed. With ``revote_by``, the server,
    without its checks, lets that west voter cast a second ballot in round 1 (Egorova, not Dudin)
    and counts it as the voter's last."""
    text = definition("districts", [contest("east-rep", "East shop delegate", district="east", method="majority"),
                                    contest("west-rep", "West shop delegate", district="west", method="plurality")],
                      trustees=FOUR_TRUSTEES, threshold=2, districts=SHOPS, revote=False,
                      organisations=(*ORGANISATIONS, ("guild", "Guild", "professional")))
    board = Board(parse_definition(text), T0)
    nominate_all(board, {"east-rep": EAST, "west-rep": WEST}, T0)
    board.append("nominations_closed", protocol.close_nominations(board.state, now=CLOSE), CLOSE)
    trustees = run_key_ceremony(board, CLOSE)
    voters = publish_credentials(board, [("east", 1)] * 5 + [("west", 1)] * 4, at(CLOSE, days=1))
    board.append("round_opened", protocol.open_round(board.state, now=OPEN), OPEN)
    east, west = voters[:5], voters[5:]
    cast(board, east, [{"east-rep": c} for c in EAST_FIRST], at(OPEN, hours=1))
    cast(board, west, [{"west-rep": c} for c in WEST_FIRST], at(OPEN, hours=2))
    if revote_by is not None:
        secret = west[revote_by]
        now = at(OPEN, hours=3)
        form = protocol.ballot_form(board.state, protocol.public_credential(secret))
        ballot = sealed_ballot(form, secret, {"west-rep": ["Egorova"]}, "again").to_json()
        event = next_event(board.events[-1], "ballot_cast", {
            "ballot": ballot, "tracking_code": hashlib.sha256(canonical_json(ballot)).hexdigest(),
            "at": format_time(now)})
        board.events.append(event)
        board.state.apply(event)
    close(board, 1, VOTING_CLOSE)
    decrypt_round(board, trustees, 1, (2, 4), at(VOTING_CLOSE, hours=1))
    reopen = at(VOTING_CLOSE, days=2)
    next_round(board, reopen)
    cast(board, east, [{"east-rep": c} for c in EAST_RUNOFF], at(reopen, hours=1), seed="second")
    closes = board.state.rounds[2].closes_at
    close(board, 2, closes)
    decrypt_round(board, trustees, 2, (1, 3), at(closes, hours=1))
    return publish(board, at(closes, hours=2))


ELECTIONS: dict[str, Callable[[], list[bytes]]] = {
    "strikeout": strikeout, "motion": motion, "for-against": for_against, "weighted": weighted, "ranked": ranked,
    "runoff": runoff, "repeat": repeat, "complaints": complaints, "skipped-share": skipped_share,
    "inspection": inspection, "restart": restart, "districts": districts,
}

__all__ = ["ELECTIONS"]
