"""API: sessions, users, elections, the voter roll, organisations and nominations."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Request, UploadFile
from pydantic import BaseModel, ConfigDict, Field

from vybory.api.auth import (
    Login,
    api_login,
    require_commission,
    require_commission_or_observer,
    require_organisation_or_commission,
    sessions_of,
)
from vybory.api.common import posted, read_state, service_of
from vybory.api.errors import ApiError
from vybory.api.throttle import throttles_of
from vybory.api.views import roll_view
from vybory.errors import InvalidInput
from vybory.text import say
from vybory.verify.heads import Head, heads_line

router = APIRouter(prefix="/api")

MAX_UPLOAD = 20 * 1024 * 1024


class Credentials(BaseModel):
    username: str
    password: str


class NewPassword(BaseModel):
    password: str = Field(description="the current password")
    new_password: str = Field(description="at least 10 characters")


class NewUser(BaseModel):
    username: str
    password: str = Field(min_length=1)
    role: str = Field(description="commission, trustee, observer or organisation")
    election: str | None = Field(
        None, description="limit the login to this election (required for trustees)"
    )
    subject: str | None = Field(
        None, description="the trustee or organisation id the login speaks for"
    )


class NewElection(BaseModel):
    definition: str = Field(description="the election definition, TOML text (docs/definition.md)")
    roll: str | None = Field(None, description="the voter roll, CSV text: id,name,district,weight")


class Roll(BaseModel):
    roll: str = Field(description="CSV text: id,name,district,weight")
    replace: bool = False


class RollStatement(BaseModel):
    payload: dict[str, Any] = Field(
        description="the roll_published payload the commission signed on its own machine (`vybory roll sign`)"
    )
    roll: str | None = Field(
        None, description="the private roll it describes, CSV text, stored for the credential authority"
    )


class NewComplaint(BaseModel):
    model_config = ConfigDict(extra="forbid")

    complaint: str = Field(description="left_off (a voter missing from the roll) or not_eligible (an entry that "
                                       "should not be on it)")
    voter: str = Field(description="the roll number the complaint is about")
    district: str = Field(description="the district whose roll it is about")
    reason: str = Field(description="why, 1 to 2000 characters")


class SignedAnswers(BaseModel):
    payload: dict[str, Any] = Field(
        description="the roll_complaints_answered payload the commission signed on its own machine "
                    "(`vybory roll answer --out`)"
    )


class NewNomination(BaseModel):
    organisation: str
    contest: str
    name: str
    consent: bool = Field(description="the candidate consents to stand")
    details: dict[str, Any] | None = None


class Reason(BaseModel):
    reason: str


class Grounds(BaseModel):
    grounds: str


class AppealDecision(BaseModel):
    upheld: bool
    reason: str


# --- sessions ------------------------------------------------------------------------


MAX_LOGIN_BYTES = 16 * 1024


@router.post("/session", tags=["sessions"], max_body_size=MAX_LOGIN_BYTES)
def log_in(body: Credentials, request: Request) -> dict[str, Any]:
    """Logs in; sets the session cookie and returns the CSRF token to send as X-CSRF-Token.

    After a few wrong passwords for one account or from one address, further attempts are
    refused (429, ``Retry-After``) without being checked, for a time that doubles each time."""
    found = checked_login(request, body.username, body.password)
    if found is None:
        raise ApiError(
            401, say("the user name or password is wrong"), code="bad_login", field="password"
        )
    data = sessions_of(request).start(request, found)
    return {"login": found, "csrf_token": data["csrf"]}


def checked_login(request: Request, username: str, password: str) -> dict[str, Any] | None:
    """The login if the password is right, behind the throttles (429 while locked)."""
    throttles = throttles_of(request)
    throttles.check_login(request, username)
    found = service_of(request).authenticate(username, password) if username and password else None
    if found is None:
        throttles.login_failed(request, username)
    else:
        throttles.login_succeeded(username)
    return found


@router.get("/session", tags=["sessions"])
def who_am_i(request: Request, login: Annotated[Login, Depends(api_login)]) -> dict[str, Any]:
    return {"login": login.to_json(), "csrf_token": sessions_of(request).csrf_token(request)}


@router.delete("/session", tags=["sessions"])
def log_out(request: Request, login: Annotated[Login, Depends(api_login)]) -> dict[str, Any]:
    """Ends the session on the server: its cookie logs no one in any more."""
    sessions_of(request).end(request)
    return {"logged_out": login.username}


@router.put("/session/password", tags=["sessions"], max_body_size=MAX_LOGIN_BYTES)
def change_password(
    body: NewPassword, request: Request, login: Annotated[Login, Depends(api_login)]
) -> dict[str, Any]:
    """Changes one's own password (the current one is asked again); every session of the
    login ends, this one included: log in again with the new password."""
    if checked_login(request, login.username, body.password) is None:
        raise ApiError(401, say("the current password is wrong"), code="bad_login", field="password")
    service_of(request).set_password(login.username, body.new_password)
    sessions_of(request).end(request)
    return {"password_changed": login.username}


@router.post("/users/{username}/disable", tags=["sessions"])
def disable_user(
    username: str, request: Request, login: Annotated[Login, Depends(api_login)]
) -> dict[str, Any]:
    """Disables a login (central commission only): it cannot log in, and its sessions end now."""
    require_commission(login, None)
    service_of(request).disable_user(username)
    return {"disabled": username}


@router.post("/users", tags=["sessions"], status_code=201)
def add_user(
    body: NewUser, request: Request, login: Annotated[Login, Depends(api_login)]
) -> dict[str, Any]:
    """Adds a login (central commission only); the password is stored as an argon2id hash."""
    require_commission(login, None)
    service = service_of(request)
    service.add_user(
        body.username, body.password, body.role, election=body.election, subject=body.subject
    )
    return {
        "username": body.username.strip(),
        "role": body.role,
        "election": body.election,
        "subject": body.subject,
    }


# --- elections ----------------------------------------------------------------------


@router.get("/elections", tags=["elections"])
def list_elections(request: Request) -> dict[str, Any]:
    return {"elections": [s.to_json() for s in service_of(request).list_elections()]}


@router.post("/elections", tags=["elections"], status_code=201)
def create_election(
    body: NewElection, request: Request, login: Annotated[Login, Depends(api_login)]
) -> dict[str, Any]:
    """Creates an election from its TOML definition (and, optionally, the voter roll)."""
    require_commission(login, None)
    summary = service_of(request).create_election(body.definition, roll_csv=body.roll)
    return summary.to_json()


async def read_upload(upload: Any, what: str) -> str | None:
    """The UTF-8 text of an uploaded file (``None`` when no file was chosen), at most MAX_UPLOAD bytes."""
    if upload is None or not upload.filename:
        return None
    raw = await upload.read(MAX_UPLOAD + 1)
    if len(raw) > MAX_UPLOAD:
        raise InvalidInput(
            say("the %(what)s file is larger than %(number)s MB", what=what, number=MAX_UPLOAD // (1024 * 1024)),
            field=what,
            code="file_too_large",
        )
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InvalidInput(
            say("the %(what)s file is not UTF-8 text", what=what), field=what, code="file_unreadable"
        ) from None


async def read_required_upload(upload: Any, what: str, missing: str) -> str:
    """The text of an uploaded file that must be chosen: as :func:`read_upload`, and refused with
    ``missing`` (code ``file_missing``) when no file was chosen."""
    text = await read_upload(upload, what)
    if text is None:
        raise InvalidInput(missing, field=what, code="file_missing")
    return text


@router.post("/elections/upload", tags=["elections"], status_code=201)
async def upload_election(
    request: Request,
    login: Annotated[Login, Depends(api_login)],
    definition: Annotated[UploadFile, File()],
    roll: Annotated[UploadFile | None, File()] = None,
) -> dict[str, Any]:
    """Creates an election from an uploaded TOML file (and optional roll CSV), multipart/form-data."""
    require_commission(login, None)
    text = await read_required_upload(definition, "definition", "choose the definition file")
    roll_text = await read_upload(roll, "roll")
    summary = service_of(request).create_election(
        text,
        roll_csv=roll_text,
        source=definition.filename or "election.toml",
        roll_source=(roll.filename if roll is not None and roll.filename else "roll.csv"),
    )
    return summary.to_json()


@router.get("/elections/{slug}", tags=["elections"])
def election_status(slug: str, request: Request) -> dict[str, Any]:
    """Phase, deadlines, rounds, nominations, and who has not yet acted."""
    return service_of(request).status(slug).to_json()


@router.get("/elections/{slug}/definition", tags=["elections"])
def election_definition(slug: str, request: Request) -> dict[str, Any]:
    """The public, normalised definition (the object the fingerprint hashes)."""
    return read_state(
        service_of(request),
        slug,
        lambda state, now: {
            "fingerprint": state.fingerprint.hex(),
            "definition": state.definition.to_json(),
        },
    )


@router.get("/elections/{slug}/waiting", tags=["elections"])
def who_has_not_acted(slug: str, request: Request) -> dict[str, Any]:
    """Who has not yet acted in each phase, with deadlines and overdue marks."""
    status = service_of(request).status(slug)
    return {
        "phase": status.phase,
        "now": status.to_json()["now"],
        "deadlines": status.to_json()["deadlines"],
        "waiting": [w.to_json() for w in status.waiting],
    }


@router.put("/elections/{slug}/roll", tags=["elections"])
def import_roll(
    slug: str, body: Roll, request: Request, login: Annotated[Login, Depends(api_login)]
) -> dict[str, Any]:
    """Stores the private voter roll (never on the board); refused once credentials are published."""
    require_commission(login, slug)
    count = service_of(request).import_roll(slug, body.roll, replace=body.replace)
    return {"voters": count}


@router.post("/elections/{slug}/roll/statement", tags=["elections"], status_code=201)
def publish_roll(
    slug: str, body: RollStatement, request: Request, login: Annotated[Login, Depends(api_login)]
) -> dict[str, Any]:
    """Publishes the signed roll (sizes, weights and commitments per district; no names), and
    stores the private roll it describes when given."""
    require_commission(login, slug)
    return posted(service_of(request).publish_roll(slug, body.payload, roll_csv=body.roll))


@router.get("/elections/{slug}/roll", tags=["elections"])
def roll_summary(
    slug: str, request: Request, login: Annotated[Login, Depends(api_login)]
) -> dict[str, Any]:
    """How many voters (and how much weight) the private roll holds per district (the commission
    and observers: the counts, never who is on it)."""
    require_commission_or_observer(login, slug)
    districts: dict[str, dict[str, int]] = {}
    for voter in service_of(request).roll(slug):
        entry = districts.setdefault(voter.district, {"voters": 0, "weight": 0})
        entry["voters"] += 1
        entry["weight"] += voter.weight
    return {"voters": sum(e["voters"] for e in districts.values()), "districts": districts}


MAX_COMPLAINT_BYTES = 8 * 1024


@router.get("/elections/{slug}/roll/public", tags=["roll inspection"])
def public_roll(slug: str, request: Request, voter: str | None = None) -> dict[str, Any]:
    """The roll posted for inspection (``public_roll``): roll numbers and weights per district, every
    complaint with the commission's answer; with ``voter``, whether that roll number is listed."""
    return read_state(service_of(request), slug, lambda state, now: roll_view(state, voter))


