"""The protocol's hash tags are written in docs/spec.md exactly as the code uses them."""

from __future__ import annotations

from pathlib import Path

from vybory.model.board import EVENT_TAG, EventKind
from vybory.protocol.credentials import CREDENTIAL_TAG
from vybory.protocol.decide import SEED_TAG

SPEC = (Path(__file__).resolve().parents[2] / "docs" / "spec.md").read_text()


def test_tags_are_in_the_spec():
    for tag in (EVENT_TAG, CREDENTIAL_TAG.decode(), SEED_TAG):
        assert f"`{tag}`" in SPEC


def test_every_event_kind_is_in_the_spec_table():
    for kind in EventKind:
        assert f"| `{kind.value}` |" in SPEC, kind
