// The booth's ballot code on its own: canonical JSON, credentials, choices of every method,
// refusals before encryption, and the audit catching a device that lies.
import { test } from 'node:test';
import assert from 'node:assert/strict';

import * as C from '../../vybory/web/booth/crypto.mjs';
import {
  auditInformation, canonicalJson, checkValues, credentialScalar, normaliseSecret, openWithRandomness,
  prepareBallot, publicCredential, sealBallot, trackingCode,
} from '../../vybory/web/booth/ballot.mjs';
import { choiceToValues, valuesToChoice } from '../../vybory/web/booth/choices.mjs';

const text = (bytes) => new TextDecoder().decode(bytes);

test('canonical JSON: sorted by code point, no spaces, integers only', () => {
  assert.equal(text(canonicalJson({ b: 1, a: [true, null, 'x'], 'é': 'ü' })), '{"a":[true,null,"x"],"b":1,"é":"ü"}');
  // U+FB01 sorts after U+1F600 in UTF-16 units, before it in code points (Python's order).
  assert.equal(text(canonicalJson({ '\u{1F600}': 1, '\uFB01': 2 })), '{"\uFB01":2,"\u{1F600}":1}');
  assert.equal(text(canonicalJson({ s: 'a"b\\c\n\u0001' })), '{"s":"a\\"b\\\\c\\n\\u0001"}');
  assert.throws(() => canonicalJson({ x: 1.5 }), /integers/);
  assert.throws(() => canonicalJson({ x: 2 ** 53 }), /integers/);
  assert.throws(() => canonicalJson({ x: '\uD800' }), /surrogate/);
});

test('credentials: normalised text, refused shapes', () => {
  assert.equal(normaliseSecret('abcd-efgh ijkl-mnop-qrst-uvwx'), 'ABCDEFGHIJKLMNOPQRSTUVWX');
  assert.throws(() => normaliseSecret('ABCD'), /24 letters and digits, not 4/);
  assert.throws(() => normaliseSecret('ABCD-EFGH-IJKL-MNOP-QRST-UVW1'), /found 1/);
  assert.equal(credentialScalar('ABCD-EFGH-IJKL-MNOP-QRST-UVWX'), credentialScalar('abcdefghijklmnopqrstuvwx'));
  assert.match(publicCredential('ABCD-EFGH-IJKL-MNOP-QRST-UVWX'), /^[0-9a-f]{64}$/);
});

const mark = (method, names, min, max) => ({
  contest: method, method, candidates: names, labels: names, maxima: names.map(() => 1),
  constraints: [{ indices: names.map((_, i) => i), minimum: min, maximum: max }],
});
const NAMES = ['A', 'B', 'C'];

test('mark methods and strike-out', () => {
  const strike = mark('strikeout', NAMES, 0, 1);
  assert.deepEqual(choiceToValues(strike, ['B']), [0, 1, 0]);
  assert.deepEqual(choiceToValues(strike, []), [0, 0, 0]);
  assert.throws(() => choiceToValues(strike, ['A', 'B']), /names standing, not 2/);
  assert.throws(() => choiceToValues(strike, ['Z']), /not a candidate/);
  assert.deepEqual(valuesToChoice(strike, [0, 0, 1]), ['C']);
  const approval = mark('approval', NAMES, 0, 3);
  assert.deepEqual(choiceToValues(approval, ['A', 'C']), [1, 0, 1]);
  assert.throws(() => choiceToValues(approval, ['A', 'A']), /twice/);
});

