"""The booth's built files: ``vybory/web/static/booth/manifest.json``, written by scripts/bundle-booth.

Each bundle has its file name (the first 16 hex digits of its SHA-256 in the
name, so a changed booth is a new URL), its SHA-256 (shown on the booth page and
recorded on the board when a round opens) and its Subresource Integrity value
(``sha384-…``) that the page's tag carries, so the browser runs only those bytes.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from importlib import resources
from typing import Any

from vybory.errors import InvalidInput
from vybory.text import say

FORMAT = "vybory-booth-manifest"
BUNDLES = ("booth", "trustee-decrypt", "booth-css")


@dataclass(frozen=True, slots=True)
class Bundle:
    """One built file.

    Invariants: ``file`` is a plain file name in ``static/booth``; ``sha256`` is its
    64-hex-digit digest; ``integrity`` is ``sha384-`` and base64.
    """

    name: str
    file: str
    sha256: str
    integrity: str

    @property
    def url(self) -> str:
        return f"/static/booth/{self.file}"


def _static() -> Any:
    return resources.files("vybory.web").joinpath("static").joinpath("booth")


def load_manifest() -> dict[str, Bundle]:
    """The bundles of the last build, checked against the files on disk.

    Raises :class:`~vybory.errors.InvalidInput` (code ``booth_not_built``) when the
    booth is not built (run ``make booth``) or a file does not match its digest.
    """
    folder = _static()
    try:
        raw = json.loads(folder.joinpath("manifest.json").read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InvalidInput(say("the voting booth is not built: run `make booth`"), field="booth",
                           code="booth_not_built") from None
    if not isinstance(raw, dict) or raw.get("format") != FORMAT or not isinstance(raw.get("bundles"), dict):
        raise InvalidInput(say("static/booth/manifest.json is not a booth manifest"), field="booth",
                           code="booth_not_built")
    out: dict[str, Bundle] = {}
    for name in BUNDLES:
        entry = raw["bundles"].get(name)
        if not isinstance(entry, dict):
            raise InvalidInput(say("the booth manifest has no %(name)s bundle: run `make booth`", name=repr(name)), field="booth",
                               code="booth_not_built")
        file = str(entry.get("file", ""))
        if "/" in file or "\\" in file or not file:
            raise InvalidInput(say("bad file name in the booth manifest: %(file)s", file=repr(file)), field="booth",
                               code="booth_not_built")
        try:
            data = folder.joinpath(file).read_bytes()
        except FileNotFoundError:
            raise InvalidInput(say("the booth file %(file)s is missing: run `make booth`", file=file), field="booth",
                               code="booth_not_built") from None
        if hashlib.sha256(data).hexdigest() != entry.get("sha256"):
            raise InvalidInput(say("the booth file %(file)s does not match its manifest: run `make booth`", file=file),
                               field="booth", code="booth_not_built")
        out[name] = Bundle(name, file, str(entry["sha256"]), str(entry["integrity"]))
    return out


def booth_digest() -> str | None:
    """The SHA-256 (hex) of the booth bundle that this server serves, or None when it is not built."""
    try:
        return load_manifest()["booth"].sha256
    except InvalidInput:
        return None


__all__ = ["Bundle", "booth_digest", "load_manifest"]
