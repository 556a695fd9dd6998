"""API: the booth's view, casting ballots, looking up tracking codes, the board, and rounds."""

from __future__ import annotations

from itertools import islice
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response, StreamingResponse
from pydantic import BaseModel

from vybory.api.auth import Login, api_login, require_commission
from vybory.api.common import MAX_POSITION, Position, posted, read_state, service_of
from vybory.api.errors import ApiError
from vybory.api.throttle import throttles_of
from vybory.api.views import booth_view
from vybory.errors import InvalidBallot, InvalidInput, Refused, VyboryError
from vybory.model.board import EventKind
from vybory.model.canonical import canonical_json
from vybory.text import Text, say

router = APIRouter(prefix="/api")

MAX_BALLOT_BYTES = 8 * 1024 * 1024
MAX_PAGE = 500


class RoundChoice(BaseModel):
    round: int | None = None


BALLOT_SCHEMA: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {
                "schema": {
                    "type": "object",
                    "description": "A ballot as vybory.model.ballot defines it (docs/spec.md, Ballots): format, "
                    "version, election, round, credential, contests, signature.",
                    "required": [
                        "format",
                        "version",
                        "election",
                        "round",
                        "credential",
                        "contests",
                        "signature",
                    ],
                }
            }
        },
    }
}


@router.get("/elections/{slug}/booth", tags=["voting"])
def booth(slug: str, request: Request, district: str | None = None) -> dict[str, Any]:
    """What the booth needs to make a ballot: key, fingerprint, and per district the open round's
    contests with their selection layouts (docs/api.md)."""

    def view(state: Any, now: Any) -> dict[str, Any]:
        if district is not None and not state.definition.has_district(district):
            raise InvalidInput(
                say("%(district)s is not a district of this election", district=repr(district)),
                field="district",
                code="unknown_district",
            )
        return booth_view(state, now, district=district)

    return read_state(service_of(request), slug, view)


PREFIX_DIGITS = 4


@router.get("/elections/{slug}/credentials", tags=["voting"])
def credentials_by_prefix(slug: str, request: Request, prefix: str = "") -> dict[str, Any]:
    """The published public credentials whose hex begins with ``prefix`` (4 hexadecimal digits),
    with their district and weight: the booth checks that the voter's credential is on the list,
    and in which district, before the ballot is signed, telling the server only 16 bits of it
    (docs/api.md)."""
    wanted = prefix.strip().lower()
    if len(wanted) != PREFIX_DIGITS or any(ch not in "0123456789abcdef" for ch in wanted):
        raise InvalidInput(say("must be %(digits)s hexadecimal digits, the start of a public credential",
                               digits=PREFIX_DIGITS), field="prefix", code="bad_prefix")

    def view(state: Any, now: Any) -> dict[str, Any]:
        if not state.credentials_published:
            raise Refused(say("the credentials are not published"), field="credentials",
                          code="credentials_not_published")
        found = [{"credential": c, "district": state.credentials[c].district, "weight": state.credentials[c].weight}
                 for c in state.credentials_starting(wanted)]
        return {"prefix": wanted, "credentials": found}

    return read_state(service_of(request), slug, view)


@router.post(
    "/elections/{slug}/ballots",
    tags=["voting"],
    status_code=201,
    openapi_extra=BALLOT_SCHEMA,
    max_body_size=MAX_BALLOT_BYTES,
)
async def cast_ballot(slug: str, request: Request) -> dict[str, Any]:
    """Casts an encrypted, signed ballot; returns the receipt (tracking code, board position).

    Refused (422 or 409, nothing stored) unless the signature and every proof
    verify, the credential is listed, the round is open, nothing is replayed.
    """
    throttles = throttles_of(request)
    throttles.check_guess(request, "ballot")
    raw = await request.body()  # at most MAX_BALLOT_BYTES: a longer body is refused (413) while it streams
    try:
        if not raw.strip():
            raise InvalidInput(say("send the ballot as a JSON object"), field="ballot", code="empty_body")
        receipt = await run_in_threadpool(service_of(request).cast_ballot, slug, raw)
    except Refused as error:
        throttles.guess_failed(request)
        if error.code == "no_such_round":  # about the ballot's content, not the address
            raise InvalidBallot(error.message, field="ballot.round", code=error.code) from None
        raise
    except VyboryError:
        throttles.guess_failed(request)
        raise
    return receipt.to_json()


@router.get("/elections/{slug}/ballots/{tracking_code}", tags=["voting"])
def find_ballot(slug: str, tracking_code: str, request: Request) -> dict[str, Any]:
    """Where a tracking code is on the board and whether that ballot still counts."""
    throttles = throttles_of(request)
    throttles.check_guess(request, "tracking_code")
    try:
        return service_of(request).find_ballot(slug, tracking_code).to_json()
    except VyboryError:
        throttles.guess_failed(request)
        raise


