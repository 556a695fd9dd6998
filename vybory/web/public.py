"""Public pages: the elections, one election's status, the board, the results, the record; login."""

from __future__ import annotations

import json
from itertools import islice
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Query, Request, UploadFile
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from vybory.api.auth import sessions_of
from vybory.api.common import MAX_POSITION, Position, read_state, service_of
from vybory.api.elections import MAX_LOGIN_BYTES, checked_login
from vybory.api.views import open_round_for, results_view
from vybory.api.voting import receipt_answer
from vybory.errors import InvalidInput, Refused
from vybory.model.board import Event, EventKind
from vybory.text import Text, say
from vybory.web import charts
from vybory.web.render import render, svg, translate

router = APIRouter(include_in_schema=False)

PAGE_SIZE = 50


def home_for(role: str) -> str:
    return {
        "commission": "/commission",
        "trustee": "/trustee",
        "organisation": "/organisation",
    }.get(role, "/")


@router.get("/", response_class=HTMLResponse)
def home(request: Request) -> HTMLResponse:
    elections = service_of(request).list_elections()
    return render(request, "home.html", elections=elections)


# --- login -------------------------------------------------------------------------


@router.get("/login", response_class=HTMLResponse)
def login_page(request: Request, next: str = "") -> HTMLResponse:
    return render(request, "login.html", next=_safe_next(next), failed=False)


def _safe_next(target: str) -> str:
    """Only a path on this site (no scheme, no host, no protocol-relative URL)."""
    if target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return ""


@router.post("/login", response_class=HTMLResponse, max_body_size=MAX_LOGIN_BYTES)
def login_submit(
    request: Request,
    username: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "",
    csrf_token: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = "",
) -> Response:
    sessions = sessions_of(request)
    sessions.check_csrf(request, csrf_token)
    found = checked_login(request, username, password)
    if found is None:
        return render(
            request,
            "login.html",
            status_code=401,
            next=_safe_next(next),
            failed=True,
            username=username,
        )
    sessions.start(request, found)
    return RedirectResponse(_safe_next(next) or home_for(found["role"]), status_code=303)


@router.post("/logout")
def logout(request: Request, csrf_token: Annotated[str, Form()] = "") -> Response:
    sessions = sessions_of(request)
    sessions.check_csrf(request, csrf_token)
    sessions.end(request)
    return RedirectResponse("/", status_code=303)


# --- one election ----------------------------------------------------------------------


def contests_view(state: Any) -> list[dict[str, Any]]:
    """Every contest with its district and its candidates (registered, or as the latest round lists them)."""
    d = state.definition
    out = []
    for c in d.contests:
        latest = None
        for number in sorted(state.rounds, reverse=True):
            if c.id in state.rounds[number].contests:
                latest = state.rounds[number].contests[c.id]
                break
        candidates = (
            list(latest.candidates)
            if latest
            else list(state.ballot_candidates.get(c.id, ())) or list(state.registered(c.id))
        )
        out.append(
            {
                "id": c.id,
                "title": c.title,
                "district": d.district(c.district).name,
                "method": c.method,
                "seats": c.seats,
                "candidates": candidates,
                "description": c.description,
            }
        )
    return out


@router.get("/elections/{slug}", response_class=HTMLResponse)
def election_page(slug: str, request: Request) -> HTMLResponse:
    service = service_of(request)
    status = service.status(slug)

    def view(state: Any, now: Any) -> dict[str, Any]:
        voting = [
            d.id
            for d in state.definition.districts
            if (r := open_round_for(state, d.id)) is not None and r.is_open_at(now)
        ]
        return {
            "contests": contests_view(state),
            "voting_districts": voting,
            "districts": {d.id: d.name for d in state.definition.districts},
            "trustees": [t.to_json() for t in state.definition.trustees],
            "threshold": state.threshold,
            "organisations": {o.id: o.name for o in state.definition.organisations},
            "decided": any(r.outcomes is not None for r in state.rounds.values()),
        }

    extra = read_state(service, slug, view)
    return render(request, "election.html", status=status, **extra)


# --- the board --------------------------------------------------------------------------


