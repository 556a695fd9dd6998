"""The shape of a payload: a payload that lacks a field or has an extra one is named, not crashed on."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


class Malformed(Exception):
    """A payload that does not have the shape of its kind (reported as a finding, never raised out)."""


def need(payload: Mapping[str, Any], fields: set[str] | frozenset[str], kind: str) -> None:
    """Raises :class:`Malformed` unless ``payload`` has exactly ``fields`` (and, in a signed kind,
    ``signed``, whose check is the signature's, spec §10.5)."""
    if set(payload) - {"signed"} != set(fields) - {"signed"}:
        raise Malformed(f"a {kind} payload must have exactly the fields {', '.join(sorted(fields))}")


__all__ = ["Malformed", "need"]