@router.post("/elections/{slug}/roll/complaints", tags=["roll inspection"], status_code=201,
             max_body_size=MAX_COMPLAINT_BYTES)
def file_roll_complaint(slug: str, body: NewComplaint, request: Request) -> dict[str, Any]:
    """Files a complaint about the roll (anyone may; every complaint counts against the caller's
    address). Keep the answer: ``head_line`` is a line for your heads file (``vybory verify --heads``)."""
    throttles_of(request).complaint(request)
    done = service_of(request).file_roll_complaint(slug, body.model_dump())
    return {**done.to_json(), "head_line": heads_line(Head(done.position, done.hash, "roll complaint")).strip()}


@router.post("/elections/{slug}/roll/answers", tags=["roll inspection"], status_code=201)
def answer_roll_complaints(
    slug: str, body: SignedAnswers, request: Request, login: Annotated[Login, Depends(api_login)]
) -> dict[str, Any]:
    """Puts the commission's signed answers to complaints about the roll on the board."""
    require_commission(login, slug)
    return posted(service_of(request).answer_roll_complaints(slug, body.payload))


# --- organisations and nominations ------------------------------------------------------


@router.get("/elections/{slug}/organisations", tags=["nominations"])
def organisations(slug: str, request: Request) -> dict[str, Any]:
    """The definition's organisations, with the nominations each has made."""

    def view(state: Any, now: Any) -> dict[str, Any]:
        out = []
        for o in state.definition.organisations:
            made = [n.number for n in state.nominations if n.organisation == o.id]
            out.append({**o.to_json(), "nominations": made})
        return {"organisations": out}

    return read_state(service_of(request), slug, view)


