// The trustee's decryption in the browser (docs/spec.md §4.6, §6.1).
//
// The trustee opens their key file from their own disk (FileReader: it is never uploaded);
// the page fetches the round's decryption vector (the encrypted tally, then the last mixed rows
// of each ranked contest: decryption.mjs), computes the decryption factors D_t = alpha_t^x with
// one proof, checks the share against the trustee's verification key on the board, and posts
// only the share. The secret share stays in this page's memory until it is closed.

import {
  InvalidEncoding, InvalidInput, InvalidProof, VyboryError, baseMul, computeShare, fromHex, pointFromHex, scalarFromHex, schnorrToJson, shareToJson,
  signStatement, verifyShare,
} from './crypto.mjs';
import { canonicalJson } from './ballot.mjs';
import { decryptionVectorOf } from './decryption.mjs';
import { loadMessages, render, t } from './i18n.mjs';

const root = document.getElementById('trustee-decrypt');
const { election: slug, fingerprint, csrf } = root.dataset;
const round = Number(root.dataset.round);
const trustee = Number(root.dataset.trustee);
const verificationKey = root.dataset.verificationKey;
const form = document.getElementById('key-form');
const fileInput = document.getElementById('key-file');
const statusLine = document.getElementById('decrypt-status');
const alertBox = document.getElementById('decrypt-error');
const result = document.getElementById('decrypt-result');

let pending = null; // the share computed and checked, waiting to be posted

function say(text) { statusLine.textContent = text; }
function fail(text) { alertBox.textContent = text; alertBox.hidden = !text; }
// The page's own refusals are written with t(); the decoders' and proofs' (crypto.mjs) are not,
// so they are told by kind, naming the value, in the page's language.
const words = (error) => {
  const field = (error && error.field) || '?';
  if (error instanceof InvalidEncoding) return t('The value %(field)s does not decode as it must; nothing was sent.', { field });
  if (error instanceof InvalidProof) return t('A proof (%(field)s) does not verify; nothing was sent.', { field });
  if (error instanceof InvalidInput) return t('The value %(field)s is not acceptable; nothing was sent.', { field });
  if (error instanceof VyboryError) return error.rule;
  return t('The page could not finish: %(detail)s', { detail: (error && error.message) || String(error) });
};
/** A server's refusal in the page's language (its `words`), else as the server worded it. */
const refusal = (body, response) => (body && body.words ? render(body.words) : (body && body.message) || response.statusText);

function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === 'text') el.textContent = value;
    else if (key === 'class') el.className = value;
    else if (key.startsWith('on')) el.addEventListener(key.slice(2), value);
    else el.setAttribute(key, String(value));
  }
  for (const child of children.flat()) if (child) el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  return el;
}

/**
 * The secret share of a key file: the file `vybory trustee` writes ({"format": "vybory-trustee-key",
 * "fingerprint", "secrets": {…}}) or the bare secrets of spec §5.1. Returns {trustee, secretShare,
 * fingerprint (hex or null)}.
 */
export function secretShareOf(text) {
  let obj;
  try {
    obj = JSON.parse(text);
  } catch {
    throw new VyboryError(t('This file is not a vybory key file (it is not JSON).'), { field: 'key_file', code: 'not_json' });
  }
  const secrets = obj && typeof obj === 'object' && 'secret_share' in obj ? obj : obj && obj.secrets;
  if (!secrets || typeof secrets !== 'object' || !('secret_share' in secrets) || !('trustee' in secrets)) {
    throw new VyboryError(t('This file is not a vybory key file (no trustee and secret share).'), { field: 'key_file', code: 'not_a_key_file' });
  }
  if (secrets.secret_share === null) {
    throw new VyboryError(t('This key file has no secret share yet: finish the key ceremony first.'), { field: 'secret_share', code: 'no_secret_share' });
  }
  const fingerprintHex = obj && typeof obj.fingerprint === 'string' ? obj.fingerprint : null;
  if (!secrets.signing_secret) {
    throw new VyboryError(t('This key file holds no identity key: make it again with `vybory trustee init` and keygen.'), { field: 'signing_secret', code: 'no_identity_key' });
  }
  return {
    trustee: secrets.trustee,
    secretShare: scalarFromHex(secrets.secret_share, 'key_file.secret_share'),
    signingSecret: scalarFromHex(secrets.signing_secret, 'key_file.signing_secret'),
    fingerprint: fingerprintHex,
  };
}

