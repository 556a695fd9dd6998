"""Trustee pages (the key ceremony and decryption, step by step) and organisation pages (nominations).

A trustee's key file never reaches the server: every step is computed on the
trustee's machine (``vybory trustee ...`` with database access, or
``python -m vybory.web.offline`` on a machine that stays offline, or the
booth's in-browser decryption widget) and only the public message is posted
here, as a file.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, PlainTextResponse, RedirectResponse, Response

from vybory.api.common import read_state, service_of
from vybory.api.elections import read_required_upload
from vybory.api.errors import ApiError, status_of
from vybory.errors import InvalidInput, VyboryError
from vybory.model.board import EventKind
from vybory.service.elections import TRUSTEE_STEPS
from vybory.text import say
from vybory.web.offline import read_message
from vybory.web.render import check_form, page_login, render, translate
from vybory.web.vocabulary import N_

router = APIRouter(include_in_schema=False)

KEY_STEPS = (
    ("keygen", EventKind.TRUSTEE_KEY, N_("Create your key file and publish your messaging key")),
    (
        "commit",
        EventKind.DKG_COMMITMENT_HASH,
        N_("Publish the hash of your coefficient commitments"),
    ),
    (
        "reveal",
        EventKind.DKG_COMMITMENTS,
        N_("Reveal your coefficient commitments (once every trustee has committed)"),
    ),
    (
        "shares",
        EventKind.DKG_SHARES,
        N_("Send the encrypted key shares (once every trustee has revealed)"),
    ),
    (
        "complain",
        EventKind.DKG_COMPLAINT,
        N_("Check the shares you received and file complaints, if any"),
    ),
)


def _trustee_view(state: Any, now: Any, trustee_id: str) -> dict[str, Any]:
    index = state.trustee_index(trustee_id)
    keys = state.keys
    held = {
        EventKind.TRUSTEE_KEY: keys.messaging_keys,
        EventKind.DKG_COMMITMENT_HASH: keys.commitments,
        EventKind.DKG_COMMITMENTS: keys.reveals,
        EventKind.DKG_SHARES: keys.shares,
        EventKind.DKG_COMPLAINT: keys.complaints,
    }
    n = state.trustee_count
    ready = {
        EventKind.TRUSTEE_KEY: True,
        EventKind.DKG_COMMITMENT_HASH: index in keys.messaging_keys,
        EventKind.DKG_COMMITMENTS: len(keys.commitments) == n and len(keys.messaging_keys) == n,
        EventKind.DKG_SHARES: len(keys.reveals) == n,
        EventKind.DKG_COMPLAINT: len(keys.shares) == n,
    }
    steps = []
    for number, (command, kind, words) in enumerate(KEY_STEPS):
        done = index in held[kind]
        waiting_for = [
            state.trustees[j - 1].name
            for j in range(1, n + 1)
            if j != index and j not in held[kind]
        ]
        steps.append(
            {
                "number": number,
                "command": command,
                "kind": kind.value,
                "words": words,
                "done": done,
                "ready": ready[kind] and not done and keys.completed is None,
                "others": waiting_for,
            }
        )
    rounds = []
    for number in sorted(state.rounds):
        rnd = state.rounds[number]
        if rnd.encrypted_tally is None:
            continue
        rounds.append(
            {
                "number": number,
                "posted": index in rnd.shares,
                "shares": len(rnd.shares),
                "decrypted": rnd.decrypted is not None,
            }
        )
    witnessed = state.witnesses.get(index)
    return {
        "phase_change": None if state.phase_change is None else
        {"position": state.phase_change[0], "phase": state.phase_change[1]},
        "witnessed": None if witnessed is None else {"position": witnessed[0], "hash": witnessed[1]},
        "witness_due": state.phase_change is not None and (witnessed is None
                                                          or witnessed[0] < state.phase_change[0]),
        "trustee": state.trustees[index - 1],
        "index": index,
        "steps": steps,
        "completed": keys.completed is not None,
        "qualified": index in keys.qualified,
        "public_key": None if state.public_key is None else state.public_key.to_hex(),
        "rounds": rounds,
        "threshold": state.threshold,
        "title": state.definition.title,
        "fingerprint": state.fingerprint.hex(),
    }


def _home(request: Request, role: str) -> Response:
    """The home of a trustee's or an organisation's login: the page of the election it names."""
    login = page_login(request, role)
    if login.election:
        return RedirectResponse(f"/{role}/elections/{login.election}", status_code=303)
    raise ApiError(403, say("this %(role)s login names no election", role=role), code="forbidden")


@router.get("/trustee", response_class=HTMLResponse)
def trustee_home(request: Request) -> Response:
    return _home(request, "trustee")


def trustee_page(
    request: Request, slug: str, *, error: VyboryError | None = None, status_code: int = 200
) -> HTMLResponse:
    login = page_login(request, "trustee", slug)
    view = read_state(
        service_of(request), slug, lambda state, now: _trustee_view(state, now, login.subject)
    )
    return render(
        request,
        "trustee/steps.html",
        status_code=status_code,
        slug=slug,
        error=error,
        instructions=instructions_text(request, slug, login.subject),
        **view,
    )


@router.get("/trustee/elections/{slug}", response_class=HTMLResponse)
def trustee_steps(slug: str, request: Request) -> HTMLResponse:
    return trustee_page(request, slug)


def instructions_text(request: Request, slug: str, trustee_id: str | None) -> str:
    """What to run, step by step, on the trustee's own machine."""
    base = str(request.base_url).rstrip("/")
    key = f"{trustee_id}-key.json"
    t = lambda text, **values: translate(request, text, **values)
    lines = [
        t(
            "Trustee instructions for election %(slug)s (trustee %(trustee)s)",
            slug=slug,
            trustee=trustee_id,
        ),
        "",
        t(
            "Your key file never leaves your machine. Each step makes one public message; post it here: "
            "%(url)s",
            url=f"{base}/trustee/elections/{slug}",
        ),
        "",
        t("A. On an offline machine (vybory installed, no network):"),
        t(
            "   1. On a connected machine, download the board: %(url)s",
            url=f"{base}/api/elections/{slug}/board.jsonl",
        ),
        t(
            "      and carry board.jsonl to the offline machine. Download it again before every step."
        ),
        t("   2. Run the step:"),
        (
            f"      python -m vybory.web.offline keygen   --board board.jsonl --trustee {trustee_id} "
            f"--identity identity.json --key {key} --out message.json"
        ),
        f"      python -m vybory.web.offline commit   --board board.jsonl --key {key} --out message.json",
        f"      python -m vybory.web.offline reveal   --board board.jsonl --key {key} --out message.json",
        f"      python -m vybory.web.offline shares   --board board.jsonl --key {key} --out message.json",
        f"      python -m vybory.web.offline complain --board board.jsonl --key {key} --out message.json",
        f"      python -m vybory.web.offline decrypt  --board board.jsonl --key {key} --out share.json",
        t("   3. Carry message.json (or share.json) back and upload it on your trustee page."),
        t("   To decrypt in this browser instead, first store your secret share in the key file:"),
        f"      python -m vybory.web.offline finish   --board board.jsonl --key {key}",
        "",
        t(
            "B. On a machine that reaches the election's database (the `vybory trustee` commands post directly):"
        ),
        f"      vybory trustee keygen {slug} --trustee {trustee_id} --identity identity.json --key {key} --db URL",
        f"      vybory trustee commit {slug} --key {key} --db URL",
        f"      vybory trustee reveal {slug} --key {key} --db URL",
        f"      vybory trustee shares {slug} --key {key} --db URL",
        f"      vybory trustee check {slug} --key {key} --db URL",
        f"      vybory trustee complain {slug} --key {key} --db URL",
        f"      vybory trustee decrypt {slug} --key {key} --db URL",
        "",
        t(
            "Each step waits for the other trustees' previous step: the page shows who has not yet acted."
        ),
    ]
    return "\n".join(lines) + "\n"


