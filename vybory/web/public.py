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
from vybory.api.elections import (
    MAX_COMPLAINT_BYTES,
    MAX_LOGIN_BYTES,
    NewComplaint,
    checked_login,
    file_roll_complaint,
)
from vybory.api.errors import status_of
from vybory.api.views import open_round_for, results_view, roll_view
from vybory.api.voting import receipt_answer
from vybory.errors import InvalidInput, Refused, VyboryError
from vybory.model.board import Event, EventKind
from vybory.model.layout import contest_seed
from vybory.rules.notes import ranked_words
from vybory.text import Text, say, say_plural
from vybory.web import charts
from vybory.web.render import render, svg, tell, translate
from vybory.web.vocabulary import N_

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


@router.get("/api-docs", response_class=HTMLResponse)
def api_page(request: Request) -> HTMLResponse:
    """The API for people who write programs: every operation of the OpenAPI description."""
    schema = request.app.openapi()
    operations = [
        {"method": method.upper(), "path": path, "summary": op.get("summary", ""),
         "tag": (op.get("tags") or [""])[0]}
        for path, item in schema.get("paths", {}).items()
        for method, op in item.items()
        if method in ("get", "post", "put", "patch", "delete")
    ]
    return render(request, "api.html", operations=operations, version=schema.get("info", {}).get("version", ""))


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
                "is_motion": c.is_motion,
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
            "trustees": [t.to_json() for t in state.trustees],
            "threshold": state.threshold,
            "organisations": {o.id: o.name for o in state.definition.organisations},
            "contest_titles": {c.id: c.title for c in state.definition.contests},
            "decided": any(r.outcomes is not None for r in state.rounds.values()),
            "public_roll": state.definition.public_roll,
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


def _roll_page(request: Request, slug: str, voter: str, *, status_code: int = 200, error: Any = None,
               filed: Any = None) -> HTMLResponse:
    def view(state: Any, now: Any) -> dict[str, Any]:
        roll = roll_view(state, voter.strip() or None)
        return {"title": state.definition.title, "roll": roll, "lookup": roll.pop("lookup", None),
                "districts": {d.id: d.name for d in state.definition.districts}}

    values = read_state(service_of(request), slug, view)
    return render(request, "roll.html", status_code=status_code, slug=slug, voter=voter, error=error, filed=filed,
                  **values)


@router.get("/elections/{slug}/roll", response_class=HTMLResponse)
def roll_page(slug: str, request: Request, voter: str = "") -> HTMLResponse:
    """The roll posted for inspection: look up a roll number, read the complaints and answers."""
    try:
        return _roll_page(request, slug, voter)
    except InvalidInput as error:
        return _roll_page(request, slug, "", status_code=422, error=error)


@router.post("/elections/{slug}/roll/complaints", response_class=HTMLResponse, max_body_size=MAX_COMPLAINT_BYTES)
def roll_complaint_page(
    slug: str,
    request: Request,
    complaint: Annotated[str, Form()] = "",
    voter: Annotated[str, Form()] = "",
    district: Annotated[str, Form()] = "",
    reason: Annotated[str, Form()] = "",
) -> HTMLResponse:
    """Files a complaint about the roll from the page (the API's rules and limits: the same body
    size, the same count per address)."""
    try:
        filed = file_roll_complaint(slug, NewComplaint(complaint=complaint, voter=voter, district=district,
                                                       reason=reason), request)
    except VyboryError as error:
        return _roll_page(request, slug, "", status_code=status_of(error), error=error)
    return _roll_page(request, slug, "", filed=filed)


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
        "notes": [(r["round"], Text.from_json(r.get("note_words")) or ranked_words(r.get("note", "")))
                  for r in rounds if r.get("note")],
    }


def _count_charts(request: Request, result: dict[str, Any]) -> list[tuple[int, Any]]:
    """One chart per count of a multi-round count (the votes each candidate holds in that count)."""
    out = []
    for r in result["outcome"]["rounds"]:
        bars = [charts.Bar(name, charts.parse_number(value),
                           "won" if name in r.get("elected", []) else "against" if name in r.get("eliminated", [])
                           else "")
                for name, value in r["counts"].items()]
        bars.sort(key=lambda b: -b.value)
        quota = charts.parse_number(r["quota"]) if r.get("quota") is not None else None
        title = translate(request, "Count %(n)s of %(contest)s", n=r["round"], contest=result["title"])
        out.append((r["round"], svg(charts.bar_chart(
            bars, title, quota=quota,
            quota_label=translate(request, "quota %(q)s", q=charts.number_text(quota)) if quota is not None
            else ""))))
    return out


