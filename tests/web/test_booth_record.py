"""The board records which booth the server served when a round opened (round_opened.booth)."""

from __future__ import annotations

from typing import Any

import pytest
from booth_kit import SLUG, ready_to_vote

from vybory.errors import InvalidInput
from vybory.model.board import EventKind
from vybory.protocol import check_append
from vybory.protocol.rounds import open_round


def test_round_opened_records_the_booth(web_service: Any) -> None:
    web_service.booth_digest = "ab" * 32
    e = ready_to_vote(web_service)
    [event] = web_service.events(SLUG, kinds=["round_opened"])
    assert event.payload["booth"] == "ab" * 32
    assert e.state().rounds[1].number == 1


@pytest.mark.parametrize("booth", ["AB" * 32, "ab" * 31, "zz" * 32, 7])
def test_a_malformed_booth_digest_opens_no_round(web_service: Any, web_clock: Any, booth: Any) -> None:
    web_service.booth_digest = booth
    with pytest.raises(InvalidInput) as refused:
        ready_to_vote(web_service)
    assert refused.value.field == "booth"
    assert web_service.events(SLUG, kinds=["round_opened"]) == []
    # The same through the door every event passes: a payload naming a malformed booth is refused.
    web_service.booth_digest = None
    state = web_service.state(SLUG)
    payload = dict(open_round(state, now=web_clock()), booth=booth)
    with pytest.raises(InvalidInput):
        check_append(state, EventKind.ROUND_OPENED, payload, now=web_clock())
    check_append(state, EventKind.ROUND_OPENED, dict(payload, booth="ef" * 32), now=web_clock())
