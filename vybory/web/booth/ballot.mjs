// The encrypted ballot in the browser: canonical JSON, voter credentials, encryption with every
// proof, the signature, the tracking code and the Benaloh audit, as docs/spec.md (sections on
// canonical JSON, selection layout and ballots) and vybory/protocol/encrypt.py do, byte for byte.
//
// A form is what GET /api/elections/{slug}/booth gives for one district:
//   { fingerprint: hex, round: n, public_key: hex, contests: [layout, ...] }
// where each layout has contest, method, candidates, labels, maxima and constraints
// ({indices, minimum, maximum}).

import {
  InvalidBallot, InvalidEncoding, InvalidInput,
  addCiphertexts, baseMul, ciphertextFromJson, ciphertextToJson, concat, disjunctionToJson, dlog, encrypt,
  fromHex, hashToScalar, mod, mul, pointFromHex, pointToHex, proveRange, proveZeroOne, randomScalar,
  scalarFromHex, scalarToHex, schnorrToJson, sha256Bytes, sign, systemRng, toHex, utf8,
} from './crypto.mjs';
import { msg } from './i18n.mjs';

export const BALLOT_FORMAT = 'vybory-ballot';
export const BALLOT_VERSION = 1;
export const CREDENTIAL_TAG = 'VYBORY-V1-CREDENTIAL';
export const SECRET_CHARS = 24;
const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
const MAX_SAFE = Number.MAX_SAFE_INTEGER;

// --- canonical JSON ------------------------------------------------------------------------

function compareCodePoints(a, b) {
  // Python sorts str by code point; JavaScript's default sort compares UTF-16 units.
  const x = [...a];
  const y = [...b];
  const n = Math.min(x.length, y.length);
  for (let i = 0; i < n; i++) {
    const d = x[i].codePointAt(0) - y[i].codePointAt(0);
    if (d) return d;
  }
  return x.length - y.length;
}

function writeCanonical(value, path) {
  if (value === null) return 'null';
  if (value === true) return 'true';
  if (value === false) return 'false';
  if (typeof value === 'number') {
    if (!Number.isInteger(value) || Math.abs(value) > MAX_SAFE) {
      throw new InvalidEncoding('only integers within ±(2^53 − 1) are allowed in canonical JSON', { field: path });
    }
    return String(value === 0 ? 0 : value);
  }
  if (typeof value === 'string') {
    if (!value.isWellFormed()) throw new InvalidEncoding('text with a lone surrogate', { field: path });
    return JSON.stringify(value);
  }
  if (Array.isArray(value)) return `[${value.map((v, i) => writeCanonical(v, `${path}[${i}]`)).join(',')}]`;
  if (typeof value === 'object') {
    const keys = Object.keys(value).sort(compareCodePoints);
    return `{${keys.map((k) => `${JSON.stringify(k)}:${writeCanonical(value[k], path ? `${path}.${k}` : k)}`).join(',')}}`;
  }
  throw new InvalidEncoding(`a ${typeof value} cannot be written as canonical JSON`, { field: path });
}

/** Canonical JSON (spec "Canonical JSON"): sorted keys, no white space, UTF-8, integers only. */
export function canonicalJson(value) {
  return utf8(writeCanonical(value, ''));
}

// --- credentials ----------------------------------------------------------------------------

/** The 24 characters of a printed credential, upper case, without spaces or dashes; refuses anything else. */
export function normaliseSecret(text) {
  if (typeof text !== 'string') throw new InvalidInput('must be text', { field: 'credential' });
  const cleaned = [...text.toUpperCase()].filter((ch) => !' -\t\n'.includes(ch)).join('');
  if (cleaned.length !== SECRET_CHARS) {
    throw new InvalidInput(msg('a secret credential has %(count)s letters and digits, not %(given)s',
      { count: SECRET_CHARS, given: cleaned.length }),
      { field: 'credential', code: 'credential_length' });
  }
  const bad = [...new Set([...cleaned].filter((ch) => !ALPHABET.includes(ch)))].sort();
  if (bad.length) {
    throw new InvalidInput(msg('a secret credential uses only A-Z and 2-7; found %(found)s', { found: bad.join(', ') }),
      { field: 'credential', code: 'credential_alphabet' });
  }
  return cleaned;
}

/** s = hash_to_scalar("VYBORY-V1-CREDENTIAL", normalised text), as vybory.protocol.credentials. */
export function credentialScalar(text) {
  const s = hashToScalar(utf8(CREDENTIAL_TAG), utf8(normaliseSecret(text)));
  if (s === 0n) throw new InvalidInput(msg('this credential cannot be used'), { field: 'credential' });
  return s;
}

