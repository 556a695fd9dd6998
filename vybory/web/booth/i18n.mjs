// The booth's words: the pages' gettext catalogue as JSON (GET /i18n/<lang>.json), with the
// English message id as the fallback, and %(name)s placeholders as in the templates.
//
// A refusal carries its words as a message, {id, plural?, params} (the server's `words`, the
// form vybory.text.Text.to_json writes, or msg() here): render() translates it.

let messages = {};
let plurals = {};
let language = 'en';

/** Loads the catalogue of `lang` (the page's <html lang>); English needs none. */
export async function loadMessages(lang) {
  language = lang || 'en';
  if (!lang || lang === 'en') return;
  try {
    const response = await fetch(`/i18n/${encodeURIComponent(lang)}.json`, { credentials: 'same-origin' });
    if (response.ok) {
      const body = await response.json();
      messages = body.messages || {};
      plurals = body.plurals || {};
    }
  } catch {
    messages = {};
    plurals = {};
  }
}

function fill(text, values) {
  return text.replace(/%\((\w+)\)s/g, (whole, name) => (name in values ? String(values[name]) : whole));
}

/** The translation of `message`, with %(name)s filled from `values`. */
export function t(message, values = {}) {
  return fill(messages[message] || message, values);
}

/** A message to show later: its English id and its parameters. */
export function msg(id, params = {}) {
  return { id, params };
}

const FORM_INDEX = { one: 0, two: 1, few: 1, many: 2 };

/** The words of a message ({id, plural?, params}) in the page's language; plain text as it is. */
export function render(words) {
  if (words == null) return '';
  if (typeof words !== 'object' || typeof words.id !== 'string') return String(words);
  const params = {};
  for (const [name, value] of Object.entries(words.params || {})) {
    params[name] = value && typeof value === 'object' ? render(value) : value;
  }
  if (typeof words.plural === 'string') {
    const n = Number(params.num);
    const forms = plurals[words.id];
    if (forms && forms.length) {
      const category = new Intl.PluralRules(language).select(n);
      const index = Math.min(FORM_INDEX[category] ?? forms.length - 1, forms.length - 1);
      return fill(forms[index], params);
    }
    return fill(n === 1 ? words.id : words.plural, params);
  }
  return t(words.id, params);
}