@router.get("/trustee/elections/{slug}/instructions.txt")
def instructions(slug: str, request: Request) -> PlainTextResponse:
    login = page_login(request, "trustee", slug)
    service_of(request).head(slug)
    return PlainTextResponse(
        instructions_text(request, slug, login.subject),
        headers={
            "content-disposition": f'attachment; filename="{slug}-{login.subject}-instructions.txt"'
        },
    )


@router.post("/trustee/elections/{slug}/messages", response_class=HTMLResponse)
async def post_message(
    slug: str,
    request: Request,
    csrf_token: Annotated[str, Form()] = "",
    message: Annotated[UploadFile | None, File()] = None,
) -> Response:
    login = page_login(request, "trustee", slug)
    check_form(request, csrf_token)
    service = service_of(request)
    try:
        text = await read_required_upload(
            message, "message", "choose the message file your machine made"
        )
        fingerprint, index = read_state(
            service,
            slug,
            lambda state, now: (state.fingerprint.hex(), state.trustee_index(login.subject)),
        )
        kind, payload = read_message(text, fingerprint)
        if payload.get("trustee") != index:
            raise ApiError(
                403,
                say("this message is from trustee number %(trustee)s; you are number %(index)s", trustee=repr(payload.get('trustee')), index=index),
                code="not_your_message",
                field="payload.trustee",
            )
        if kind == EventKind.DECRYPTION_SHARE.value:
            service.submit_decryption_share(slug, payload)
            done = "share"
        elif kind in {k.value for k in TRUSTEE_STEPS}:
            service.submit_trustee_step(slug, kind, payload)
            done = "posted"
        else:
            raise InvalidInput(
                say("%(kind)s is not a trustee's message", kind=repr(kind)), field="message.kind", code="unknown_step"
            )
    except VyboryError as error:
        return trustee_page(request, slug, error=error, status_code=status_of(error))
    return RedirectResponse(f"/trustee/elections/{slug}?done={done}", status_code=303)


