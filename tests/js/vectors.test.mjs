// Every vector of tests/vectors/*.json checked by the booth's JavaScript (@noble/curves), a
// second implementation of docs/spec.md: verifies each proof, replays each prover's random
// draws and requires the same bytes, and refuses every invalid encoding the files list.
// Run: node --test tests/js/ (tests/web/test_booth_vectors.py runs it from pytest).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { xchacha20poly1305 } from '@noble/ciphers/chacha.js';

import * as C from '../../vybory/web/booth/crypto.mjs';

const load = (name) => JSON.parse(readFileSync(fileURLToPath(new URL(`../vectors/${name}`, import.meta.url)), 'utf8'));
const hex = (h) => C.fromHex(h);
const samePoint = (p, h) => assert.equal(C.pointToHex(p), h);

const group = load('group.json');
const elgamal = load('elgamal.json');
const proofs = load('proofs.json');
const rfc = load('ristretto255.json');
const threshold = load('threshold.json');

test('the order and the generator', () => {
  assert.equal(C.ORDER.toString(), group.order);
  samePoint(C.G, group.generator);
});

test('RFC 9496 A.1: multiples of the generator', () => {
  let acc = C.IDENTITY;
  rfc.generator_multiples.encodings.forEach((h, k) => {
    samePoint(acc, h);
    samePoint(C.mulPublic(C.G, BigInt(k)), h);
    const decoded = C.pointFromHex(h, 'p', { allowIdentity: true });
    assert.ok(decoded.equals(acc));
    acc = acc.add(C.G);
  });
  assert.throws(() => C.pointFromHex(rfc.generator_multiples.encodings[0], 'p'), /identity element is not allowed/);
});

test('RFC 9496 A.2: every invalid encoding is refused', () => {
  let n = 0;
  for (const [name, list] of Object.entries(rfc.invalid_encodings.groups)) {
    for (const h of list) {
      assert.throws(() => C.pointFromHex(h, `invalid.${name}`, { allowIdentity: true }), C.InvalidEncoding, `${name}: ${h}`);
      n++;
    }
  }
  assert.ok(n >= 29);
});

test('RFC 9496 A.3: element derivation from 64 uniform bytes', () => {
  for (const { input, output } of rfc.from_uniform_bytes.cases) {
    const p = C.pointFromUniformBytes(hex(input));
    samePoint(p, output);
  }
});

test('encodings with the top bit set are refused', () => {
  for (const h of group.top_bit_encodings.encodings) {
    assert.throws(() => C.pointFromHex(h, 'top'), /top bit/);
  }
});

test('scalar arithmetic', () => {
  const v = group.scalar_arithmetic;
  const a = C.scalarFromHex(v.a);
  const b = C.scalarFromHex(v.b);
  assert.equal(C.scalarToHex(C.mod(a + b)), v.a_plus_b);
  assert.equal(C.scalarToHex(C.mod(a - b)), v.a_minus_b);
  assert.equal(C.scalarToHex(C.mod(a * b)), v.a_times_b);
  assert.equal(C.scalarToHex(C.inverse(a)), v.inverse_a);
  samePoint(C.baseMul(a), v.g_a);
  samePoint(C.mul(C.baseMul(a), b), v.g_a_times_b);
  samePoint(C.baseMul(a).add(C.baseMul(b)), v.g_a_plus_g_b);
  assert.throws(() => C.inverse(0n), /no inverse/);
});

test('non-canonical scalars are refused', () => {
  for (const h of group.non_canonical_scalars) assert.throws(() => C.scalarFromHex(h, 's'), /non-canonical/);
  assert.throws(() => C.scalarFromHex('00', 's'), /32 bytes/);
  assert.throws(() => C.scalarFromHex('AB'.repeat(32), 's'), /lowercase/);
});

test('random scalars from the deterministic source (§7.2)', () => {
  const v = group.random_scalars;
  const rng = C.deterministicRng(v.seed);
  const scalars = v.scalars.map(() => C.scalarToHex(C.randomScalar(rng)));
  assert.deepEqual(scalars, v.scalars);
  assert.deepEqual(rng.draws, v.rng_draws);
});

test('hash to scalar (§2.1)', () => {
  for (const { parts, scalar } of group.hash_to_scalar) {
    assert.equal(C.scalarToHex(C.hashToScalar(...parts.map(hex))), scalar);
  }
});

test('hash to point (§2.3)', () => {
  for (const { label, point } of group.hash_to_point) samePoint(C.hashToPoint(hex(label)), point);
});

