"""API: the key ceremony, the credential list, the tally, decryption shares, decisions, results."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, Field

from vybory.api.auth import Login, api_login, require_commission, require_trustee
from vybory.api.common import posted, read_state, service_of
from vybory.api.errors import ApiError
from vybory.api.views import results_view
from vybory.errors import InvalidInput
from vybory.protocol.keys import attempt_outcome
from vybory.protocol.tally import decryption_ciphertexts
from vybory.service.elections import TRUSTEE_STEPS
from vybory.text import say

router = APIRouter(prefix="/api")


class TrusteeMessage(BaseModel):
    kind: str = Field(
        description="trustee_key, dkg_commitment_hash, dkg_commitments, dkg_shares or dkg_complaint"
    )
    payload: dict[str, Any] = Field(
        description="the payload `vybory trustee` computed on the trustee's machine"
    )


class CredentialList(BaseModel):
    payload: dict[str, Any] = Field(
        description="the credentials_published payload the credential authority made and signed on "
        "its own machine (`vybory credentials issue`)"
    )


class Restart(BaseModel):
    payload: dict[str, Any] = Field(
        description="the key_ceremony_restarted payload the commission made and signed on its own machine "
        "(`vybory election restart-keys --out`)"
    )


class Share(BaseModel):
    payload: dict[str, Any] = Field(
        description="the decryption_share payload `vybory trustee` computed"
    )


class HeadWitness(BaseModel):
    payload: dict[str, Any] = Field(
        description="the head_witnessed payload `vybory trustee witness` computed and signed after checking the "
                    "board it downloaded"
    )


class RoundChoice(BaseModel):
    round: int | None = None


def _own_index(request: Request, slug: str, login: Login, payload: dict[str, Any]) -> None:
    """Refuses a message a trustee posts in another trustee's name."""
    trustee = require_trustee(login, slug)
    index = read_state(service_of(request), slug, lambda state, now: state.trustee_index(trustee))
    if payload.get("trustee") != index:
        raise ApiError(
            403,
            say("you are trustee %(trustee)s (number %(index)s); this message is from trustee number %(sender)s", trustee=repr(trustee), index=index, sender=repr(payload.get('trustee'))),
            code="not_your_message",
            field="payload.trustee",
        )


@router.get("/elections/{slug}/key-ceremony", tags=["key ceremony"])
def key_ceremony(slug: str, request: Request) -> dict[str, Any]:
    """The key ceremony's step, the trustees, who has not yet acted, and the joint key once done."""
    service = service_of(request)
    status = service.status(slug)

    def view(state: Any, now: Any) -> dict[str, Any]:
        keys = state.keys
        return {
            "step": keys.step(state.trustee_count),
            "attempt": state.attempt,
            # How the latest attempt ended when the commission may restart it (spec §5.8), else null.
            "restartable": attempt_outcome(state, now),
            "threshold": state.threshold,
            "trustees": [
                {
                    "number": i,
                    **t.to_json(),
                    "messaging_key": i in keys.messaging_keys,
                    "commitment_hash": i in keys.commitments,
                    "commitments": i in keys.reveals,
                    "shares": i in keys.shares,
                    "complaints": i in keys.complaints,
                    "qualified": i in keys.qualified,
                }
                for i, t in enumerate(state.trustees, start=1)
            ],
            "public_key": None if state.public_key is None else state.public_key.to_hex(),
            "qualified": list(keys.qualified),
        }

    out = read_state(service, slug, view)
    out["waiting"] = [w.to_json() for w in status.waiting if w.role == "trustee"]
    return out


@router.post("/elections/{slug}/key-ceremony/messages", tags=["key ceremony"], status_code=201)
def trustee_message(
    slug: str, body: TrusteeMessage, request: Request, login: Annotated[Login, Depends(api_login)]
) -> dict[str, Any]:
    """A trustee posts a key-ceremony message computed on their own machine (`vybory trustee`)."""
    if body.kind not in {k.value for k in TRUSTEE_STEPS}:
        raise InvalidInput(
            say("%(kind)s is not a key ceremony step (steps: %(names)s)", kind=repr(body.kind), names=', '.join(k.value for k in TRUSTEE_STEPS)),
            field="kind",
            code="unknown_step",
        )
    _own_index(request, slug, login, body.payload)
    return posted(service_of(request).submit_trustee_step(slug, body.kind, body.payload))


@router.post("/elections/{slug}/witnesses", tags=["board"], status_code=201)
def head_witness(
    slug: str, body: HeadWitness, request: Request, login: Annotated[Login, Depends(api_login)]
) -> dict[str, Any]:
    """A trustee's countersignature of the board's head (``head_witnessed``, spec §10.6), computed and
    signed on the trustee's own machine; refused unless it names an event of this board by its hash."""
    _own_index(request, slug, login, body.payload)
    return posted(service_of(request).submit_head_witness(slug, body.payload))


