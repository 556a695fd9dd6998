"""Mixing the ballots of ranked contests through the service (spec §17).

A trustee computes a mix on their own machine from the board
(:func:`vybory.protocol.compute_mix`) and hands the public ``ballots_mixed``
payload to :func:`submit_mix`, which checks it (shuffle proof, signature, the
list it takes) and appends it in one transaction; a refused mix changes
nothing. :func:`mix_contests` does both for a trustee whose key file is at
hand (the ``vybory trustee mix`` step).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from vybory import protocol
from vybory.crypto.group import Rng
from vybory.crypto.threshold import TrusteeSecrets
from vybory.errors import Refused
from vybory.model.board import EventKind
from vybory.protocol.state import ElectionState
from vybory.service.elections import ElectionService, _plain
from vybory.service.results import Posted
from vybory.text import say


def submit_mix(service: ElectionService, slug: str, payload: Mapping[str, Any]) -> Posted:
    """Puts a trustee's ``ballots_mixed`` payload on the board once it is checked."""
    payload = _plain(payload)
    with service.board.writing(slug, service.clock()) as ctx:
        checked = protocol.check_append(ctx.state, EventKind.BALLOTS_MIXED, payload, now=ctx.now)
        return Posted.of(service.board.append(ctx, EventKind.BALLOTS_MIXED, checked))


def round_to_mix(state: ElectionState, trustee: int | None = None) -> int:
    """The latest closed round with a ranked contest still to mix (by ``trustee``, when given)."""
    for number in sorted(state.rounds, reverse=True):
        if protocol.contests_to_mix(state, number, trustee):
            return number
    who = "" if trustee is None else say(" by trustee %(trustee)s", trustee=trustee)
    raise Refused(say("no closed round has ranked ballots left to mix%(who)s", who=who), field="round", code="nothing_to_mix")


def mix_contests(service: ElectionService, slug: str, secrets: TrusteeSecrets, *, round: int | None = None,
                 rng: Rng | None = None) -> dict[str, Posted]:
    """Mixes, as the trustee of ``secrets`` (with its secret share), every ranked contest of the round
    (default: the latest with one to mix) that this trustee has not mixed yet: one ``ballots_mixed``
    event per contest, each computed from the board as it stands after the one before. Returns
    the event posted for each contest."""
    state = service.state(slug)
    number = round_to_mix(state, secrets.trustee) if round is None else state.round(round).number
    contests = protocol.contests_to_mix(state, number, secrets.trustee)
    if not contests:
        raise Refused(say("trustee %(trustee)s has nothing to mix in round %(number)s", trustee=secrets.trustee, number=number), field="round",
                      code="nothing_to_mix")
    posted = {}
    for contest in contests:
        payload = protocol.compute_mix(service.state(slug), secrets, round=number, contest=contest,
                                       now=service.clock(), rng=rng)
        posted[contest] = submit_mix(service, slug, payload)
    return posted


__all__ = ["mix_contests", "round_to_mix", "submit_mix"]