/** The public credential g^s, hex. */
export const publicCredential = (text) => pointToHex(baseMul(credentialScalar(text)));

// --- values ---------------------------------------------------------------------------------

/** Refuses values that no proof could cover (the booth checks before it encrypts). */
export function checkValues(layout, values) {
  const field = `choices.${layout.contest}`;
  if (!Array.isArray(values) || values.length !== layout.labels.length) {
    throw new InvalidBallot(`contest ${layout.contest} needs ${layout.labels.length} values`, { field, code: 'wrong_selection_count' });
  }
  values.forEach((v, i) => {
    if (!Number.isInteger(v) || v < 0 || v > layout.maxima[i]) {
      throw new InvalidBallot(`${layout.labels[i]}: ${v} is not between 0 and ${layout.maxima[i]}`, { field, code: 'value_out_of_range' });
    }
  });
  for (const c of layout.constraints) {
    const total = c.indices.reduce((acc, i) => acc + values[i], 0);
    if (total < c.minimum || total > c.maximum) {
      throw new InvalidBallot(`contest ${layout.contest}: ${total} is not between ${c.minimum} and ${c.maximum}`,
        { field, code: 'constraint' });
    }
  }
}

// --- encryption -----------------------------------------------------------------------------

function prepareContest(layout, values, publicKey, rng) {
  checkValues(layout, values);
  const randomness = values.map(() => randomScalar(rng));
  const ciphertexts = values.map((v, i) => encrypt(publicKey, v, randomness[i]));
  return { layout, values: [...values], randomness, ciphertexts };
}

function proveContest({ layout, values, randomness, ciphertexts }, fingerprint, credential, publicKey, rng) {
  const selections = values.map((v, i) => {
    const proof = layout.maxima[i] === 1
      ? proveZeroOne(fingerprint, credential, publicKey, ciphertexts[i], v, randomness[i], rng)
      : proveRange(fingerprint, credential, publicKey, ciphertexts[i], v, randomness[i], 0, layout.maxima[i], rng);
    return { ciphertext: ciphertextToJson(ciphertexts[i]), proof: disjunctionToJson(proof) };
  });
  const rangeProofs = layout.constraints.map((c) => {
    let total = ciphertexts[c.indices[0]];
    let rTotal = randomness[c.indices[0]];
    let vTotal = values[c.indices[0]];
    for (const i of c.indices.slice(1)) {
      total = addCiphertexts(total, ciphertexts[i]);
      rTotal = mod(rTotal + randomness[i]);
      vTotal += values[i];
    }
    return disjunctionToJson(proveRange(fingerprint, credential, publicKey, total, vTotal, rTotal, c.minimum, c.maximum, rng));
  });
  return { contest: layout.contest, selections, range_proofs: rangeProofs };
}

function signBallot(form, fingerprint, s, credential, contests, rng) {
  const body = {
    format: BALLOT_FORMAT,
    version: BALLOT_VERSION,
    election: form.fingerprint,
    round: form.round,
    credential: pointToHex(credential),
    contests,
  };
  const signature = sign(fingerprint, s, canonicalJson(body), rng);
  const ballot = { ...body, signature: schnorrToJson(signature) };
  return { ballot, tracking_code: trackingCode(ballot) };
}

const secretOf = (credential) => (typeof credential === 'bigint' ? credential : credentialScalar(credential));

/**
 * The encrypted, proven and signed ballot for `valuesByContest` ({contest: [values]}) in one
 * pass, drawing in the order of vybory.protocol.encrypt.encrypt_ballot (per contest: one
 * randomness per selection, then each selection's proof, then each constraint's range proof;
 * last the signature's nonce), so that both give the same bytes from the same source.
 */
export function encryptBallot(form, secretCredential, valuesByContest, rng = systemRng) {
  const fingerprint = fromHex(form.fingerprint, 'fingerprint', 32);
  const publicKey = pointFromHex(form.public_key, 'public_key');
  const s = secretOf(secretCredential);
  const credential = baseMul(s);
  const prepared = [];
  const contests = form.contests.map((layout) => {
    const part = prepareContest(layout, valuesByContest[layout.contest], publicKey, rng);
    prepared.push(part);
    return proveContest(part, fingerprint, credential, publicKey, rng);
  });
  const { ballot, tracking_code: code } = signBallot(form, fingerprint, s, credential, contests, rng);
  return {
    ballot,
    secrets: {
      tracking_code: code,
      contests: prepared.map((p) => ({ contest: p.layout.contest, values: p.values, randomness: p.randomness.map(scalarToHex) })),
    },
  };
}

/** Hex SHA-256 of the canonical JSON of the whole ballot (signature included). */
export const trackingCode = (ballot) => toHex(sha256Bytes(canonicalJson(ballot)));