@router.post("/elections/{slug}/key-ceremony/complete", tags=["key ceremony"])
def complete_key_ceremony(
    slug: str, request: Request, login: Annotated[Login, Depends(api_login)]
) -> dict[str, Any]:
    require_commission(login, slug)
    return posted(service_of(request).complete_key_ceremony(slug))


@router.post("/elections/{slug}/key-ceremony/restart", tags=["key ceremony"], status_code=201)
def restart_key_ceremony(
    slug: str, body: Restart, request: Request, login: Annotated[Login, Depends(api_login)]
) -> dict[str, Any]:
    """Restarts a key ceremony that failed (fewer than k trustees qualified) or stalled past its
    deadline, with the commission's signed restart; refused (nothing changes) otherwise."""
    require_commission(login, slug)
    return posted(service_of(request).restart_key_ceremony(slug, body.payload))


@router.post("/elections/{slug}/credentials", tags=["credentials"], status_code=201)
def publish_credentials(
    slug: str, body: CredentialList, request: Request, login: Annotated[Login, Depends(api_login)]
) -> dict[str, Any]:
    """Publishes the list of public credentials the credential authority made and signed (no
    identities); refused unless it matches the signed roll district by district."""
    require_commission(login, slug)
    return posted(service_of(request).publish_credentials(slug, body.payload))


@router.post("/elections/{slug}/tally", tags=["tally"])
def start_tally(
    slug: str,
    request: Request,
    login: Annotated[Login, Depends(api_login)],
    body: RoundChoice | None = None,
) -> dict[str, Any]:
    """Starts the count: closes the round if it is still open (at its deadline), then publishes
    the encrypted tally recomputed from the board."""
    require_commission(login, slug)
    service = service_of(request)
    number = None if body is None else body.round
    done = []
    closed = read_state(
        service,
        slug,
        lambda state, now: (
            state.current_round.closed
            if number is None and state.current_round is not None
            else state.round(number).closed
            if number is not None
            else True
        ),
    )
    if not closed:
        done.append(service.close_round(slug, number))
    done.append(service.compute_tally(slug, number))
    return posted(done)


@router.post("/elections/{slug}/shares", tags=["tally"], status_code=201)
def decryption_share(
    slug: str, body: Share, request: Request, login: Annotated[Login, Depends(api_login)]
) -> dict[str, Any]:
    """A trustee posts a decryption share computed on their own machine; its key share never leaves it."""
    _own_index(request, slug, login, body.payload)
    return posted(service_of(request).submit_decryption_share(slug, body.payload))


@router.post("/elections/{slug}/decide", tags=["tally"])
def decide(
    slug: str,
    request: Request,
    login: Annotated[Login, Depends(api_login)],
    body: RoundChoice | None = None,
) -> dict[str, Any]:
    """Combines any k valid shares, declares each contest's outcome, opens a runoff or repeat round."""
    require_commission(login, slug)
    decision = service_of(request).decide(slug, None if body is None else body.round)
    return decision.to_json()


@router.post("/elections/{slug}/publish", tags=["tally"])
def publish(
    slug: str, request: Request, login: Annotated[Login, Depends(api_login)]
) -> dict[str, Any]:
    require_commission(login, slug)
    return posted(service_of(request).publish(slug))


@router.get("/elections/{slug}/results", tags=["results"])
def results(slug: str, request: Request) -> dict[str, Any]:
    """Every round: decided or not; for decided rounds each contest's outcome, counts, rounds of the
    count, and the decision in words."""
    return read_state(service_of(request), slug, lambda state, now: results_view(state))


@router.get("/elections/{slug}/tally/{round}", tags=["tally"])
def tally_of(slug: str, round: int, request: Request) -> dict[str, Any]:
    """The round's encrypted tally, the ranked contests still to be mixed, the decryption vector a
    share covers (spec §14: the tally's ciphertexts, then the last mixed rows of each ranked
    contest; null until the tally is out and every ranked contest is mixed), the decryption
    shares on the board, and what is still needed."""

    def view(state: Any, now: Any) -> dict[str, Any]:
        rnd = state.round(round)
        mixing = rnd.contests_to_mix(state.threshold) if rnd.encrypted_tally is not None else []
        vector = None
        if rnd.encrypted_tally is not None and not mixing:
            vector = [ct.to_json() for ct in decryption_ciphertexts(state, round)]
        return {
            "round": round,
            "closed": rnd.closed,
            "encrypted_tally": rnd.encrypted_tally,
            "mixing": mixing,
            "decryption_ciphertexts": vector,
            "shares": sorted(rnd.shares),
            "threshold": state.threshold,
            "qualified": list(state.keys.qualified),
            "decrypted": rnd.decrypted is not None,
        }

    return read_state(service_of(request), slug, view)


__all__ = ["router"]
