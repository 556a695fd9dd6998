// The voting booth: choose, review, encrypt, then audit (Benaloh challenge) or cast.
//
// The voter is identified only when casting: the booth encrypts first, with nothing but the
// election's public data (GET /api/elections/{slug}/booth), so the server cannot serve a
// different booth to a chosen voter. Casting asks for the printed credential, derives its key
// in the browser (vybory.protocol.credentials), proves and signs, and posts the ballot.
// The credential never leaves the browser; the server only sees the signed, encrypted ballot.

import { VyboryError } from './crypto.mjs';
import {
  auditInformation, ballotEncryptionCode, normaliseSecret, openWithRandomness, prepareBallot, publicCredential,
  sealBallot,
} from './ballot.mjs';
import {
  MARK_METHODS, MOTION_CHOICES, choiceToValues, isRanked, rankCount, scaleOf, valuesToChoice,
} from './choices.mjs';
import { loadMessages, render, t } from './i18n.mjs';

const root = document.getElementById('booth');
const app = document.getElementById('booth-app');
const statusLine = document.getElementById('booth-status');
const alertBox = document.getElementById('booth-error');
const slug = root.dataset.election;

const booth = {
  view: null, // GET /api/elections/{slug}/booth
  district: null, // the district chosen
  form: null, // {fingerprint, round, public_key, contests}
  choices: {}, // contest -> method-shaped choice
  prepared: null, // the encrypted ballot waiting for audit or cast
};

// --- small DOM helpers (text only: no HTML is ever parsed from data) --------------------------

function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === 'class') el.className = value;
    else if (key === 'text') el.textContent = value;
    else if (key.startsWith('on')) el.addEventListener(key.slice(2), value);
    else if (value === true) el.setAttribute(key, '');
    else el.setAttribute(key, String(value));
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

function say(text) { statusLine.textContent = text; }

function fail(text) {
  alertBox.textContent = text;
  alertBox.hidden = !text;
}

/** Replaces the booth's content with a step; its heading takes the focus (keyboard, screen readers). */
function show(step, heading, ...content) {
  fail('');
  say('');
  const title = h('h2', { id: `${step}-heading`, tabindex: '-1', text: heading });
  const section = h('section', { id: `step-${step}`, class: `booth-step step-${step}`, 'aria-labelledby': `${step}-heading` },
    title, ...content);
  app.replaceChildren(section);
  root.dataset.step = step;
  title.focus();
  return section;
}

function groups(hex, size = 4) {
  return hex.match(new RegExp(`.{1,${size}}`, 'g')).join(' ');
}

/** An ISO 8601 UTC time as the pages write it: 2025-03-20 06:00 UTC. */
function when(iso) {
  const m = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2})/.exec(iso || '');
  return m ? `${m[1]} ${m[2]} UTC` : String(iso || '');
}

function words(error) {
  if (error instanceof VyboryError) return error.words ? render(error.words) : error.rule;
  if (error && error.words) return render(error.words);
  return error && error.message ? error.message : String(error);
}

/** The server's refusal (the API's error body) in the page's language. */
function refusal(body, response) {
  if (body && body.words) return render(body.words);
  return (body && body.message) || response.statusText;
}

// --- start: which district -----------------------------------------------------------------

async function start() {
  await loadMessages(document.documentElement.lang);
  say(t('Loading the ballot…'));
  let view;
  try {
    const response = await fetch(`/api/elections/${encodeURIComponent(slug)}/booth`, { credentials: 'same-origin' });
    view = await response.json();
    if (!response.ok) throw Object.assign(new Error(view.message || response.statusText), { words: view.words });
  } catch (error) {
    say('');
    show('closed', t('The ballot could not be loaded'), h('p', { text: words(error) }));
    return;
  }
  booth.view = view;
  say('');
  const open = view.districts.filter((d) => d.round && d.round.open && d.contests.length);
  if (!view.public_key || !open.length) {
    show('closed', t('Voting is not open'), h('p', { text: t('There is no open round in which you could vote now.') }));
    return;
  }
  if (open.length === 1) {
    chooseDistrict(open[0]);
    return;
  }
  const list = h('div', { class: 'choices' }, open.map((d, i) => h('div', { class: 'choice' },
    h('input', { type: 'radio', name: 'district', id: `district-${i}`, value: d.id, required: true, checked: i === 0 }),
    h('label', { for: `district-${i}`, text: d.name }))));
  const form = h('form', { class: 'form', id: 'district-form' },
    h('fieldset', {}, h('legend', { text: t('Your district (it is printed with your credential)') }), list),
    h('button', { type: 'submit', text: t('Continue') }));
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const picked = form.querySelector('input[name=district]:checked');
    chooseDistrict(open.find((d) => d.id === picked.value));
  });
  show('district', t('Choose your district'), form);
}

