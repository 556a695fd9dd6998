"""Commission pages: create elections, run nominations, logins, the roll, rounds and the count.

Every form carries the session's CSRF token; every action is one service
operation (one transaction). A refused action shows the page again with the
refusal in words; a successful one redirects back with a short notice.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from vybory.api.common import read_state, service_of
from vybory.api.elections import MAX_UPLOAD, read_required_upload, read_upload
from vybory.api.errors import ApiError, status_of
from vybory.errors import InvalidDefinition, InvalidInput, VyboryError
from vybory.model.canonical import parse_json
from vybory.model.definition import parse_definition, parse_roll
from vybory.protocol.keys import attempt_outcome
from vybory.protocol.rounds import voters_in_round
from vybory.rules import METHODS
from vybory.service import ElectionService
from vybory.text import say
from vybory.web.forms import (
    FIELD_LABELS,
    LISTS,
    MAX_FIELDS,
    METHOD_NAMES,
    METHOD_WORDS,
    TYPE_WORDS,
    Built,
    ElectionForm,
    FormRefused,
    build,
    by_field,
    label_of,
    zones,
)
from vybory.web.render import check_form, page_login, render

router = APIRouter(include_in_schema=False)

ManageAction = Callable[[ElectionService], Any]


@router.get("/commission", response_class=HTMLResponse)
def dashboard(request: Request) -> HTMLResponse:
    login = page_login(request, "commission")
    elections = [e for e in service_of(request).list_elections() if login.covers(e.slug)]
    return render(
        request, "commission/dashboard.html", elections=elections, central=login.election is None
    )


# --- creating an election ----------------------------------------------------------------


def _central_commission(request: Request) -> None:
    """Refuses (403) anyone but a login of the central commission (one bound to an election cannot
    create elections)."""
    if page_login(request, "commission").election is not None:
        raise ApiError(403, say("only the central commission creates elections"), code="forbidden")


def _new_page(
    request: Request,
    *,
    error: VyboryError | None = None,
    form: ElectionForm | None = None,
    status_code: int = 200,
    **extra: Any,
) -> HTMLResponse:
    _central_commission(request)
    return render(
        request,
        "commission/new.html",
        status_code=status_code,
        error=error,
        form=form or ElectionForm.new(),
        lists=LISTS,
        methods=METHOD_NAMES,
        method_words=METHOD_WORDS,
        method_options=method_options(),
        type_words=TYPE_WORDS,
        zones=zones(),
        field_problems=extra.pop("field_problems", {}),
        general_problems=extra.pop("general_problems", []),
        label_of=label_of,
        **extra,
    )


def method_options() -> dict[str, list[tuple[str, str]]]:
    """Each method's settings as the form lists them: name and default value."""
    out = {}
    for name in METHOD_NAMES:
        out[name] = [
            (key, "" if default is None else str(default).lower() if isinstance(default, bool) else str(default))
            for key, (_kind, default, _description) in METHODS[name].options.items()
            if key not in ("round", "withdrawn", "undeclared_write_in")
        ]
    return out


@router.get("/commission/elections/new", response_class=HTMLResponse)
def new_election(request: Request) -> HTMLResponse:
    return _new_page(request)


@router.post("/commission/elections/upload", response_class=HTMLResponse)
async def create_from_upload(
    request: Request,
    csrf_token: Annotated[str, Form()] = "",
    definition: Annotated[UploadFile | None, File()] = None,
    roll: Annotated[UploadFile | None, File()] = None,
) -> Response:
    _central_commission(request)
    check_form(request, csrf_token)
    try:
        text = await read_required_upload(
            definition, "definition", "choose the definition file (TOML)"
        )
        roll_text = await read_upload(roll, "roll")
        summary = service_of(request).create_election(
            text,
            roll_csv=roll_text,
            source=(definition.filename if definition else None) or "election.toml",
            roll_source=(roll.filename if roll is not None and roll.filename else "roll.csv"),
        )
    except VyboryError as error:
        return _new_page(request, error=error, status_code=status_of(error))
    return RedirectResponse(f"/commission/elections/{summary.slug}?done=created", status_code=303)