test('a transcript spelled out byte by byte (§2.2)', () => {
  const v = group.transcript;
  const t = new C.Transcript(v.tag, hex(group.fingerprint));
  const bytes = [C.lp(C.utf8(v.tag)), C.lp(C.utf8(C.SPEC_VERSION)), C.lp(C.utf8(C.GROUP_NAME)), C.lp(hex(group.fingerprint))];
  for (const [label, value] of v.fields) {
    t.bytes(label, hex(value));
    bytes.push(C.lp(C.utf8(label)), C.lp(hex(value)));
  }
  assert.equal(C.toHex(C.concat(...bytes)), v.bytes);
  assert.equal(C.toHex(t.digest()), v.digest);
  assert.equal(C.scalarToHex(t.challenge()), v.challenge);
  assert.throws(() => new C.Transcript('VYBORY-V1-NOT-A-TAG', new Uint8Array(0)), /unregistered/);
});

test('ElGamal: encryptions, sum, weight, re-randomisation, discrete logs (§3)', () => {
  const pk = C.pointFromHex(elgamal.public_key);
  const x = C.scalarFromHex(elgamal.secret_key);
  samePoint(C.baseMul(x), elgamal.public_key);
  const cts = elgamal.encryptions.map(({ message, randomness, ciphertext }) => {
    const ct = C.encrypt(pk, message, C.scalarFromHex(randomness));
    assert.deepEqual(C.ciphertextToJson(ct), ciphertext);
    assert.deepEqual(C.ciphertextToJson(C.ciphertextFromJson(ciphertext)), ciphertext);
    assert.equal(C.dlog(C.decryptToPoint(x, ct), Math.max(message, 1000)), BigInt(message));
    return ct;
  });
  assert.deepEqual(C.ciphertextToJson(C.addCiphertexts(cts[1], cts[2])), elgamal.sum_of_messages_1_and_2);
  assert.deepEqual(C.ciphertextToJson(C.scaleCiphertext(cts[1], 7)), elgamal.message_1_weighted_by_7);
  const re = elgamal.rerandomise_message_2;
  assert.deepEqual(C.ciphertextToJson(C.rerandomise(pk, cts[2], C.scalarFromHex(re.randomness))), re.ciphertext);
  for (const { point, bound, log } of elgamal.dlog) {
    assert.equal(C.dlog(C.pointFromHex(point, 'p', { allowIdentity: true }), bound), BigInt(log));
  }
  const last = elgamal.dlog[elgamal.dlog.length - 1];
  assert.throws(() => C.dlog(C.pointFromHex(last.point), last.log - 1), /out of bounds/);
});

const FP = hex(proofs.fingerprint);
const PK = C.pointFromHex(proofs.public_key);
const CRED = C.pointFromHex(proofs.credential);

test('proof vectors share one credential', () => {
  samePoint(C.baseMul(C.scalarFromHex(proofs.credential_secret)), proofs.credential);
});

test('Schnorr proof of knowledge (§4.1): replay and verify', () => {
  const v = proofs.knowledge;
  const rng = C.deterministicRng(v.seed);
  const pub = C.pointFromHex(v.public);
  const p = C.proveKnowledge(FP, C.scalarFromHex(v.secret), pub, v.purpose, rng);
  assert.deepEqual(rng.draws, v.rng_draws);
  assert.deepEqual(C.schnorrToJson(p), v.proof);
  assert.equal(C.toHex(C.schnorrToBytes(p)), v.bytes);
  C.verifyKnowledge(FP, pub, C.schnorrFromJson(v.proof), v.purpose);
  assert.throws(() => C.verifyKnowledge(FP, pub, p, 'dkg-constant-term/1'), C.InvalidProof);
  assert.throws(() => C.verifyKnowledge(hex('00'.repeat(32)), pub, p, v.purpose), C.InvalidProof);
  assert.throws(() => C.verifyKnowledge(FP, pub, { ...p, response: C.mod(p.response + 1n) }, v.purpose), C.InvalidProof);
  assert.throws(() => C.proveKnowledge(FP, 5n, pub, v.purpose, rng), /does not match/);
});

test('Schnorr signature (§4.2): replay and verify', () => {
  const v = proofs.signature;
  const rng = C.deterministicRng(v.seed);
  const s = C.sign(FP, C.scalarFromHex(proofs.credential_secret), hex(v.message), rng);
  assert.deepEqual(rng.draws, v.rng_draws);
  assert.deepEqual(C.schnorrToJson(s), v.signature);
  assert.equal(C.toHex(C.schnorrToBytes(s)), v.bytes);
  C.verifySignature(FP, CRED, hex(v.message), C.schnorrFromJson(v.signature));
  const other = hex(v.message);
  other[0] ^= 1;
  assert.throws(() => C.verifySignature(FP, CRED, other, s), C.InvalidProof);
  assert.throws(() => C.verifySignature(FP, PK, hex(v.message), s), C.InvalidProof);
  assert.throws(() => C.verifySignature(FP, CRED, hex(v.message), { ...s, commitment: C.G }), C.InvalidProof);
});