function chooseDistrict(district) {
  booth.district = district;
  booth.form = {
    fingerprint: booth.view.fingerprint,
    round: district.round.number,
    public_key: booth.view.public_key,
    contests: district.contests,
  };
  booth.choices = {};
  showChoose();
}

// --- step 1: choose ----------------------------------------------------------------------------

function instruction(layout) {
  const min = layout.constraints[0] ? layout.constraints[0].minimum : 0;
  const max = layout.constraints[0] ? layout.constraints[0].maximum : 0;
  switch (layout.method) {
    case 'strikeout':
      return max === 1
        ? t('Leave the name of ONE candidate you vote for on the ballot; cross out the others.')
        : t('Leave the names of at most %(max)s candidates you vote for; cross out the others.', { max });
    case 'plurality':
      return max === 1 ? t('Mark one candidate.') : t('Mark from %(min)s to %(max)s candidates.', { min, max });
    case 'approval':
      return t('Mark every candidate you approve of.');
    case 'block':
    case 'majority':
      return t('Mark from %(min)s to %(max)s candidates.', { min, max });
    case 'for-against':
      return t('Vote for or against each candidate, or neither.');
    case 'motion':
      return t('Choose yes, no or abstain.');
    case 'score': {
      const scale = scaleOf(layout);
      return t('Give each candidate a score from %(low)s to %(high)s, or none.', { low: scale[0], high: scale[scale.length - 1] });
    }
    case 'majority-judgment':
      return t('Give each candidate a grade, or none.');
    default:
      return isRanked(layout) ? t('Number the candidates in order of preference: 1 for your first choice.') : '';
  }
}

function gradeNames(layout) {
  const grades = layout.options && layout.options.grades;
  return Array.isArray(grades) ? grades : null;
}

