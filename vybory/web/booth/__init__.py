"""The voting booth and the trustee's decryption page: routes and the booth's built files.

The JavaScript sources are the ``*.mjs`` files beside this module (crypto, ballot,
choices, booth, trustee); ``scripts/bundle-booth`` bundles them into
``vybory/web/static/booth`` (see :mod:`vybory.web.booth.manifest`).

Pages:

- ``GET /elections/{slug}/booth``: the voting booth (no login: the voter is
  identified by the credential, only when casting). It shows the SHA-256 of the
  booth script it loads and the one recorded on the board for each open round.
- ``GET /trustee/elections/{slug}/decrypt[?round=N]``: a logged-in trustee computes
  their decryption share in the browser from their key file, which stays local. The share
  covers the round's whole decryption vector (the tally, then the mixed rows of its ranked
  contests), so a round with ranked contests waits until k trustees have mixed them.

``register(app)`` adds these routes and tells the election service which booth
it serves (recorded in ``round_opened``).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from vybory.api.common import read_state, service_of
from vybory.errors import InvalidInput, Refused
from vybory.text import say
from vybory.web.booth.manifest import booth_digest, load_manifest
from vybory.web.render import render

router = APIRouter(include_in_schema=False)


def recorded_booths(request: Request, slug: str) -> list[dict[str, Any]]:
    """For each round not yet closed: its number and the booth SHA-256 its ``round_opened`` recorded."""
    service = service_of(request)
    opened = read_state(service, slug, lambda state, now: [
        (n, state.rounds[n].opened_position) for n in sorted(state.rounds) if not state.rounds[n].closed])
    out = []
    for number, position in opened:
        events = service.events(slug, start=position, stop=position + 1)
        payload = events[0].payload if events else {}
        out.append({"round": number, "booth": payload.get("booth")})
    return out


@router.get("/elections/{slug}/booth", response_class=HTMLResponse)
def booth_page(slug: str, request: Request) -> HTMLResponse:
    """The voting booth of an election."""
    bundles = load_manifest()
    title = read_state(service_of(request), slug, lambda state, now: state.definition.title)
    served = bundles["booth"].sha256
    recorded = recorded_booths(request, slug)
    return render(request, "booth.html", slug=slug, title=title, script=bundles["booth"], style=bundles["booth-css"],
                  served=served, recorded=recorded,
                  mismatch=any(r["booth"] not in (None, served) for r in recorded))


@router.get("/trustee/elections/{slug}/decrypt", response_class=HTMLResponse)
def trustee_decrypt_page(slug: str, request: Request, round: int | None = None) -> Response:
    """A trustee's decryption share, computed in the browser from the key file (never uploaded)."""
    login = request.app.state.sessions.login(request)
    if login is None or login.role != "trustee" or not login.covers(slug) or not login.subject:
        target = quote(str(request.url.path) + (f"?round={round}" if round is not None else ""), safe="/?=")
        return RedirectResponse(f"/login?next={target}", status_code=303)
    bundles = load_manifest()

    def view(state: Any, now: Any) -> dict[str, Any]:
        index = state.trustee_index(login.subject)
        key = state.keys.verification_keys.get(index)
        waiting = [n for n in sorted(state.rounds)
                   if state.rounds[n].encrypted_tally is not None and state.rounds[n].decrypted is None]
        number = round if round is not None else (waiting[-1] if waiting else None)
        if number is not None and number not in state.rounds:
            raise InvalidInput(say("there is no round %(number)s", number=number), field="round", code="no_such_round")
        rnd = state.rounds.get(number) if number is not None else None
        return {
            "title": state.definition.title,
            "trustee_index": index,
            "trustee_name": state.trustees[index - 1].name,
            "verification_key": None if key is None else key.to_hex(),
            "fingerprint": state.fingerprint.hex(),
            "round": number,
            "has_tally": rnd is not None and rnd.encrypted_tally is not None,
            "decrypted": rnd is not None and rnd.decrypted is not None,
            "already_sent": rnd is not None and index in rnd.shares,
            "mixing": [] if rnd is None or rnd.encrypted_tally is None else rnd.contests_to_mix(state.threshold),
        }

    facts = read_state(service_of(request), slug, view)
    if facts["verification_key"] is None:
        raise Refused(say("you are not a qualified trustee of this election (no verification key on the board)"),
                      field="trustee", code="not_qualified")
    return render(request, "trustee_decrypt.html", slug=slug, script=bundles["trustee-decrypt"],
                  style=bundles["booth-css"], **facts)


def register(app: FastAPI) -> None:
    """Adds the booth's pages to ``app`` and records the served booth's SHA-256 in new rounds."""
    app.include_router(router)
    service = getattr(app.state, "service", None)
    if service is not None and getattr(service, "booth_digest", None) is None:
        service.booth_digest = booth_digest()


__all__ = ["register", "router"]
