"""Mixing the ballots of ranked contests (spec §17).

After a round closes, each ranked contest's counted ballots (the last of each
credential) give one row each: the contest's selection ciphertexts and the
credential's weight as the ciphertext ``(1, g^w)``. Qualified trustees then mix,
one after the other: ``compute_mix`` takes the latest list (the rows of the
ballots, or the rows of the last ``ballots_mixed`` of the contest), permutes and
re-encrypts it, proves the shuffle and signs the result with the trustee's
secret share. Any qualified trustee may mix, each at most once per contest and
round; at least k must have mixed every ranked contest before the first
decryption share of the round, and none may mix after it. The last list is
then decrypted with the round's tally (:mod:`vybory.protocol.tally`).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from vybory.crypto.elgamal import Ciphertext
from vybory.crypto.group import Rng
from vybory.crypto.proofs import sign
from vybory.crypto.shuffle import prove_shuffle, shuffle
from vybory.crypto.threshold import TrusteeSecrets
from vybory.errors import InvalidInput, Refused
from vybory.protocol._common import at, refuse, signed_by_trustee
from vybory.protocol.state import ElectionState, RoundState
from vybory.text import say
from vybory.verify import mix as mix_check
from vybory.verify.mix import Row


def _round(state: ElectionState, number: Any) -> RoundState:
    if isinstance(number, bool) or not isinstance(number, int):
        raise InvalidInput(say("must be a round number"), field="round")
    rnd = state.round(number)
    if not rnd.closed:
        raise refuse(say("round %(number)s is still open: ballots are mixed once it is closed", number=number), field="round",
                     code="round_open")
    return rnd


def _ranked(rnd: RoundState, contest: Any) -> str:
    if not isinstance(contest, str) or contest not in rnd.contests:
        raise Refused(say("round %(number)s has no contest %(contest)s", number=rnd.number, contest=repr(contest)), field="contest", code="no_such_contest")
    if contest not in rnd.ranked_contests:
        raise refuse(say("contest %(contest)s is counted by the homomorphic tally; only ranked contests are mixed", contest=repr(contest)),
                     field="contest", code="not_ranked")
    return contest


def ballot_rows(state: ElectionState, round: int, contest: str) -> list[Row]:
    """The rows of the counted ballots of a ranked contest, in the order of the ballots on the board."""
    rnd = state.round(round)
    counted = sorted(rnd.ranked_rows.get(contest, {}).items(), key=lambda item: item[1][0])
    rows = []
    for credential, (position, keys) in counted:
        weight = state.credentials[credential].weight
        cts = [Ciphertext.from_bytes(k, f"event {position}.{contest}[{i}]") for i, k in enumerate(keys)]
        rows.append(mix_check.input_row(cts, weight))
    return rows


def latest_rows(state: ElectionState, round: int, contest: str) -> tuple[int | None, list[Row]]:
    """The list the next mix of a ranked contest takes: ``(position, rows)``, the position of the
    last ``ballots_mixed`` of the contest (``None`` before the first mix: the ballots' rows)."""
    rnd = state.round(round)
    mixes = rnd.mixes.get(contest)
    if not mixes:
        return None, ballot_rows(state, round, contest)
    rows = [tuple(Ciphertext.from_bytes(k, f"event {mixes[-1].position}.rows[{i}][{c}]") for c, k in enumerate(row))
            for i, row in enumerate(rnd.mixed_rows[contest])]
    return mixes[-1].position, rows


def contests_to_mix(state: ElectionState, round: int, trustee: int | None = None) -> list[str]:
    """The ranked contests of a closed round that still need a mix (by ``trustee``, when given:
    those it has not mixed yet), before any decryption share."""
    rnd = state.round(round)
    if not rnd.closed or rnd.shares or rnd.decrypted is not None:
        return []
    out = []
    for cid in rnd.ranked_contests:
        if not rnd.ranked_rows.get(cid):
            continue
        mixed = {m.trustee for m in rnd.mixes.get(cid, ())}
        if trustee is not None and trustee in mixed:
            continue
        out.append(cid)
    return out


def mixing_complete(state: ElectionState, round: int) -> bool:
    """Every ranked contest of the round with ballots has been mixed by at least k trustees."""
    return not state.round(round).contests_to_mix(state.threshold)


def _check_may_mix(state: ElectionState, rnd: RoundState, contest: str, trustee: Any) -> int:
    if rnd.shares or rnd.decrypted is not None:
        raise refuse(say("the decryption of round %(number)s has begun: its ballots can no longer be mixed", number=rnd.number),
                     field="round", code="mixing_closed")
    if isinstance(trustee, bool) or not isinstance(trustee, int) or trustee not in state.keys.qualified:
        raise refuse(say("%(trustee)s is not a qualified trustee", trustee=repr(trustee)), field="trustee", code="not_qualified")
    if any(m.trustee == trustee for m in rnd.mixes.get(contest, ())):
        raise refuse(say("trustee %(trustee)s has already mixed contest %(contest)s in round %(number)s", trustee=trustee, contest=repr(contest), number=rnd.number),
                     field="trustee", code="already_mixed")
    if not rnd.ranked_rows.get(contest):
        raise refuse(say("contest %(contest)s has no ballot in round %(number)s: there is nothing to mix", contest=repr(contest), number=rnd.number),
                     field="contest", code="nothing_to_mix")
    return trustee


def compute_mix(state: ElectionState, secrets: TrusteeSecrets, *, round: int, contest: str, now: datetime,
                rng: Rng | None = None) -> dict[str, Any]:
    """Payload of ``ballots_mixed``: this trustee's mix of the latest list of a ranked contest.

    ``secrets`` must hold the trustee's secret share (it signs the mix). Refused when the
    round is open, the contest is not ranked or has no ballot, the trustee is not qualified
    or has already mixed it, or the decryption has begun.
    """
    rnd = _round(state, round)
    cid = _ranked(rnd, contest)
    if secrets.secret_share is None:
        raise refuse(say("this key file has no secret share yet (finish the key ceremony first)"), field="secrets",
                     code="no_secret_share")
    trustee = _check_may_mix(state, rnd, cid, secrets.trustee)
    assert state.public_key is not None
    position, inputs = latest_rows(state, round, cid)
    outputs, witness = shuffle(state.public_key, inputs, rng)
    proof = prove_shuffle(state.fingerprint, state.public_key, inputs, outputs, witness, rng)
    payload: dict[str, Any] = {
        "round": round,
        "contest": cid,
        "trustee": trustee,
        "input": position,
        "rows": [[ct.to_json() for ct in row] for row in outputs],
        "proof": proof.to_json(),
    }
    payload["signature"] = sign(state.fingerprint, secrets.secret_share, mix_check.signed_message(payload),
                                rng).to_json()
    payload["at"] = at(now)
    return signed_by_trustee(state.trustees, state.fingerprint, secrets, "ballots_mixed", payload, rng)


def check_mix(state: ElectionState, payload: Mapping[str, Any]) -> None:
    """Refuses a ``ballots_mixed`` payload unless it may be appended now (spec §17.2): the round is
    closed and not being decrypted, the contest ranked with ballots, the trustee qualified and new
    to this contest, ``input`` the latest list, the rows a shuffle of that list (proof) signed by
    the trustee."""
    rnd = _round(state, payload.get("round"))
    cid = _ranked(rnd, payload.get("contest"))
    trustee = _check_may_mix(state, rnd, cid, payload.get("trustee"))
    position, inputs = latest_rows(state, rnd.number, cid)
    if payload.get("input") != position:
        latest = "the ballots of the round" if position is None else f"the mix at board event {position}"
        raise refuse(say("this mix takes %(given)s, but the latest list of contest %(cid)s is %(latest)s (another trustee has mixed meanwhile: mix again)", given=repr(payload.get('input')), cid=repr(cid), latest=latest), field="input", code="stale_mix")
    mix = mix_check.parse_mix(payload, width=len(inputs[0]))
    assert state.public_key is not None
    mix_check.check_mix(state.fingerprint, state.public_key, state.keys.verification_keys[trustee], inputs,
                        payload, mix)


def mixed_ciphertexts(state: ElectionState, round: int) -> list[Ciphertext]:
    """The last list of each ranked contest with ballots, in round order, row after row: the part
    of the round's decryption vector after the tally (spec §14)."""
    rnd = state.round(round)
    out: list[Ciphertext] = []
    for cid in rnd.ranked_contests:
        for i, row in enumerate(rnd.mixed_rows.get(cid, ())):
            out += [Ciphertext.from_bytes(k, f"{cid}.rows[{i}][{c}]") for c, k in enumerate(row)]
    return out


__all__ = [
    "ballot_rows",
    "check_mix",
    "compute_mix",
    "contests_to_mix",
    "latest_rows",
    "mixed_ciphertexts",
    "mixing_complete",
]