/** The inputs of one contest; returns [fieldset, read()] where read() gives the method-shaped choice. */
function contestInputs(layout, k) {
  const { method, candidates } = layout;
  const id = (i, suffix = '') => `c${k}-${i}${suffix}`;
  const previous = booth.choices[layout.contest];
  const rows = [];
  let read;
  const max = layout.constraints[0] ? layout.constraints[0].maximum : 0;
  const min = layout.constraints[0] ? layout.constraints[0].minimum : 0;
  if (method === 'strikeout') {
    const standing = previous ? new Set(previous) : new Set(candidates);
    candidates.forEach((name, i) => {
      const box = h('input', { type: 'checkbox', id: id(i), 'data-candidate': name, checked: !standing.has(name),
        'aria-describedby': `c${k}-hint` });
      const row = h('div', { class: `choice strike${standing.has(name) ? '' : ' struck'}` }, box,
        h('label', { for: id(i) }, h('span', { class: 'visually-hidden', text: `${t('Cross out')}: ` }),
          h('span', { class: 'name', text: name })));
      box.addEventListener('change', () => row.classList.toggle('struck', box.checked));
      rows.push(row);
    });
    read = (fs) => [...fs.querySelectorAll('input[type=checkbox]')].filter((b) => !b.checked).map((b) => b.dataset.candidate);
  } else if (MARK_METHODS.includes(method)) {
    const marked = new Set(previous || []);
    const single = max === 1;
    candidates.forEach((name, i) => {
      rows.push(h('div', { class: 'choice' },
        h('input', { type: single ? 'radio' : 'checkbox', name: `c${k}`, id: id(i), 'data-candidate': name, checked: marked.has(name) }),
        h('label', { for: id(i), text: name })));
    });
    if (single && min === 0) {
      rows.push(h('div', { class: 'choice blank' },
        h('input', { type: 'radio', name: `c${k}`, id: id('none'), value: '', checked: previous !== undefined && !marked.size }),
        h('label', { for: id('none'), text: t('No mark (a blank ballot in this contest)') })));
    }
    read = (fs) => [...fs.querySelectorAll('input:checked')].map((b) => b.dataset.candidate).filter(Boolean);
  } else if (method === 'motion') {
    const labels = { yes: t('Yes'), no: t('No'), abstain: t('Abstain') };
    MOTION_CHOICES.forEach((choice, i) => {
      rows.push(h('div', { class: 'choice' },
        h('input', { type: 'radio', name: `c${k}`, id: id(i), value: choice, checked: previous === choice, required: true }),
        h('label', { for: id(i), text: labels[choice] })));
    });
    read = (fs) => { const b = fs.querySelector('input:checked'); return b ? b.value : null; };
  } else if (method === 'for-against') {
    const sides = [['for', t('For')], ['against', t('Against')], ['neither', t('Neither')]];
    candidates.forEach((name, i) => {
      const chosen = (previous && previous[name]) || 'neither';
      rows.push(h('fieldset', { class: 'candidate for-against' }, h('legend', { text: name }),
        h('div', { class: 'sides' }, sides.map(([side, label]) => h('span', { class: 'choice' },
          h('input', { type: 'radio', name: `c${k}-${i}`, id: id(i, side), value: side, 'data-candidate': name, checked: chosen === side }),
          h('label', { for: id(i, side), text: label }))))));
    });
    read = (fs) => Object.fromEntries([...fs.querySelectorAll('input:checked')]
      .filter((b) => b.value !== 'neither').map((b) => [b.dataset.candidate, b.value]));
  } else if (method === 'score' || method === 'majority-judgment') {
    const scale = scaleOf(layout);
    const names = method === 'majority-judgment' ? gradeNames(layout) : null;
    candidates.forEach((name, i) => {
      const chosen = previous ? previous[name] : undefined;
      rows.push(h('div', { class: 'choice scale' },
        h('label', { for: id(i), text: name }),
        h('select', { id: id(i), 'data-candidate': name },
          h('option', { value: '', text: '—' }),
          scale.map((v) => h('option', { value: String(v), selected: chosen === v, text: names ? `${v}: ${names[v]}` : String(v) })))));
    });
    read = (fs) => Object.fromEntries([...fs.querySelectorAll('select')].filter((s) => s.value !== '')
      .map((s) => [s.dataset.candidate, Number(s.value)]));
  } else if (isRanked(layout)) {
    const ranks = rankCount(layout);
    candidates.forEach((name, i) => {
      const at = previous ? previous.indexOf(name) : -1;
      rows.push(h('div', { class: 'choice rank' },
        h('select', { id: id(i), 'data-candidate': name, 'aria-label': t('Rank of %(name)s', { name }) },
          h('option', { value: '', text: '—' }),
          [...Array(ranks).keys()].map((r) => h('option', { value: String(r + 1), selected: at === r, text: String(r + 1) }))),
        h('label', { for: id(i), text: name })));
    });
    read = (fs) => {
      const picked = [...fs.querySelectorAll('select')].filter((s) => s.value !== '')
        .map((s) => [Number(s.value), s.dataset.candidate]).sort((a, b) => a[0] - b[0]);
      const ranksUsed = picked.map(([r]) => r);
      if (new Set(ranksUsed).size !== ranksUsed.length) {
        throw new VyboryError(t('Two candidates have the same number.'), { field: layout.contest, code: 'ranked_twice' });
      }
      if (ranksUsed.some((r, i) => r !== i + 1)) {
        throw new VyboryError(t('Number your choices 1, 2, 3… without gaps.'), { field: layout.contest, code: 'rank_gap' });
      }
      return picked.map(([, name]) => name);
    };
  } else {
    rows.push(h('p', { class: 'error', text: t('This contest cannot be voted in this booth.') }));
    read = () => null;
  }
  const fieldset = h('fieldset', { class: `contest method-${method}`, id: `contest-${k}`, 'data-contest': layout.contest },
    h('legend', {}, h('span', { class: 'contest-title', text: layout.title || layout.contest })),
    layout.description ? h('p', { class: 'description', text: layout.description }) : null,
    h('p', { class: 'hint', id: `c${k}-hint`, text: instruction(layout) }),
    h('div', { class: 'choices' }, rows),
    h('p', { class: 'error contest-error', id: `c${k}-error`, role: 'alert', hidden: true }));
  return [fieldset, () => read(fieldset)];
}

