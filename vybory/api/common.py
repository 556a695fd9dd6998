"""What the API's routers share: the service of the app, reading an election's state."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Annotated, Any, TypeVar

from fastapi import Path, Request

from vybory.protocol.state import ElectionState
from vybory.service import ElectionService

T = TypeVar("T")

MAX_POSITION = 2**53
"""The largest board position (or page) a request may name: far beyond any board, and within
the 64-bit integers every database stores, so a huge number is refused (422) before any query."""

Position = Annotated[int, Path(ge=1, le=MAX_POSITION, description="a board position (1 is the first event)")]


def service_of(request: Request) -> ElectionService:
    return request.app.state.service  # type: ignore[no-any-return]


def read_state(
    service: ElectionService, slug: str, view: Callable[[ElectionState, datetime], T]
) -> T:
    """``view(state, now)`` on the election's current state, inside one reading transaction.

    The state is the service's cached state: ``view`` must only read it.
    """
    with service.board.reading(slug, service.clock()) as context:
        return view(context.state, context.now)


def posted(items: Any) -> dict[str, Any]:
    """The JSON of what an operation appended (one event or several)."""
    if isinstance(items, list):
        return {"posted": [p.to_json() for p in items]}
    return {"posted": [items.to_json()]}
