// The booth's words: the pages' gettext catalogue as JSON (GET /i18n/<lang>.json), with the
// English message id as the fallback, and %(name)s placeholders as in the templates.

let messages = {};

/** Loads the catalogue of `lang` (the page's <html lang>); English needs none. */
export async function loadMessages(lang) {
  if (!lang || lang === 'en') return;
  try {
    const response = await fetch(`/i18n/${encodeURIComponent(lang)}.json`, { credentials: 'same-origin' });
    if (response.ok) messages = (await response.json()).messages || {};
  } catch {
    messages = {};
  }
}

/** The translation of `message`, with %(name)s filled from `values`. */
export function t(message, values = {}) {
  const text = messages[message] || message;
  return text.replace(/%\((\w+)\)s/g, (whole, name) => (name in values ? String(values[name]) : whole));
}