function showChoose() {
  booth.prepared = null;
  const layouts = booth.form.contests;
  const parts = layouts.map((layout, k) => contestInputs(layout, k));
  const form = h('form', { id: 'choose-form', class: 'booth-form', novalidate: true },
    parts.map(([fieldset]) => fieldset),
    h('div', { class: 'actions' }, h('button', { type: 'submit', id: 'to-review', text: t('Review my choices') })));
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    let firstBad = null;
    const values = {};
    parts.forEach(([fieldset, read], k) => {
      const layout = layouts[k];
      const error = fieldset.querySelector('.contest-error');
      error.hidden = true;
      fieldset.removeAttribute('aria-invalid');
      try {
        const choice = read();
        values[layout.contest] = choiceToValues(layout, choice);
        booth.choices[layout.contest] = choice;
      } catch (problem) {
        error.textContent = words(problem);
        error.hidden = false;
        fieldset.setAttribute('aria-invalid', 'true');
        if (!firstBad) firstBad = fieldset;
      }
    });
    if (firstBad) {
      fail(t('Please correct the contests marked below.'));
      const input = firstBad.querySelector('input, select');
      (input || firstBad).focus();
      return;
    }
    booth.values = values;
    showReview();
  });
  const round = booth.district.round;
  show('choose', t('Step 1 of 3: make your choices'),
    h('p', { class: 'muted', text: t('%(district)s, round %(round)s. Voting closes %(closes)s.',
      { district: booth.district.name, round: round.number, closes: when(round.closes_at) }) }),
    form);
}

// --- step 2: review ----------------------------------------------------------------------------

function describe(layout, choice) {
  const { method } = layout;
  if (method === 'strikeout') {
    return choice.length ? t('Left standing: %(names)s', { names: choice.join(', ') }) : t('Every name crossed out (a vote for nobody)');
  }
  if (MARK_METHODS.includes(method)) return choice.length ? t('Marked: %(names)s', { names: choice.join(', ') }) : t('No mark');
  if (method === 'motion') return { yes: t('Yes'), no: t('No'), abstain: t('Abstain') }[choice] || t('No mark');
  if (method === 'for-against') {
    return layout.candidates.map((name) => `${name}: ${choice[name] === 'for' ? t('For') : choice[name] === 'against' ? t('Against') : t('Neither')}`).join('; ');
  }
  if (method === 'score' || method === 'majority-judgment') {
    const names = gradeNames(layout);
    const given = layout.candidates.filter((name) => choice[name] !== undefined);
    if (!given.length) return t('No mark');
    return given.map((name) => `${name}: ${names ? names[choice[name]] : choice[name]}`).join('; ');
  }
  if (isRanked(layout)) return choice.length ? choice.map((name, i) => `${i + 1}. ${name}`).join('; ') : t('No mark');
  return '';
}

function summary(choices) {
  return h('dl', { class: 'facts review' }, booth.form.contests.flatMap((layout) => [
    h('dt', { text: layout.title || layout.contest }),
    h('dd', { 'data-contest': layout.contest, text: describe(layout, choices[layout.contest]) }),
  ]));
}

function showReview() {
  const choices = Object.fromEntries(booth.form.contests.map((l) => [l.contest, valuesToChoice(l, booth.values[l.contest])]));
  show('review', t('Step 2 of 3: check your choices'),
    summary(choices),
    h('p', { text: t('Next, your browser encrypts the ballot. Nobody is identified yet: you enter your credential only if you cast it.') }),
    h('div', { class: 'actions' },
      h('button', { type: 'button', class: 'secondary', id: 'change', text: t('Change my choices'), onclick: showChoose }),
      h('button', { type: 'button', id: 'encrypt', text: t('Encrypt my ballot'), onclick: encryptNow })));
}

