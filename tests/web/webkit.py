"""Elections for the browser tests, seeded through the service as the people outside the
pages would act (trustees on their own machines, the credential authority, voters)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from vybory import protocol
from vybory.crypto.rng import DeterministicRng
from vybory.web import offline

NOMINATIONS_CLOSE = datetime(2025, 3, 10, 12, 0, tzinfo=UTC)
VOTING_OPEN = datetime(2025, 3, 20, 6, 0, tzinfo=UTC)
VOTING_CLOSE = datetime(2025, 3, 21, 20, 0, tzinfo=UTC)
PASSWORD = "correct horse battery"
SLUG = "council-2025"

DEFINITION = """
slug = "council-2025"
title = "Town council election"
seed = "5eed5eed5eed5eed5eed5eed5eed5eed"
credential_authority = "Credentials office"

[deadlines]
nominations_close = 2025-03-10T12:00:00Z
voting_open = 2025-03-20T06:00:00Z
voting_close = 2025-03-21T20:00:00Z
runoff_days = 7

[commission]
threshold = 2

[[districts]]
id = "north"
name = "North"

[[districts]]
id = "south"
name = "South"

[[organisations]]
id = "union"
name = "Metalworkers' union"
type = "trade_union"

[[organisations]]
id = "coop"
name = "Consumer co-operative"
type = "cooperative"

[[organisations]]
id = "youth"
name = "Youth league"
type = "youth"

[[trustees]]
id = "anna"
name = "Anna"
organisation = "union"

[[trustees]]
id = "clara"
name = "Clara"
organisation = "coop"

[[trustees]]
id = "elena"
name = "Elena"
organisation = "youth"

[[contests]]
id = "north-seat"
title = "Councillor for the North"
district = "north"
method = "majority"

[[contests]]
id = "south-seat"
title = "Councillor for the South"
district = "south"
method = "majority"
"""

ROLL = "id,name,district,weight\n" + "".join(
    f"{d[0]}{i},Voter {d} {i},{d},1\n" for d in ("north", "south") for i in range(1, 7)
)

NOMINEES = {
    "north-seat": [("union", "Ivanov"), ("coop", "Petrova"), ("youth", "Sidorov")],
    "south-seat": [("union", "Kuznetsova"), ("coop", "Volkov")],
}


def rng(label: str) -> DeterministicRng:
    return DeterministicRng(label.encode())


def nominate_all(service: Any, slug: str = SLUG) -> None:
    for contest, entries in NOMINEES.items():
        for organisation, name in entries:
            service.nominate(
                slug, organisation=organisation, contest=contest, name=name, consent=True
            )
            service.register_candidate(slug, service.state(slug).nominations[-1].number)


def key_ceremony(service: Any, folder: Path, slug: str = SLUG) -> None:
    """Every trustee's steps, computed offline from the board; key files written to ``folder``."""
    trustees = [t.id for t in service.state(slug).definition.trustees]
    for step in ("keygen", "commit", "reveal", "shares", "complain"):
        for trustee in trustees:
            post(service, trustee_message(service, folder, trustee, step, slug), slug)


def board_state(service: Any, slug: str = SLUG) -> Any:
    return protocol.replay(service.iter_events(slug))


def trustee_message(
    service: Any,
    folder: Path,
    trustee: str,
    step: str,
    slug: str = SLUG,
    key: Path | None = None,
    **kwargs: Any,
) -> dict[str, Any]:
    """A trustee's step computed from the board (the key file is ``folder/<trustee>-key.json``
    unless ``key`` is given)."""
    key = key or folder / f"{trustee}-key.json"
    message, new_key = offline.compute_step(
        step,
        board_state(service, slug),
        None if step == "keygen" else key,
        trustee_id=trustee,
        **kwargs,
    )
    if new_key is not None:
        key.write_text(new_key, encoding="utf-8")
    return message


def post(service: Any, message: dict[str, Any], slug: str = SLUG) -> None:
    if message["kind"] == "decryption_share":
        service.submit_decryption_share(slug, message["payload"])
    else:
        service.submit_trustee_step(slug, message["kind"], message["payload"])


def issue_credentials(service: Any, slug: str = SLUG) -> dict[str, list[str]]:
    issued = protocol.issue_credentials(service.roll(slug), rng("credentials"))
    service.publish_credentials(
        slug, [(public, voter.district, voter.weight) for voter, _s, public in issued]
    )
    out: dict[str, list[str]] = {}
    for voter, secret, _public in issued:
        out.setdefault(voter.district, []).append(secret)
    return out


def vote(
    service: Any, secret: str, choices: dict[str, Any], slug: str = SLUG, seed: str = "v"
) -> Any:
    form = service.ballot_form(slug, protocol.public_credential(secret))
    ballot, _ = protocol.encrypt_ballot(form, secret, choices, rng(seed + secret))
    return service.cast_ballot(slug, ballot)


def open_for_voting(service: Any, clock: Any, folder: Path) -> dict[str, list[str]]:
    """The test election created, nominated, keyed, credentialled and open (clock in the voting window)."""
    service.create_election(DEFINITION, roll_csv=ROLL)
    nominate_all(service)
    key_ceremony(service, folder)
    clock.set(NOMINATIONS_CLOSE + timedelta(days=1))
    service.close_nominations(SLUG)
    credentials = issue_credentials(service)
    service.open_round(SLUG)
    clock.set(VOTING_OPEN + timedelta(hours=1))
    return credentials


def tallied(service: Any, clock: Any, folder: Path) -> dict[str, list[str]]:
    """Round 1 voted (North: Ivanov 3, Petrova 2, Sidorov 1 -> runoff; South: Volkov 4, Kuznetsova 1),
    closed and its encrypted tally published."""
    credentials = open_for_voting(service, clock, folder)
    north, south = credentials["north"], credentials["south"]
    for secret, name in zip(north, ["Ivanov", "Ivanov", "Ivanov", "Petrova", "Petrova", "Sidorov"]):
        vote(service, secret, {"north-seat": [name]})
    for secret, name in zip(south, ["Volkov", "Volkov", "Volkov", "Volkov", "Kuznetsova"]):
        vote(service, secret, {"south-seat": [name]})
    clock.set(VOTING_CLOSE + timedelta(minutes=5))
    service.close_round(SLUG)
    service.compute_tally(SLUG)
    return credentials
