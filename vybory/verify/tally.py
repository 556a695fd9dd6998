"""Checks 11 and 13-15: the encrypted tally recomputed from the board, the decryption shares,
their combination, the decrypted counts and rankings (spec §13, §14, §6, §17.4).

The tally of a round is, per contest and selection, the product of the
selection's ciphertexts over the last ballot of every credential in that
round, each raised to the credential's weight (spec §3.2). :class:`TallySum`
adds ballots one by one as the board is read a second time. The round's
decryption vector is the tally's ciphertexts followed by the last mixed list of
each ranked contest (spec §14, §17.3); the shares and their combination are
checked over that vector.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from typing import Any

from vybory.crypto import threshold
from vybory.crypto.elgamal import Ciphertext, CiphertextSums, g_power
from vybory.crypto.group import Point
from vybory.crypto.threshold import DecryptionShare
from vybory.errors import InvalidEncoding, VyboryError
from vybory.verify.mix import ranked_totals, read_rows
from vybory.verify.report import Findings
from vybory.verify.rounds import Round


@dataclass
class TallySum:
    """The running encrypted tally of one round, contest by contest, label by label."""

    sums: dict[str, CiphertextSums]
    ballots: dict[str, int]
    weights: dict[str, int]

    @staticmethod
    def empty(rnd: Round) -> TallySum:
        order = list(rnd.contests)
        return TallySum({c: CiphertextSums(rnd.layouts[c].size) for c in order if c in rnd.layouts},
                        {c: 0 for c in order}, {c: 0 for c in order})

    def add(self, ballot: Mapping[str, Any], weight: int,
            keep: Collection[str] | None = None) -> dict[str, list[Ciphertext]]:
        """Adds one counted ballot (its JSON object); returns its selection ciphertexts per contest
        (only for the contests in ``keep`` when given: the others may be added natively without
        ever being made into objects). Raises on a malformed ballot, adding nothing."""
        parts: list[tuple[str, list[Ciphertext] | None, Any]] = []
        for part in ballot["contests"]:
            cid = part["contest"]
            selections = part["selections"]
            if len(selections) != self.sums[cid].size:
                raise InvalidEncoding("wrong number of selections", field=cid)
            decoded = None if keep is None or cid in keep else self.sums[cid].decoded(_components(selections))
            if decoded is not None:
                parts.append((cid, None, decoded))
                continue
            cts = [Ciphertext.from_json(s["ciphertext"], f"{cid}[{i}]") for i, s in enumerate(selections)]
            parts.append((cid, cts, None))
        for cid, given, decoded in parts:
            if given is None:
                self.sums[cid].add_decoded(decoded, weight)
            else:
                self.sums[cid].add(given, weight)
            self.ballots[cid] += 1
            self.weights[cid] += weight
        return {cid: cts for cid, cts, _ in parts if cts is not None and (keep is None or cid in keep)}


def _components(selections: list[Any]) -> list[Any]:
    """alpha_0, beta_0, alpha_1, … of the selections' ciphertexts, or [] when one is not an object
    of exactly alpha and beta (so that the ordinary decoding names what is wrong)."""
    out: list[Any] = []
    for s in selections:
        ct = s.get("ciphertext") if type(s) is dict else None
        if type(ct) is not dict or len(ct) != 2 or "alpha" not in ct or "beta" not in ct:
            return []
        out += (ct["alpha"], ct["beta"])
    return out


def tally_ciphertexts(payload: Mapping[str, Any]) -> list[Ciphertext]:
    """The published tally's ciphertexts, contest after contest, label after label."""
    return [Ciphertext.from_json(ct, f"encrypted_tally.{c['contest']}[{i}]", allow_identity=True)
            for c in payload["contests"] for i, ct in enumerate(c["ciphertexts"])]