MAX_RECEIPT_BYTES = 16 * 1024


def receipt_answer(service: Any, slug: str, receipt: str | bytes) -> dict[str, Any]:
    """Whether a voter's receipt holds against the board as it is now (docs/api.md)."""
    claim, findings, head = service.check_receipt(slug, receipt)
    return {"holds": not findings, "position": claim.position, "tracking_code": claim.tracking_code,
            "findings": [{"code": f.code, "message": f.message,
                          **({"words": f.message.to_json()} if isinstance(f.message, Text) else {})}
                         for f in findings], "head": head.to_json()}


@router.post("/elections/{slug}/receipt", tags=["voting"], max_body_size=MAX_RECEIPT_BYTES)
async def check_receipt(slug: str, request: Request) -> dict[str, Any]:
    """Checks a voter's receipt (the JSON returned on casting) against the current board: its event
    is at its position with its hash, the hash before it and the head it names (docs/spec.md §10.1a)."""
    raw = await request.body()
    return await run_in_threadpool(receipt_answer, service_of(request), slug, raw)


@router.get("/elections/{slug}/board", tags=["board"])
def board_page(
    slug: str,
    request: Request,
    start: Annotated[int, Query(ge=1, le=MAX_POSITION)] = 1,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 50,
    kind: Annotated[list[str] | None, Query(description="only events of these kinds")] = None,
) -> dict[str, Any]:
    """A page of the board: up to ``limit`` events from position ``start`` on."""
    kinds: tuple[str, ...] | None = None
    if kind:
        for k in kind:
            try:
                EventKind(k)
            except ValueError:
                raise InvalidInput(
                    say("%(k)s is not an event kind", k=repr(k)), field="kind", code="unknown_kind"
                ) from None
        kinds = tuple(kind)
    service = service_of(request)
    with service.board.reading(slug, service.clock()) as ctx:
        head = ctx.head
        assert head is not None  # an election always has its first event
        events = list(
            islice(
                service.board.events(ctx.session, ctx.election_id, start=start, kinds=kinds), limit
            )
        )
    following = (
        events[-1].position + 1
        if len(events) == limit and events[-1].position < head.position
        else None
    )
    return {
        "election": slug,
        "head": {"position": head.position, "hash": head.hash.hex()},
        "start": start,
        "limit": limit,
        "events": [e.to_json() for e in events],
        "next": following,
    }


@router.get("/elections/{slug}/board/{position}", tags=["board"])
def board_event(slug: str, position: Position, request: Request) -> dict[str, Any]:
    events = service_of(request).events(slug, start=position, stop=position + 1)
    if not events:
        raise ApiError(
            404, say("the board has no event at position %(position)s", position=position), code="no_event", field="position"
        )
    return events[0].to_json()


@router.get("/elections/{slug}/board.jsonl", tags=["board"])
def board_download(slug: str, request: Request) -> StreamingResponse:
    """The whole board, one event per line (the record's event format)."""
    service = service_of(request)
    service.head(slug)  # refuses an unknown election before the stream starts

    def lines() -> Any:
        for event in service.iter_events(slug):
            yield canonical_json(event.to_json()) + b"\n"

    return StreamingResponse(
        lines(),
        media_type="application/x-ndjson",
        headers={"content-disposition": f'attachment; filename="{slug}-board.jsonl"'},
    )


@router.get("/elections/{slug}/record", tags=["board"])
async def record_download(slug: str, request: Request) -> Response:
    """The public record: the zip ``vybory export`` writes (board events and definition), for ``vybory verify``."""
    from vybory.web.record import record_response

    return await record_response(service_of(request), slug)


@router.post("/elections/{slug}/rounds/open", tags=["rounds"])
def open_round(
    slug: str, request: Request, login: Annotated[Login, Depends(api_login)]
) -> dict[str, Any]:
    """Opens round 1 (nominations closed, key ceremony completed, credentials published)."""
    require_commission(login, slug)
    return posted(service_of(request).open_round(slug))


@router.post("/elections/{slug}/rounds/close", tags=["rounds"])
def close_round(
    slug: str,
    request: Request,
    login: Annotated[Login, Depends(api_login)],
    body: RoundChoice | None = None,
) -> dict[str, Any]:
    """Closes a round (the current one by default) at its deadline."""
    require_commission(login, slug)
    return posted(service_of(request).close_round(slug, None if body is None else body.round))


@router.post("/elections/{slug}/advance", tags=["rounds"])
def advance(
    slug: str, request: Request, login: Annotated[Login, Depends(api_login)]
) -> dict[str, Any]:
    """Does what the deadlines call for now (close nominations, open round 1, close a round)."""
    require_commission(login, slug)
    return posted(service_of(request).advance(slug))


__all__ = ["router"]
