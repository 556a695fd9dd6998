// Method-shaped choices <-> selection values, as vybory.protocol.encrypt.choice_to_values and
// values_to_choice do (docs/spec.md, "Selection layout"). A layout is one contest of the
// booth view: contest, method, candidates, labels, maxima, constraints, options.
//
// Choices per method:
//   plurality, block, approval, majority: the names marked (a list)
//   strikeout: the names left standing (the others are crossed out)
//   for-against: {name: "for" | "against"}; a name left out is neither
//   motion: "yes", "no" or "abstain"
//   score: {name: score}; majority-judgment: {name: grade number}
//   ranked methods (labels "<name>:<rank>", rank 1 first): the names in order of preference

import { InvalidBallot, InvalidInput } from './crypto.mjs';
import { msg } from './i18n.mjs';

export const MARK_METHODS = ['plurality', 'block', 'approval', 'strikeout', 'majority'];
export const MOTION_CHOICES = ['yes', 'no', 'abstain'];
export const FOR_AGAINST = ['for', 'against'];
export const SCALE_METHODS = ['score', 'majority-judgment'];

/** True when the layout is a candidate × rank matrix ("<name>:<rank>", ranks from 1). */
export function isRanked(layout) {
  return !MARK_METHODS.includes(layout.method) && !SCALE_METHODS.includes(layout.method)
    && !['motion', 'for-against'].includes(layout.method)
    && layout.labels.length === layout.candidates.length * rankCount(layout);
}

/** The number of ranks of a ranked layout. */
export function rankCount(layout) {
  const n = layout.candidates.length;
  return n ? layout.labels.length / n : 0;
}

/** The values (numbers) on the scale of a score or majority-judgment layout, in label order. */
export function scaleOf(layout) {
  const first = layout.candidates[0];
  return layout.labels.filter((l) => l.slice(0, l.lastIndexOf(':')) === first).map((l) => Number(l.slice(l.lastIndexOf(':') + 1)));
}

function unknown(layout, name) {
  return new InvalidBallot(`${JSON.stringify(name)} is not a candidate of contest ${layout.contest}`,
    { field: `choices.${layout.contest}`, code: 'unknown_candidate' });
}

/** The selection values a choice gives (null: blank); refuses a choice the contest does not allow. */
export function choiceToValues(layout, choice) {
  const field = `choices.${layout.contest}`;
  const { candidates, method } = layout;
  if (MARK_METHODS.includes(method)) {
    const names = choice == null ? [] : (typeof choice === 'string' ? [choice] : [...choice]);
    for (const name of names) if (!candidates.includes(name)) throw unknown(layout, name);
    if (new Set(names).size !== names.length) throw new InvalidBallot(msg('a name is marked twice'), { field, code: 'marked_twice' });
    const c = layout.constraints[0];
    if (names.length < c.minimum || names.length > c.maximum) {
      const counts = { contest: layout.contest, min: c.minimum, max: c.maximum, given: names.length };
      throw new InvalidBallot(method === 'strikeout'
        ? msg('contest %(contest)s: leave from %(min)s to %(max)s names standing, not %(given)s', counts)
        : msg('contest %(contest)s: mark from %(min)s to %(max)s names, not %(given)s', counts),
        { field, code: 'wrong_mark_count' });
    }
    return candidates.map((name) => (names.includes(name) ? 1 : 0));
  }
  if (method === 'motion') {
    if (!MOTION_CHOICES.includes(choice)) throw new InvalidBallot(`choose one of ${MOTION_CHOICES.join(', ')}`, { field, code: 'motion_choice' });
    return MOTION_CHOICES.map((c) => (c === choice ? 1 : 0));
  }
  if (isRanked(layout)) {
    const order = choice == null ? [] : [...choice];
    for (const name of order) if (!candidates.includes(name)) throw unknown(layout, name);
    if (new Set(order).size !== order.length) throw new InvalidBallot(msg('a name is ranked twice'), { field, code: 'ranked_twice' });
    const ranks = rankCount(layout);
    if (order.length > ranks) throw new InvalidBallot(msg('at most %(ranks)s preferences', { ranks }), { field, code: 'too_many_ranks' });
    const values = [];
    for (const name of candidates) {
      const at = order.indexOf(name);
      for (let r = 1; r <= ranks; r++) values.push(at + 1 === r ? 1 : 0);
    }
    return values;
  }
  const given = choice == null ? {} : choice;
  if (typeof given !== 'object' || Array.isArray(given)) {
    throw new InvalidInput('must be a table of candidate name -> value', { field });
  }
  for (const name of Object.keys(given)) if (!candidates.includes(name)) throw unknown(layout, name);
  if (method === 'for-against') {
    const values = [];
    for (const name of candidates) {
      const side = given[name];
      if (![undefined, null, 'neither', ...FOR_AGAINST].includes(side)) {
        throw new InvalidBallot(`${name}: choose for, against or neither`, { field: `${field}.${name}`, code: 'for_against_choice' });
      }
      values.push(side === 'for' ? 1 : 0, side === 'against' ? 1 : 0);
    }
    for (const c of layout.constraints.slice(candidates.length)) {
      if (c.indices.reduce((a, i) => a + values[i], 0) > c.maximum) {
        throw new InvalidBallot(msg('at most %(max)s candidates may get a vote for', { max: c.maximum }), { field, code: 'too_many_for' });
      }
    }
    return values;
  }
  if (SCALE_METHODS.includes(method)) {
    const scale = scaleOf(layout);
    const values = [];
    for (const name of candidates) {
      const v = given[name];
      if (v != null && !scale.includes(v)) {
        throw new InvalidBallot(`${name}: ${v} must be a whole number from ${scale[0]} to ${scale[scale.length - 1]}`,
          { field: `${field}.${name}`, code: 'score_out_of_range' });
      }
      for (const s of scale) values.push(v === s ? 1 : 0);
    }
    return values;
  }
  throw new InvalidBallot(`method ${method} has no ballot form in the booth`, { field, code: 'no_layout' });
}

/** The readable choice behind selection values (what an audit shows the voter). */
export function valuesToChoice(layout, values) {
  const { candidates, method } = layout;
  if (MARK_METHODS.includes(method)) return candidates.filter((_, i) => values[i]);
  if (method === 'motion') {
    const chosen = MOTION_CHOICES.filter((_, i) => values[i]);
    return chosen.length === 1 ? chosen[0] : null;
  }
  if (method === 'for-against') {
    const out = {};
    candidates.forEach((name, i) => {
      if (values[2 * i]) out[name] = 'for';
      else if (values[2 * i + 1]) out[name] = 'against';
    });
    return out;
  }
  if (isRanked(layout)) {
    const ranks = rankCount(layout);
    const order = [];
    candidates.forEach((name, i) => {
      for (let r = 0; r < ranks; r++) if (values[i * ranks + r]) order.push([r, name]);
    });
    return order.sort((a, b) => a[0] - b[0]).map(([, name]) => name);
  }
  const out = {};
  layout.labels.forEach((label, i) => {
    if (values[i]) {
      const at = label.lastIndexOf(':');
      out[label.slice(0, at)] = Number(label.slice(at + 1));
    }
  });
  return out;
}