def decision_words(
    request: Request, result: dict[str, Any], next_round: dict[str, Any] | None
) -> str:
    """The decision in the page's language (the rule's own reason is shown beside it)."""
    names = ", ".join(result["winners"])
    status = result["status"]
    when = next_round["closes_at"] if next_round else ""
    number = next_round["round"] if next_round else ""
    if result.get("method") == "motion":
        if status == "elected":
            return translate(request, "The motion is adopted.")
        if status == "no_decision":
            return translate(request, "The motion is rejected.")
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


TIE_RULES = {
    "previous_rounds": N_("It was settled by the counts of the earlier rounds (the rule's first step)."),
    "draw": N_("It was settled by the published draw: for each tied name, SHA-256 of the tag VYBORY-V1-TIE, the "
               "contest's draw seed, what the tie decides, the round and the name; the smallest goes first. The "
               "draw seed of this contest in this round is %(seed)s, made from the election's published seed "
               "%(election_seed)s (spec §15.1), so anyone can redo the draw."),
    "candidate_order": N_("It was settled by the order of the candidate list, as this contest's rules say."),
    "operator": N_("It was settled by the counting officer's choice, as this contest's rules allow."),
}


def tie_words(request: Request, tie: dict[str, Any], counts: list[dict[str, Any]], seed: str,
              election_seed: str) -> str:
    """One tie of a count in words: who was tied (on how many votes), what it decided, which rule."""
    tied = translate(request, " and ").join(tie["candidates"])
    chosen = ", ".join(tie["chosen"])
    votes = None
    for table in counts:  # the tie's own count, or the count before it (an exclusion decided on it)
        values = {charts.number_text(charts.parse_number(table[n])) for n in tie["candidates"] if n in table}
        if len(values) == 1 and all(n in table for n in tie["candidates"]):
            votes = values.pop()
            break
    purpose = tie["purpose"]
    # The plural form follows the number of votes; a fraction of a vote (an STV count) takes the
    # form of 2 ("2.5 votes", "2,5 голоса").
    num = int(votes) if votes is not None and votes.isdigit() else 2
    if purpose == "runoff":
        what = (tell(request, say_plural(
                    "%(tied)s were tied on %(votes)s vote for a place in the runoff; %(chosen)s went to the runoff.",
                    "%(tied)s were tied on %(votes)s votes for a place in the runoff; %(chosen)s went to the runoff.",
                    num, tied=tied, votes=votes, chosen=chosen))
                if votes is not None else
                translate(request, "%(tied)s were tied for a place in the runoff; %(chosen)s went to the "
                                   "runoff.", tied=tied, chosen=chosen))
    elif purpose == "eliminate":
        what = (tell(request, say_plural(
                    "%(tied)s were tied on %(votes)s vote, the fewest; %(chosen)s was excluded.",
                    "%(tied)s were tied on %(votes)s votes, the fewest; %(chosen)s was excluded.",
                    num, tied=tied, votes=votes, chosen=chosen))
                if votes is not None else
                translate(request, "%(tied)s were tied for exclusion; %(chosen)s was excluded.", tied=tied,
                          chosen=chosen))
    elif purpose == "elect":
        what = translate(request, "%(tied)s were tied for a seat; %(chosen)s took it.", tied=tied, chosen=chosen)
    else:
        what = translate(request, "%(tied)s were tied; the order settled was %(chosen)s.", tied=tied,
                         chosen=chosen)
    rule = TIE_RULES.get(tie["rule"])
    how = translate(request, rule, seed=seed, election_seed=election_seed) if rule else tie["rule"]
    return f"{what} {how}"


def _ties(request: Request, result: dict[str, Any], seed: str, election_seed: str) -> list[str]:
    rounds = result["outcome"].get("rounds") or []
    return [tie_words(request, tie, [r.get("counts", {})] + ([rounds[k - 1].get("counts", {})] if k else []),
                      seed, election_seed)
            for k, r in enumerate(rounds) for tie in r.get("ties") or []]