/** The encryption code: hex SHA-256 of every selection's alpha ‖ beta, contest by contest, in order. */
export function encryptionCode(contestCiphertexts) {
  return toHex(sha256Bytes(concat(...contestCiphertexts.flatMap((cts) => cts.map((ct) => concat(ct.alpha.toBytes(), ct.beta.toBytes()))))));
}

/**
 * The booth's first step: encrypts the values before anyone is identified (authentication
 * after encryption). The voter then audits (`auditInformation`) or casts (`sealBallot`).
 * The proofs bind the voter's credential (spec §4.4), so `sealBallot` makes them, from the
 * same randomness: the ciphertexts cast are the ones shown here, as the encryption code says.
 */
export function prepareBallot(form, valuesByContest, rng = systemRng) {
  const publicKey = pointFromHex(form.public_key, 'public_key');
  const contests = form.contests.map((layout) => prepareContest(layout, valuesByContest[layout.contest], publicKey, rng));
  return { form, contests, encryption_code: encryptionCode(contests.map((c) => c.ciphertexts)) };
}

/** Proves and signs a prepared ballot with the voter's credential: {ballot, tracking_code}. */
export function sealBallot(prepared, secretCredential, rng = systemRng) {
  const { form } = prepared;
  const fingerprint = fromHex(form.fingerprint, 'fingerprint', 32);
  const publicKey = pointFromHex(form.public_key, 'public_key');
  const s = secretOf(secretCredential);
  const credential = baseMul(s);
  const contests = prepared.contests.map((part) => proveContest(part, fingerprint, credential, publicKey, rng));
  return signBallot(form, fingerprint, s, credential, contests, rng);
}

/** The encryption code of a cast ballot's JSON (to compare with the one the booth showed). */
export const ballotEncryptionCode = (ballot) => encryptionCode(ballot.contests.map(
  (c, k) => c.selections.map((sel, i) => ciphertextFromJson(sel.ciphertext, `ballot.contests[${k}].selections[${i}].ciphertext`))));

/** The audit information of a prepared ballot: every selection's randomness, revealed (the ballot is then spoiled). */
export const auditInformation = (prepared) => ({
  encryption_code: prepared.encryption_code,
  contests: prepared.contests.map((c) => ({
    contest: c.layout.contest,
    ciphertexts: c.ciphertexts.map(ciphertextToJson),
    randomness: c.randomness.map(scalarToHex),
  })),
});

/**
 * Benaloh audit: for every selection, checks alpha = g^r and recovers g^m = beta / pk^r, then m
 * by a discrete log bounded by the selection's maximum. Returns {contest: [values]}.
 * Refuses (InvalidBallot, naming the selection) anything that does not open: the device lied.
 */
export function openWithRandomness(form, audit) {
  const publicKey = pointFromHex(form.public_key, 'public_key');
  const out = {};
  const opened = [];
  const layouts = new Map(form.contests.map((l) => [l.contest, l]));
  for (const [k, part] of audit.contests.entries()) {
    const layout = layouts.get(part.contest);
    if (!layout || part.ciphertexts.length !== layout.labels.length || part.randomness.length !== layout.labels.length) {
      throw new InvalidBallot(`the audit information does not match contest ${part.contest}`, { field: `audit.contests[${k}]`, code: 'audit_mismatch' });
    }
    const cts = part.ciphertexts.map((json, i) => ciphertextFromJson(json, `audit.contests[${k}].ciphertexts[${i}]`));
    opened.push(cts);
    out[part.contest] = cts.map((ct, i) => {
      const field = `audit.contests[${k}].ciphertexts[${i}]`;
      const r = scalarFromHex(part.randomness[i], `audit.contests[${k}].randomness[${i}]`);
      if (!baseMul(r).equals(ct.alpha)) {
        throw new InvalidBallot(`${layout.labels[i]}: alpha is not g^r for the revealed randomness`, { field, code: 'audit_mismatch' });
      }
      const gm = ct.beta.subtract(mul(publicKey, r));
      try {
        return Number(dlog(gm, layout.maxima[i]));
      } catch {
        throw new InvalidBallot(`${layout.labels[i]}: the ciphertext does not hold a value from 0 to ${layout.maxima[i]}`,
          { field, code: 'audit_mismatch' });
      }
    });
  }
  if (audit.encryption_code !== undefined && audit.encryption_code !== encryptionCode(opened)) {
    throw new InvalidBallot('the ciphertexts are not the ones the booth showed (encryption code differs)',
      { field: 'audit.encryption_code', code: 'audit_mismatch' });
  }
  return out;
}
