"""vybory.web: the pages (commission, trustee, organisation, public) and their static files.

``register(app)`` adds the pages, ``/static``, ``/i18n/<lang>.json`` and,
when the booth package provides ``vybory.web.booth.register(app)``, the
voting booth's own routes.
"""

from __future__ import annotations

import importlib
import importlib.util
from importlib import resources
from typing import Any
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.responses import RedirectResponse
from fastapi.staticfiles import StaticFiles

from vybory.api.errors import ApiError
from vybory.text import say
from vybory.web import i18n
from vybory.web.render import NeedsLogin


def register(app: FastAPI) -> None:
    """Adds the pages and static files to ``app``."""
    from vybory.web import commission, public, trustee

    static = resources.files("vybory.web").joinpath("static")
    app.mount("/static", StaticFiles(directory=str(static)), name="static")

    @app.get("/i18n/{lang}.json", tags=["pages"])
    def messages(lang: str) -> dict[str, Any]:
        """The translated messages of a language (msgid -> text), for the booth."""
        if lang not in i18n.LANGUAGES:
            raise ApiError(
                404,
                say("no catalogue for language %(lang)s (languages: %(names)s)", lang=repr(lang), names=', '.join(i18n.LANGUAGES)),
                code="unknown_language",
                field="lang",
            )
        return {"lang": lang, "messages": i18n.messages(lang), "plurals": i18n.plural_messages(lang)}

    async def needs_login(request: Request, error: Exception) -> RedirectResponse:
        assert isinstance(error, NeedsLogin)
        return RedirectResponse(f"/login?next={quote(error.next_path)}", status_code=303)

    app.add_exception_handler(NeedsLogin, needs_login)
    app.include_router(public.router)
    app.include_router(commission.router)
    app.include_router(trustee.router)
    if importlib.util.find_spec("vybory.web.booth") is not None:
        booth = importlib.import_module("vybory.web.booth")
        hook = getattr(booth, "register", None)
        if callable(hook):
            hook(app)
