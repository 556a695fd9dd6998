"""Rendering pages: one Jinja2 environment, the request's language, the session's CSRF token.

Templates live in ``vybory/web/templates``; they call ``_("text")`` (and
``ngettext``) to translate, with ``%(name)s`` placeholders filled from
keyword arguments. Markup carries no inline script or style (the
Content-Security-Policy forbids both); styles are in ``/static/vybory.css``.
"""

from __future__ import annotations

import functools
from datetime import datetime
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, PackageLoader, pass_context, select_autoescape
from markupsafe import Markup

from vybory.web import i18n
from vybory.web.vocabulary import N_

# What a page says after an action succeeded (``?done=<code>``): known messages only.
DONE = {
    "created": N_("The election is created."),
    "roll": N_("The voter roll is stored."),
    "roll_published": N_("The signed roll is on the board."),
    "roll_answered": N_("The commission's answer is on the board."),
    "nominated": N_("The nomination is recorded on the board."),
    "registered": N_("The candidate is registered."),
    "refused": N_("The nomination is refused; the reason is on the board."),
    "appealed": N_("The appeal is recorded on the board."),
    "appeal_decided": N_("The decision on the appeal is recorded on the board."),
    "nominations_closed": N_(
        "The nominations are closed: every registered candidate is on the ballot."
    ),
    "login_added": N_("The login is created."),
    "keys_completed": N_("The key ceremony is completed."),
    "keys_restarted": N_("The key ceremony is restarted: each trustee now makes a new key file for the new attempt."),
    "credentials": N_("The public credentials are published."),
    "opened": N_("The round is open."),
    "closed": N_("The round is closed."),
    "tally": N_("The encrypted tally is published: the trustees can now decrypt it."),
    "decided": N_("The outcomes are declared."),
    "published": N_("The election is published: its record is final."),
    "posted": N_("Your message is on the board."),
    "share": N_("Your decryption share is on the board."),
    "advanced": N_("Done what the deadlines call for."),
}


@pass_context
def _translate(context: Any, message: str, **values: Any) -> str:
    text = i18n.gettext_for(context.get("lang", i18n.DEFAULT_LANGUAGE), message)
    return text % values if values else text


@pass_context
def _ntranslate(context: Any, singular: str, plural: str, n: int, **values: Any) -> str:
    text = i18n.ngettext_for(context.get("lang", i18n.DEFAULT_LANGUAGE), singular, plural, n)
    values.setdefault("num", n)
    return text % values


@pass_context
def _tell(context: Any, value: Any) -> str:
    """A refusal's or a rule's words (:class:`vybory.text.Text`) in the page's language."""
    return i18n.localise(context.get("lang", i18n.DEFAULT_LANGUAGE), value)


@pass_context
def _when(context: Any, moment: datetime | str | None) -> str:
    """A UTC time as the page shows it: 2025-03-20 06:00 UTC."""
    if moment is None:
        return ""
    if isinstance(moment, str):
        try:
            parsed = datetime.fromisoformat(moment)
        except ValueError:
            return moment
        return parsed.strftime("%Y-%m-%d %H:%M UTC")
    return moment.strftime("%Y-%m-%d %H:%M UTC")


@functools.cache
def environment() -> Environment:
    env = Environment(
        loader=PackageLoader("vybory.web", "templates"),
        autoescape=select_autoescape(default=True, default_for_string=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.globals.update(
        _=_translate,
        ngettext=_ntranslate,
        tell=_tell,
        when=_when,
        languages=i18n.LANGUAGES,
        language_names=i18n.LANGUAGE_NAMES,
    )
    return env


def language(request: Request) -> str:
    cached = getattr(request.state, "vybory_lang", None)
    if cached:
        return str(cached)
    lang = i18n.choose_language(
        request.query_params.get("lang"),
        request.cookies.get(i18n.COOKIE),
        request.headers.get("accept-language"),
    )
    request.state.vybory_lang = lang
    return lang


def translate(request: Request, message: str, **values: Any) -> str:
    text = i18n.gettext_for(language(request), message)
    return text % values if values else text


def tell(request: Request, value: Any) -> str:
    """Words (:class:`vybory.text.Text` or plain text) in the request's language."""
    return i18n.localise(language(request), value)


def page_context(request: Request, **values: Any) -> dict[str, Any]:
    sessions = request.app.state.sessions
    lang = language(request)
    path = request.url.path
    return {
        "request": request,
        "lang": lang,
        "login": sessions.login(request),
        "csrf_token": sessions.csrf_token(request),
        "path": path,
        "language_links": [
            (code, i18n.LANGUAGE_NAMES[code], f"{path}?lang={code}") for code in i18n.LANGUAGES
        ],
        "flash": DONE.get(request.query_params.get("done", "")),
        **values,
    }


def render(request: Request, template: str, status_code: int = 200, **values: Any) -> HTMLResponse:
    """The page ``template`` with the common context (language, login, CSRF token)."""
    context = page_context(request, **values)
    html = environment().get_template(template).render(context)
    response = HTMLResponse(html, status_code=status_code)
    if request.query_params.get("lang") in i18n.LANGUAGES:
        response.set_cookie(
            i18n.COOKIE,
            context["lang"],
            max_age=365 * 86400,
            samesite="strict",
            httponly=True,
            path="/",
        )
    return response


def error_page(
    request: Request, status: int, code: str, message: str, field: str | None
) -> HTMLResponse:
    """An error as a page: what went wrong, in words, and where to go back to."""
    return render(
        request,
        "error.html",
        status_code=status,
        status=status,
        code=code,
        message=message,
        field=field,
    )


def svg(markup: str) -> Markup:
    """Server-made SVG markup (already escaped where it holds text)."""
    return Markup(markup)


class NeedsLogin(Exception):
    """Raised by a page that needs a login; answered with a redirect to the login page."""

    def __init__(self, next_path: str):
        super().__init__(next_path)
        self.next_path = next_path


def page_login(request: Request, role: str, slug: str | None = None) -> Any:
    """The page's login, which must have ``role`` (and cover election ``slug``).

    Not logged in: :class:`NeedsLogin` (the app redirects to /login); logged in
    with another role or election: 403.
    """
    from vybory.api.errors import ApiError

    login = request.app.state.sessions.login(request)
    if login is None:
        raise NeedsLogin(request.url.path)
    if login.role != role or (slug is not None and not login.covers(slug)):
        raise ApiError(
            403, translate(request, "This page is for another role or election."), code="forbidden"
        )
    return login


def check_form(request: Request, token: str) -> None:
    request.app.state.sessions.check_csrf(request, token)