@router.post("/commission/elections/form", response_class=HTMLResponse)
async def create_from_form(request: Request) -> Response:
    """The form's buttons: add or remove a row, check, or create. Every answer but a created
    election shows the form again as it was typed, with each problem by its field."""
    _central_commission(request)
    # The kept roll (a hidden field) may be as large as a roll file; every row a form may have fits.
    posted = await request.form(max_fields=MAX_FIELDS, max_part_size=MAX_UPLOAD)
    check_form(request, str(posted.get("csrf_token", "")))
    action = str(posted.get("action") or "create")
    try:
        form = ElectionForm.of(posted)
    except VyboryError as error:
        return _new_page(request, error=error, status_code=status_of(error))
    upload = posted.get("roll")
    try:
        roll_text = (await read_upload(upload, "roll")
                     if upload is not None and not isinstance(upload, str) else None)
    except VyboryError as error:
        return _form_refused(request, form, error, None)
    if roll_text is not None:
        form = replace(form, roll=roll_text)
    verb, _, rest = action.partition(":")
    if verb in ("add", "remove"):
        try:
            if verb == "add":
                form = form.adding(rest)
            else:
                name, _, index = rest.partition(":")
                form = form.removing(name, int(index) if index.isdigit() else -1)
        except VyboryError as error:
            return _form_refused(request, form, error, None)
        return _new_page(request, form=form)
    built = None
    try:
        built = build(form)
        if verb == "check":
            definition = parse_definition(built.toml, source="the form")
            if form.roll:
                parse_roll(form.roll, definition)
            return _new_page(request, form=built.with_ids(form), checked=True, utc=built.utc)
        summary = service_of(request).create_election(
            built.toml, roll_csv=form.roll or None, source="the form"
        )
    except VyboryError as error:
        return _form_refused(request, form, error, built)
    return RedirectResponse(f"/commission/elections/{summary.slug}?done=created", status_code=303)


def _form_refused(
    request: Request, form: ElectionForm, error: VyboryError, built: Built | None
) -> HTMLResponse:
    """The form again, as typed, with the refusal's problems beside their fields."""
    general: list[Any] = []
    fields: dict[str, list[Any]]
    if isinstance(error, FormRefused):
        fields = error.fields
    elif isinstance(error, InvalidDefinition):
        found, general = by_field(error.problems, built)
        fields = dict(found)
    elif error.field and (error.field in FIELD_LABELS or error.field in LISTS):
        fields = {error.field: [error.message]}
    else:
        fields, general = {}, [error.message]
    return _new_page(
        request, error=error, form=built.with_ids(form) if built else form,
        status_code=status_of(error), field_problems=fields,
        general_problems=general, utc=built.utc if built else {},
    )


# --- one election ----------------------------------------------------------------------------


def manage_view(state: Any, now: Any) -> dict[str, Any]:
    d = state.definition
    keys = state.keys
    current = state.current_round
    voters = set() if current is None else voters_in_round(state, current)
    return {
        "definition": d,
        "contests": [
            {"id": c.id, "title": c.title, "district": c.district, "method": c.method}
            for c in d.contests
        ],
        "organisations": d.organisations,
        "trustees": [
            {
                "number": i,
                "id": t.id,
                "name": t.name,
                "organisation": t.organisation,
                "done": [
                    name
                    for name, held in (
                        ("messaging key", keys.messaging_keys),
                        ("commitment hash", keys.commitments),
                        ("commitments", keys.reveals),
                        ("shares", keys.shares),
                        ("complaints", keys.complaints),
                    )
                    if i in held
                ],
                "qualified": i in keys.qualified,
            }
            for i, t in enumerate(state.trustees, start=1)
        ],
        "key_step": keys.step(state.trustee_count),
        "key_attempt": state.attempt,
        # The failed or stalled attempt's outcome when the ceremony may be restarted (spec §5.8).
        "key_restart": attempt_outcome(state, now),
        "keys_done": keys.completed is not None,
        "credentials": len(state.credentials),
        "credentials_published": state.credentials_published,
        "roll": [line.to_json() for line in state.roll or ()],
        "public_roll": d.public_roll,
        "roll_complaints": [
            {"position": c.position, "kind": c.complaint.complaint, "voter": c.complaint.voter,
             "district": c.complaint.district, "reason": c.complaint.reason,
             "answer": None if c.answer is None else {"decision": c.answer.decision, "reason": c.answer.reason}}
            for c in sorted(state.complaints.values(), key=lambda c: c.position)
        ],
        "nominations_closed": state.nominations_closed,
        "phase": state.phase.value,
        "current": None
        if current is None
        else {
            "number": current.number,
            "closed": current.closed,
            "open_now": current.is_open_at(now),
            "opens_at": current.opens_at,
            "closes_at": current.closes_at,
            "ballots": current.ballots_cast,
            "counted": len(current.last_ballot),
            "voters": len(voters),
            "can_close": not current.closed
            and (now >= current.closes_at or voters <= set(current.last_ballot)),
            "tally": current.encrypted_tally is not None,
            "shares": sorted(current.shares),
            "decrypted": current.decrypted is not None,
            "decided": current.outcomes is not None,
            "next_round": bool(current.outcomes and current.outcomes.get("next_round")),
        },
        "threshold": state.threshold,
        "published": state.published,
        "contest_titles": {c.id: c.title for c in d.contests},
        "organisation_names": {o.id: o.name for o in d.organisations},
    }


