"""The encrypted tally of a round, the trustees' decryption shares, and their combination.

The tally counts, per credential, the last ballot it cast in the round; each
selection ciphertext is multiplied by the credential's weight
(``Ciphertext.scale``) and added up per contest (spec §13). The tally's
ciphertexts, contest after contest in round order and label after label, followed
by the last mixed list of each ranked contest (row after row, spec §17), form one
vector that each trustee decrypts with one batched proof. Any k valid shares
decrypt it; a share whose proof fails is skipped and named. Each decrypted row of
a ranked contest is read back as a ranking with its weight.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from vybory.crypto import threshold
from vybory.crypto.elgamal import Ciphertext, dlog
from vybory.crypto.group import Rng
from vybory.crypto.threshold import DecryptionShare, TrusteeSecrets
from vybory.errors import InvalidEncoding, InvalidInput, Refused, ThresholdNotMet
from vybory.model.board import Event, EventKind
from vybory.model.definition import RANKED_METHODS
from vybory.protocol import mix
from vybory.protocol._common import at, refuse, signed_by_trustee
from vybory.protocol.state import ElectionState, RoundState
from vybory.rules.base import RankedBallot, Totals
from vybory.text import say, say_plural
from vybory.verify.mix import ranked_ballots, read_rows


def _closed_round(state: ElectionState, number: int) -> RoundState:
    rnd = state.round(number)
    if not rnd.closed:
        raise refuse(say("round %(number)s is still open", number=number), field="round", code="round_open")
    return rnd


def _ballot_payloads(ballots: Iterable[Event | Mapping[str, Any]]) -> Iterable[Mapping[str, Any]]:
    for item in ballots:
        if isinstance(item, Event):
            if item.kind is EventKind.BALLOT_CAST:
                yield item.payload
        else:
            yield item


def compute_encrypted_tally(state: ElectionState, *, round: int,
                            ballots: Iterable[Event | Mapping[str, Any]], now: datetime) -> dict[str, Any]:
    """Payload of ``encrypted_tally`` for a closed round.

    ``ballots`` are the round's ``ballot_cast`` events (or their payloads);
    others, and ballots superseded by a later one of the same credential, are
    ignored. Refused if a counted ballot is missing from ``ballots``.
    """
    rnd = _closed_round(state, round)
    if rnd.encrypted_tally is not None:
        raise refuse(say("the tally of round %(round)s is already published", round=round), field="round",
                     code="tally_exists")
    return {"round": round, "contests": _tally_contests(state, rnd, ballots), "at": at(now)}


def check_encrypted_tally(state: ElectionState, *, round: int, ballots: Iterable[Event | Mapping[str, Any]]) -> None:
    """Refuses the round's ``encrypted_tally`` on the board unless it is the sum of the round's
    counted ``ballots`` as read from the same board (spec §13).

    A trustee's software calls this before it computes a decryption share: a server or a database
    operator that put one voter's ballot (or any other ciphertexts) on the board as the tally would
    otherwise get that ballot decrypted by k honest trustees."""
    rnd, tally = _tally_of(state, round)
    if tally["contests"] != _tally_contests(state, rnd, ballots):
        raise refuse(say("the encrypted tally of round %(round)s on the board is not the sum of the round's "
                         "ballots on the board: no share is computed", round=round),
                     field="encrypted_tally", code="tally_not_the_ballots")


def _tally_contests(state: ElectionState, rnd: RoundState,
                    ballots: Iterable[Event | Mapping[str, Any]]) -> list[dict[str, Any]]:
    """The ``contests`` of the round's tally: per contest the sum of the counted ballots' selection
    ciphertexts (each scaled by its credential's weight), their number and weight, and the
    registered voters of its district."""
    last = {record.tracking_code: record for record in rnd.last_ballot.values()}
    order = list(rnd.contests)
    sums: dict[str, list[Ciphertext]] = {cid: [Ciphertext.zero()] * rnd.layouts[cid].size for cid in order}
    counted: dict[str, int] = {cid: 0 for cid in order}
    weights: dict[str, int] = {cid: 0 for cid in order}
    found: set[str] = set()
    for payload in _ballot_payloads(ballots):
        code = payload.get("tracking_code")
        if code not in last or code in found:
            continue
        found.add(code)
        ballot = payload["ballot"]
        weight = state.credentials[ballot["credential"]].weight
        for part in ballot["contests"]:
            cid = part["contest"]
            acc = sums[cid]
            for i, selection in enumerate(part["selections"]):
                ct = Ciphertext.from_json(selection["ciphertext"], f"{code}.{cid}[{i}]")
                acc[i] = acc[i] + (ct if weight == 1 else ct.scale(weight))
            counted[cid] += 1
            weights[cid] += weight
    missing = set(last) - found
    if missing:
        raise Refused(say_plural("%(num)s counted ballot was not given: %(first)s",
                                 "%(num)s counted ballots were not given, e.g. %(first)s", len(missing),
                                 first=min(missing)),
                      field="ballots", code="ballots_missing")
    contests = []
    for cid in order:
        district = state.definition.contest(cid).district
        contests.append({
            "contest": cid,
            "ciphertexts": [ct.to_json() for ct in sums[cid]],
            "ballots": counted[cid],
            "ballots_cast": weights[cid],
            "registered": state.registered_voters(district),
        })
    return contests


def tally_ciphertexts(tally: Mapping[str, Any]) -> list[Ciphertext]:
    """The tally's ciphertext vector (contest after contest, label after label)."""
    return [Ciphertext.from_json(ct, f"tally.{c['contest']}[{i}]", allow_identity=True)
            for c in tally["contests"] for i, ct in enumerate(c["ciphertexts"])]


def _tally_of(state: ElectionState, number: int) -> tuple[RoundState, Mapping[str, Any]]:
    rnd = state.round(number)
    if rnd.encrypted_tally is None:
        raise refuse(say("round %(number)s has no encrypted tally yet", number=number), field="round", code="no_tally")
    waiting = rnd.contests_to_mix(state.threshold)
    if waiting:
        raise refuse(say("the ballots of the contests %(names)s in round %(number)s are not yet mixed by %(threshold)s trustees", names=', '.join(waiting), number=number, threshold=state.threshold), field="round", code="mixing_incomplete")
    return rnd, rnd.encrypted_tally


def decryption_ciphertexts(state: ElectionState, round: int) -> list[Ciphertext]:
    """The round's decryption vector (spec §14): the tally's ciphertexts, then the last mixed
    list of each ranked contest, row after row."""
    _, tally = _tally_of(state, round)
    return tally_ciphertexts(tally) + mix.mixed_ciphertexts(state, round)


def compute_decryption_share(state: ElectionState, secrets: TrusteeSecrets, *, round: int, now: datetime,
                             rng: Rng | None = None) -> dict[str, Any]:
    """Payload of ``decryption_share``: the trustee's factors for the round's whole decryption vector
    (the tally, then the mixed ballots of the ranked contests), with one proof."""
    if secrets.secret_share is None:
        raise refuse(say("this key file has no secret share yet (finish the key ceremony first)"),
                     field="secrets", code="no_secret_share")
    share = threshold.compute_share(state.fingerprint, secrets.trustee, secrets.secret_share,
                                    decryption_ciphertexts(state, round), rng)
    payload = {"round": round, "trustee": secrets.trustee, "share": share.to_json(), "at": at(now)}
    check_decryption_share(state, payload)
    return signed_by_trustee(state.trustees, state.fingerprint, secrets, "decryption_share", payload, rng)


def check_decryption_share(state: ElectionState, payload: Mapping[str, Any]) -> None:
    """Refuses a share for a round without a tally or already decrypted, from a trustee
    who is not qualified or has already sent one, or with the wrong number of factors.
    The proof itself is checked when the shares are combined (a bad one is skipped and named)."""
    number = payload.get("round")
    if isinstance(number, bool) or not isinstance(number, int):
        raise InvalidInput(say("must be a round number"), field="round")
    rnd, tally = _tally_of(state, number)
    if rnd.decrypted is not None:
        raise refuse(say("round %(number)s is already decrypted", number=number), field="round", code="already_decrypted")
    j = payload.get("trustee")
    if j not in state.keys.qualified:
        raise refuse(say("%(j)s is not a qualified trustee", j=repr(j)), field="trustee", code="not_qualified")
    if j in rnd.shares:
        raise refuse(say("trustee %(j)s has already sent a share for round %(number)s", j=j, number=number), field="trustee",
                     code="already_published")
    share = DecryptionShare.from_json(payload.get("share"), "share")
    if share.trustee != j:
        raise InvalidInput(say("the share names another trustee"), field="share.trustee")
    size = sum(len(c["ciphertexts"]) for c in tally["contests"])
    size += sum(len(row) for cid in rnd.ranked_contests for row in rnd.mixed_rows.get(cid, ()))
    if len(share.factors) != size:
        raise InvalidInput(say("must have %(size)s factors, one per ciphertext of the tally and of the mixed ballots", size=size),
                           field="share.factors")


def combine_shares(state: ElectionState, *, round: int, now: datetime) -> dict[str, Any]:
    """Payload of ``tally_decrypted``: the counts per contest and label.

    Every share is checked; invalid ones are named in ``skipped``; the k valid
    shares of lowest trustee number are combined. Fewer than k valid shares:
    :class:`~vybory.errors.ThresholdNotMet` naming the invalid and missing trustees.
    """
    rnd, tally = _tally_of(state, round)
    if rnd.decrypted is not None:
        raise refuse(say("round %(round)s is already decrypted", round=round), field="round", code="already_decrypted")
    ciphertexts = decryption_ciphertexts(state, round)
    shares = []
    skipped: dict[str, str] = {}
    for j, payload in sorted(rnd.shares.items()):
        try:
            share = DecryptionShare.from_json(payload["share"], f"share of trustee {j}")
        except InvalidEncoding:
            skipped[str(j)] = threshold.SKIP_UNREADABLE
            continue
        if share.trustee != j:
            skipped[str(j)] = threshold.SKIP_OTHER_TRUSTEE
            continue
        shares.append(share)
    keys = state.keys.verification_keys
    valid, invalid = threshold.check_shares(state.fingerprint, ciphertexts, shares, keys)
    skipped.update({str(j): why for j, why in invalid.items()})
    k = state.threshold
    if len(valid) < k:
        missing = [j for j in state.keys.qualified if j not in rnd.shares]
        parts = [f"{k} valid decryption shares are needed, {len(valid)} received"]
        parts += [f"trustee {j} skipped: {why}" for j, why in sorted(skipped.items())]
        if missing:
            parts.append("not yet received from trustee(s) " + ", ".join(map(str, missing)))
        raise ThresholdNotMet("; ".join(parts), field="shares")
    chosen = sorted(valid)[:k]
    points = threshold.interpolate(ciphertexts, [valid[j] for j in chosen])
    contests = []
    offset = 0
    for c in tally["contests"]:
        layout = rnd.layouts[c["contest"]]
        counts = {}
        for i, label in enumerate(layout.labels):
            bound = c["ballots_cast"] * layout.maxima[i]
            counts[label] = dlog(points[offset + i], bound)
        offset += layout.size
        contests.append({"contest": c["contest"], "counts": counts, "ballots": c["ballots"],
                         "ballots_cast": c["ballots_cast"], "registered": c["registered"]})
    max_weight = max((c.weight for c in state.credentials.values()), default=1)
    for entry in contests:
        cid = entry["contest"]
        if cid in rnd.ranked_contests:
            width = sum(len(row) for row in rnd.mixed_rows.get(cid, ()))
            entry["rankings"] = read_rows(rnd.layouts[cid], points[offset:offset + width], max_weight)
            offset += width
    return {"round": round, "shares_used": chosen, "skipped": skipped, "contests": contests, "at": at(now)}


def round_totals(state: ElectionState, round: int) -> dict[str, Totals]:
    """The decrypted :class:`~vybory.rules.base.Totals` of each contest of a round."""
    rnd = state.round(round)
    if rnd.decrypted is None:
        raise refuse(say("round %(round)s is not decrypted yet", round=round), field="round", code="not_decrypted")
    return {c["contest"]: totals_of(c) for c in rnd.decrypted["contests"]}


def totals_of(contest: Mapping[str, Any]) -> Totals:
    """Totals from one contest entry of ``tally_decrypted``."""
    return Totals(counts=dict(contest["counts"]), ballots_cast=contest["ballots_cast"])


def ranked_ballots_of(contest: Mapping[str, Any]) -> list[RankedBallot]:
    """The ranked ballots of one ranked contest entry of ``tally_decrypted`` (its ``rankings``, in
    the order of the last mix; a row that is not a ranking is listed there as invalid and left out)."""
    return ranked_ballots(contest)


def round_ballots(state: ElectionState, round: int) -> dict[str, list[RankedBallot]]:
    """The decrypted ranked ballots of each ranked contest of a round."""
    rnd = state.round(round)
    if rnd.decrypted is None:
        raise refuse(say("round %(round)s is not decrypted yet", round=round), field="round", code="not_decrypted")
    return {c["contest"]: ranked_ballots_of(c) for c in rnd.decrypted["contests"]
            if state.definition.contest(c["contest"]).method in RANKED_METHODS}


__all__ = [
    "check_decryption_share",
    "check_encrypted_tally",
    "combine_shares",
    "compute_decryption_share",
    "compute_encrypted_tally",
    "decryption_ciphertexts",
    "ranked_ballots_of",
    "round_ballots",
    "round_totals",
    "tally_ciphertexts",
    "totals_of",
]
