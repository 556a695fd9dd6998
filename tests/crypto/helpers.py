"""Field-by-field tampering of proof values, for the negative tests."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator

from vybory.crypto.group import Point, Scalar

ONE = Scalar.from_int(1)


def tamper(value: object, path: str = "") -> Iterator[tuple[str, object]]:
    """Every single-field change of a proof value: each Point moved by g, each Scalar plus 1.

    Yields (path of the changed field, the changed value). Recurses into dataclasses and tuples.
    """
    if isinstance(value, Point):
        yield path, value + Point.GENERATOR
    elif isinstance(value, Scalar):
        yield path, value + ONE
    elif isinstance(value, tuple):
        for i, item in enumerate(value):
            for sub, changed in tamper(item, f"{path}[{i}]"):
                yield sub, value[:i] + (changed,) + value[i + 1 :]
    elif dataclasses.is_dataclass(value):
        for f in dataclasses.fields(value):
            for sub, changed in tamper(getattr(value, f.name), f"{path}.{f.name}"):
                yield sub, dataclasses.replace(value, **{f.name: changed})