test('for-against, motion, score, majority judgment, ranked', () => {
  const fa = { contest: 'fa', method: 'for-against', candidates: ['A', 'B'], labels: ['A:for', 'A:against', 'B:for', 'B:against'],
    maxima: [1, 1, 1, 1], constraints: [{ indices: [0, 1], minimum: 0, maximum: 1 }, { indices: [2, 3], minimum: 0, maximum: 1 }] };
  assert.deepEqual(choiceToValues(fa, { A: 'against' }), [0, 1, 0, 0]);
  assert.throws(() => choiceToValues(fa, { A: 'maybe' }), /for, against or neither/);
  assert.deepEqual(valuesToChoice(fa, [1, 0, 0, 1]), { A: 'for', B: 'against' });
  const motion = { contest: 'm', method: 'motion', candidates: [], labels: ['yes', 'no', 'abstain'], maxima: [1, 1, 1],
    constraints: [{ indices: [0, 1, 2], minimum: 1, maximum: 1 }] };
  assert.deepEqual(choiceToValues(motion, 'abstain'), [0, 0, 1]);
  assert.throws(() => choiceToValues(motion, null), /choose one/);
  const score = { contest: 's', method: 'score', candidates: ['A', 'B'], labels: ['A:0', 'A:1', 'A:2', 'B:0', 'B:1', 'B:2'],
    maxima: [1, 1, 1, 1, 1, 1], constraints: [{ indices: [0, 1, 2], minimum: 0, maximum: 1 }, { indices: [3, 4, 5], minimum: 0, maximum: 1 }] };
  assert.deepEqual(choiceToValues(score, { B: 2 }), [0, 0, 0, 0, 0, 1]);
  assert.throws(() => choiceToValues(score, { A: 3 }), /from 0 to 2/);
  assert.deepEqual(valuesToChoice(score, [0, 1, 0, 0, 0, 1]), { A: 1, B: 2 });
  const ranked = { contest: 'r', method: 'irv', candidates: ['A', 'B'], labels: ['A:1', 'A:2', 'B:1', 'B:2'], maxima: [1, 1, 1, 1],
    constraints: [{ indices: [0, 1], minimum: 0, maximum: 1 }, { indices: [2, 3], minimum: 0, maximum: 1 },
      { indices: [0, 2], minimum: 0, maximum: 1 }, { indices: [1, 3], minimum: 0, maximum: 1 }] };
  assert.deepEqual(choiceToValues(ranked, ['B', 'A']), [0, 1, 1, 0]);
  assert.deepEqual(valuesToChoice(ranked, [0, 1, 1, 0]), ['B', 'A']);
  assert.throws(() => choiceToValues(ranked, ['A', 'A']), /twice/);
});

test('values no proof could cover are refused before encryption', () => {
  const plurality = mark('plurality', NAMES, 0, 1);
  assert.throws(() => checkValues(plurality, [1, 1, 0]), /not between 0 and 1/);
  assert.throws(() => checkValues(plurality, [2, 0, 0]), /not between 0 and 1/);
  assert.throws(() => checkValues(plurality, [1, 0]), /needs 3 values/);
});

test('the audit catches ciphertexts that do not open to the values, and swapped ciphertexts', () => {
  const x = C.randomScalar(C.deterministicRng('ballot-test/key'));
  const form = { fingerprint: '11'.repeat(32), round: 1, public_key: C.pointToHex(C.baseMul(x)),
    contests: [mark('plurality', NAMES, 0, 1)] };
  const prepared = prepareBallot(form, { plurality: [0, 1, 0] }, C.deterministicRng('ballot-test/ballot'));
  const audit = auditInformation(prepared);
  assert.deepEqual(openWithRandomness(form, audit), { plurality: [0, 1, 0] });
  // A device that encrypted 1 for A while claiming randomness for 0: alpha matches, the value is wrong.
  const lie = structuredClone(audit);
  lie.contests[0].randomness[0] = lie.contests[0].randomness[1];
  assert.throws(() => openWithRandomness(form, lie), /alpha is not g\^r/);
  const swapped = structuredClone(audit);
  [swapped.contests[0].ciphertexts[0], swapped.contests[0].ciphertexts[1]] = [swapped.contests[0].ciphertexts[1], swapped.contests[0].ciphertexts[0]];
  [swapped.contests[0].randomness[0], swapped.contests[0].randomness[1]] = [swapped.contests[0].randomness[1], swapped.contests[0].randomness[0]];
  assert.throws(() => openWithRandomness(form, swapped), /encryption code differs/);
  // Sealing proves and signs the same ciphertexts; the tracking code covers the whole ballot.
  const { ballot, tracking_code: code } = sealBallot(prepared, 'ABCD-EFGH-IJKL-MNOP-QRST-UVWX', C.deterministicRng('seal'));
  assert.equal(code, trackingCode(ballot));
  assert.deepEqual(ballot.contests[0].selections.map((s) => s.ciphertext), audit.contests[0].ciphertexts);
  const fp = C.fromHex(form.fingerprint);
  const body = { ...ballot };
  delete body.signature;
  C.verifySignature(fp, C.pointFromHex(ballot.credential), canonicalJson(body), C.schnorrFromJson(ballot.signature));
  assert.throws(() => C.verifySignature(fp, C.pointFromHex(ballot.credential), canonicalJson({ ...body, round: 2 }),
    C.schnorrFromJson(ballot.signature)), C.InvalidProof);
});
