"""Canonical JSON writes plain values directly and everything else through the careful copy: both
ways give the same bytes, and a value JSON cannot carry exactly is refused either way."""

from __future__ import annotations

from collections import OrderedDict
from types import MappingProxyType

import pytest
from hypothesis import given
from hypothesis import strategies as st

from vybory.errors import InvalidEncoding
from vybory.model.canonical import MAX_SAFE_INTEGER, _check, _plain, canonical_json

plain = st.recursive(
    st.none() | st.booleans() | st.integers(-MAX_SAFE_INTEGER, MAX_SAFE_INTEGER) | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6), inner, max_size=4),
    max_leaves=20)


@given(plain)
def test_plain_values_are_written_as_the_careful_copy_writes_them(value) -> None:  # type: ignore[no-untyped-def]
    assert _plain(value)
    import json

    careful = json.dumps(_check(value, ""), sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                         allow_nan=False).encode()
    assert canonical_json(value) == careful


@pytest.mark.parametrize("value", [
    {"a": [1, {"b": 1.5}]}, {"a": (MAX_SAFE_INTEGER + 1,)}, {1: "x"}, {"a": b"bytes"}, [float("nan")]])
def test_values_json_cannot_carry_are_refused_naming_where(value) -> None:  # type: ignore[no-untyped-def]
    assert not _plain(value)
    with pytest.raises(InvalidEncoding) as caught:
        canonical_json(value)
    assert str(caught.value)


def test_other_mappings_and_tuples_take_the_careful_way_to_the_same_bytes() -> None:
    value = {"z": (1, 2), "a": MappingProxyType({"y": True, "b": None}), "m": OrderedDict(k="v")}
    assert not _plain(value)
    assert canonical_json(value) == b'{"a":{"b":null,"y":true},"m":{"k":"v"},"z":[1,2]}'