def manage_page(
    request: Request, slug: str, *, error: VyboryError | None = None, status_code: int = 200
) -> HTMLResponse:
    page_login(request, "commission", slug)
    service = service_of(request)
    status = service.status(slug)
    view = read_state(service, slug, manage_view)
    return render(
        request,
        "commission/manage.html",
        status_code=status_code,
        slug=slug,
        status=status,
        error=error,
        **view,
    )


@router.get("/commission/elections/{slug}", response_class=HTMLResponse)
def manage(slug: str, request: Request) -> HTMLResponse:
    return manage_page(request, slug)


def confirmed(confirm: str) -> None:
    """An irreversible action (close, tally, publish) goes ahead only with its box ticked."""
    if confirm != "yes":
        raise InvalidInput(
            say("tick the box to confirm: this step cannot be undone"),
            field="confirm",
            code="confirmation_needed",
        )


def _act(
    request: Request,
    slug: str,
    csrf_token: str,
    action: ManageAction,
    done: str,
    anchor: str = "",
    confirm: str | None = None,
) -> Response:
    page_login(request, "commission", slug)
    check_form(request, csrf_token)
    try:
        if confirm is not None:
            confirmed(confirm)
        action(service_of(request))
    except VyboryError as error:
        return manage_page(request, slug, error=error, status_code=status_of(error))
    return RedirectResponse(
        f"/commission/elections/{slug}?done={done}{'#' + anchor if anchor else ''}", status_code=303
    )


@router.post("/commission/elections/{slug}/roll", response_class=HTMLResponse)
async def upload_roll(
    slug: str,
    request: Request,
    csrf_token: Annotated[str, Form()] = "",
    roll: Annotated[UploadFile | None, File()] = None,
    replace: Annotated[str, Form()] = "",
) -> Response:
    page_login(request, "commission", slug)
    check_form(request, csrf_token)
    try:
        text = await read_required_upload(
            roll, "roll", "choose the roll file (CSV: id,name,district,weight)"
        )
        service_of(request).import_roll(
            slug,
            text,
            source=(roll.filename if roll and roll.filename else "roll.csv"),
            replace=bool(replace),
        )
    except VyboryError as error:
        return manage_page(request, slug, error=error, status_code=status_of(error))
    return RedirectResponse(f"/commission/elections/{slug}?done=roll#roll", status_code=303)


@router.post("/commission/elections/{slug}/nominations", response_class=HTMLResponse)
def record_nomination(
    slug: str,
    request: Request,
    csrf_token: Annotated[str, Form()] = "",
    organisation: Annotated[str, Form()] = "",
    contest: Annotated[str, Form()] = "",
    name: Annotated[str, Form()] = "",
    consent: Annotated[str, Form()] = "",
    details: Annotated[str, Form()] = "",
) -> Response:
    extra = {"note": details.strip()} if details.strip() else None
    return _act(
        request,
        slug,
        csrf_token,
        lambda s: s.nominate(
            slug,
            organisation=organisation,
            contest=contest,
            name=name.strip(),
            consent=bool(consent),
            details=extra,
        ),
        "nominated",
        "nominations",
    )


@router.post("/commission/elections/{slug}/nominations/close", response_class=HTMLResponse)
def close_nominations(
    slug: str, request: Request, csrf_token: Annotated[str, Form()] = ""
) -> Response:
    return _act(
        request,
        slug,
        csrf_token,
        lambda s: s.close_nominations(slug),
        "nominations_closed",
        "nominations",
    )


@router.post(
    "/commission/elections/{slug}/nominations/{number}/register", response_class=HTMLResponse
)
def register_candidate(
    slug: str, number: int, request: Request, csrf_token: Annotated[str, Form()] = ""
) -> Response:
    return _act(
        request,
        slug,
        csrf_token,
        lambda s: s.register_candidate(slug, number),
        "registered",
        "nominations",
    )


