"""Pedersen/Feldman DKG with 5 trustees and threshold 3, complaints, and threshold decryption."""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Callable

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from vybory.crypto import threshold as th
from vybory.crypto.elgamal import Ciphertext, dlog, encrypt
from vybory.crypto.group import GENERATOR, ORDER, Point, Scalar
from vybory.crypto.rng import DeterministicRng
from vybory.errors import InvalidEncoding, InvalidInput, InvalidProof, ThresholdNotMet

FP = b"election fingerprint"
N, K = 5, 3


@dataclasses.dataclass
class Ceremony:
    secrets: dict[int, th.TrusteeSecrets]
    keys: dict[int, th.MessagingKey]
    commitments: dict[int, th.DealerCommitment]
    reveals: dict[int, th.DealerReveal]
    shares: list[th.EncryptedShare]

    def finish(self, complaints: list[th.Complaint] = ()) -> th.KeyCeremonyResult:  # type: ignore[assignment]
        return th.finish(FP, N, K, self.keys, self.commitments, self.reveals, self.shares, complaints)


def run_ceremony(
    rng: DeterministicRng, corrupt: Callable[[int, int, bytes], bytes] | None = None, n: int = N, k: int = K
) -> Ceremony:
    secrets = {i: th.new_trustee(i, k, rng) for i in range(1, n + 1)}
    keys = {i: th.generate_messaging_key(FP, s, rng) for i, s in secrets.items()}
    for key in keys.values():
        th.check_messaging_key(FP, key)
    commitments = {i: th.compute_commitment(FP, s) for i, s in secrets.items()}
    reveals = {i: th.compute_reveal(FP, s, rng) for i, s in secrets.items()}
    for i in secrets:
        th.check_reveal(FP, commitments[i], reveals[i], k)
    public = {i: key.public_key for i, key in keys.items()}
    shares = []
    for s in secrets.values():
        for share in th.encrypt_shares(FP, s, public, rng):
            if corrupt is not None:
                share = dataclasses.replace(share, ciphertext=corrupt(share.dealer, share.recipient, share.ciphertext))
            shares.append(share)
    return Ceremony(secrets, keys, commitments, reveals, shares)


@pytest.fixture(scope="module")
def ceremony() -> Ceremony:
    return run_ceremony(DeterministicRng(b"dkg"))


@pytest.fixture(scope="module")
def result(ceremony: Ceremony) -> th.KeyCeremonyResult:
    return ceremony.finish()


@pytest.fixture(scope="module")
def secret_shares(ceremony: Ceremony, result: th.KeyCeremonyResult) -> dict[int, Scalar]:
    return {
        i: th.compute_secret_share(FP, s, result, ceremony.reveals, ceremony.shares) for i, s in ceremony.secrets.items()
    }


def test_honest_ceremony(ceremony: Ceremony, result: th.KeyCeremonyResult, secret_shares: dict[int, Scalar]) -> None:
    assert result.qualified == (1, 2, 3, 4, 5) and not result.disqualified and not result.false_complaints
    joint = sum(s.coefficients[0].value for s in ceremony.secrets.values()) % ORDER
    assert result.public_key == Point.base_mul(Scalar.from_int(joint))
    for j, x in secret_shares.items():
        assert result.verification_keys[j] == Point.base_mul(x)
    # Any 3 secret shares interpolate to the joint secret; 2 do not.
    for subset in itertools.combinations(secret_shares, 3):
        lambdas = th.lagrange_coefficients(subset)
        assert sum(lambdas[j].value * secret_shares[j].value for j in subset) % ORDER == joint
    lambdas = th.lagrange_coefficients((1, 2))
    assert sum(lambdas[j].value * secret_shares[j].value for j in (1, 2)) % ORDER != joint
    assert len(ceremony.shares) == N * N