@router.get("/elections/{slug}/nominations", tags=["nominations"])
def nominations(slug: str, request: Request) -> dict[str, Any]:
    status = service_of(request).status(slug)
    return {"nominations": list(status.nominations)}


@router.post("/elections/{slug}/nominations", tags=["nominations"], status_code=201)
def nominate(
    slug: str, body: NewNomination, request: Request, login: Annotated[Login, Depends(api_login)]
) -> dict[str, Any]:
    """An organisation nominates a candidate (the organisation's own login, or the commission records it)."""
    require_organisation_or_commission(login, slug, body.organisation)
    service = service_of(request)
    result = service.nominate(
        slug,
        organisation=body.organisation,
        contest=body.contest,
        name=body.name,
        consent=body.consent,
        details=body.details,
    )
    number = read_state(service, slug, lambda state, now: state.nominations[-1].number)
    return {"nomination": number, **posted(result)}


def _nomination_organisation(request: Request, slug: str, number: int) -> str:
    return read_state(
        service_of(request), slug, lambda state, now: state.nomination(number).organisation
    )


@router.post("/elections/{slug}/nominations/{number}/register", tags=["nominations"])
def register_candidate(
    slug: str, number: int, request: Request, login: Annotated[Login, Depends(api_login)]
) -> dict[str, Any]:
    require_commission(login, slug)
    return posted(service_of(request).register_candidate(slug, number))