def event_summary(request: Request, event: Event) -> str:
    """One line saying what an event records (no secrets are ever on the board)."""
    p = event.payload
    k = event.kind
    if k is EventKind.ELECTION_DEFINED:
        return translate(
            request, "Election defined: %(title)s", title=p.get("definition", {}).get("title", "")
        )
    if k is EventKind.NOMINATION_SUBMITTED:
        return translate(
            request,
            "Nomination %(n)s: %(name)s by %(org)s for %(contest)s",
            n=p.get("nomination"),
            name=p.get("candidate", {}).get("name", ""),
            org=p.get("organisation"),
            contest=p.get("contest"),
        )
    if k is EventKind.CANDIDATE_REGISTERED:
        return translate(request, "Nomination %(n)s registered", n=p.get("nomination"))
    if k is EventKind.CANDIDATE_REFUSED:
        return translate(
            request,
            "Nomination %(n)s refused: %(reason)s",
            n=p.get("nomination"),
            reason=p.get("reason"),
        )
    if k is EventKind.APPEAL_LODGED:
        return translate(
            request,
            "Appeal on nomination %(n)s: %(grounds)s",
            n=p.get("nomination"),
            grounds=p.get("grounds"),
        )
    if k is EventKind.APPEAL_DECIDED:
        verdict = (
            translate(request, "upheld") if p.get("upheld") else translate(request, "rejected")
        )
        return translate(
            request,
            "Appeal on nomination %(n)s %(verdict)s: %(reason)s",
            n=p.get("nomination"),
            verdict=verdict,
            reason=p.get("reason"),
        )
    if k is EventKind.ROLL_PUBLISHED:
        voters = sum(d.get("voters", 0) for d in p.get("districts", []) if isinstance(d, dict))
        return translate(request, "Voter roll signed by the commission: %(n)s voters", n=voters)
    if k is EventKind.CREDENTIALS_PUBLISHED:
        return translate(
            request, "%(n)s public credentials published", n=len(p.get("credentials", []))
        )
    if k is EventKind.ROUND_OPENED:
        return translate(
            request,
            "Round %(n)s opened until %(until)s",
            n=p.get("round"),
            until=p.get("closes_at"),
        )
    if k is EventKind.BALLOT_CAST:
        return translate(
            request,
            "Ballot %(code)s (round %(n)s)",
            code=p.get("tracking_code", ""),
            n=p.get("ballot", {}).get("round"),
        )
    if k is EventKind.ROUND_CLOSED:
        return translate(request, "Round %(n)s closed", n=p.get("round"))
    if k in (
        EventKind.TRUSTEE_KEY,
        EventKind.DKG_COMMITMENT_HASH,
        EventKind.DKG_COMMITMENTS,
        EventKind.DKG_SHARES,
        EventKind.DKG_COMPLAINT,
        EventKind.DECRYPTION_SHARE,
    ):
        return translate(request, "From trustee number %(n)s", n=p.get("trustee"))
    if k is EventKind.ROLL_COMPLAINT:
        return translate(
            request,
            "Complaint about the roll: voter %(voter)s (%(district)s)",
            voter=p.get("voter", ""),
            district=p.get("district", ""),
        )
    if k is EventKind.ROLL_COMPLAINTS_ANSWERED:
        return translate(
            request,
            "The commission answered %(n)s complaint(s) about the roll",
            n=len(p.get("answers") or ()),
        )
    if k is EventKind.HEAD_WITNESSED:
        return translate(
            request,
            "Trustee number %(n)s witnessed the board up to event %(position)s",
            n=p.get("trustee"),
            position=p.get("position"),
        )
    if "round" in p:
        return translate(request, "Round %(n)s", n=p.get("round"))
    return ""