@router.post(
    "/commission/elections/{slug}/nominations/{number}/refuse", response_class=HTMLResponse
)
def refuse_candidate(
    slug: str,
    number: int,
    request: Request,
    csrf_token: Annotated[str, Form()] = "",
    reason: Annotated[str, Form()] = "",
) -> Response:
    return _act(
        request,
        slug,
        csrf_token,
        lambda s: s.refuse_candidate(slug, number, reason.strip()),
        "refused",
        "nominations",
    )


@router.post(
    "/commission/elections/{slug}/nominations/{number}/appeal", response_class=HTMLResponse
)
def lodge_appeal(
    slug: str,
    number: int,
    request: Request,
    csrf_token: Annotated[str, Form()] = "",
    grounds: Annotated[str, Form()] = "",
) -> Response:
    return _act(
        request,
        slug,
        csrf_token,
        lambda s: s.lodge_appeal(slug, number, grounds.strip()),
        "appealed",
        "nominations",
    )


@router.post(
    "/commission/elections/{slug}/nominations/{number}/decide", response_class=HTMLResponse
)
def decide_appeal(
    slug: str,
    number: int,
    request: Request,
    csrf_token: Annotated[str, Form()] = "",
    upheld: Annotated[str, Form()] = "",
    reason: Annotated[str, Form()] = "",
) -> Response:
    return _act(
        request,
        slug,
        csrf_token,
        lambda s: s.decide_appeal(slug, number, upheld=upheld == "yes", reason=reason.strip()),
        "appeal_decided",
        "nominations",
    )


@router.post("/commission/elections/{slug}/logins", response_class=HTMLResponse)
def add_login(
    slug: str,
    request: Request,
    csrf_token: Annotated[str, Form()] = "",
    role: Annotated[str, Form()] = "",
    subject: Annotated[str, Form()] = "",
    username: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "",
) -> Response:
    def action(service: ElectionService) -> None:
        if role not in ("organisation", "trustee", "observer", "commission"):
            raise InvalidInput(say("%(role)s is not a role here", role=repr(role)), field="role", code="unknown_role")
        service.add_user(
            username,
            password,
            role,
            election=slug,
            subject=subject if role in ("organisation", "trustee") else None,
        )

    return _act(request, slug, csrf_token, action, "login_added", "logins")


@router.post("/commission/elections/{slug}/key-ceremony/complete", response_class=HTMLResponse)
def complete_keys(slug: str, request: Request, csrf_token: Annotated[str, Form()] = "") -> Response:
    return _act(
        request, slug, csrf_token, lambda s: s.complete_key_ceremony(slug), "keys_completed", "keys"
    )


@router.post("/commission/elections/{slug}/key-ceremony/restart", response_class=HTMLResponse)
async def restart_keys(
    slug: str,
    request: Request,
    csrf_token: Annotated[str, Form()] = "",
    statement: Annotated[UploadFile | None, File()] = None,
) -> Response:
    return await _post_signed(
        request, slug, csrf_token, statement, "statement",
        say("choose the signed restart (the file `vybory election restart-keys --out` wrote)"),
        lambda service, signed: service.restart_key_ceremony(slug, signed), "keys_restarted", "keys")


async def _post_signed(
    request: Request,
    slug: str,
    csrf_token: str,
    upload: UploadFile | None,
    field: str,
    missing: str,
    post: Callable[[ElectionService, dict[str, Any]], object],
    done: str,
    anchor: str,
) -> Response:
    """Posts a statement the commission (or the credential authority) signed on its own machine and
    uploads as a file: the service checks the signature, so the page trusts nothing in it."""
    page_login(request, "commission", slug)
    check_form(request, csrf_token)
    try:
        text = await read_required_upload(upload, field, missing)
        post(service_of(request), signed_statement(text, field))
    except VyboryError as error:
        return manage_page(request, slug, error=error, status_code=status_of(error))
    return RedirectResponse(f"/commission/elections/{slug}?done={done}#{anchor}", status_code=303)


def signed_statement(text: str, what: str) -> dict[str, Any]:
    """A payload signed on its owner's machine (the signed roll, the signed credential list), as
    the file the commission uploads holds it: one JSON object."""
    data = parse_json(text.strip(), field=what)
    if not isinstance(data, dict):
        raise InvalidInput(say("must be one JSON object, as vybory wrote it"), field=what, code="bad_statement_file")
    return data