@router.post("/elections/{slug}/nominations/{number}/refuse", tags=["nominations"])
def refuse_candidate(
    slug: str,
    number: int,
    body: Reason,
    request: Request,
    login: Annotated[Login, Depends(api_login)],
) -> dict[str, Any]:
    """Refuses a nomination; the reason is published on the board."""
    require_commission(login, slug)
    return posted(service_of(request).refuse_candidate(slug, number, body.reason))


@router.post("/elections/{slug}/nominations/{number}/appeal", tags=["nominations"])
def lodge_appeal(
    slug: str,
    number: int,
    body: Grounds,
    request: Request,
    login: Annotated[Login, Depends(api_login)],
) -> dict[str, Any]:
    """The nominating organisation (or the commission on its behalf) appeals a refusal."""
    require_organisation_or_commission(login, slug, _nomination_organisation(request, slug, number))
    return posted(service_of(request).lodge_appeal(slug, number, body.grounds))


@router.post("/elections/{slug}/nominations/{number}/appeal/decision", tags=["nominations"])
def decide_appeal(
    slug: str,
    number: int,
    body: AppealDecision,
    request: Request,
    login: Annotated[Login, Depends(api_login)],
) -> dict[str, Any]:
    require_commission(login, slug)
    return posted(
        service_of(request).decide_appeal(slug, number, upheld=body.upheld, reason=body.reason)
    )


@router.post("/elections/{slug}/nominations/close", tags=["nominations"])
def close_nominations(
    slug: str, request: Request, login: Annotated[Login, Depends(api_login)]
) -> dict[str, Any]:
    """Closes the nominations: every registered candidate goes on the ballot."""
    require_commission(login, slug)
    return posted(service_of(request).close_nominations(slug))


@router.post(
    "/elections/{slug}/organisations/{organisation}/login", tags=["nominations"], status_code=201
)
def organisation_login(
    slug: str,
    organisation: str,
    body: Credentials,
    request: Request,
    login: Annotated[Login, Depends(api_login)],
) -> dict[str, Any]:
    """Gives an organisation of the definition a login of its own, to nominate its candidates."""
    require_commission(login, slug)
    service = service_of(request)
    if not service.definition(slug).has_organisation(organisation):
        raise InvalidInput(
            say("%(organisation)s is not an organisation of this election", organisation=repr(organisation)),
            field="organisation",
            code="unknown_organisation",
        )
    service.add_user(
        body.username, body.password, "organisation", election=slug, subject=organisation
    )
    return {
        "username": body.username.strip(),
        "role": "organisation",
        "subject": organisation,
        "election": slug,
    }


__all__ = ["read_required_upload", "read_upload", "router"]