test('Chaum–Pedersen (§4.3): replay and verify', () => {
  const v = proofs.equal_logs;
  const rng = C.deterministicRng(v.seed);
  const [g1, h1, g2, h2] = [v.g1, v.h1, v.g2, v.h2].map((h) => C.pointFromHex(h));
  const p = C.proveEqualLogs(FP, C.scalarFromHex(v.secret), g1, h1, g2, h2, v.purpose, rng);
  assert.deepEqual(rng.draws, v.rng_draws);
  assert.deepEqual(C.equalLogsToJson(p), v.proof);
  assert.equal(C.toHex(C.equalLogsToBytes(p)), v.bytes);
  C.verifyEqualLogs(FP, g1, h1, g2, h2, C.equalLogsFromJson(v.proof), v.purpose);
  assert.throws(() => C.verifyEqualLogs(FP, g1, h1, g2, h1, p, v.purpose), C.InvalidProof);
  assert.throws(() => C.verifyEqualLogs(FP, g1, h1, g2, h2, p, 'other'), C.InvalidProof);
});

function checkDisjunction(v, low, high, prove, verify) {
  const rng = C.deterministicRng(v.seed);
  const r = C.scalarFromHex(v.randomness);
  const ct = C.encrypt(PK, v.message, r);
  assert.deepEqual(C.ciphertextToJson(ct), v.ciphertext);
  const p = prove(ct, v.message, r, rng);
  assert.deepEqual(rng.draws, v.rng_draws);
  assert.deepEqual(C.disjunctionToJson(p), v.proof);
  assert.equal(C.toHex(C.disjunctionToBytes(p)), v.bytes);
  verify(ct, C.disjunctionFromJson(v.proof));
  // Tamper with every field in turn: each must be refused.
  const tampered = [];
  for (let i = 0; i < p.challenges.length; i++) {
    tampered.push({ ...p, challenges: p.challenges.map((c, j) => (j === i ? C.mod(c + 1n) : c)) });
    tampered.push({ ...p, responses: p.responses.map((z, j) => (j === i ? C.mod(z + 1n) : z)) });
    tampered.push({ ...p, commitments: p.commitments.map((ab, j) => (j === i ? [ab[0].add(C.G), ab[1]] : ab)) });
    tampered.push({ ...p, commitments: p.commitments.map((ab, j) => (j === i ? [ab[0], ab[1].add(C.G)] : ab)) });
  }
  for (const bad of tampered) assert.throws(() => verify(ct, bad), C.InvalidProof);
  assert.throws(() => verify(C.addCiphertexts(ct, C.encrypt(PK, 0, 7n)), p), C.InvalidProof);
  assert.throws(() => verify(ct, { ...p, commitments: p.commitments.slice(1), challenges: p.challenges.slice(1),
    responses: p.responses.slice(1) }), /branches/);
}

test('0/1 proofs (§4.4): replay, verify, tamper', () => {
  for (const v of proofs.zero_one) {
    checkDisjunction(v, 0, 1,
      (ct, m, r, rng) => C.proveZeroOne(FP, CRED, PK, ct, m, r, rng),
      (ct, p) => C.verifyZeroOne(FP, CRED, PK, ct, p));
    // Bound to the credential: the same proof under another credential fails.
    const p = C.disjunctionFromJson(v.proof);
    assert.throws(() => C.verifyZeroOne(FP, PK, PK, C.ciphertextFromJson(v.ciphertext), p), C.InvalidProof);
  }
  assert.throws(() => C.proveZeroOne(FP, CRED, PK, C.encrypt(PK, 2, 5n), 2, 5n), /not in \[0, 1\]/);
});

test('range proofs (§4.5): replay, verify, tamper', () => {
  for (const v of proofs.range) {
    checkDisjunction(v, v.low, v.high,
      (ct, m, r, rng) => C.proveRange(FP, CRED, PK, ct, m, r, v.low, v.high, rng),
      (ct, p) => C.verifyRange(FP, CRED, PK, ct, v.low, v.high, p));
    const p = C.disjunctionFromJson(v.proof);
    const ct = C.ciphertextFromJson(v.ciphertext);
    if (v.high > v.low) assert.throws(() => C.verifyRange(FP, CRED, PK, ct, v.low, v.high - 1, p), C.InvalidProof);
  }
  assert.throws(() => C.proveRange(FP, CRED, PK, C.encrypt(PK, 0, 5n), 0, 5n, 0, 256), /at most 256/);
});

