"""Finding English on a Russian page: the Latin words a reader sees that are neither the
election's own data (names, titles, ids, as the commission wrote them) nor technical names."""

from __future__ import annotations

import html
import re
from typing import Any

# Names a Russian page may show in Latin letters: the program, formats, units and standards.
TECHNICAL = {
    "vybory", "utc", "api", "json", "csv", "zip", "sha", "svg", "http", "https", "www", "html",
    "id", "hex", "stv", "irv", "make", "booth", "verify", "ballot", "audit", "serve", "demo", "cli",
    "python", "offline", "web", "trustee", "init", "keygen", "key", "github", "com", "toml",
    "javascript", "subresource", "integrity",
    "english",  # the language switcher names each language in itself
}
HIDDEN = re.compile(r"<(script|style|code|pre|kbd|samp|textarea)\b.*?</\1>", re.DOTALL | re.IGNORECASE)
ATTRIBUTES_SHOWN = re.compile(r'\b(?:aria-label|title|placeholder|alt)="([^"]*)"')


def data_words(value: Any) -> set[str]:
    """Every text the commission wrote into the definition (ids, names, titles, details)."""
    found: set[str] = set()
    if isinstance(value, str):
        found.add(value)
    elif isinstance(value, dict):
        for key, item in value.items():
            found |= data_words(item) | {str(key)}
    elif isinstance(value, (list, tuple)):
        for item in value:
            found |= data_words(item)
    return found


def english_left(page: str, data: set[str]) -> list[str]:
    """The Latin words a reader of ``page`` (HTML) sees that are neither data nor technical."""
    shown = " ".join(ATTRIBUTES_SHOWN.findall(page))
    text = html.unescape(re.sub(r"<[^>]+>", " ", HIDDEN.sub(" ", page)) + " " + shown)
    for value in sorted(data, key=len, reverse=True):
        if len(value) >= 2:
            text = text.replace(value, " ")
    text = re.sub(r"\b[0-9a-f]{16,}\b", " ", text)  # codes and hashes
    text = re.sub(r"\bVYBORY-[A-Z0-9-]+", " ", text)  # the protocol's hash tags (spec §2), typed as they are
    text = re.sub(r"`[^`]*`", " ", text)  # commands to type
    text = re.sub(r"\S+@\S+|\S*/\S*", " ", text)  # addresses, paths and links
    words = re.findall(r"[A-Za-z][A-Za-z'-]{2,}", text)
    return sorted({w for w in words if w.lower().strip("'-") not in TECHNICAL})
