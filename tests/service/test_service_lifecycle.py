"""A whole election through the service, on SQLite and PostgreSQL: nominations with a
refusal and an appeal, the key ceremony, credentials, round 1 with re-votes, a runoff
and a repeat round opened automatically, and publication. The board replays and checks."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

from kit import (
    NOMINATIONS_CLOSE,
    VOTING_CLOSE,
    VOTING_OPEN,
    new_election,
)

from vybory.model.board import EventKind, check_chain
from vybory.protocol.state import replay


def test_a_whole_election_with_a_runoff_and_a_repeat_round(service, clock) -> None:
    e = new_election(service)
    s = e.slug
    # Nominations: every registered candidate is on the ballot; a refusal is appealed and upheld.
    for organisation, contest, name in [("union", "north-seat", "Ivanov"), ("coop", "north-seat", "Petrova"),
                                        ("youth", "north-seat", "Sidorov"), ("union", "south-seat", "Kuznetsova"),
                                        ("coop", "south-seat", "Volkov"), ("youth", "south-seat", "Orlov")]:
        service.nominate(s, organisation=organisation, contest=contest, name=name, consent=True)
    for number in (1, 2, 3, 4, 5):
        service.register_candidate(s, number)
    service.refuse_candidate(s, 6, "the nomination papers carry no signatures")
    service.lodge_appeal(s, 6, "the signatures were filed separately on time")
    service.decide_appeal(s, 6, upheld=True, reason="the signatures were on file")
    e.key_ceremony()
    clock.set(NOMINATIONS_CLOSE + timedelta(days=3))
    service.close_nominations(s)
    assert service.state(s).ballot_candidates["south-seat"] == ("Kuznetsova", "Orlov", "Volkov")
    e.issue_credentials()
    service.open_round(s)
    clock.set(VOTING_OPEN + timedelta(hours=1))

    north, south = e.credentials["north"], e.credentials["south"]
    # Everyone in the north votes Sidorov first, then changes their mind: the last ballot counts.
    first = [e.vote(secret, {"north-seat": ["Sidorov"]}, seed="first") for secret in north]
    last = ["Ivanov"] * 3 + ["Petrova"] * 2 + ["Sidorov"]
    receipts = [e.vote(secret, {"north-seat": [name]}, seed="last") for secret, name in zip(north, last)]
    assert [r.replaced for r in receipts] == [r.tracking_code for r in first]
    lookup = service.find_ballot(s, first[0].tracking_code)
    assert not lookup.counts and lookup.superseded_by == receipts[0].tracking_code
    assert service.find_ballot(s, receipts[0].tracking_code.upper()).counts
    # Two of six in the south: below the quorum (more than half of the registered voters).
    for secret in south[:2]:
        e.vote(secret, {"south-seat": ["Volkov"]})

    clock.set(VOTING_CLOSE)
    service.close_round(s)
    service.compute_tally(s)
    e.decrypt((1, 3))
    decision = service.decide(s)
    results = {r.contest: r for r in decision.results}
    assert results["north-seat"].counts == dict(Counter(last))
    assert results["north-seat"].status == "runoff_required"
    assert sorted(results["north-seat"].runoff_candidates) == ["Ivanov", "Petrova"]
    assert results["south-seat"].status == "repeat_required"
    assert results["south-seat"].counts == {"Kuznetsova": 0, "Orlov": 0, "Volkov": 2}
    assert decision.shares_used == (1, 3) and decision.skipped == {}
    # The next round was opened at once, with its own deadline, listing the right candidates.
    assert decision.next_round == 2
    assert [p.kind for p in decision.posted] == ["tally_decrypted", "outcome_declared", "round_opened"]
    status = service.status(s)
    assert status.phase == "voting"
    round2 = status.rounds[1]
    assert round2.contests == {"north-seat": ("Ivanov", "Petrova"),
                               "south-seat": ("Kuznetsova", "Orlov", "Volkov")}
    assert round2.kinds == {"north-seat": "runoff", "south-seat": "repeat"}
    assert round2.closes_at == VOTING_CLOSE + timedelta(days=14)

    clock.advance(timedelta(days=1))
    for i, secret in enumerate(north):
        e.vote(secret, {"north-seat": ["Petrova" if i < 4 else "Ivanov"]}, seed="r2")
    for i, secret in enumerate(south):
        e.vote(secret, {"south-seat": ["Orlov" if i < 4 else "Kuznetsova"]}, seed="r2")
    service.close_round(s)  # everyone voted: it may close before its deadline
    service.compute_tally(s)
    e.decrypt((2, 3))
    decision = service.decide(s, 2)
    winners = {r.contest: (r.status, r.winners) for r in decision.results}
    assert winners == {"north-seat": ("elected", ("Petrova",)), "south-seat": ("elected", ("Orlov",))}
    assert decision.next_round is None
    service.publish(s)
    assert service.status(s).phase == "published"
    # What is left is each trustee's countersignature of the published board (spec §10.6).
    waiting = service.status(s).waiting
    assert {(w.role, w.who) for w in waiting} == {("witness", t) for t in ("anna", "clara", "elena")}
    assert all("after results published" in str(w.action) for w in waiting)
    e.witness(1, 2, 3)
    assert service.status(s).waiting == ()

    events = service.events(s)
    assert check_chain(events) == events[-1].hash
    replayed = replay(events)
    assert replayed.head == service.state(s).head
    kinds = Counter(e.kind for e in events)
    assert kinds[EventKind.BALLOT_CAST] == 6 + 6 + 2 + 6 + 6
    assert kinds[EventKind.ROUND_OPENED] == 2
    text = "".join(event.to_line().decode() for event in events)
    for voter in service.roll(s):
        assert voter.name not in text and voter.id not in text.split('"')
    for secrets in e.credentials.values():
        assert not any(secret in text for secret in secrets)


def test_who_has_not_acted_is_shown_for_each_phase(service, clock) -> None:
    e = new_election(service)
    s = e.slug
    waiting = service.status(s).waiting
    assert {w.who for w in waiting if w.role == "organisation"} == {"union", "coop", "youth"}
    assert {w.who for w in waiting if w.role == "trustee"} == {"anna", "clara", "elena"}
    assert any(w.role == "credential_authority" for w in waiting)

    service.nominate(s, organisation="union", contest="north-seat", name="Ivanov", consent=True)
    waiting = service.status(s).waiting
    assert {w.who for w in waiting if w.role == "organisation"} == {"coop", "youth"}
    assert any("register or refuse nomination 1" in w.action for w in waiting)

    clock.set(VOTING_OPEN + timedelta(hours=1))
    # Voting should have opened: everyone still owing a step that comes before it is late, with
    # the deadline that step blocks, and is named in words.
    overdue = [w for w in service.status(s).waiting if w.overdue]
    assert {w.role for w in overdue} == {"commission", "trustee", "credential_authority"}
    authority = next(w for w in overdue if w.role == "credential_authority")
    assert authority.who == "Credentials office" and authority.deadline == VOTING_OPEN
    commission = [w for w in overdue if w.role == "commission"]
    assert any(w.deadline == NOMINATIONS_CLOSE and str(w.name) == "the commission" for w in commission)
    assert any(w.deadline == VOTING_OPEN and "voter roll" in str(w.action) for w in commission)  # the signed roll
    trustees = {w.who: w for w in overdue if w.role == "trustee"}
    assert set(trustees) == {"anna", "clara", "elena"}
    assert all(w.deadline == VOTING_OPEN and w.name and w.name != w.who for w in trustees.values())


def test_the_status_lists_trustees_who_have_not_decrypted(service, clock) -> None:
    e = new_election(service).open_for_voting()
    e.vote(e.credentials["north"][0], {"north-seat": ["Ivanov"]})
    clock.set(VOTING_CLOSE)
    service.close_round(e.slug)
    service.compute_tally(e.slug)
    e.decrypt((2,))
    waiting = [w for w in service.status(e.slug).waiting if w.role == "trustee"]
    assert {w.who for w in waiting} == {"anna", "elena"}
    assert all("decryption share for round 1 (1 of 2 needed so far)" in w.action for w in waiting)
    # Once k shares are in, no trustee is waited for any more: the commission combines them.
    e.decrypt((3,))
    waiting = service.status(e.slug).waiting
    assert [(w.role, str(w.action)) for w in waiting if w.role != "witness"] == [
        ("commission", "combine the shares of round 1")]
    assert {w.who for w in waiting if w.role == "witness"} == {"anna", "clara", "elena"}
    assert all("after round 1 tallied" in str(w.action) for w in waiting if w.role == "witness")


def test_deadlines_drive_the_election_forward(service, clock) -> None:
    e = new_election(service)
    s = e.slug
    e.nominate_all()
    e.key_ceremony()
    assert service.advance(s) == []  # nothing is due yet
    clock.set(NOMINATIONS_CLOSE)
    done = service.advance(s)
    assert [p.kind for p in done] == ["nominations_closed"]
    e.issue_credentials()
    assert [p.kind for p in service.advance(s)] == ["round_opened"]
    clock.set(VOTING_OPEN + timedelta(hours=2))
    e.vote(e.credentials["south"][0], {"south-seat": ["Volkov"]})
    assert service.advance(s) == []
    clock.set(VOTING_CLOSE)
    assert [p.kind for p in service.advance(s)] == ["round_closed", "encrypted_tally"]
    assert service.advance(s) == []