def _is_motion(result: dict[str, Any]) -> bool:
    return bool(result.get("method") == "motion")


def summary_words(request: Request, result: dict[str, Any]) -> str:
    """A contest's decision in a few words, for the summaries."""
    status = result["status"]
    if _is_motion(result):
        if status == "elected":
            return translate(request, "adopted")
        if status == "repeat_required":
            return translate(request, "to be voted again")
        return translate(request, "rejected")
    if status == "elected":
        return ", ".join(result["winners"]) or translate(request, "decided")
    if status == "runoff_required":
        elected = ", ".join(result["winners"])
        between = translate(request, " and ").join(result["runoff_candidates"])
        words = translate(request, "runoff: %(between)s", between=between)
        return f"{elected}; {words}" if elected else words
    if status == "repeat_required":
        return translate(request, "repeat election")
    return translate(request, "no decision")


def election_summary(request: Request, state: Any, data: dict[str, Any]) -> list[dict[str, Any]]:
    """Each contest's standing over the whole election: its latest decided result, or the round
    still to be voted or counted."""
    latest: dict[str, dict[str, Any]] = {}
    for body in data["rounds"]:
        if not body["decided"]:
            for contest in body.get("contests", []):
                latest[contest] = {"round": body["round"], "pending": True,
                                   "before": latest.get(contest, {}).get("result")}
            continue
        for result in body["results"]:
            latest[result["contest"]] = {"round": body["round"], "pending": False, "result": result}
    out = []
    for c in state.definition.contests:
        entry = latest.get(c.id)
        if entry is None:
            continue
        if entry["pending"]:
            words = translate(request, "round %(n)s not counted yet", n=entry["round"])
            if entry.get("before"):
                words = f"{summary_words(request, entry['before'])}; {words}"
            final = False
        else:
            words = summary_words(request, entry["result"])
            final = entry["result"]["status"] == "elected" or (c.is_motion
                                                                and entry["result"]["status"] == "no_decision")
        out.append({"contest": c.id, "title": c.title, "district": state.definition.district(c.district).name,
                    "words": words, "round": entry["round"], "final": final})
    return out


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
                                    or ranked_words(result.get("reason") or ""))
                result["chart"] = _chart_for(request, result)
                result["count_rounds"] = _count_rounds(result["outcome"])
                if result["count_rounds"]:
                    result["count_rounds"]["charts"] = _count_charts(request, result)
                result["district_name"] = state.definition.district(result["district"]).name
                result["ties"] = _ties(request, result,
                                       contest_seed(state.definition, result["contest"], body["round"]).hex(),
                                       state.definition.seed)
                result["summary"] = summary_words(request, result)
                result["is_motion"] = _is_motion(result)
        data["summary"] = election_summary(request, state, data)
        return data

    data = read_state(service, slug, view)
    return render(request, "results.html", slug=slug, data=data)


@router.get("/elections/{slug}/results.json")
def results_json_download(slug: str, request: Request) -> Response:
    """The declared outcomes as on the board (vybory.web.downloads), as a JSON file."""
    from vybory.web.downloads import results_json

    body = json.dumps(results_json(service_of(request), slug), indent=2, ensure_ascii=False) + "\n"
    return Response(body, media_type="application/json",
                    headers={"content-disposition": f'attachment; filename="{slug}-results.json"'})


@router.get("/elections/{slug}/results.csv")
def results_csv_download(slug: str, request: Request) -> Response:
    """The declared outcomes as on the board, one line per contest and selection (CSV, UTF-8)."""
    from vybory.web.downloads import results_csv, results_json

    service = service_of(request)
    data = results_json(service, slug)
    titles = read_state(service, slug, lambda state, now: {
        c.id: (c.title, state.definition.district(c.district).name) for c in state.definition.contests})
    return Response("\ufeff" + results_csv(data, titles), media_type="text/csv; charset=utf-8",
                    headers={"content-disposition": f'attachment; filename="{slug}-results.csv"'})


@router.get("/elections/{slug}/record")
async def record_download(slug: str, request: Request) -> Response:
    """The public record (the zip ``vybory export`` writes), for ``vybory verify``."""
    from vybory.web.record import record_response

    return await record_response(service_of(request), slug)
