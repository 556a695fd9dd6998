"""The verifier's table of ciphertext digests (check 9) against a dict, and its size."""

from __future__ import annotations

import hashlib
import random

import pytest

from vybory.verify.digests import DigestTable


def digest(i: int) -> bytes:
    return hashlib.sha256(i.to_bytes(8, "big")).digest()[:16]


def test_the_table_answers_as_a_dict_does_through_every_growth() -> None:
    table, oracle = DigestTable(), {}
    draw = random.Random(7)
    for step in range(30_000):
        d = digest(draw.randrange(20_000))
        assert table.get(d) == oracle.get(d)
        table.put(d, step + 1)
        oracle[d] = step + 1
    assert len(table) == len(oracle) > 10_000
    assert table.capacity > 4 * 1024  # it grew
    assert all(table.get(d) == p for d, p in oracle.items())
    assert table.get(digest(99_999)) is None and digest(99_999) not in table


def test_digests_that_share_their_first_eight_bytes_are_kept_apart() -> None:
    table = DigestTable(capacity=16)
    same_start = [bytes(8) + i.to_bytes(8, "big") for i in range(12)]  # all in one slot's run
    for i, d in enumerate(same_start):
        table.put(d, i + 1)
    assert [table.get(d) for d in same_start] == list(range(1, 13))
    assert table.get(bytes(8) + (99).to_bytes(8, "big")) is None


def test_two_hundred_thousand_digests_take_under_sixty_bytes_each() -> None:
    table = DigestTable()
    for i in range(200_000):
        table.put(digest(i), i + 1)
    assert table.nbytes() / len(table) < 60  # a dict of ints took about 130


def test_positions_past_four_billion_are_kept() -> None:
    table = DigestTable()
    table.put(digest(1), 3)
    table.put(digest(2), 2**40)
    assert table.get(digest(1)) == 3 and table.get(digest(2)) == 2**40


def test_bad_digests_and_positions_are_refused() -> None:
    table = DigestTable()
    with pytest.raises(ValueError, match="16 bytes"):
        table.put(b"short", 1)
    with pytest.raises(ValueError, match="start at 1"):
        table.put(digest(1), 0)
    assert len(table) == 0
