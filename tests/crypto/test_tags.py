"""The domain-tag registry and the spec's table of tags list exactly the same tags."""

from __future__ import annotations

import re
from pathlib import Path

from vybory.crypto import tags

SPEC = Path(__file__).resolve().parents[2] / "docs" / "spec.md"
ROW = re.compile(r"^\|\s*`(VYBORY-V1-[A-Z0-9-]+)`\s*\|", re.MULTILINE)


def core_tag_table() -> str:
    text = SPEC.read_text()
    start = text.index("### 2.4 Domain tags")
    return text[start : text.index("\n## 3.", start)]


def test_registry_matches_the_spec_table() -> None:
    in_spec = ROW.findall(core_tag_table())
    assert len(in_spec) == len(set(in_spec)), "a tag is listed twice in docs/spec.md"
    assert set(in_spec) == set(tags.ALL)


def test_tags_are_distinct_and_versioned() -> None:
    values = [v for k, v in vars(tags).items() if k.isupper() and isinstance(v, str)]
    assert len(values) == len(set(values)) == len(tags.ALL)
    assert all(v.startswith("VYBORY-V1-") for v in values)


def test_every_tag_used_in_the_crypto_code_is_registered() -> None:
    source = "\n".join(p.read_text() for p in (SPEC.parents[1] / "vybory" / "crypto").glob("*.py"))
    used = set(re.findall(r'"(VYBORY-V1-[A-Z0-9-]+)"', source))
    assert used <= set(tags.ALL)
