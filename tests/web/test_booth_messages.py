"""Every word of the booth and the trustee's decryption page has its Russian translation,
with the same %(name)s placeholders (the booth reads the catalogue as GET /i18n/ru.json)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from vybory.web import i18n

ROOT = Path(__file__).resolve().parents[2]
SCRIPTS = ["vybory/web/booth/booth.mjs", "vybory/web/booth/trustee.mjs", "vybory/web/booth/decryption.mjs"]
TEMPLATES = ["vybory/web/templates/booth.html", "vybory/web/templates/trustee_decrypt.html"]


def booth_messages() -> list[str]:
    found: list[str] = []
    for name in SCRIPTS:
        text = (ROOT / name).read_text(encoding="utf-8")
        found += [m.replace("\\'", "'") for m in re.findall(r"\bt\(\s*'((?:[^'\\]|\\.)*)'", text)]
    for name in TEMPLATES:
        text = (ROOT / name).read_text(encoding="utf-8")
        found += re.findall(r'_\(\s*"((?:[^"\\]|\\.)*)"', text)
    return sorted(set(found))


def test_the_booth_has_words_to_translate() -> None:
    assert len(booth_messages()) > 80


@pytest.mark.parametrize("message", booth_messages())
def test_translated_into_russian(message: str) -> None:
    russian = i18n.messages("ru").get(message)
    assert russian, f"no Russian translation of {message!r} in vybory/web/locale/ru/LC_MESSAGES/messages.po"
    assert sorted(re.findall(r"%\((\w+)\)s", russian)) == sorted(re.findall(r"%\((\w+)\)s", message))