test('decryption-share proof (§4.6): replay, verify, tamper', () => {
  const v = proofs.decryption_share;
  const rng = C.deterministicRng(v.seed);
  const x = C.scalarFromHex(v.secret_share);
  const X = C.pointFromHex(v.verification_key);
  samePoint(C.baseMul(x), v.verification_key);
  const cts = v.ciphertexts.map((c, i) => C.ciphertextFromJson(c, `ciphertexts[${i}]`));
  const share = C.computeShare(FP, v.trustee, x, cts, rng);
  assert.deepEqual(rng.draws, v.rng_draws);
  assert.deepEqual(share.factors.map(C.pointToHex), v.factors);
  assert.deepEqual(C.shareProofToJson(share.proof), v.proof);
  assert.equal(C.toHex(C.shareProofToBytes(share.proof)), v.bytes);
  const factors = v.factors.map((h) => C.pointFromHex(h, 'f', { allowIdentity: true }));
  C.verifyShare(FP, v.trustee, X, cts, factors, C.shareProofFromJson(v.proof));
  assert.throws(() => C.verifyShare(FP, v.trustee + 1, X, cts, factors, share.proof), C.InvalidProof);
  assert.throws(() => C.verifyShare(FP, v.trustee, X, cts, [factors[1], factors[0]], share.proof), C.InvalidProof);
  assert.throws(() => C.verifyShare(FP, v.trustee, X, cts, [factors[0], factors[1].add(C.G)], share.proof), C.InvalidProof);
  assert.throws(() => C.verifyShare(FP, v.trustee, X, cts.slice(1), factors.slice(1), share.proof), /expected/);
});

// --- the key ceremony (§5) replayed draw by draw, then threshold decryption (§6) -------------

function shareKey(fp, dealer, recipient, recipientKey, ephemeral, shared) {
  const t = new C.Transcript(C.TAGS.DKG_SHARE_KEY, fp).u64('dealer', dealer).u64('recipient', recipient)
    .point('recipient_key', recipientKey).point('ephemeral', ephemeral).point('shared_secret', shared);
  return t.digest().slice(0, 32);
}

function evaluate(coefficients, j) {
  let acc = 0n;
  for (let t = coefficients.length - 1; t >= 0; t--) acc = C.mod(acc * BigInt(j) + coefficients[t]);
  return acc;
}

