// The cryptographic core of the booth: docs/spec.md sections 1-4 and 6, byte for byte.
//
// Group arithmetic is @noble/curves' ristretto255 (RFC 9496); hashing is @noble/hashes'
// SHA-512 and SHA-256. Nothing here does curve arithmetic of its own. Names follow the spec
// and vybory/crypto/*.py: alpha, beta, commitment(s), challenge(s), response(s).
//
// Values:
//   scalar      a bigint in [0, ORDER)
//   point       a ristretto255.Point (any group element; decoding refuses what the spec refuses)
//   ciphertext  { alpha: point, beta: point }
//   bytes       a Uint8Array

import { ristretto255, ristretto255_hasher } from '@noble/curves/ed25519.js';
import { sha256, sha512 } from '@noble/hashes/sha2.js';

const Point = ristretto255.Point;

export const SPEC_VERSION = 'VYBORY-V1';
export const GROUP_NAME = 'ristretto255';
/** ℓ, the order of ristretto255. */
export const ORDER = 2n ** 252n + 27742317777372353535851937790883648493n;
export const U64_MAX = 2n ** 64n - 1n;
/** A range proof covers at most this many values (spec §4.5). */
export const MAX_RANGE_WIDTH = 256;

/** The domain tags of spec §2.4. */
export const TAGS = Object.freeze({
  KNOWLEDGE: 'VYBORY-V1-KNOWLEDGE',
  SIGNATURE: 'VYBORY-V1-SIGNATURE',
  STATEMENT: 'VYBORY-V1-STATEMENT',
  EQUAL_LOGS: 'VYBORY-V1-EQUAL-LOGS',
  ZERO_ONE: 'VYBORY-V1-ZERO-ONE',
  RANGE: 'VYBORY-V1-RANGE',
  DECRYPTION_SHARE: 'VYBORY-V1-DECRYPTION-SHARE',
  GENERATOR: 'VYBORY-V1-GENERATOR',
  DKG_COMMIT: 'VYBORY-V1-DKG-COMMIT',
  DKG_SHARE_KEY: 'VYBORY-V1-DKG-SHARE-KEY',
  SHUFFLE_WEIGHTS: 'VYBORY-V1-SHUFFLE-WEIGHTS',
  SHUFFLE: 'VYBORY-V1-SHUFFLE',
  TEST_RNG: 'VYBORY-V1-TEST-RNG',
});
const KNOWN_TAGS = new Set(Object.values(TAGS));

// --- errors ---------------------------------------------------------------------------

/** Every refusal names the field and the rule, and carries a machine-readable code. */
export class VyboryError extends Error {
  /** `message`: English words, or a message {id, params} (i18n.mjs msg) to translate later. */
  constructor(message, { field = '', code = 'error' } = {}) {
    const english = typeof message === 'object' && message !== null
      ? message.id.replace(/%\((\w+)\)s/g, (whole, name) => (name in message.params ? String(message.params[name]) : whole))
      : message;
    super(field ? `${field}: ${english}` : english);
    this.name = this.constructor.name;
    this.field = field;
    this.code = code;
    this.rule = english;
    this.words = typeof message === 'object' && message !== null ? message : null;
  }
}
export class InvalidEncoding extends VyboryError {
  constructor(message, { field = '', code = 'invalid_encoding' } = {}) { super(message, { field, code }); }
}
export class InvalidProof extends VyboryError {
  constructor(message, { field = '', code = 'invalid_proof' } = {}) { super(message, { field, code }); }
}
export class InvalidInput extends VyboryError {
  constructor(message, { field = '', code = 'invalid_input' } = {}) { super(message, { field, code }); }
}
export class InvalidBallot extends VyboryError {
  constructor(message, { field = '', code = 'invalid_ballot' } = {}) { super(message, { field, code }); }
}

// --- bytes ----------------------------------------------------------------------------

const encoder = new TextEncoder();

/** UTF-8 bytes of a string; refuses lone surrogates (they have no UTF-8 encoding). */
export function utf8(text) {
  if (typeof text !== 'string') throw new InvalidInput('expected text', { field: 'text' });
  if (!text.isWellFormed()) throw new InvalidEncoding('text with a lone surrogate has no UTF-8 encoding', { field: 'text' });
  return encoder.encode(text);
}

export function concat(...parts) {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let o = 0;
  for (const p of parts) { out.set(p, o); o += p.length; }
  return out;
}

export function equalBytes(a, b) {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i] ^ b[i];
  return diff === 0;
}

/** u32(n): 4 bytes big-endian. */
export function u32(n) {
  const v = BigInt(n);
  if (v < 0n || v > 0xffffffffn) throw new InvalidInput(`${n} does not fit an unsigned 32-bit integer`, { field: 'u32' });
  const out = new Uint8Array(4);
  new DataView(out.buffer).setUint32(0, Number(v), false);
  return out;
}