// --- step 3: encrypt, then audit or cast --------------------------------------------------------

function encryptNow(event) {
  event.target.disabled = true;
  say(t('Encrypting your ballot…'));
  setTimeout(() => {
    try {
      booth.prepared = prepareBallot(booth.form, booth.values);
    } catch (error) {
      say('');
      event.target.disabled = false;
      fail(words(error));
      return;
    }
    showEncrypted();
  }, 30);
}

function showEncrypted() {
  const code = booth.prepared.encryption_code;
  show('encrypted', t('Step 3 of 3: audit or cast'),
    h('p', { text: t('Your ballot is encrypted.') }),
    encryptionDetails(code, 'encryption-code',
      t('A fingerprint of the encrypted ballot. You need not keep it: after casting, the tracking code is the code to keep. The receipt shows this code again, so you can see that the ballot cast is the one encrypted here.')),
    h('p', { text: t('You may first check the booth: auditing makes it show how it encrypted this ballot and gives you a file to check on another device. An audited ballot is never counted; you then vote again. Or cast it now.') }),
    h('div', { class: 'actions' },
      h('button', { type: 'button', class: 'secondary', id: 'audit', text: t('Audit this ballot'), onclick: showAudit }),
      h('button', { type: 'button', id: 'cast', text: t('Cast this ballot'), onclick: showCast })));
}

/** The encryption code, behind "details": it is not the code to keep. */
function encryptionDetails(code, id, explanation) {
  return h('details', { class: 'encryption-code' },
    h('summary', { text: t('Encryption code') }),
    h('p', { class: 'code' }, h('code', { id, class: 'hash', text: groups(code) })),
    h('p', { class: 'muted', text: explanation }));
}

/** The audit file (spec §12.6): what another device needs to open the audited ballot. */
function auditFile(audit) {
  return { format: 'vybory-ballot-audit', version: 1, election: booth.form.fingerprint, round: booth.form.round,
    public_key: booth.form.public_key, encryption_code: audit.encryption_code, contests: audit.contests };
}

function showAudit() {
  const prepared = booth.prepared;
  booth.prepared = null; // spoiled: it can no longer be cast
  const audit = auditInformation(prepared);
  let opened;
  let problem = null;
  try {
    opened = openWithRandomness(booth.form, audit);
  } catch (error) {
    problem = words(error);
  }
  const content = [];
  if (problem) {
    content.push(h('p', { class: 'error', role: 'alert', id: 'audit-result', text: `${t('This ballot did NOT open to a valid choice:')} ${problem}` }));
  } else {
    const choices = Object.fromEntries(booth.form.contests.map((l) => [l.contest, valuesToChoice(l, opened[l.contest])]));
    const same = booth.form.contests.every((l) => opened[l.contest].every((v, i) => v === booth.values[l.contest][i]));
    content.push(
      h('p', { text: t('The booth opened your encrypted ballot with the secret numbers it used to encrypt it. The ballot holds:') }),
      summary(choices),
      h('p', { id: 'audit-result', class: same ? 'notice' : 'error', role: same ? 'status' : 'alert',
        'data-matches': same ? 'yes' : 'no',
        text: same ? t('These are the choices you made, as this booth tells it.')
          : t('These are NOT the choices you made: do not use this device to vote, and tell the commission.') }));
  }
  const file = JSON.stringify(auditFile(audit), null, 2);
  const name = `${slug}-audit-${audit.encryption_code.slice(0, 8)}.json`;
  const download = h('a', { id: 'audit-download', class: 'button', download: name,
    href: URL.createObjectURL(new Blob([`${file}\n`], { type: 'application/json' })), text: t('Download the audit file') });
  content.push(
    h('h2', { text: t('Check it on another device') }),
    h('p', { text: t('A dishonest booth could show you your own choices whatever it had encrypted. To check it without trusting this device, take the audit file to another computer, download this election\'s record there and run:') }),
    h('pre', { class: 'command' },
      h('code', { id: 'audit-command', text: `vybory verify-ballot ${slug}-record.zip --audit ${name}` })),
    h('p', { text: t('It opens the ballot with the election\'s own key and prints the choices it holds: they must be the ones you made. The file shows how you marked this ballot, so keep it to yourself and delete it afterwards.') }),
    h('div', { class: 'actions' }, download,
      h('a', { href: `/elections/${encodeURIComponent(slug)}/record`, id: 'record-download', text: t('Download the election\'s record') })),
    h('p', { text: t('This ballot can no longer be cast and is never counted. Vote again to cast a ballot.') }),
    encryptionDetails(audit.encryption_code, 'audit-encryption-code', t('The code the booth showed before the audit; the audit file carries it too.')),
    h('details', {}, h('summary', { text: t('What the audit file holds') }),
      h('p', { class: 'muted', text: t('The encrypted selections of every contest and the secret number that encrypted each, the election key they were encrypted under, and the encryption code shown before the audit.') }),
      h('pre', { class: 'json', id: 'audit-json', tabindex: '0', role: 'region', 'aria-label': t('The audit file'), text: file })),
    h('div', { class: 'actions' },
      h('button', { type: 'button', id: 'vote-again', text: t('Vote again'), onclick: showChoose })));
  show('audit', t('Audit of your ballot'), ...content);
}