def test_decrypt_with_every_3_subset_and_fail_with_2(
    result: th.KeyCeremonyResult, secret_shares: dict[int, Scalar]
) -> None:
    rng = DeterministicRng(b"decrypt")
    messages = [0, 1, 17]
    cts = [encrypt(result.public_key, m, Scalar.random(rng)) for m in messages]
    shares = {j: th.compute_share(FP, j, x, cts, rng) for j, x in secret_shares.items()}
    for j, share in shares.items():
        th.check_share(FP, result.verification_keys[j], cts, share)
    for subset in itertools.combinations(shares, 3):
        points = th.combine(FP, cts, [shares[j] for j in subset], K, result.verification_keys)
        assert [dlog(p, 100) for p in points] == messages
    for subset in itertools.combinations(shares, 2):
        with pytest.raises(ThresholdNotMet) as caught:
            th.combine(FP, cts, [shares[j] for j in subset], K, result.verification_keys)
        missing = sorted(set(shares) - set(subset))
        assert "missing: trustee(s) " + ", ".join(map(str, missing)) in caught.value.message
    # A single ciphertext gives a single point.
    one = th.compute_share(FP, 2, secret_shares[2], cts[2], rng)
    others = [th.compute_share(FP, j, secret_shares[j], cts[2], rng) for j in (4, 5)]
    assert dlog(th.combine(FP, cts[2], [one, *others], K, result.verification_keys), 100) == 17


def test_interpolate_decrypts_with_any_k_checked_shares_and_not_with_fewer(
    result: th.KeyCeremonyResult, secret_shares: dict[int, Scalar]
) -> None:
    rng = DeterministicRng(b"interpolate")
    messages = [3, 0, 9]
    cts = [encrypt(result.public_key, m, Scalar.random(rng)) for m in messages]
    shares = {j: th.compute_share(FP, j, x, cts, rng) for j, x in secret_shares.items()}
    for subset in itertools.combinations(shares, K):
        assert [dlog(p, 20) for p in th.interpolate(cts, [shares[j] for j in subset])] == messages
    # k - 1 shares interpolate to a point that is not g^m.
    points = th.interpolate(cts, [shares[1], shares[2]])
    assert [p.to_hex() for p in points] != [p.to_hex() for p in th.interpolate(cts, [shares[1], shares[2], shares[3]])]


def test_invalid_shares_are_named_and_skipped(result: th.KeyCeremonyResult, secret_shares: dict[int, Scalar]) -> None:
    rng = DeterministicRng(b"invalid shares")
    cts = [encrypt(result.public_key, m, Scalar.random(rng)) for m in (3, 0)]
    shares = {j: th.compute_share(FP, j, x, cts, rng) for j, x in secret_shares.items()}
    bad_factor = dataclasses.replace(shares[2], factors=(shares[2].factors[0] + GENERATOR, shares[2].factors[1]))
    wrong_key = th.compute_share(FP, 4, secret_shares[4] + Scalar.from_int(1), cts, rng)
    valid, invalid = th.check_shares(FP, cts, [shares[1], bad_factor, shares[3], wrong_key, shares[5]], result.verification_keys)
    assert sorted(valid) == [1, 3, 5] and sorted(invalid) == [2, 4]
    points = th.combine(FP, cts, [shares[1], bad_factor, shares[3], wrong_key, shares[5]], K, result.verification_keys)
    assert [dlog(p, 10) for p in points] == [3, 0]
    with pytest.raises(ThresholdNotMet) as caught:
        th.combine(FP, cts, [shares[1], bad_factor, wrong_key, shares[5]], K, result.verification_keys)
    message = caught.value.message
    assert "trustee 2 invalid" in message and "trustee 4 invalid" in message and "missing: trustee(s) 3" in message
    # Duplicates and unknown trustees are invalid too.
    stranger = dataclasses.replace(shares[1], trustee=9)
    valid, invalid = th.check_shares(FP, cts, [shares[1], shares[1], stranger], result.verification_keys)
    assert not valid and "more than one" in invalid[1] and "not a qualified" in invalid[9]
    # A share for other ciphertexts is invalid for these.
    other = [encrypt(result.public_key, 1, Scalar.random(rng)) for _ in cts]
    with pytest.raises(InvalidProof):
        th.check_share(FP, result.verification_keys[1], other, shares[1])
    with pytest.raises(InvalidProof):
        th.check_share(b"another election", result.verification_keys[1], cts, shares[1])


def test_a_tally_with_no_ballot_decrypts_to_zero(result: th.KeyCeremonyResult, secret_shares: dict[int, Scalar]) -> None:
    rng = DeterministicRng(b"empty")
    zero = Ciphertext.zero()
    shares = [th.compute_share(FP, j, secret_shares[j], [zero], rng) for j in (1, 2, 3)]
    restored = [th.DecryptionShare.from_json(s.to_json(), "share") for s in shares]
    assert restored == shares
    assert dlog(th.combine(FP, [zero], restored, K, result.verification_keys)[0], 0) == 0