def check_encrypted_tally(rnd: Round, computed: TallySum, registered: Mapping[str, int],
                          districts: Mapping[str, str], out: Findings) -> None:
    """Check 11: the published tally equals the one recomputed from the board."""
    check = "encrypted_tally"
    if rnd.tally is None:
        if rnd.decrypted is not None or rnd.outcomes is not None:
            out.fail(check, "tally_missing", f"round {rnd.number} is decrypted without an encrypted tally")
        return
    out.count(check)
    position, payload = rnd.tally.position, rnd.tally.payload

    def fail(code: str, message: str) -> None:
        out.fail(check, code, f"round {rnd.number}: {message}", position=position, kind="encrypted_tally")

    if set(payload) != {"round", "contests", "at"} or not isinstance(payload.get("contests"), list):
        fail("tally_payload", "the tally must have exactly round, contests, at")
        return
    given = {c.get("contest"): c for c in payload["contests"] if isinstance(c, Mapping)}
    order = [c.get("contest") if isinstance(c, Mapping) else None for c in payload["contests"]]
    if order != list(rnd.contests):
        fail("tally_contests", f"the tally lists the contests {order}, the round has {list(rnd.contests)}")
    for cid in rnd.contests:
        entry = given.get(cid)
        if entry is None or cid not in computed.sums:
            continue
        layout = rnd.layouts[cid]
        expected: dict[str, Any] = {"contest": cid, "ciphertexts": [ct.to_json() for ct in computed.sums[cid].totals()],
                    "ballots": computed.ballots[cid], "ballots_cast": computed.weights[cid],
                    "registered": registered.get(districts[cid], 0)}
        if set(entry) != set(expected):
            fail("tally_payload", f"contest {cid!r}: fields must be exactly {', '.join(sorted(expected))}")
            continue
        cts = entry["ciphertexts"]
        if not isinstance(cts, list) or len(cts) != layout.size:
            fail("tally_ciphertexts", f"contest {cid!r}: {layout.size} ciphertexts expected")
        else:
            wrong = [layout.labels[i] for i, ct in enumerate(cts) if ct != expected["ciphertexts"][i]]
            if wrong:
                fail("tally_ciphertexts", f"contest {cid!r}: the tally of {', '.join(map(repr, wrong))} is not "
                                          "the product of the counted ballots' ciphertexts on the board")
        for name, words in (("ballots", "ballots counted"), ("ballots_cast", "weighted ballots"),
                            ("registered", "registered voters")):
            if entry[name] != expected[name]:
                fail(f"tally_{name}", f"contest {cid!r}: {entry[name]!r} {words} announced, "
                                      f"{expected[name]} on the board")


@dataclass
class ShareCheck:
    """The shares of one round: the valid ones by trustee, the invalid ones with why (and where)."""

    valid: dict[int, DecryptionShare] = field(default_factory=dict)
    invalid: dict[int, str] = field(default_factory=dict)
    positions: dict[int, int] = field(default_factory=dict)


def decryption_vector(rnd: Round, out: Findings) -> list[Ciphertext] | None:
    """The round's decryption vector: the tally's ciphertexts, then each ranked contest's last list."""
    if rnd.tally is None:
        return None
    try:
        ciphertexts = tally_ciphertexts(rnd.tally.payload)
    except (VyboryError, KeyError, TypeError) as error:
        out.fail("decryption_shares", "tally_unreadable", f"round {rnd.number}: the encrypted tally cannot be "
                                                          f"read: {error}", position=rnd.tally.position,
                 kind="encrypted_tally")
        return None
    for cid in rnd.ranked:
        for row in rnd.rows.get(cid, ()):
            ciphertexts += row
    return ciphertexts


def check_decryption_shares(rnd: Round, ciphertexts: list[Ciphertext] | None, fingerprint: bytes,
                            keys: Mapping[int, Point], out: Findings) -> ShareCheck | None:
    """Check 13: every decryption share of the round, decoded and its proof verified over the
    round's decryption vector ``ciphertexts``."""
    check = "decryption_shares"
    result = ShareCheck()
    if ciphertexts is None:
        if rnd.tally is None:
            for share in rnd.shares:
                out.fail(check, "share_without_tally", f"round {rnd.number}: a decryption share without a tally",
                         position=share.position, kind="decryption_share")
        return None
    seen: dict[int, int] = {}
    for share in rnd.shares:
        out.count(check)
        payload, position = share.payload, share.position
        j = payload.get("trustee")

        def fail(code: str, message: str, position: int = position, j: Any = j) -> None:
            out.fail(check, code, f"round {rnd.number}, trustee {j}: {message}", position=position,
                     kind="decryption_share")

        if set(payload) - {"signed"} != {"round", "trustee", "share", "at"} or isinstance(j, bool) or not isinstance(j, int):
            fail("share_payload", "a share must have exactly round, trustee, share, signed, at")
            continue
        result.positions.setdefault(j, position)
        if j in seen:
            fail("share_twice", f"a second share from this trustee (the first is event {seen[j]})")
            result.invalid[j] = threshold.SKIP_TWICE
            result.valid.pop(j, None)
            continue
        seen[j] = position
        why = _share_fault(payload["share"], j, keys, ciphertexts, fingerprint)
        if isinstance(why, str):
            result.invalid[j] = why
        else:
            result.valid[j] = why
    return result