function readFile(file) {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(String(reader.result));
    reader.onerror = () => reject(reader.error);
    reader.readAsText(file);
  });
}

async function compute(event) {
  event.preventDefault();
  fail('');
  result.replaceChildren();
  pending = null;
  const file = fileInput.files && fileInput.files[0];
  if (!file) {
    fail(t('Choose your key file first.'));
    fileInput.focus();
    return;
  }
  try {
    say(t('Reading your key file (in this browser only)…'));
    const text = await readFile(file);
    form.reset(); // the page keeps no reference to the file
    let { trustee: index, secretShare, signingSecret, fingerprint: fileElection } = secretShareOf(text);
    if (fileElection !== null && fileElection !== fingerprint) {
      throw new VyboryError(t('This key file belongs to another election.'), { field: 'key_file.fingerprint', code: 'wrong_election' });
    }
    if (index !== trustee) {
      throw new VyboryError(t('This key file is trustee %(file)s\'s; you are logged in as trustee %(you)s.', { file: index, you: trustee }),
        { field: 'key_file.trustee', code: 'wrong_trustee' });
    }
    const X = pointFromHex(verificationKey, 'verification_key');
    if (!baseMul(secretShare).equals(X)) {
      throw new VyboryError(t('This key file does not match your verification key on the board.'), { field: 'key_file', code: 'wrong_key' });
    }
    say(t('Fetching the encrypted tally…'));
    const response = await fetch(`/api/elections/${encodeURIComponent(slug)}/tally/${round}`, { credentials: 'same-origin' });
    const view = await response.json();
    if (!response.ok) throw new VyboryError(refusal(view, response), { field: 'tally', code: view.code || 'refused' });
    const ciphertexts = decryptionVectorOf(view);
    say(t('Computing your decryption share…'));
    await new Promise((resolve) => setTimeout(resolve, 20));
    const fp = fromHex(fingerprint, 'fingerprint', 32);
    const share = computeShare(fp, trustee, secretShare, ciphertexts);
    secretShare = null;
    verifyShare(fp, trustee, X, ciphertexts, share.factors, share.proof);
    const body = { round, trustee, share: shareToJson(share) };
    // Signed with the trustee's identity key (spec §10.5) over the kind and the payload without `at`.
    const signer = `trustee/${trustee}`;
    const message = canonicalJson({ kind: 'decryption_share', payload: body });
    const signature = signStatement(fp, signingSecret, signer, 'decryption_share', message);
    signingSecret = null;
    pending = { ...body, signed: { signer, ...schnorrToJson(signature) } };
    say('');
    result.replaceChildren(
      h('p', { id: 'share-ready', class: 'notice', role: 'status',
        text: t('Your decryption share is ready: %(count)s factors with one proof, checked against your verification key. Your key file was not sent anywhere.', { count: ciphertexts.length }) }),
      h('details', {}, h('summary', { text: t('The share that will be posted') }),
        h('pre', { class: 'json', text: JSON.stringify(pending, null, 2) })),
      h('button', { type: 'button', id: 'post-share', text: t('Post my decryption share'), onclick: post }));
    document.getElementById('post-share').focus();
  } catch (error) {
    say('');
    fail(words(error));
  }
}

async function post(event) {
  event.target.disabled = true;
  say(t('Posting your decryption share…'));
  try {
    const response = await fetch(`/api/elections/${encodeURIComponent(slug)}/shares`, {
      method: 'POST', credentials: 'same-origin',
      headers: { 'content-type': 'application/json', 'x-csrf-token': csrf },
      body: JSON.stringify({ payload: pending }),
    });
    const body = await response.json();
    say('');
    if (!response.ok) {
      event.target.disabled = false;
      fail(`${t('The share was refused:')} ${refusal(body, response)}`);
      return;
    }
    pending = null;
    const where = body.posted && body.posted[0] ? body.posted[0].position : '';
    result.replaceChildren(h('p', { id: 'share-posted', class: 'notice', role: 'status', tabindex: '-1',
      text: t('Your decryption share is on the board (position %(position)s). Thank you.', { position: where }) }));
    document.getElementById('share-posted').focus();
  } catch (error) {
    say('');
    event.target.disabled = false;
    fail(words(error));
  }
}

loadMessages(document.documentElement.lang).then(() => {
  form.addEventListener('submit', compute);
  root.dataset.ready = 'yes';
});