@router.get("/elections/{slug}/board", response_class=HTMLResponse)
def board_page(
    slug: str,
    request: Request,
    page: Annotated[int, Query(ge=1, le=MAX_POSITION // PAGE_SIZE)] = 1,
    code: str = "",
    kind: str = "",
) -> HTMLResponse:
    service = service_of(request)
    found = None
    searched = code.strip()
    if searched:
        try:
            found = service.find_ballot(slug, searched)
        except Refused as error:
            if error.code != "unknown_tracking_code":
                raise
    kinds = None
    if kind:
        try:
            kinds = (EventKind(kind).value,)
        except ValueError:
            raise InvalidInput(
                say("%(kind)s is not an event kind", kind=repr(kind)), field="kind", code="unknown_kind"
            ) from None
    start_index = (page - 1) * PAGE_SIZE
    with service.board.reading(slug, service.clock()) as ctx:
        head = ctx.head
        title = ctx.state.definition.title
        if kinds is None:
            events = list(
                service.board.events(
                    ctx.session,
                    ctx.election_id,
                    start=start_index + 1,
                    stop=start_index + 1 + PAGE_SIZE + 1,
                )
            )
        else:
            events = list(
                islice(
                    service.board.events(ctx.session, ctx.election_id, kinds=kinds),
                    start_index,
                    start_index + PAGE_SIZE + 1,
                )
            )
    more = len(events) > PAGE_SIZE
    events = events[:PAGE_SIZE]
    rows = [
        {
            "position": e.position,
            "kind": e.kind.value,
            "hash": e.hash.hex(),
            "summary": event_summary(request, e),
        }
        for e in events
    ]
    return render(
        request,
        "board.html",
        slug=slug,
        title=title,
        rows=rows,
        page=page,
        more=more,
        head=head,
        code=searched,
        found=found,
        kind=kind,
        kinds=[k.value for k in EventKind],
    )


MAX_RECEIPT_BYTES = 64 * 1024


@router.post("/elections/{slug}/receipt", response_class=HTMLResponse, max_body_size=MAX_RECEIPT_BYTES)
async def receipt_page(
    slug: str,
    request: Request,
    receipt: Annotated[str, Form()] = "",
    receipt_file: Annotated[UploadFile | None, File()] = None,
) -> HTMLResponse:
    """A voter pastes or uploads the receipt the booth gave: does it hold against the board now?"""
    text: str | bytes = receipt
    if receipt_file is not None and receipt_file.filename:
        text = await receipt_file.read()
    service = service_of(request)
    state = await run_in_threadpool(service.state, slug)
    answer = None
    problem = None
    try:
        answer = await run_in_threadpool(receipt_answer, service, slug, text)
    except InvalidInput as error:
        problem = error
    return render(
        request,
        "receipt.html",
        status_code=200 if problem is None else 422,
        slug=slug,
        title=state.definition.title,
        answer=answer,
        problem=problem,
        pasted=receipt if problem is not None else "",
    )


@router.get("/elections/{slug}/board/{position}", response_class=HTMLResponse)
def board_event_page(slug: str, position: Position, request: Request) -> HTMLResponse:
    events = service_of(request).events(slug, start=position, stop=position + 1)
    if not events:
        raise Refused(
            say("the board has no event at position %(position)s", position=position), field="position", code="no_event"
        )
    event = events[0]
    body = json.dumps(event.to_json(), indent=2, ensure_ascii=False)
    return render(
        request,
        "event.html",
        slug=slug,
        event=event,
        body=body,
        summary=event_summary(request, event),
    )


# --- results ---------------------------------------------------------------------------


def _chart_for(request: Request, result: dict[str, Any]) -> dict[str, Any]:
    """The bars (and the table rows) of one contest's result."""
    outcome = result["outcome"]
    method = result["method"]
    winners = set(result["winners"])
    runoff = set(result["runoff_candidates"])
    counts = result["counts"]
    bars: list[charts.Bar] = []
    if method == "for-against":
        for name in result["candidates"]:
            kind = "won" if name in winners else ""
            bars.append(
                charts.Bar(
                    translate(request, "%(name)s: for", name=name),
                    charts.parse_number(counts.get(f"{name}:for", 0)),
                    kind,
                )
            )
            bars.append(
                charts.Bar(
                    translate(request, "%(name)s: against", name=name),
                    charts.parse_number(counts.get(f"{name}:against", 0)),
                    "against",
                )
            )
    elif method == "motion":
        for choice in ("yes", "no", "abstain"):
            bars.append(
                charts.Bar(
                    translate(request, choice),
                    charts.parse_number(counts.get(choice, 0)),
                    "won" if choice == "yes" and result["status"] == "elected" else "",
                )
            )
    else:
        final = outcome["rounds"][0]["counts"] if outcome.get("rounds") else counts
        for name, value in final.items():
            kind = "won" if name in winners else "runoff" if name in runoff else ""
            bars.append(charts.Bar(name, charts.parse_number(value), kind))
        bars.sort(key=lambda b: -b.value)
    quota = None
    rounds = outcome.get("rounds") or []
    if rounds and rounds[0].get("quota") is not None and method not in ("for-against", "motion"):
        quota = charts.parse_number(rounds[0]["quota"])
    title = translate(request, "Votes in %(contest)s", contest=result["title"])
    chart = charts.bar_chart(
        bars,
        title,
        quota=quota,
        quota_label=translate(request, "needed: more than %(q)s", q=charts.number_text(quota))
        if quota is not None
        else "",
    )
    return {
        "svg": svg(chart),
        "bars": [(b.label, charts.number_text(b.value), b.kind) for b in bars],
    }


def _count_rounds(outcome: dict[str, Any]) -> dict[str, Any] | None:
    """A round-by-round table of a multi-round count (STV, IRV, ...): candidates x rounds."""
    rounds = outcome.get("rounds") or []
    if len(rounds) < 2:
        return None
    names: list[str] = []
    for r in rounds:
        for name in r["counts"]:
            if name not in names:
                names.append(name)
    table = []
    for name in names:
        cells = []
        for r in rounds:
            value = r["counts"].get(name)
            mark = (
                "elected"
                if name in r.get("elected", [])
                else "eliminated"
                if name in r.get("eliminated", [])
                else ""
            )
            cells.append(
                (None if value is None else charts.number_text(charts.parse_number(value)), mark)
            )
        table.append((name, cells))
    return {
        "rounds": [r["round"] for r in rounds],
        "rows": table,
        "notes": [(r["round"], Text.from_json(r.get("note_words")) or r.get("note", ""))
                  for r in rounds if r.get("note")],
    }


def decision_words(
    request: Request, result: dict[str, Any], next_round: dict[str, Any] | None
) -> str:
    """The decision in the page's language (the rule's own reason is shown beside it)."""
    names = ", ".join(result["winners"])
    status = result["status"]
    when = next_round["closes_at"] if next_round else ""
    number = next_round["round"] if next_round else ""
    if status == "elected":
        return (
            translate(request, "Elected: %(names)s.", names=names)
            if names
            else translate(request, "Decided.")
        )
    if status == "runoff_required":
        between = translate(request, " and ").join(result["runoff_candidates"])
        if result["winners"]:
            return translate(
                request,
                "Elected: %(names)s. For the seats left, no other candidate passed the "
                "required share of the valid votes: runoff between %(between)s in round %(round)s, "
                "voting until %(date)s.",
                names=names,
                between=between,
                round=number,
                date=when,
            )
        return translate(
            request,
            "No candidate passed the required share of the valid votes: runoff between "
            "%(between)s in round %(round)s, voting until %(date)s.",
            between=between,
            round=number,
            date=when,
        )
    if status == "repeat_required":
        return translate(
            request,
            "No decision: a repeat election with all registered candidates in round %(round)s, "
            "voting until %(date)s.",
            round=number,
            date=when,
        )
    return translate(request, "No decision.")


@router.get("/elections/{slug}/results", response_class=HTMLResponse)
def results_page(slug: str, request: Request) -> HTMLResponse:
    service = service_of(request)

    def view(state: Any, now: Any) -> dict[str, Any]:
        data = results_view(state)
        for body in data["rounds"]:
            if not body["decided"]:
                continue
            nxt = state.rounds.get(body["next_round"]) if body.get("next_round") else None
            next_info = (
                None
                if nxt is None
                else {
                    "round": nxt.number,
                    "closes_at": nxt.closes_at.strftime("%Y-%m-%d %H:%M UTC"),
                    "contests": list(nxt.contests),
                }
            )
            for result in body["results"]:
                in_next = (
                    next_info if next_info and result["contest"] in next_info["contests"] else None
                )
                result["words"] = decision_words(request, result, in_next)
                result["reason"] = (Text.from_json(result["outcome"].get("reason_words"))
                                    or result.get("reason"))
                result["chart"] = _chart_for(request, result)
                result["count_rounds"] = _count_rounds(result["outcome"])
                result["district_name"] = state.definition.district(result["district"]).name
        return data

    data = read_state(service, slug, view)
    return render(request, "results.html", slug=slug, data=data)


@router.get("/elections/{slug}/record")
async def record_download(slug: str, request: Request) -> Response:
    """The public record (the zip ``vybory export`` writes), for ``vybory verify``."""
    from vybory.web.record import record_response

    return await record_response(service_of(request), slug)
