// The trustee page's decryption vector (vybory/web/booth/decryption.mjs): the tally's
// ciphertexts then the mixed rows the server lists, refused while ranked contests wait for
// their mixes or when the vector does not begin with the tally. A share over it verifies.
import { test } from 'node:test';
import assert from 'node:assert/strict';

import * as C from '../../vybory/web/booth/crypto.mjs';
import { decryptionVectorOf } from '../../vybory/web/booth/decryption.mjs';

const rng = C.deterministicRng('decryption-vector');
const secret = C.randomScalar(rng);
const publicKey = C.baseMul(secret);
const json = (ct) => ({ alpha: C.pointToHex(ct.alpha), beta: C.pointToHex(ct.beta) });
const sealed = (m) => json(C.encrypt(publicKey, m, C.randomScalar(rng)));

const tally = { round: 1, contests: [{ contest: 'motion', ciphertexts: [sealed(3), sealed(1), sealed(0)] }] };
const rows = [sealed(1), sealed(0), sealed(0), sealed(1), sealed(1)];
const view = (fields = {}) => ({
  round: 1, encrypted_tally: tally, mixing: [],
  decryption_ciphertexts: [...tally.contests[0].ciphertexts, ...rows], ...fields,
});
const refusal = (code) => (error) => error instanceof C.VyboryError && error.code === code;

test('the vector is the tally then the mixed rows, and a share over it verifies', () => {
  const vector = decryptionVectorOf(view());
  assert.equal(vector.length, 3 + rows.length);
  assert.deepEqual(vector.map(json), [...tally.contests[0].ciphertexts, ...rows]);
  const fingerprint = new Uint8Array(32).fill(7);
  const share = C.computeShare(fingerprint, 2, secret, vector, rng);
  assert.equal(share.factors.length, vector.length);
  C.verifyShare(fingerprint, 2, publicKey, vector, share.factors, share.proof);
  // Each factor removes the key: beta / D = g^m, here the tally's 3, then a row's 1.
  assert.ok(vector[0].beta.subtract(share.factors[0]).equals(C.baseMul(3n)));
  assert.ok(vector[3].beta.subtract(share.factors[3]).equals(C.baseMul(1n)));
});

test('a round without ranked contests: the vector is the tally alone', () => {
  assert.equal(decryptionVectorOf(view({ decryption_ciphertexts: tally.contests[0].ciphertexts })).length, 3);
});

test('refused: no tally, mixes still missing, no vector, a vector that is not the tally', () => {
  assert.throws(() => decryptionVectorOf(view({ encrypted_tally: null })), refusal('no_tally'));
  assert.throws(() => decryptionVectorOf(null), refusal('no_tally'));
  assert.throws(() => decryptionVectorOf(view({ mixing: ['chair'], decryption_ciphertexts: null })),
    (e) => refusal('mixing_incomplete')(e) && /chair/.test(e.message));
  assert.throws(() => decryptionVectorOf(view({ decryption_ciphertexts: null })), refusal('no_vector'));
  assert.throws(() => decryptionVectorOf(view({ decryption_ciphertexts: rows })), refusal('not_the_tally'));
  assert.throws(() => decryptionVectorOf(view({ decryption_ciphertexts: tally.contests[0].ciphertexts.slice(0, 2) })),
    refusal('not_the_tally'));
});

test('refused: a ciphertext that is not a canonical point', () => {
  const bad = [...tally.contests[0].ciphertexts, { alpha: 'ff'.repeat(32), beta: rows[0].beta }];
  assert.throws(() => decryptionVectorOf(view({ decryption_ciphertexts: bad })),
    (e) => e instanceof C.VyboryError && /decryption_ciphertexts\[3\]/.test(e.message));
  const extra = [...tally.contests[0].ciphertexts, { ...rows[0], extra: 1 }];
  assert.throws(() => decryptionVectorOf(view({ decryption_ciphertexts: extra })), C.VyboryError);
});