@settings(max_examples=8, deadline=None)
@given(st.integers(min_value=1, max_value=4), st.integers(min_value=1, max_value=4), st.data())
def test_lagrange_any_k_of_n(k: int, extra: int, data: st.DataObject) -> None:
    n = k + extra - 1
    rng = DeterministicRng(f"lagrange {k} {n}")
    coefficients = [Scalar.random(rng) for _ in range(k)]
    subset = data.draw(st.lists(st.integers(min_value=1, max_value=n), min_size=k, max_size=k, unique=True))
    lambdas = th.lagrange_coefficients(subset)
    total = sum(lambdas[j].value * th.evaluate(coefficients, j).value for j in subset) % ORDER
    assert total == coefficients[0].value
    commitments = [Point.base_mul(a) for a in coefficients]
    assert th.feldman_point(commitments, subset[0]) == Point.base_mul(th.evaluate(coefficients, subset[0]))


def corrupt_share_from_2_to_4(dealer: int, recipient: int, box: bytes) -> bytes:
    return bytes([box[0] ^ 1]) + box[1:] if (dealer, recipient) == (2, 4) else box


def test_bad_share_is_caught_by_recipient_and_by_complaint() -> None:
    c = run_ceremony(DeterministicRng(b"bad dealer"), corrupt_share_from_2_to_4)
    share = next(s for s in c.shares if (s.dealer, s.recipient) == (2, 4))
    with pytest.raises(InvalidProof) as caught:
        th.open_share(FP, c.secrets[4], share, c.reveals[2])
    assert caught.value.field == "shares[2]"
    complaint = th.make_complaint(FP, c.secrets[4], share, DeterministicRng(b"complaint"))
    assert th.Complaint.from_json(complaint.to_json(), "complaint") == complaint
    assert th.check_complaint(FP, complaint, share, c.reveals[2], c.keys[4].public_key) is True
    result = c.finish([complaint])
    assert result.qualified == (1, 3, 4, 5)
    assert "justified complaint by trustee 4" in result.disqualified[2]
    # The joint key is built from the qualified dealers only, and decryption still works.
    joint = sum(c.secrets[i].coefficients[0].value for i in result.qualified) % ORDER
    assert result.public_key == Point.base_mul(Scalar.from_int(joint))
    xs = {j: th.compute_secret_share(FP, c.secrets[j], result, c.reveals, c.shares) for j in result.qualified}
    rng = DeterministicRng(b"after complaint")
    ct = encrypt(result.public_key, 5, Scalar.random(rng))
    shares = [th.compute_share(FP, j, xs[j], ct, rng) for j in (3, 4, 5)]
    assert dlog(th.combine(FP, ct, shares, K, result.verification_keys), 10) == 5
    with pytest.raises(InvalidInput):
        th.compute_secret_share(FP, c.secrets[2], result, c.reveals, c.shares)


def test_a_wrong_but_well_encrypted_share_is_caught() -> None:
    # The dealer encrypts a value that does not match its commitments (f(j) + 1).
    rng = DeterministicRng(b"wrong value")
    c = run_ceremony(rng)
    share = next(s for s in c.shares if (s.dealer, s.recipient) == (1, 3))
    y = c.secrets[3].messaging_secret
    e = Scalar.random(rng)
    ephemeral = Point.base_mul(e)
    key = th.share_key(FP, 1, 3, Point.base_mul(y), ephemeral, Point.base_mul(y) * e)
    from vybory.crypto import _sodium

    wrong = th.evaluate(c.secrets[1].coefficients, 3) + Scalar.from_int(1)
    box = _sodium.aead_encrypt(wrong.to_bytes(), b"", th.SHARE_NONCE, key)
    bad = th.EncryptedShare(1, 3, ephemeral, box)
    c.shares[c.shares.index(share)] = bad
    with pytest.raises(InvalidProof):
        th.open_share(FP, c.secrets[3], bad, c.reveals[1])
    complaint = th.make_complaint(FP, c.secrets[3], bad, rng)
    assert c.finish([complaint]).disqualified.keys() == {1}