def _share_fault(raw: Any, j: int, keys: Mapping[int, Point], ciphertexts: list[Ciphertext],
                 fingerprint: bytes) -> str | DecryptionShare:
    """The decoded share when it is valid, else the fixed reason why not (spec §6.2, in its order)."""
    try:
        decoded = DecryptionShare.from_json(raw, "share")
    except VyboryError:
        return threshold.SKIP_UNREADABLE
    if decoded.trustee != j:
        return threshold.SKIP_OTHER_TRUSTEE
    if j not in keys:
        return threshold.SKIP_NOT_QUALIFIED
    if len(decoded.factors) != len(ciphertexts):
        return threshold.SKIP_FACTORS
    try:
        threshold.check_share(fingerprint, keys[j], ciphertexts, decoded)
    except VyboryError:
        return threshold.SKIP_PROOF
    return decoded


def check_decryption(rnd: Round, shares: ShareCheck | None, ciphertexts: list[Ciphertext] | None,
                     fingerprint: bytes, k: int, keys: Mapping[int, Point], max_weight: int,
                     out: Findings) -> None:
    """Checks 14 and 15: the k valid shares of lowest number, combined, decrypt to the announced
    counts and rankings."""
    if rnd.decrypted is None or shares is None or rnd.tally is None or ciphertexts is None:
        if rnd.decrypted is not None:
            out.fail("combination", "decrypted_without_tally", f"round {rnd.number}: decrypted without a tally",
                     position=rnd.decrypted.position, kind="tally_decrypted")
        return
    position, payload = rnd.decrypted.position, rnd.decrypted.payload
    out.count("combination")

    def fail(check: str, code: str, message: str, at: int = position, kind: str = "tally_decrypted") -> None:
        out.fail(check, code, f"round {rnd.number}: {message}", position=at, kind=kind)

    expected_keys = {"round", "shares_used", "skipped", "contests", "at"}
    if set(payload) != expected_keys:
        fail("combination", "decrypted_payload", f"must have exactly {', '.join(sorted(expected_keys))}")
        return
    used, skipped = payload["shares_used"], payload["skipped"]
    if not isinstance(used, list) or not isinstance(skipped, Mapping):
        fail("combination", "decrypted_payload", "shares_used must be a list and skipped an object")
        return
    for j in used:
        if j in shares.invalid:
            fail("decryption_shares", "invalid_share_used",
                 f"the share of trustee {j} is invalid ({shares.invalid[j]}) but was used to decrypt",
                 at=shares.positions.get(j, position), kind="decryption_share")
    for j, why in sorted(shares.invalid.items()):
        out.note("decryption_shares", f"round {rnd.number}: the share of trustee {j} is invalid and must be "
                                      f"skipped: {why}")
        if str(j) not in skipped:
            fail("decryption_shares", "invalid_share_not_skipped",
                 f"the share of trustee {j} is invalid ({why}) and not named among the skipped shares",
                 at=shares.positions.get(j, position), kind="decryption_share")
    for j in skipped:
        if not (isinstance(j, str) and j.isdigit() and int(j) in shares.invalid):
            fail("combination", "valid_share_skipped", f"trustee {j}'s share is named as skipped but is valid "
                                                       "(or is not on the board)")
        elif skipped[j] != shares.invalid[int(j)]:
            fail("combination", "skipped_reason", f"trustee {j}'s share is skipped for {skipped[j]!r}; the reason "
                                                  f"is {shares.invalid[int(j)]!r}")
    chosen = sorted(shares.valid)[:k]
    if len(shares.valid) < k:
        fail("combination", "threshold_not_met", f"{len(shares.valid)} valid shares on the board, {k} needed")
        return
    if used != chosen:
        fail("combination", "shares_used", f"shares {used} were used; the k = {k} valid shares of lowest "
                                           f"trustee number are {chosen}")
    points = threshold.interpolate(ciphertexts, [shares.valid[j] for j in chosen])
    check_counts(rnd, payload, points, max_weight, out)