function showCast() {
  const input = h('input', { type: 'text', id: 'credential', name: 'credential', autocomplete: 'off', autocapitalize: 'characters',
    spellcheck: 'false', inputmode: 'text', required: true, 'aria-describedby': 'credential-hint', size: '32' });
  const form = h('form', { id: 'cast-form', class: 'form narrow', novalidate: true },
    h('label', { for: 'credential', text: t('Your credential') }),
    h('p', { class: 'hint', id: 'credential-hint', text: t('24 letters and digits, as printed on your credential letter (dashes and spaces do not matter). It stays in this browser.') }),
    input,
    h('p', { class: 'error', id: 'credential-error', role: 'alert', hidden: true }),
    h('div', { class: 'actions' },
      h('button', { type: 'button', class: 'secondary', id: 'back-to-audit', text: t('Back'), onclick: showEncrypted }),
      h('button', { type: 'submit', id: 'sign-and-cast', text: t('Sign and cast my ballot') })));
  form.addEventListener('submit', (event) => { event.preventDefault(); castNow(form, input); });
  show('cast', t('Cast your ballot'),
    h('p', { text: t('Encryption code: %(code)s', { code: groups(booth.prepared.encryption_code) }) }),
    form);
}

/** The credential's key looked up in the published list (by the first 4 hex digits only, so the
 * server learns little): true when listed in the chosen district, otherwise what to tell the
 * voter. A list that cannot be fetched is no reason to stop: the server checks the ballot anyway. */
async function credentialOnList(secret) {
  let mine;
  try {
    mine = publicCredential(secret);
  } catch (problem) {
    return { code: problem.code || 'error', text: words(problem) };
  }
  let body;
  try {
    const response = await fetch(`/api/elections/${encodeURIComponent(slug)}/credentials?prefix=${mine.slice(0, 4)}`,
      { credentials: 'same-origin' });
    if (!response.ok) return true;
    body = await response.json();
  } catch {
    return true;
  }
  const entry = (body.credentials || []).find((e) => e.credential === mine);
  if (!entry) {
    return { code: 'unknown_credential',
      text: t('This credential is not on the published list of this election. Check every letter against your credential letter (it uses no 0, 1, 8 or 9); if it is right, ask the commission.') };
  }
  if (entry.district !== booth.district.id) {
    const home = booth.view.districts.find((d) => d.id === entry.district);
    return { code: 'wrong_district',
      text: t('This credential belongs to district %(home)s, not %(chosen)s. Choose your district again and fill in its ballot; nothing has been sent.',
        { home: home ? home.name : entry.district, chosen: booth.district.name }) };
  }
  return true;
}