@router.post("/commission/elections/{slug}/roll/signed", response_class=HTMLResponse)
async def publish_roll(
    slug: str,
    request: Request,
    csrf_token: Annotated[str, Form()] = "",
    statement: Annotated[UploadFile | None, File()] = None,
    roll: Annotated[UploadFile | None, File()] = None,
) -> Response:
    page_login(request, "commission", slug)
    check_form(request, csrf_token)
    try:
        text = await read_required_upload(
            statement, "statement", say("choose the signed roll (the file `vybory roll sign` wrote)")
        )
        roll_text = await read_upload(roll, "roll")
        service_of(request).publish_roll(
            slug,
            signed_statement(text, "statement"),
            roll_csv=roll_text,
            source=(roll.filename if roll is not None and roll.filename else "roll.csv"),
        )
    except VyboryError as error:
        return manage_page(request, slug, error=error, status_code=status_of(error))
    return RedirectResponse(f"/commission/elections/{slug}?done=roll_published#roll", status_code=303)


@router.post("/commission/elections/{slug}/roll/answers", response_class=HTMLResponse)
async def answer_roll_complaints(
    slug: str,
    request: Request,
    csrf_token: Annotated[str, Form()] = "",
    statement: Annotated[UploadFile | None, File()] = None,
) -> Response:
    return await _post_signed(
        request, slug, csrf_token, statement, "statement",
        say("choose the signed answer (the file `vybory roll answer --out` wrote)"),
        lambda service, signed: service.answer_roll_complaints(slug, signed), "roll_answered", "roll-complaints")


@router.post("/commission/elections/{slug}/credentials", response_class=HTMLResponse)
async def publish_credentials(
    slug: str,
    request: Request,
    csrf_token: Annotated[str, Form()] = "",
    credentials: Annotated[UploadFile | None, File()] = None,
) -> Response:
    return await _post_signed(
        request, slug, csrf_token, credentials, "credentials",
        say("choose the signed list of public credentials (credentials.json)"),
        lambda service, signed: service.publish_credentials(slug, signed), "credentials", "credentials")


@router.post("/commission/elections/{slug}/open", response_class=HTMLResponse)
def open_round(slug: str, request: Request, csrf_token: Annotated[str, Form()] = "") -> Response:
    return _act(request, slug, csrf_token, lambda s: s.open_round(slug), "opened", "rounds")


@router.post("/commission/elections/{slug}/close", response_class=HTMLResponse)
def close_round(
    slug: str,
    request: Request,
    csrf_token: Annotated[str, Form()] = "",
    confirm: Annotated[str, Form()] = "",
) -> Response:
    return _act(request, slug, csrf_token, lambda s: s.close_round(slug), "closed", "rounds", confirm=confirm)


def start_tally(service: ElectionService, slug: str) -> None:
    """Closes the current round if it is still open (at its deadline), then publishes the encrypted tally."""
    state_closed = read_state(
        service, slug, lambda state, now: state.current_round is None or state.current_round.closed
    )
    if not state_closed:
        service.close_round(slug)
    service.compute_tally(slug)


@router.post("/commission/elections/{slug}/tally", response_class=HTMLResponse)
def tally(
    slug: str,
    request: Request,
    csrf_token: Annotated[str, Form()] = "",
    confirm: Annotated[str, Form()] = "",
) -> Response:
    return _act(request, slug, csrf_token, lambda s: start_tally(s, slug), "tally", "rounds", confirm=confirm)


@router.post("/commission/elections/{slug}/decide", response_class=HTMLResponse)
def decide(slug: str, request: Request, csrf_token: Annotated[str, Form()] = "") -> Response:
    return _act(request, slug, csrf_token, lambda s: s.decide(slug), "decided", "rounds")


@router.post("/commission/elections/{slug}/publish", response_class=HTMLResponse)
def publish(
    slug: str,
    request: Request,
    csrf_token: Annotated[str, Form()] = "",
    confirm: Annotated[str, Form()] = "",
) -> Response:
    return _act(request, slug, csrf_token, lambda s: s.publish(slug), "published", "rounds", confirm=confirm)


@router.post("/commission/elections/{slug}/advance", response_class=HTMLResponse)
def advance(slug: str, request: Request, csrf_token: Annotated[str, Form()] = "") -> Response:
    return _act(request, slug, csrf_token, lambda s: s.advance(slug), "advanced", "waiting")