def test_false_complaints_change_nothing(ceremony: Ceremony) -> None:
    share = next(s for s in ceremony.shares if (s.dealer, s.recipient) == (1, 2))
    complaint = th.make_complaint(FP, ceremony.secrets[2], share, DeterministicRng(b"false"))
    assert th.check_complaint(FP, complaint, share, ceremony.reveals[1], ceremony.keys[2].public_key) is False
    # A complaint whose proof does not verify (a made-up shared secret) is false too.
    forged = dataclasses.replace(complaint, shared_secret=complaint.shared_secret + GENERATOR)
    with pytest.raises(InvalidProof):
        th.check_complaint(FP, forged, share, ceremony.reveals[1], ceremony.keys[2].public_key)
    result = ceremony.finish([complaint, forged])
    assert result.qualified == (1, 2, 3, 4, 5) and result.false_complaints == ((1, 2),)
    with pytest.raises(InvalidInput):
        th.make_complaint(FP, ceremony.secrets[3], share)


def test_disqualification_rules(ceremony: Ceremony) -> None:
    c = dataclasses.replace(ceremony, keys=dict(ceremony.keys), commitments=dict(ceremony.commitments),
                            reveals=dict(ceremony.reveals), shares=list(ceremony.shares))
    del c.keys[1]                                       # no messaging key
    c.reveals[2] = ceremony.reveals[3]                  # reveal filed under another trustee
    c.commitments[3] = th.DealerCommitment(3, bytes(64))  # reveal does not match the commitment
    c.shares = [s for s in c.shares if (s.dealer, s.recipient) != (4, 5)]  # a missing share
    with pytest.raises(ThresholdNotMet) as caught:
        c.finish()
    message = caught.value.message
    for text in ("trustee 1: no messaging key", "trustee 2: no reveal", "trustee 3: reveal does not match the commitment",
                 "trustee 4: no encrypted share for trustee(s) 5"):
        assert text in message
    # Remove only trustee 1's key: the others stay qualified, nobody owes trustee 1 a share.
    keys = dict(ceremony.keys)
    del keys[1]
    result = th.finish(FP, N, K, keys, ceremony.commitments, ceremony.reveals, ceremony.shares)
    assert result.qualified == (2, 3, 4, 5) and 1 not in result.verification_keys


def test_reveal_checks(ceremony: Ceremony) -> None:
    reveal = ceremony.reveals[1]
    commitment = ceremony.commitments[1]
    with pytest.raises(InvalidProof, match="expected 2"):
        th.check_reveal(FP, commitment, reveal, 2)
    moved = dataclasses.replace(reveal, commitments=(reveal.commitments[0] + GENERATOR, *reveal.commitments[1:]))
    with pytest.raises(InvalidProof, match="phase-1 digest"):
        th.check_reveal(FP, commitment, moved, K)
    recommitted = th.DealerCommitment(1, th.commitment_digest(FP, 1, moved.commitments))
    with pytest.raises(InvalidProof):  # the proof of knowledge of a_0 no longer matches
        th.check_reveal(FP, recommitted, moved, K)
    with pytest.raises(InvalidProof):
        th.check_reveal(b"other election", commitment, reveal, K)
    with pytest.raises(InvalidProof):
        th.check_messaging_key(FP, dataclasses.replace(ceremony.keys[1], trustee=2))


def test_public_messages_round_trip_and_refuse_garbage(ceremony: Ceremony, result: th.KeyCeremonyResult) -> None:
    for value, cls in (
        (ceremony.keys[1], th.MessagingKey),
        (ceremony.commitments[1], th.DealerCommitment),
        (ceremony.reveals[1], th.DealerReveal),
        (ceremony.shares[0], th.EncryptedShare),
    ):
        assert cls.from_json(value.to_json(), "m") == value
        with pytest.raises(InvalidEncoding):
            cls.from_json({**value.to_json(), "extra": 1}, "m")
        with pytest.raises(InvalidEncoding):
            cls.from_json("garbage", "m")
    bad = {**ceremony.shares[0].to_json(), "ephemeral": "00" * 32}
    with pytest.raises(InvalidEncoding, match="identity") as caught:
        th.EncryptedShare.from_json(bad, "shares[0]")
    assert caught.value.field == "shares[0].ephemeral"
    with pytest.raises(InvalidEncoding):
        th.EncryptedShare.from_json({**ceremony.shares[0].to_json(), "dealer": 0}, "s")
    with pytest.raises(InvalidEncoding):
        th.EncryptedShare.from_json({**ceremony.shares[0].to_json(), "ciphertext": "00" * 47}, "s")
    assert result.to_json()["public_key"] == result.public_key.to_hex()