/** u64(n): 8 bytes big-endian, 0 ≤ n < 2^64. */
export function u64(n) {
  const v = BigInt(n);
  if (v < 0n || v > U64_MAX) throw new InvalidInput(`${n} does not fit an unsigned 64-bit integer`, { field: 'u64' });
  const out = new Uint8Array(8);
  new DataView(out.buffer).setBigUint64(0, v, false);
  return out;
}

/** lp(x) = u32(len(x)) ‖ x (spec §2). */
export function lp(data) {
  return concat(u32(data.length), data);
}

const HEX = '0123456789abcdef';

export function toHex(bytes) {
  let out = '';
  for (const b of bytes) out += HEX[b >> 4] + HEX[b & 15];
  return out;
}

/** Lower-case hex, even length (and `length` bytes when given); anything else is refused naming `field`. */
export function fromHex(text, field = 'hex', length = undefined) {
  if (typeof text !== 'string') throw new InvalidEncoding(`expected a hex string, got ${typeof text}`, { field });
  if (text.length % 2 || !/^[0-9a-f]*$/.test(text)) {
    throw new InvalidEncoding('expected lowercase hexadecimal digits, even length', { field });
  }
  const out = new Uint8Array(text.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(text.slice(2 * i, 2 * i + 2), 16);
  if (length !== undefined && out.length !== length) {
    throw new InvalidEncoding(`expected ${length} bytes (${2 * length} hex digits), got ${out.length}`, { field });
  }
  return out;
}

// --- scalars (spec §1.2, §1.3) ------------------------------------------------------------

export function mod(a) {
  const r = a % ORDER;
  return r < 0n ? r + ORDER : r;
}

/** The little-endian integer of a byte string. */
export function intLE(bytes) {
  let v = 0n;
  for (let i = bytes.length - 1; i >= 0; i--) v = (v << 8n) | BigInt(bytes[i]);
  return v;
}

export function scalarToBytes(s) {
  if (typeof s !== 'bigint' || s < 0n || s >= ORDER) throw new InvalidInput('a scalar must be in [0, ℓ)', { field: 'scalar' });
  const out = new Uint8Array(32);
  let v = s;
  for (let i = 0; i < 32; i++) { out[i] = Number(v & 0xffn); v >>= 8n; }
  return out;
}

export const scalarToHex = (s) => toHex(scalarToBytes(s));

/** Decode 32 bytes little-endian; refuses a wrong length or a value ≥ ℓ (no reduction). */
export function scalarFromCanonical(bytes, field = 'scalar') {
  if (!(bytes instanceof Uint8Array) || bytes.length !== 32) {
    throw new InvalidEncoding('expected 32 bytes', { field });
  }
  const v = intLE(bytes);
  if (v >= ORDER) throw new InvalidEncoding('non-canonical scalar (not below the group order ℓ)', { field });
  return v;
}

export const scalarFromHex = (text, field = 'scalar') => scalarFromCanonical(fromHex(text, field, 32), field);

/** 64 bytes read little-endian and reduced mod ℓ (hash output, random bytes). */
export function scalarFromWide(bytes) {
  if (bytes.length !== 64) throw new InvalidInput('expected 64 bytes', { field: 'scalar' });
  return intLE(bytes) % ORDER;
}

/** 1/s mod ℓ; refuses 0. */
export function inverse(s) {
  if (mod(s) === 0n) throw new InvalidInput('zero has no inverse mod ℓ', { field: 'scalar' });
  let result = 1n;
  let base = mod(s);
  let e = ORDER - 2n;
  while (e > 0n) {
    if (e & 1n) result = (result * base) % ORDER;
    base = (base * base) % ORDER;
    e >>= 1n;
  }
  return result;
}

// --- random sources (spec §1.3, §7.2) -----------------------------------------------------

/** The browser's (or node's) CSPRNG: rng(n) -> n random bytes. */
export function systemRng(n) {
  const out = new Uint8Array(n);
  for (let o = 0; o < n; o += 65536) globalThis.crypto.getRandomValues(out.subarray(o, Math.min(n, o + 65536)));
  return out;
}

/**
 * The deterministic source of spec §7.2, for tests and vectors only: NEVER in an election.
 * block_i = SHA-512(lp("VYBORY-V1-TEST-RNG") ‖ lp(seed) ‖ u64(i)). `draws` lists every request in hex.
 */
export function deterministicRng(seed) {
  const seedBytes = typeof seed === 'string' ? utf8(seed) : seed;
  let counter = 0n;
  let buffer = new Uint8Array(0);
  const draws = [];
  const rng = (n) => {
    while (buffer.length < n) {
      const block = sha512(concat(lp(utf8(TAGS.TEST_RNG)), lp(seedBytes), u64(counter)));
      buffer = concat(buffer, block);
      counter += 1n;
    }
    const out = buffer.slice(0, n);
    buffer = buffer.slice(n);
    draws.push(toHex(out));
    return out;
  };
  rng.draws = draws;
  return rng;
}

/** A uniform non-zero scalar: 64 bytes from `rng` reduced mod ℓ, drawn again if 0. */
export function randomScalar(rng = systemRng) {
  for (;;) {
    const data = rng(64);
    if (data.length !== 64) throw new InvalidInput('the random source returned the wrong number of bytes', { field: 'rng' });
    const v = intLE(data) % ORDER;
    if (v !== 0n) return v;
  }
}

// --- points (spec §1.1, §1.2) ---------------------------------------------------------------

export const G = Point.BASE;
export const IDENTITY = Point.ZERO;

/**
 * Decode 32 bytes (RFC 9496 §4.3.1); refuses a wrong length, an encoding whose last byte has
 * its top bit set, any non-canonical or invalid encoding, and the identity unless allowIdentity.
 */
export function pointFromBytes(bytes, field = 'point', { allowIdentity = false } = {}) {
  if (!(bytes instanceof Uint8Array) || bytes.length !== 32) throw new InvalidEncoding('expected 32 bytes', { field });
  if (bytes[31] & 0x80) {
    throw new InvalidEncoding('not the canonical encoding of a ristretto255 element (top bit set)', { field });
  }
  let p;
  try {
    p = Point.fromBytes(bytes);
  } catch {
    throw new InvalidEncoding('not the canonical encoding of a ristretto255 element', { field });
  }
  if (!equalBytes(p.toBytes(), bytes)) {
    throw new InvalidEncoding('not the canonical encoding of a ristretto255 element', { field });
  }
  if (!allowIdentity && p.is0()) throw new InvalidEncoding('the identity element is not allowed here', { field });
  return p;
}

export const pointFromHex = (text, field = 'point', opts = {}) => pointFromBytes(fromHex(text, field, 32), field, opts);
export const pointToBytes = (p) => p.toBytes();
export const pointToHex = (p) => toHex(p.toBytes());

/** P^s (P · s additively) for a secret scalar: constant-time multiplication; s = 0 gives the identity. */
export function mul(p, s) {
  const v = mod(s);
  return v === 0n ? IDENTITY : p.multiply(v);
}

/** P^s for public values only (verification): variable time. */
export function mulPublic(p, s) {
  return p.multiplyUnsafe(mod(s));
}

/** g^s for a secret scalar. */
export const baseMul = (s) => mul(G, s);

const SMALL_POWERS = [];
/** g^m for a public small integer m (a table of g^0..g^63, as the Python side keeps). */
export function gPower(m) {
  const v = BigInt(m);
  if (v < 0n || v >= ORDER) throw new InvalidInput('a message must be an integer in [0, ℓ)', { field: 'message' });
  if (v < 64n) {
    if (!SMALL_POWERS.length) {
      let acc = IDENTITY;
      for (let i = 0; i < 64; i++) { SMALL_POWERS.push(acc); acc = acc.add(G); }
    }
    return SMALL_POWERS[Number(v)];
  }
  return G.multiplyUnsafe(v);
}

// --- hashing (spec §2) ---------------------------------------------------------------------

/** int_le(SHA-512(lp(p_1) ‖ … ‖ lp(p_n))) mod ℓ (spec §2.1). */
export function hashToScalar(...parts) {
  const h = sha512.create();
  for (const part of parts) h.update(lp(part));
  return intLE(h.digest()) % ORDER;
}

/** An independent generator derived from a label (spec §2.3). */
export function hashToPoint(label) {
  const t = new Transcript(TAGS.GENERATOR, new Uint8Array(0));
  t.bytes('label', label);
  return pointFromUniformBytes(t.digest());
}

/** RFC 9496 §4.3.4 element derivation from 64 uniform bytes (libsodium's from_hash). */
export function pointFromUniformBytes(bytes) {
  if (!(bytes instanceof Uint8Array) || bytes.length !== 64) throw new InvalidInput('expected 64 bytes', { field: 'bytes' });
  return ristretto255_hasher.deriveToCurve(bytes);
}

/** SHA-256 (tracking codes, the bundle's pin). */
export const sha256Bytes = (data) => sha256(data);
export const sha512Bytes = (data) => sha512(data);

/**
 * The running hash of one proof's statement and commitments (spec §2.2):
 * lp(tag) ‖ lp("VYBORY-V1") ‖ lp("ristretto255") ‖ lp(fingerprint) ‖ lp(label) ‖ lp(value) ‖ …
 */
export class Transcript {
  constructor(tag, fingerprint) {
    if (!KNOWN_TAGS.has(tag)) throw new InvalidInput(`unregistered domain tag ${tag}`, { field: 'tag' });
    if (!(fingerprint instanceof Uint8Array)) throw new InvalidInput('the election fingerprint must be bytes', { field: 'fingerprint' });
    this.hash = sha512.create();
    for (const part of [utf8(tag), utf8(SPEC_VERSION), utf8(GROUP_NAME), fingerprint]) this.hash.update(lp(part));
  }

  /** Appends lp(label) ‖ lp(value) for a value already encoded as bytes. */
  bytes(label, value) {
    this.hash.update(lp(utf8(label)));
    this.hash.update(lp(value));
    return this;
  }

  text(label, value) { return this.bytes(label, utf8(value)); }
  u64(label, value) { return this.bytes(label, u64(value)); }
  point(label, value) { return this.bytes(label, value.toBytes()); }
  scalar(label, value) { return this.bytes(label, scalarToBytes(value)); }
  ciphertext(label, value) { return this.bytes(label, concat(value.alpha.toBytes(), value.beta.toBytes())); }

  /** The 64-byte digest of everything so far (the transcript can go on). */
  digest() { return this.hash.clone().digest(); }

  /** int_le(digest) mod ℓ. */
  challenge() { return intLE(this.digest()) % ORDER; }
}

// --- exponential ElGamal (spec §3) ---------------------------------------------------------

/** Enc(pk, m; r) = (g^r, pk^r · g^m). */
export function encrypt(publicKey, message, randomness) {
  return { alpha: baseMul(randomness), beta: mul(publicKey, randomness).add(gPower(message)) };
}

/** Component-wise product: Enc(m1) · Enc(m2) = Enc(m1 + m2). */
export function addCiphertexts(a, b) {
  return { alpha: a.alpha.add(b.alpha), beta: a.beta.add(b.beta) };
}

/** (alpha^w, beta^w) = Enc(w · m) for a public integer weight w. */
export function scaleCiphertext(c, weight) {
  return { alpha: mulPublic(c.alpha, BigInt(weight)), beta: mulPublic(c.beta, BigInt(weight)) };
}

/** (alpha · g^s, beta · pk^s). */
export function rerandomise(publicKey, c, s) {
  return { alpha: c.alpha.add(baseMul(s)), beta: c.beta.add(mul(publicKey, s)) };
}

/** g^m = beta / alpha^x. */
export function decryptToPoint(secretKey, c) {
  return c.beta.subtract(mul(c.alpha, secretKey));
}

export const zeroCiphertext = () => ({ alpha: IDENTITY, beta: IDENTITY });

export const ciphertextEquals = (a, b) => a.alpha.equals(b.alpha) && a.beta.equals(b.beta);

export const ciphertextToJson = (c) => ({ alpha: pointToHex(c.alpha), beta: pointToHex(c.beta) });

export const ciphertextToBytes = (c) => concat(c.alpha.toBytes(), c.beta.toBytes());

/** Decode {"alpha": hex, "beta": hex}, exactly these keys; identity refused unless allowIdentity. */
export function ciphertextFromJson(obj, field = 'ciphertext', { allowIdentity = false } = {}) {
  expectKeys(obj, ['alpha', 'beta'], field);
  return {
    alpha: pointFromHex(obj.alpha, `${field}.alpha`, { allowIdentity }),
    beta: pointFromHex(obj.beta, `${field}.beta`, { allowIdentity }),
  };
}

/** ⌊√n⌋ for a bigint n ≥ 0 (Newton's method). */
export function isqrt(n) {
  if (n < 2n) return n;
  let x = n;
  let y = (x + 1n) >> 1n;
  while (y < x) { x = y; y = (x + n / x) >> 1n; }
  return x;
}

/**
 * The m in [0, bound] with g^m = P (spec §3.4, baby-step giant-step); refused when there is none.
 * The booth only needs small bounds (an audit, a test); the table holds at most 2^16 entries here.
 */
export function dlog(p, bound) {
  const b = BigInt(bound);
  if (b < 0n || b >= ORDER) throw new InvalidInput('the bound must be an integer in [0, ℓ)', { field: 'bound' });
  let t = isqrt(b) + 1n;
  if (t > 65536n) t = 65536n;
  const table = new Map();
  let acc = IDENTITY;
  for (let i = 0n; i < t; i++) {
    const key = pointToHex(acc);
    if (!table.has(key)) table.set(key, i);
    acc = acc.add(G);
  }
  const giant = IDENTITY.subtract(mulPublic(G, t));
  let current = p;
  for (let j = 0n; j <= b / t; j++) {
    const i = table.get(pointToHex(current));
    if (i !== undefined && j * t + i <= b) return j * t + i;
    current = current.add(giant);
  }
  throw new InvalidInput(`no m in [0, ${bound}] with g^m equal to this point (the plaintext is out of bounds)`, {
    field: 'plaintext', code: 'dlog_not_found',
  });
}

// --- JSON shapes -----------------------------------------------------------------------------

/** Refuses anything but a plain object with exactly `keys`. */
export function expectKeys(obj, keys, field) {
  if (obj === null || typeof obj !== 'object' || Array.isArray(obj)) {
    throw new InvalidEncoding(`expected an object with exactly the keys ${keys.map((k) => `"${k}"`).join(', ')}`, { field });
  }
  const have = Object.keys(obj).sort();
  const want = [...keys].sort();
  if (have.length !== want.length || have.some((k, i) => k !== want[i])) {
    throw new InvalidEncoding(`expected an object with exactly the keys ${keys.map((k) => `"${k}"`).join(', ')}`, { field });
  }
  return obj;
}

export function expectList(obj, field, length = undefined) {
  if (!Array.isArray(obj) || (length !== undefined && obj.length !== length)) {
    throw new InvalidEncoding(`expected a list${length !== undefined ? ` of ${length} items` : ''}`, { field });
  }
  return obj;
}

// --- §4.1 Schnorr proof of knowledge, §4.2 signature ---------------------------------------

function knowledgeTranscript(fingerprint, publicPoint, purpose, commitment) {
  return new Transcript(TAGS.KNOWLEDGE, fingerprint).text('purpose', purpose).point('public', publicPoint)
    .point('commitment', commitment);
}

/** Proof of knowledge of `secret` = log_g(`publicPoint`), for a stated purpose. */
export function proveKnowledge(fingerprint, secret, publicPoint, purpose, rng = systemRng) {
  if (!baseMul(secret).equals(publicPoint)) throw new InvalidInput('the secret does not match the public key', { field: 'secret' });
  const w = randomScalar(rng);
  const commitment = baseMul(w);
  const c = knowledgeTranscript(fingerprint, publicPoint, purpose, commitment).challenge();
  return { commitment, response: mod(w + c * secret) };
}

export function verifyKnowledge(fingerprint, publicPoint, proof, purpose) {
  const c = knowledgeTranscript(fingerprint, publicPoint, purpose, proof.commitment).challenge();
  if (!mulPublic(G, proof.response).equals(proof.commitment.add(mulPublic(publicPoint, c)))) {
    throw new InvalidProof(`proof of knowledge (${purpose}) does not verify`, { field: 'proof' });
  }
}

function signatureTranscript(fingerprint, credential, message, commitment) {
  return new Transcript(TAGS.SIGNATURE, fingerprint).point('credential', credential).bytes('message', message)
    .point('commitment', commitment);
}

/** Schnorr signature on `message` (bytes) by the secret credential s (public credential g^s). */
export function sign(fingerprint, secretCredential, message, rng = systemRng) {
  const credential = baseMul(secretCredential);
  const w = randomScalar(rng);
  const commitment = baseMul(w);
  const c = signatureTranscript(fingerprint, credential, message, commitment).challenge();
  return { commitment, response: mod(w + c * secretCredential) };
}

export function verifySignature(fingerprint, credential, message, signature) {
  const c = signatureTranscript(fingerprint, credential, message, signature.commitment).challenge();
  if (!mulPublic(G, signature.response).equals(signature.commitment.add(mulPublic(credential, c)))) {
    throw new InvalidProof('the signature does not verify under this credential', { field: 'signature' });
  }
}

function identityStatementTranscript(fingerprint, publicKey, signer, kind, message, commitment) {
  return new Transcript(TAGS.STATEMENT, fingerprint).bytes('signer', utf8(signer)).point('public', publicKey)
    .bytes('kind', utf8(kind)).bytes('message', message).point('commitment', commitment);
}

/** Statement signature (spec §4.7) by a signer's identity key on what it states in a board event. */
export function signStatement(fingerprint, secret, signer, kind, message, rng = systemRng) {
  const publicKey = baseMul(secret);
  const w = randomScalar(rng);
  const commitment = baseMul(w);
  const c = identityStatementTranscript(fingerprint, publicKey, signer, kind, message, commitment).challenge();
  return { commitment, response: mod(w + c * secret) };
}

export const schnorrToJson = (p) => ({ commitment: pointToHex(p.commitment), response: scalarToHex(p.response) });
export const schnorrToBytes = (p) => concat(p.commitment.toBytes(), scalarToBytes(p.response));

export function schnorrFromJson(obj, field = 'proof') {
  expectKeys(obj, ['commitment', 'response'], field);
  return {
    commitment: pointFromHex(obj.commitment, `${field}.commitment`, { allowIdentity: true }),
    response: scalarFromHex(obj.response, `${field}.response`),
  };
}

// --- §4.3 Chaum–Pedersen ---------------------------------------------------------------------

function equalLogsTranscript(fingerprint, purpose, g1, h1, g2, h2, a1, a2) {
  return new Transcript(TAGS.EQUAL_LOGS, fingerprint).text('purpose', purpose).point('g1', g1).point('h1', h1)
    .point('g2', g2).point('h2', h2).point('a1', a1).point('a2', a2);
}

/** Proof that log_{g1}(h1) = log_{g2}(h2) = secret. */
export function proveEqualLogs(fingerprint, secret, g1, h1, g2, h2, purpose, rng = systemRng) {
  if (!mul(g1, secret).equals(h1) || !mul(g2, secret).equals(h2)) {
    throw new InvalidInput('the secret is not the common logarithm', { field: 'secret' });
  }
  const w = randomScalar(rng);
  const a1 = mul(g1, w);
  const a2 = mul(g2, w);
  const c = equalLogsTranscript(fingerprint, purpose, g1, h1, g2, h2, a1, a2).challenge();
  return { commitments: [a1, a2], response: mod(w + c * secret) };
}

export function verifyEqualLogs(fingerprint, g1, h1, g2, h2, proof, purpose) {
  const [a1, a2] = proof.commitments;
  const c = equalLogsTranscript(fingerprint, purpose, g1, h1, g2, h2, a1, a2).challenge();
  if (!mulPublic(g1, proof.response).equals(a1.add(mulPublic(h1, c)))) {
    throw new InvalidProof(`equality of logarithms (${purpose}): first equation fails`, { field: 'proof' });
  }
  if (!mulPublic(g2, proof.response).equals(a2.add(mulPublic(h2, c)))) {
    throw new InvalidProof(`equality of logarithms (${purpose}): second equation fails`, { field: 'proof' });
  }
}

export const equalLogsToJson = (p) => ({ commitments: p.commitments.map(pointToHex), response: scalarToHex(p.response) });
export const equalLogsToBytes = (p) => concat(...p.commitments.map((a) => a.toBytes()), scalarToBytes(p.response));

export function equalLogsFromJson(obj, field = 'proof') {
  expectKeys(obj, ['commitments', 'response'], field);
  const items = expectList(obj.commitments, `${field}.commitments`, 2);
  return {
    commitments: items.map((h, i) => pointFromHex(h, `${field}.commitments[${i}]`, { allowIdentity: true })),
    response: scalarFromHex(obj.response, `${field}.response`),
  };
}

// --- §4.4-4.5 disjunctive proofs: 0/1 and range ---------------------------------------------

function statementTranscript(tag, fingerprint, credential, publicKey, ciphertext) {
  return new Transcript(tag, fingerprint).point('credential', credential).point('public_key', publicKey)
    .point('alpha', ciphertext.alpha).point('beta', ciphertext.beta);
}

function proveDisjunction(t, publicKey, ciphertext, low, high, message, randomness, rng) {
  const { alpha, beta } = ciphertext;
  const commitments = [];
  const challenges = [];
  const responses = [];
  let w = null;
  for (let v = low; v <= high; v++) {
    if (v === message) {
      w = randomScalar(rng);
      commitments.push([baseMul(w), mul(publicKey, w)]);
      challenges.push(null);
      responses.push(null);
    } else {
      const c = randomScalar(rng);
      const z = randomScalar(rng);
      const betaV = v ? beta.subtract(gPower(v)) : beta;
      const minusC = mod(-c);
      commitments.push([baseMul(z).add(mul(alpha, minusC)), mul(publicKey, z).add(mul(betaV, minusC))]);
      challenges.push(c);
      responses.push(z);
    }
  }
  for (const [a, b] of commitments) t.point('A', a).point('B', b);
  const total = t.challenge();
  const real = message - low;
  let others = 0n;
  for (const c of challenges) if (c !== null) others += c;
  const cReal = mod(total - others);
  challenges[real] = cReal;
  responses[real] = mod(w + cReal * randomness);
  return { commitments, challenges, responses };
}

function verifyDisjunction(t, publicKey, ciphertext, low, high, proof, what) {
  const n = high - low + 1;
  if (proof.commitments.length !== n || proof.challenges.length !== n || proof.responses.length !== n) {
    throw new InvalidProof(`${what}: expected ${n} branches`, { field: 'proof' });
  }
  for (const [a, b] of proof.commitments) t.point('A', a).point('B', b);
  let sum = 0n;
  for (const c of proof.challenges) sum += c;
  if (mod(sum) !== t.challenge()) {
    throw new InvalidProof(`${what}: the challenges do not add up to the transcript challenge`, { field: 'proof.challenges' });
  }
  const { alpha, beta } = ciphertext;
  for (let i = 0; i < n; i++) {
    const v = low + i;
    const [a, b] = proof.commitments[i];
    const c = proof.challenges[i];
    const z = proof.responses[i];
    if (!mulPublic(G, z).equals(a.add(mulPublic(alpha, c)))) {
      throw new InvalidProof(`${what}: branch ${v}, equation on alpha fails`, { field: `proof.branch[${i}]` });
    }
    const betaV = v ? beta.subtract(gPower(v)) : beta;
    if (!mulPublic(publicKey, z).equals(b.add(mulPublic(betaV, c)))) {
      throw new InvalidProof(`${what}: branch ${v}, equation on beta fails`, { field: `proof.branch[${i}]` });
    }
  }
}

function checkMessage(message, low, high) {
  if (!Number.isInteger(message) || message < low || message > high) {
    throw new InvalidInput(`the message is not in [${low}, ${high}]`, { field: 'message' });
  }
}

function checkBounds(low, high) {
  if (!Number.isSafeInteger(low) || !Number.isSafeInteger(high) || low < 0 || low > high) {
    throw new InvalidInput('the range needs integers 0 ≤ low ≤ high < 2^64', { field: 'range' });
  }
  if (high - low + 1 > MAX_RANGE_WIDTH) {
    throw new InvalidInput(`a range proof covers at most ${MAX_RANGE_WIDTH} values`, { field: 'range' });
  }
}

/**
 * Proof that `ciphertext` = Enc(pk, message; randomness) with message ∈ {0, 1} (spec §4.4).
 * Draws, branches in ascending v: for v ≠ message, c then z; for v = message, w.
 */
export function proveZeroOne(fingerprint, credential, publicKey, ciphertext, message, randomness, rng = systemRng) {
  checkMessage(message, 0, 1);
  const t = statementTranscript(TAGS.ZERO_ONE, fingerprint, credential, publicKey, ciphertext);
  return proveDisjunction(t, publicKey, ciphertext, 0, 1, message, randomness, rng);
}

export function verifyZeroOne(fingerprint, credential, publicKey, ciphertext, proof) {
  const t = statementTranscript(TAGS.ZERO_ONE, fingerprint, credential, publicKey, ciphertext);
  verifyDisjunction(t, publicKey, ciphertext, 0, 1, proof, '0/1 proof');
}

/** Proof that `ciphertext` = Enc(pk, message; randomness) with low ≤ message ≤ high (spec §4.5). */
export function proveRange(fingerprint, credential, publicKey, ciphertext, message, randomness, low, high, rng = systemRng) {
  checkBounds(low, high);
  checkMessage(message, low, high);
  const t = statementTranscript(TAGS.RANGE, fingerprint, credential, publicKey, ciphertext).u64('low', low).u64('high', high);
  return proveDisjunction(t, publicKey, ciphertext, low, high, message, randomness, rng);
}

export function verifyRange(fingerprint, credential, publicKey, ciphertext, low, high, proof) {
  checkBounds(low, high);
  const t = statementTranscript(TAGS.RANGE, fingerprint, credential, publicKey, ciphertext).u64('low', low).u64('high', high);
  verifyDisjunction(t, publicKey, ciphertext, low, high, proof, `range proof [${low}, ${high}]`);
}

export const disjunctionToJson = (p) => ({
  commitments: p.commitments.map(([a, b]) => [pointToHex(a), pointToHex(b)]),
  challenges: p.challenges.map(scalarToHex),
  responses: p.responses.map(scalarToHex),
});

export const disjunctionToBytes = (p) => concat(...p.commitments.flatMap(([a, b], i) => [
  a.toBytes(), b.toBytes(), scalarToBytes(p.challenges[i]), scalarToBytes(p.responses[i]),
]));

export function disjunctionFromJson(obj, field = 'proof') {
  expectKeys(obj, ['commitments', 'challenges', 'responses'], field);
  const commitments = expectList(obj.commitments, `${field}.commitments`);
  const n = commitments.length;
  if (n < 1 || n > MAX_RANGE_WIDTH) throw new InvalidEncoding(`expected 1 to ${MAX_RANGE_WIDTH} branches`, { field: `${field}.commitments` });
  const challenges = expectList(obj.challenges, `${field}.challenges`, n);
  const responses = expectList(obj.responses, `${field}.responses`, n);
  return {
    commitments: commitments.map((item, i) => {
      const [a, b] = expectList(item, `${field}.commitments[${i}]`, 2);
      return [
        pointFromHex(a, `${field}.commitments[${i}][0]`, { allowIdentity: true }),
        pointFromHex(b, `${field}.commitments[${i}][1]`, { allowIdentity: true }),
      ];
    }),
    challenges: challenges.map((h, i) => scalarFromHex(h, `${field}.challenges[${i}]`)),
    responses: responses.map((h, i) => scalarFromHex(h, `${field}.responses[${i}]`)),
  };
}

// --- §4.6 decryption-share proof, §6 threshold decryption ------------------------------------

function shareTranscript(fingerprint, trustee, verificationKey, ciphertexts, factors) {
  const t = new Transcript(TAGS.DECRYPTION_SHARE, fingerprint).u64('trustee', trustee)
    .point('verification_key', verificationKey).u64('count', ciphertexts.length);
  ciphertexts.forEach((ct, i) => { t.ciphertext('ciphertext', ct).point('factor', factors[i]); });
  return t;
}

/**
 * A trustee's decryption share of a vector of ciphertexts (spec §6.1): the factors
 * D_t = alpha_t^x and one proof (§4.6). Draws one scalar, w.
 */
export function computeShare(fingerprint, trustee, secretShare, ciphertexts, rng = systemRng) {
  if (!ciphertexts.length) throw new InvalidInput('one factor per ciphertext, at least one', { field: 'factors' });
  const verificationKey = baseMul(secretShare);
  const factors = ciphertexts.map((ct) => mul(ct.alpha, secretShare));
  return { trustee, factors, proof: proveShare(fingerprint, trustee, secretShare, verificationKey, ciphertexts, factors, rng) };
}

export function proveShare(fingerprint, trustee, secretShare, verificationKey, ciphertexts, factors, rng = systemRng) {
  if (ciphertexts.length !== factors.length || !ciphertexts.length) {
    throw new InvalidInput('one factor per ciphertext, at least one', { field: 'factors' });
  }
  const t = shareTranscript(fingerprint, trustee, verificationKey, ciphertexts, factors);
  const w = randomScalar(rng);
  const commitments = [baseMul(w), ...ciphertexts.map((ct) => mul(ct.alpha, w))];
  for (const a of commitments) t.point('commitment', a);
  const c = t.challenge();
  return { commitments, response: mod(w + c * secretShare) };
}

export function verifyShare(fingerprint, trustee, verificationKey, ciphertexts, factors, proof) {
  const m = ciphertexts.length;
  if (factors.length !== m || proof.commitments.length !== m + 1 || m === 0) {
    throw new InvalidProof(`trustee ${trustee}: expected ${m} factors and ${m + 1} commitments`, { field: 'share' });
  }
  const t = shareTranscript(fingerprint, trustee, verificationKey, ciphertexts, factors);
  for (const a of proof.commitments) t.point('commitment', a);
  const c = t.challenge();
  const z = proof.response;
  if (!mulPublic(G, z).equals(proof.commitments[0].add(mulPublic(verificationKey, c)))) {
    throw new InvalidProof(`trustee ${trustee}: the proof does not match the verification key`, { field: 'share.proof' });
  }
  ciphertexts.forEach((ct, i) => {
    if (!mulPublic(ct.alpha, z).equals(proof.commitments[i + 1].add(mulPublic(factors[i], c)))) {
      throw new InvalidProof(`trustee ${trustee}: factor ${i} is not alpha^x`, { field: `share.factors[${i}]` });
    }
  });
}

export const shareProofToJson = (p) => ({ commitments: p.commitments.map(pointToHex), response: scalarToHex(p.response) });
export const shareProofToBytes = (p) => concat(...p.commitments.map((a) => a.toBytes()), scalarToBytes(p.response));

export function shareProofFromJson(obj, field = 'proof') {
  expectKeys(obj, ['commitments', 'response'], field);
  const items = expectList(obj.commitments, `${field}.commitments`);
  if (items.length < 2) throw new InvalidEncoding('expected at least 2 commitments', { field: `${field}.commitments` });
  return {
    commitments: items.map((h, i) => pointFromHex(h, `${field}.commitments[${i}]`, { allowIdentity: true })),
    response: scalarFromHex(obj.response, `${field}.response`),
  };
}

/** The JSON of a decryption share (spec §6.1): {"trustee", "factors", "proof"}. */
export const shareToJson = (share) => ({
  trustee: share.trustee,
  factors: share.factors.map(pointToHex),
  proof: shareProofToJson(share.proof),
});

/** λ_j = Π_{l∈S, l≠j} l / (l − j) mod ℓ (spec §6.3). */
export function lagrange(indices, j) {
  let num = 1n;
  let den = 1n;
  for (const l of indices) {
    if (l === j) continue;
    num = (num * BigInt(l)) % ORDER;
    den = mod(den * BigInt(l - j));
  }
  return mod(num * inverse(den));
}

/**
 * Combines k shares (spec §6.3): for each ciphertext, g^{m_t} = beta_t / Π D_{j,t}^{λ_j},
 * then m_t = dlog(g^{m_t}, bound). `shares` are {trustee, factors} already checked.
 */
export function combineShares(ciphertexts, shares, bound) {
  const indices = shares.map((s) => s.trustee);
  const lambdas = shares.map((s) => lagrange(indices, s.trustee));
  return ciphertexts.map((ct, t) => {
    let m = IDENTITY;
    shares.forEach((s, i) => { m = m.add(mulPublic(s.factors[t], lambdas[i])); });
    return dlog(ct.beta.subtract(m), bound);
  });
}
