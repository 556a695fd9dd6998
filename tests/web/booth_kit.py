"""An election ready for voting in the booth, run through the service as its people would.

Trustees and the credential authority compute their steps from the board (as on their own
machines) and hand only public payloads to the service; the test keeps their secrets so that
it can decrypt what the browser encrypted.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from electionkit import MARCH, VOTING_CLOSE, DefinitionToml, ServiceElection, contest, rng

SLUG = "branch-vote"

DEFINITION = DefinitionToml(
    slug=SLUG, title="Branch 14: chair, committee and the budget", seed="0badc0de" * 4,
    credential_authority="Branch membership office", revote=True,
    deadlines={**MARCH, "runoff_days": 7, "repeat_days": 14}, threshold=2,
    districts=(("branch", "Branch 14"),),
    organisations=(("forge", "Forge shop", "general_meeting"), ("tools", "Tool shop", "general_meeting"),
                   ("women", "Women's council", "association")),
    trustees=(("olga", "Olga Kovalenko", "forge"), ("armen", "Armen Mirzoyan", "tools"),
              ("irina", "Irina Lebedeva", "women")),
    contests=(contest("chair", "Chair of the committee",
                      description="Leave standing the name of the candidate you vote for; cross out the others.",
                      method="strikeout"),
              contest("committee", "Committee", seats=2, method="for-against"),
              contest("budget", "Adopt the budget", method="motion"))).text()

ROLL = "id,name,district,weight\n" + "".join(f"m{i},Member {i},branch,1\n" for i in range(1, 7))

NOMINEES = {"chair": [("forge", "Orlova"), ("tools", "Zaitsev"), ("women", "Жукова")],
            "committee": [("forge", "Avdeev"), ("women", "Borisova")]}

Election = ServiceElection  # its credentials are all in district "branch"


def ready_to_vote(service: Any, definition: str = DEFINITION,
                  nominees: dict[str, list[tuple[str, str]]] = NOMINEES) -> Election:
    """Candidates registered, key ceremony done, credentials issued, round 1 open, clock inside it.
    ``definition`` has the deadlines, trustees, organisations and district of :data:`DEFINITION`."""
    return ServiceElection.create(service, definition, ROLL).open_for_voting(nominees)


def tally(e: Election, trustees: tuple[int, ...] = (1, 2)) -> Any:
    """Closes round 1, publishes the encrypted tally, posts k shares, decides: the decision."""
    e.clock.set(VOTING_CLOSE + timedelta(minutes=1))
    e.service.close_round(e.slug)
    e.service.compute_tally(e.slug)
    e.decrypt(trustees, round=1)
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


__all__ = ["DEFINITION", "NOMINEES", "ROLL", "SLUG", "VOTING_CLOSE", "Election", "ensure_booth_built", "ready_to_vote",
           "rng", "tally"]