def test_trustee_secrets_round_trip(ceremony: Ceremony, secret_shares: dict[int, Scalar]) -> None:
    s = ceremony.secrets[1]
    assert th.TrusteeSecrets.from_json(s.to_json(), "key file") == s
    done = s.with_secret_share(secret_shares[1])
    assert th.TrusteeSecrets.from_json(done.to_json(), "key file") == done
    assert "hidden" in repr(done) and s.messaging_secret.to_hex() not in repr(done)
    with pytest.raises(InvalidEncoding) as caught:
        th.TrusteeSecrets.from_json({**s.to_json(), "coefficients": s.to_json()["coefficients"][:2]}, "key file")
    assert caught.value.field == "key file.coefficients"


def test_threshold_one_and_n() -> None:
    for n, k in ((1, 1), (3, 3), (3, 1)):
        rng = DeterministicRng(f"{n}-{k}")
        c = run_ceremony(rng, n=n, k=k)
        result = th.finish(FP, n, k, c.keys, c.commitments, c.reveals, c.shares)
        xs = {j: th.compute_secret_share(FP, c.secrets[j], result, c.reveals, c.shares) for j in result.qualified}
        ct = encrypt(result.public_key, 2, Scalar.random(rng))
        shares = [th.compute_share(FP, j, xs[j], ct, rng) for j in sorted(xs)[-k:]]
        assert dlog(th.combine(FP, ct, shares, k, result.verification_keys), 5) == 2


def test_two_shares_for_one_recipient_disqualify_the_dealer(ceremony: Ceremony) -> None:
    share = next(s for s in ceremony.shares if (s.dealer, s.recipient) == (3, 1))
    other = dataclasses.replace(share, ciphertext=bytes(48))
    result = th.finish(FP, N, K, ceremony.keys, ceremony.commitments, ceremony.reveals, [*ceremony.shares, other])
    assert result.qualified == (1, 2, 4, 5)
    assert result.disqualified[3] == "more than one encrypted share for trustee(s) 1"


def test_the_result_is_the_same_in_any_order_of_complaints() -> None:
    # Trustee 2 sends a bad share to 4 (justified complaint) and a good one to 3 (false complaint):
    # whatever order the board holds them in, the result names the same trustees with the same words.
    c = run_ceremony(DeterministicRng(b"bad dealer"), corrupt_share_from_2_to_4)
    to = {(s.dealer, s.recipient): s for s in c.shares}
    justified = th.make_complaint(FP, c.secrets[4], to[2, 4], DeterministicRng(b"justified"))
    false = th.make_complaint(FP, c.secrets[3], to[2, 3], DeterministicRng(b"false"))
    false_too = th.make_complaint(FP, c.secrets[5], to[1, 5], DeterministicRng(b"false too"))
    results = [c.finish(order) for order in ([justified, false, false_too], [false_too, false, justified],
                                             [false, justified, false_too])]
    assert all(r.to_json() == results[0].to_json() for r in results)
    assert results[0].disqualified == {2: "justified complaint by trustee 4"}
    assert results[0].false_complaints == ((1, 5), (2, 3))


def test_each_disqualification_has_its_fixed_reason(ceremony: Ceremony) -> None:
    forged_key = dataclasses.replace(ceremony.keys[1], proof=ceremony.keys[2].proof)
    wrong_proof = dataclasses.replace(ceremony.reveals[3], proof=ceremony.reveals[4].proof)
    short = dataclasses.replace(ceremony.reveals[4], commitments=ceremony.reveals[4].commitments[:1])
    keys = {**ceremony.keys, 1: forged_key, 2: dataclasses.replace(ceremony.keys[2], trustee=3)}
    result_or_error = None
    try:
        th.finish(FP, N, K, keys, ceremony.commitments, {**ceremony.reveals, 3: wrong_proof, 4: short}, ceremony.shares)
    except ThresholdNotMet as caught:
        result_or_error = caught.message
    assert result_or_error is not None
    for text in ("trustee 1: messaging key proof fails", "trustee 2: messaging key filed under another trustee",
                 "trustee 3: reveal proof fails", "trustee 4: reveal does not hold k commitments"):
        assert text in result_or_error