test('key ceremony and threshold decryption (§5, §6): replayed from one source', () => {
  const v = threshold;
  const fp = hex(v.fingerprint);
  const n = v.trustees;
  const k = v.threshold;
  const rng = C.deterministicRng(v.seed);
  const ids = [...Array(n).keys()].map((i) => i + 1);
  // new_trustee: y_i, then the k coefficients.
  const secrets = ids.map((i) => ({ trustee: i, y: C.randomScalar(rng), a: [...Array(k)].map(() => C.randomScalar(rng)) }));
  secrets.forEach((s, i) => {
    const js = v.trustee_secrets[i];
    assert.equal(C.scalarToHex(s.y), js.messaging_secret);
    assert.deepEqual(s.a.map(C.scalarToHex), js.coefficients);
  });
  // Phase 0: messaging keys with proofs of knowledge.
  secrets.forEach((s, i) => {
    const Y = C.baseMul(s.y);
    const proof = C.proveKnowledge(fp, s.y, Y, `dkg-messaging-key/${s.trustee}`, rng);
    assert.deepEqual({ trustee: s.trustee, public_key: C.pointToHex(Y), proof: C.schnorrToJson(proof) }, v.messaging_keys[i]);
    C.verifyKnowledge(fp, C.pointFromHex(v.messaging_keys[i].public_key), C.schnorrFromJson(v.messaging_keys[i].proof),
      `dkg-messaging-key/${s.trustee}`);
  });
  // Phase 1-2: commitment digests and reveals.
  secrets.forEach((s, i) => {
    const A = s.a.map((a) => C.baseMul(a));
    const t = new C.Transcript(C.TAGS.DKG_COMMIT, fp).u64('trustee', s.trustee).u64('threshold', k);
    for (const p of A) t.point('coefficient', p);
    assert.equal(C.toHex(t.digest()), v.commitments[i].digest);
    assert.deepEqual(A.map(C.pointToHex), v.reveals[i].commitments);
  });
  secrets.forEach((s, i) => {
    const A0 = C.baseMul(s.a[0]);
    const proof = C.proveKnowledge(fp, s.a[0], A0, `dkg-constant-term/${s.trustee}`, rng);
    assert.deepEqual(C.schnorrToJson(proof), v.reveals[i].proof);
  });
  // Phase 3: encrypted shares, XChaCha20-Poly1305 under the derived key, nonce of 24 zero bytes.
  const Y = Object.fromEntries(v.messaging_keys.map((m) => [m.trustee, C.pointFromHex(m.public_key)]));
  let e = 0;
  for (const s of secrets) {
    for (const j of ids) {
      const eph = C.randomScalar(rng);
      const E = C.baseMul(eph);
      const K = C.mul(Y[j], eph);
      const key = shareKey(fp, s.trustee, j, Y[j], E, K);
      assert.equal(C.toHex(key), v.share_keys[`${s.trustee}->${j}`]);
      const box = xchacha20poly1305(key, new Uint8Array(24)).encrypt(C.scalarToBytes(evaluate(s.a, j)));
      assert.deepEqual(v.encrypted_shares[e], { dealer: s.trustee, recipient: j, ephemeral: C.pointToHex(E), ciphertext: C.toHex(box) });
      e++;
    }
  }
  // Phase 4 from the recipient's side: K = E^{y_j}, decrypt, Feldman check.
  const received = Object.fromEntries(ids.map((j) => [j, 0n]));
  for (const share of v.encrypted_shares) {
    const j = share.recipient;
    const E = C.pointFromHex(share.ephemeral);
    const K = C.mul(E, secrets[j - 1].y);
    const key = shareKey(fp, share.dealer, j, Y[j], E, K);
    const value = C.scalarFromCanonical(xchacha20poly1305(key, new Uint8Array(24)).decrypt(hex(share.ciphertext)));
    const A = v.reveals[share.dealer - 1].commitments.map((h) => C.pointFromHex(h));
    let expected = C.IDENTITY;
    A.forEach((p, t) => { expected = expected.add(C.mulPublic(p, BigInt(j) ** BigInt(t))); });
    assert.ok(C.baseMul(value).equals(expected), `Feldman check ${share.dealer}->${j}`);
    received[j] = C.mod(received[j] + value);
    const wrong = hex(share.ciphertext);
    wrong[0] ^= 1;
    assert.throws(() => xchacha20poly1305(key, new Uint8Array(24)).decrypt(wrong));
  }
  // §5.7: joint key, verification keys, secret shares.
  let pk = C.IDENTITY;
  for (const r of v.reveals) pk = pk.add(C.pointFromHex(r.commitments[0]));
  samePoint(pk, v.result.public_key);
  assert.deepEqual(v.result.qualified, ids);
  for (const j of ids) {
    assert.equal(C.scalarToHex(received[j]), v.secret_shares[String(j)]);
    let X = C.IDENTITY;
    for (let t = 0; t < k; t++) {
      let Ct = C.IDENTITY;
      for (const r of v.reveals) Ct = Ct.add(C.pointFromHex(r.commitments[t]));
      X = X.add(C.mulPublic(Ct, BigInt(j) ** BigInt(t)));
    }
    samePoint(X, v.result.verification_keys[String(j)]);
    samePoint(C.baseMul(received[j]), v.result.verification_keys[String(j)]);
  }
  // §6: the ciphertexts, every trustee's share, and the combination from trustees 2 and 3.
  const cts = v.messages.map((m) => C.encrypt(pk, m, C.randomScalar(rng)));
  assert.deepEqual(cts.map(C.ciphertextToJson), v.ciphertexts);
  const shares = ids.map((j) => C.computeShare(fp, j, received[j], cts, rng));
  assert.deepEqual(shares.map(C.shareToJson), v.decryption_shares);
  assert.deepEqual(rng.draws, v.rng_draws);
  for (const share of shares) {
    C.verifyShare(fp, share.trustee, C.pointFromHex(v.result.verification_keys[String(share.trustee)]), cts,
      share.factors, share.proof);
  }
  const indices = [2, 3];
  const lambdas = indices.map((j) => C.lagrange(indices, j));
  cts.forEach((ct, t) => {
    let M = C.IDENTITY;
    indices.forEach((j, i) => { M = M.add(C.mulPublic(shares[j - 1].factors[t], lambdas[i])); });
    samePoint(ct.beta.subtract(M), v.combined_from_trustees_2_and_3[t]);
  });
  for (const pair of [[1, 2], [1, 3], [2, 3]]) {
    assert.deepEqual(C.combineShares(cts, pair.map((j) => shares[j - 1]), 10).map(Number), v.messages);
  }
});
