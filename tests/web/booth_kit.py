"""An election ready for voting in the booth, run through the service as its people would.

Trustees and the credential authority compute their steps from the board (as on their own
machines) and hand only public payloads to the service; the test keeps their secrets so that
it can decrypt what the browser encrypted.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from vybory import protocol
from vybory.crypto.rng import DeterministicRng

T0 = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)
NOMINATIONS_CLOSE = datetime(2025, 3, 10, 12, 0, tzinfo=UTC)
VOTING_OPEN = datetime(2025, 3, 20, 6, 0, tzinfo=UTC)
VOTING_CLOSE = datetime(2025, 3, 21, 20, 0, tzinfo=UTC)
SLUG = "branch-vote"

DEFINITION = """
slug = "branch-vote"
title = "Branch 14: chair, committee and the budget"
seed = "0badc0de0badc0de0badc0de0badc0de"
credential_authority = "Branch membership office"
revote = true

[deadlines]
nominations_close = 2025-03-10T12:00:00Z
voting_open = 2025-03-20T06:00:00Z
voting_close = 2025-03-21T20:00:00Z
runoff_days = 7
repeat_days = 14

[commission]
threshold = 2

[[districts]]
id = "branch"
name = "Branch 14"

[[organisations]]
id = "forge"
name = "Forge shop"
type = "general_meeting"

[[organisations]]
id = "tools"
name = "Tool shop"
type = "general_meeting"

[[organisations]]
id = "women"
name = "Women's council"
type = "association"

[[trustees]]
id = "olga"
name = "Olga Kovalenko"
organisation = "forge"

[[trustees]]
id = "armen"
name = "Armen Mirzoyan"
organisation = "tools"

[[trustees]]
id = "irina"
name = "Irina Lebedeva"
organisation = "women"

[[contests]]
id = "chair"
title = "Chair of the committee"
description = "Leave standing the name of the candidate you vote for; cross out the others."
method = "strikeout"

[[contests]]
id = "committee"
title = "Committee"
seats = 2
method = "for-against"

[[contests]]
id = "budget"
title = "Adopt the budget"
method = "motion"
"""

ROLL = "id,name,district,weight\n" + "".join(f"m{i},Member {i},branch,1\n" for i in range(1, 7))

NOMINEES = {"chair": [("forge", "Orlova"), ("tools", "Zaitsev"), ("women", "Жукова")],
            "committee": [("forge", "Avdeev"), ("women", "Borisova")]}


def rng(label: str) -> DeterministicRng:
    return DeterministicRng(label.encode())


@dataclass
class Election:
    service: Any
    clock: Any
    slug: str = SLUG
    trustees: dict[int, Any] = field(default_factory=dict)
    credentials: list[str] = field(default_factory=list)

    def state(self) -> Any:
        return self.service.state(self.slug)


def ready_to_vote(service: Any, clock: Any, definition: str = DEFINITION,
                  nominees: dict[str, list[tuple[str, str]]] = NOMINEES) -> Election:
    """Candidates registered, key ceremony done, credentials issued, round 1 open, clock inside it.
    ``definition`` has the deadlines, trustees, organisations and district of :data:`DEFINITION`."""
    clock.set(T0)
    summary = service.create_election(definition, roll_csv=ROLL)
    slug = summary.slug
    e = Election(service, clock, slug)
    for contest, entries in nominees.items():
        for organisation, name in entries:
            service.nominate(slug, organisation=organisation, contest=contest, name=name, consent=True,
                             details={"occupation": "fitter"})
            service.register_candidate(slug, e.state().nominations[-1].number)
    secrets = {}
    for t in e.state().definition.trustees:
        s = protocol.new_trustee_secrets(e.state(), t.id, rng(f"trustee-{t.id}"))
        secrets[s.trustee] = s
    steps = [("trustee_key", lambda s: protocol.publish_trustee_key(e.state(), s, now=clock(), rng=rng("k"))),
             ("dkg_commitment_hash", lambda s: protocol.publish_commitment_hash(e.state(), s, now=clock())),
             ("dkg_commitments", lambda s: protocol.publish_reveal(e.state(), s, now=clock(), rng=rng("r"))),
             ("dkg_shares", lambda s: protocol.publish_shares(e.state(), s, now=clock(), rng=rng("s"))),
             ("dkg_complaint", lambda s: protocol.publish_complaints(e.state(), s, now=clock()))]
    for kind, make in steps:
        for s in secrets.values():
            service.submit_trustee_step(slug, kind, make(s))
    state = e.state()
    e.trustees = {i: protocol.trustee_secret_share(state, s) for i, s in secrets.items()}
    clock.set(NOMINATIONS_CLOSE + timedelta(days=3))
    service.close_nominations(slug)
    issued = protocol.issue_credentials(service.roll(slug), rng("credentials"))
    e.credentials = [secret for _voter, secret, _public in issued]
    service.publish_credentials(slug, [(public, voter.district, voter.weight) for voter, _s, public in issued])
    service.open_round(slug)
    clock.set(VOTING_OPEN + timedelta(hours=1))
    return e


def tally(e: Election, trustees: tuple[int, ...] = (1, 2)) -> Any:
    """Closes round 1, publishes the encrypted tally, posts k shares, decides: the decision."""
    e.clock.set(VOTING_CLOSE + timedelta(minutes=1))
    e.service.close_round(e.slug)
    e.service.compute_tally(e.slug)
    state = e.state()
    for j in trustees:
        e.service.submit_decryption_share(e.slug, protocol.compute_decryption_share(
            state, e.trustees[j], round=1, now=e.clock(), rng=rng(f"share-{j}")))
    return e.service.decide(e.slug)


def ensure_booth_built() -> None:
    """Builds the booth bundle when it is missing (``make test`` builds it before pytest)."""
    import subprocess
    from pathlib import Path

    from vybory.errors import InvalidInput
    from vybory.web.booth.manifest import load_manifest

    try:
        load_manifest()
    except InvalidInput:
        root = Path(__file__).resolve().parents[2]
        subprocess.run([str(root / "scripts" / "build-booth")], cwd=root, check=True, timeout=600)
        load_manifest()


def cast_from_python(e: Election, secret: str, choices: dict[str, Any], seed: str = "v") -> Any:
    """A voter whose own device (not the browser) makes the ballot: the receipt."""
    form = e.service.ballot_form(e.slug, protocol.public_credential(secret))
    ballot, _ = protocol.encrypt_ballot(form, secret, choices, rng(seed + secret))
    return e.service.cast_ballot(e.slug, ballot.to_json())
