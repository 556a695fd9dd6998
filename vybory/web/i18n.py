"""Languages of the pages and the booth: gettext catalogues read with Babel.

The catalogues are ``vybory/web/locale/<lang>/LC_MESSAGES/messages.po``; they
are compiled to the binary ``.mo`` form in memory when first used (Babel's
``write_mo``), so there is no build step to forget. English is the source
language: a message missing from a catalogue shows in English.

The language of a request: ``?lang=`` (remembered in the ``vybory_lang``
cookie), else that cookie, else the browser's Accept-Language, else English.
The booth reads the same catalogues as JSON (``GET /i18n/<lang>.json``).
"""

from __future__ import annotations

import functools
import gettext
import io
from importlib import resources
from typing import Any

from babel import Locale, negotiate_locale
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from vybory.text import Text

LANGUAGES = ("en", "ru")
DEFAULT_LANGUAGE = "en"
LANGUAGE_NAMES = {"en": "English", "ru": "Русский"}
COOKIE = "vybory_lang"
DOMAIN = "messages"


def catalogue_text(lang: str) -> str:
    """The ``.po`` source of a language's catalogue."""
    path = resources.files("vybory.web").joinpath(f"locale/{lang}/LC_MESSAGES/{DOMAIN}.po")
    return path.read_text(encoding="utf-8")


@functools.cache
def catalogue(lang: str) -> Any:
    """The parsed Babel catalogue of ``lang``."""
    return read_po(io.StringIO(catalogue_text(lang)), locale=lang, domain=DOMAIN)


@functools.cache
def translations(lang: str) -> gettext.GNUTranslations:
    """The language's catalogue compiled to .mo (in memory) and loaded by gettext."""
    buffer = io.BytesIO()
    write_mo(buffer, catalogue(lang))
    buffer.seek(0)
    return gettext.GNUTranslations(buffer)


def gettext_for(lang: str, message: str) -> str:
    return translations(lang if lang in LANGUAGES else DEFAULT_LANGUAGE).gettext(message)


def ngettext_for(lang: str, singular: str, plural: str, n: int) -> str:
    return translations(lang if lang in LANGUAGES else DEFAULT_LANGUAGE).ngettext(
        singular, plural, n
    )


def localise(lang: str, value: Any) -> str:
    """Words in ``lang``: a :class:`~vybory.text.Text` looked up in the catalogue and filled in
    (its parameters localised too); anything else as it is. A translation whose placeholders do
    not fit its parameters falls back to the English words."""
    if value is None:
        return ""
    if not isinstance(value, Text):
        return str(value)
    params = {k: localise(lang, v) if isinstance(v, Text) else v for k, v in value.params.items()}
    if value.plural is not None:
        words = ngettext_for(lang, value.template, value.plural, int(value.params["num"]))
    else:
        words = gettext_for(lang, value.template)
    try:
        return words % params
    except (KeyError, ValueError, TypeError):
        return str(value)


def messages(lang: str) -> dict[str, str]:
    """Every translated message of a language, msgid -> text (for the booth)."""
    out: dict[str, str] = {}
    for message in catalogue(lang):
        if not message.id or message.fuzzy:
            continue
        if isinstance(message.id, tuple):
            if isinstance(message.string, tuple) and message.string[0]:
                out[message.id[0]] = message.string[0]
            continue
        if message.string:
            out[message.id] = message.string
    return out


def plural_messages(lang: str) -> dict[str, list[str]]:
    """The plural forms of every translated plural message, singular msgid -> forms (for the
    booth, which picks a form with the language's plural rules)."""
    out: dict[str, list[str]] = {}
    for message in catalogue(lang):
        if (isinstance(message.id, tuple) and not message.fuzzy
                and isinstance(message.string, tuple) and all(message.string)):
            out[message.id[0]] = list(message.string)
    return out


def choose_language(query: str | None, cookie: str | None, accept_language: str | None) -> str:
    """The request's language (see the module's text)."""
    for given in (query, cookie):
        if given in LANGUAGES:
            return given  # type: ignore[return-value]
    if accept_language:
        wanted = []
        for part in accept_language.split(","):
            tag = part.split(";")[0].strip()
            if tag:
                wanted.append(tag)
        chosen = negotiate_locale(wanted, list(LANGUAGES), sep="-") or negotiate_locale(
            [w.split("-")[0] for w in wanted], list(LANGUAGES), sep="-"
        )
        if chosen in LANGUAGES:
            return chosen
    return DEFAULT_LANGUAGE


def locale_of(lang: str) -> Locale:
    return Locale.parse(lang if lang in LANGUAGES else DEFAULT_LANGUAGE)


# --- extraction (scripts/update-catalogues and the catalogue test) ---------------------------

EXTRACT_KEYWORDS = {
    "_": None, "ngettext": (1, 2), "translate": (2,), "t": (1,), "N_": None, "msg": None,
}
EXTRACT_METHODS = [
    ("templates/**.html", "jinja2"),
    ("*.py", "python"),
    ("booth/*.py", "python"),
    ("booth/*.mjs", "javascript"),
]
# Words made with vybory.text.say anywhere in the package (refusals, counting rules' reasons).
SAY_KEYWORDS = {"say": None, "say_plural": (1, 2)}
EXTRACT_OPTIONS = {"templates/**.html": {"extensions": "", "trimmed": "false"}}


def extract_messages() -> Any:
    """A Babel catalogue of every message the pages and the booth use (templates, Python, booth JS)."""
    from babel.messages.catalog import Catalog
    from babel.messages.extract import extract_from_dir

    web = resources.files("vybory.web")
    package = resources.files("vybory")
    catalog = Catalog(project="vybory", version="0.1")
    passes: Any = (
        (web, "vybory/web", EXTRACT_METHODS, EXTRACT_OPTIONS, EXTRACT_KEYWORDS),
        (package, "vybory", [("cli/**.py", "ignore"), ("**.py", "python")], {}, SAY_KEYWORDS),
    )
    for folder, prefix, methods, options, keywords in passes:
        for filename, lineno, message, comments, context in extract_from_dir(
            str(folder), methods, options_map=options, keywords=keywords
        ):
            catalog.add(
                message,
                None,
                [(f"{prefix}/{filename}", lineno)],
                auto_comments=comments,
                context=context,
            )
    return catalog