/** A button back to the district choice, after the credential turned out to be another district's. */
function offerDistrictChoice(form, error) {
  if (form.querySelector('#choose-district')) return;
  error.after(h('div', { class: 'actions' }, h('button', { type: 'button', id: 'choose-district',
    text: t('Choose my district again'), onclick: () => { booth.prepared = null; start(); } })));
}

async function castNow(form, input) {
  const error = form.querySelector('#credential-error');
  const button = form.querySelector('#sign-and-cast');
  error.hidden = true;
  let secret;
  try {
    secret = normaliseSecret(input.value);
  } catch (problem) {
    error.textContent = words(problem);
    error.hidden = false;
    input.setAttribute('aria-invalid', 'true');
    input.focus();
    return;
  }
  input.removeAttribute('aria-invalid');
  button.disabled = true;
  const listed = await credentialOnList(secret);
  if (listed !== true) {
    button.disabled = false;
    error.textContent = listed.text;
    error.hidden = false;
    error.dataset.code = listed.code;
    input.setAttribute('aria-invalid', 'true');
    if (listed.code === 'wrong_district') offerDistrictChoice(form, error);
    else input.focus();
    return;
  }
  say(t('Signing and sending your ballot…'));
  await new Promise((resolve) => setTimeout(resolve, 30));
  let sealed;
  try {
    sealed = sealBallot(booth.prepared, secret);
  } catch (problem) {
    say('');
    button.disabled = false;
    error.textContent = words(problem);
    error.hidden = false;
    return;
  }
  secret = null;
  let response;
  let body;
  try {
    response = await fetch(`/api/elections/${encodeURIComponent(slug)}/ballots`, {
      method: 'POST', credentials: 'same-origin', headers: { 'content-type': 'application/json' },
      body: JSON.stringify(sealed.ballot),
    });
    body = await response.json();
  } catch (problem) {
    say('');
    button.disabled = false;
    error.textContent = `${t('The ballot could not be sent:')} ${words(problem)}`;
    error.hidden = false;
    return;
  }
  say('');
  if (!response.ok) {
    button.disabled = false;
    error.textContent = `${t('The ballot was refused:')} ${refusal(body, response)}`;
    error.hidden = false;
    error.dataset.code = body.code || '';
    if (body.code === 'wrong_district') offerDistrictChoice(form, error);
    return;
  }
  input.value = '';
  const encryption = ballotEncryptionCode(sealed.ballot);
  booth.prepared = null;
  showReceipt(body, sealed.tracking_code, encryption);
}

// --- receipt -------------------------------------------------------------------------------------

function showReceipt(receipt, expected, encryption) {
  const same = receipt.tracking_code === expected;
  const board = `/elections/${encodeURIComponent(slug)}/board?code=${encodeURIComponent(receipt.tracking_code)}`;
  show('receipt', t('Your ballot is cast'),
    h('p', { text: t('Keep this tracking code: it is the only code you need. With it you can find your encrypted ballot on the public board and check that it is counted.') }),
    h('dl', { class: 'facts receipt' },
      h('dt', { text: t('Tracking code') }),
      h('dd', {}, h('code', { id: 'tracking-code', class: 'hash', 'data-code': receipt.tracking_code, text: groups(receipt.tracking_code) })),
      h('dt', { text: t('Round') }), h('dd', { id: 'receipt-round', text: String(receipt.round) }),
      h('dt', { text: t('Position on the board') }), h('dd', { id: 'receipt-position', text: String(receipt.position) })),
    encryptionDetails(encryption, 'receipt-encryption-code',
      t('The same code as before you cast: the ballot on the board holds the ciphertexts encrypted in this browser. You need not keep it.')),
    same ? null : h('p', { class: 'error', role: 'alert', text: t('The server reported another tracking code than the one your browser computed.') }),
    receipt.replaced ? h('p', { class: 'notice', text: t('It replaces your earlier ballot %(code)s, which no longer counts.', { code: receipt.replaced }) }) : null,
    booth.view.revote ? h('p', { class: 'muted', text: t('You may vote again until the round closes: only your last ballot counts.') }) : null,
    h('p', {}, h('a', { href: board, id: 'find-on-board', text: t('Find my ballot on the board') })));
}

start();