# --- organisations ---------------------------------------------------------------------------


@router.get("/organisation", response_class=HTMLResponse)
def organisation_home(request: Request) -> Response:
    return _home(request, "organisation")


def organisation_page(
    request: Request, slug: str, *, error: VyboryError | None = None, status_code: int = 200
) -> HTMLResponse:
    login = page_login(request, "organisation", slug)

    def view(state: Any, now: Any) -> dict[str, Any]:
        d = state.definition
        return {
            "organisation": d.organisation(login.subject),
            "title": d.title,
            "contests": [c for c in d.contests if c.method != "motion"],
            "nominations": [n for n in state.nominations if n.organisation == login.subject],
            "contest_titles": {c.id: c.title for c in d.contests},
            "closed": state.nominations_closed,
            "deadline": d.deadlines.nominations_close,
        }

    return render(
        request,
        "organisation.html",
        status_code=status_code,
        slug=slug,
        error=error,
        **read_state(service_of(request), slug, view),
    )


@router.get("/organisation/elections/{slug}", response_class=HTMLResponse)
def organisation_nominations(slug: str, request: Request) -> HTMLResponse:
    return organisation_page(request, slug)


@router.post("/organisation/elections/{slug}/nominations", response_class=HTMLResponse)
def organisation_nominate(
    slug: str,
    request: Request,
    csrf_token: Annotated[str, Form()] = "",
    contest: Annotated[str, Form()] = "",
    name: Annotated[str, Form()] = "",
    consent: Annotated[str, Form()] = "",
    details: Annotated[str, Form()] = "",
) -> Response:
    login = page_login(request, "organisation", slug)
    check_form(request, csrf_token)
    try:
        service_of(request).nominate(
            slug,
            organisation=login.subject,
            contest=contest,
            name=name.strip(),
            consent=bool(consent),
            details={"note": details.strip()} if details.strip() else None,
        )
    except VyboryError as error:
        return organisation_page(request, slug, error=error, status_code=status_of(error))
    return RedirectResponse(f"/organisation/elections/{slug}?done=nominated", status_code=303)


@router.post(
    "/organisation/elections/{slug}/nominations/{number}/appeal", response_class=HTMLResponse
)
def organisation_appeal(
    slug: str,
    number: int,
    request: Request,
    csrf_token: Annotated[str, Form()] = "",
    grounds: Annotated[str, Form()] = "",
) -> Response:
    login = page_login(request, "organisation", slug)
    check_form(request, csrf_token)
    service = service_of(request)
    try:
        owner = read_state(service, slug, lambda state, now: state.nomination(number).organisation)
        if owner != login.subject:
            raise ApiError(403, say("only the nominating organisation may appeal"), code="forbidden")
        service.lodge_appeal(slug, number, grounds.strip())
    except VyboryError as error:
        return organisation_page(request, slug, error=error, status_code=status_of(error))
    return RedirectResponse(f"/organisation/elections/{slug}?done=appealed", status_code=303)
