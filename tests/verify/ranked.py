"""An election with ranked contests (IRV and Scottish STV) and a motion, run in memory with the
protocol up to its publication: the ranked ballots go through three trustees' mixes (k = 3)
before the round is decrypted. Its board lines make a record for the verifier's tests."""

from __future__ import annotations

import hashlib
from typing import Any

from electionkit import RANKED_VOTING_CLOSE, RankedElection, at, ranked_committee, ranked_election

from vybory import protocol
from vybory.model.canonical import canonical_json
from vybory.verify.record import FileEntry, Manifest, readme_text

DEFINITION = ranked_committee(max_ranks=2)

CANDIDATES = {
    "chair": [("union", "Ada"), ("coop", "Boyd"), ("youth", "Cleo")],
    "board": [("union", "Ewa"), ("coop", "Fyodor"), ("youth", "Gale")],
}

# (weight, choices); weighted credentials keep their weight through the mix.
VOTERS: list[tuple[int, dict[str, Any]]] = [
    (1, {"chair": ["Ada", "Boyd"], "board": ["Ewa", "Fyodor"], "canteen": "yes"}),
    (1, {"chair": ["Ada"], "board": ["Ewa", "Gale", "Fyodor"], "canteen": "yes"}),
    (2, {"chair": ["Boyd", "Ada"], "board": ["Fyodor", "Ewa", "Gale"], "canteen": "no"}),
    (1, {"chair": ["Cleo", "Boyd"], "board": ["Gale"], "canteen": "yes"}),
    (1, {"chair": ["Cleo"], "board": ["Gale", "Ewa"], "canteen": "abstain"}),
    (1, {"chair": ["Boyd"], "board": ["Fyodor", "Gale"], "canteen": "yes"}),
    (3, {"chair": ["Cleo", "Ada"], "board": ["Gale", "Ewa"], "canteen": "yes"}),
    (1, {"chair": [], "board": [], "canteen": "abstain"}),
]
FIRST_THOUGHTS = {"chair": ["Cleo"], "board": ["Gale"], "canteen": "no"}
MIXERS = (2, 4, 1)  # k = 3 of the five trustees mix each contest, not in their numbers' order


def build() -> RankedElection:
    """The shared kit's ranked election up to its encrypted tally, then mixed, decrypted by
    trustees 3, 1 and 2, decided and published."""
    e = ranked_election(DEFINITION, CANDIDATES, VOTERS, FIRST_THOUGHTS)
    b = e.board
    now = at(RANKED_VOTING_CLOSE, hours=1)
    for contest in ("chair", "board"):
        for j in MIXERS:
            e.mix(j, contest, now)
    for j in (3, 1, 2):
        e.share(j, now)
    b.append("tally_decrypted", protocol.combine_shares(b.state, round=1, now=now), now)
    b.append("outcome_declared", protocol.declare_outcomes(b.state, round=1, now=now), now)
    b.append("election_published", protocol.publish_election(b.state, now=now), now)
    return e


def files_of(lines: list[bytes], slug: str = "ranked-committee") -> dict[str, bytes]:
    """The files of a record holding these board lines (as `vybory export` writes them)."""
    import json

    first = json.loads(lines[0])
    definition = canonical_json(first["payload"]["definition"])
    events = b"".join(lines)
    head = json.loads(lines[-1])["hash"]
    fp = hashlib.sha256(definition).hexdigest()
    readme = readme_text(election=slug, title=slug, fingerprint=fp, events=len(lines), head=head).encode()
    manifest = Manifest(slug, fp, len(lines), head, {
        "definition.json": FileEntry(hashlib.sha256(definition).hexdigest(), len(definition)),
        "events.jsonl": FileEntry(hashlib.sha256(events).hexdigest(), len(events)),
        "README.md": FileEntry(hashlib.sha256(readme).hexdigest(), len(readme)),
    })
    return {"manifest.json": canonical_json(manifest.to_json()), "definition.json": definition,
            "events.jsonl": events, "README.md": readme}


__all__ = ["build", "files_of"]