def check_counts(rnd: Round, payload: Mapping[str, Any], points: list[Point], max_weight: int,
                 out: Findings) -> None:
    """Check 15: each announced count m is in range and g^m is the combined decryption; each ranked
    contest's rankings are its decrypted rows read back (spec §17.4), and add up to its counts."""
    position = rnd.decrypted.position if rnd.decrypted else None
    tally = {c.get("contest"): c for c in rnd.tally.payload["contests"]} if rnd.tally else {}

    def fail(code: str, message: str) -> None:
        out.fail("counts", code, f"round {rnd.number}: {message}", position=position, kind="tally_decrypted")

    contests = payload["contests"]
    order = [c.get("contest") if isinstance(c, Mapping) else None for c in contests] \
        if isinstance(contests, list) else None
    if order != list(rnd.contests):
        fail("decrypted_contests", f"the decryption lists the contests {order}, the round has "
                                   f"{list(rnd.contests)}")
        return
    tally_size = sum(rnd.layouts[c].size for c in order if c in rnd.layouts)
    mixed_size = sum(len(row) for c in rnd.ranked for row in rnd.rows.get(c, ()))
    if tally_size + mixed_size != len(points):
        fail("decrypted_size", f"the round's tally and mixed ballots have {tally_size + mixed_size} ciphertexts, "
                               f"the decryption {len(points)}")
        return
    offset = 0
    for entry in contests:
        cid = entry["contest"]
        layout = rnd.layouts[cid]
        out.count("counts")
        fields = {"contest", "counts", "ballots", "ballots_cast", "registered"} | (
            {"rankings"} if cid in rnd.ranked else set())
        if set(entry) != fields or not isinstance(entry["counts"], Mapping):
            fail("decrypted_payload", f"contest {cid!r}: fields must be exactly {', '.join(sorted(fields))}")
            offset += layout.size
            continue
        for name in ("ballots", "ballots_cast", "registered"):
            if entry[name] != tally.get(cid, {}).get(name):
                fail(f"decrypted_{name}", f"contest {cid!r}: {name} {entry[name]!r} differs from the tally's "
                                          f"{tally.get(cid, {}).get(name)!r}")
        counts = entry["counts"]
        if set(counts) != set(layout.labels):
            fail("decrypted_labels", f"contest {cid!r}: counts are given for {sorted(counts)}, the ballot has "
                                     f"{sorted(layout.labels)}")
            offset += layout.size
            continue
        bound_weight = tally.get(cid, {}).get("ballots_cast", 0)
        for i, label in enumerate(layout.labels):
            m = counts[label]
            bound = bound_weight * layout.maxima[i] if isinstance(bound_weight, int) else 0
            if isinstance(m, bool) or not isinstance(m, int) or not 0 <= m <= bound:
                fail("count_range", f"contest {cid!r}, {label!r}: the count {m!r} is not a whole number "
                                    f"from 0 to {bound}")
            elif g_power(m) != points[offset + i].encoding:
                fail("count_wrong", f"contest {cid!r}, {label!r}: the announced count {m} is not what the "
                                    "trustees' shares decrypt")
        offset += layout.size
    for entry in contests:
        cid = entry["contest"]
        if cid not in rnd.ranked:
            continue
        layout = rnd.layouts[cid]
        width = sum(len(row) for row in rnd.rows.get(cid, ()))
        rankings = read_rows(layout, points[offset:offset + width], max_weight)
        offset += width
        given = entry.get("rankings")
        if given != rankings:
            wrong = [i for i, r in enumerate(rankings) if not isinstance(given, list) or i >= len(given)
                     or given[i] != r]
            fail("rankings_wrong", f"contest {cid!r}: the announced rankings are not the decrypted rows "
                                   f"(rows {wrong[:10]} of {len(rankings)} differ"
                                   f"{', and the count of rows' if not isinstance(given, list) or len(given) != len(rankings) else ''})")
        for i, r in enumerate(rankings):
            if "invalid" in r:
                fail("ranking_invalid", f"contest {cid!r}: decrypted row {i} is not a ranking: {r['invalid']}")
        if isinstance(entry.get("counts"), Mapping) and ranked_totals(layout, rankings) != dict(entry["counts"]):
            fail("rankings_counts", f"contest {cid!r}: the decrypted rankings do not add up to the contest's "
                                    "decrypted counts (the mixed ballots are not the counted ballots)")


__all__ = [
    "ShareCheck",
    "TallySum",
    "check_counts",
    "check_decryption",
    "check_decryption_shares",
    "check_encrypted_tally",
    "decryption_vector",
    "tally_ciphertexts",
]
