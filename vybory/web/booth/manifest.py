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
        raise InvalidInput("the voting booth is not built: run `make booth`", field="booth",
                           code="booth_not_built") from None
    if not isinstance(raw, dict) or raw.get("format") != FORMAT or not isinstance(raw.get("bundles"), dict):
        raise InvalidInput("static/booth/manifest.json is not a booth manifest", field="booth",
                           code="booth_not_built")
    out: dict[str, Bundle] = {}
    for name in BUNDLES:
        entry = raw["bundles"].get(name)
        if not isinstance(entry, dict):
            raise InvalidInput(f"the booth manifest has no {name!r} bundle: run `make booth`", field="booth",
                               code="booth_not_built")
        file = str(entry.get("file", ""))
        if "/" in file or "\\" in file or not file:
            raise InvalidInput(f"bad file name in the booth manifest: {file!r}", field="booth",
                               code="booth_not_built")
        try:
            data = folder.joinpath(file).read_bytes()
        except FileNotFoundError:
            raise InvalidInput(f"the booth file {file} is missing: run `make booth`", field="booth",
                               code="booth_not_built") from None
        if hashlib.sha256(data).hexdigest() != entry.get("sha256"):
            raise InvalidInput(f"the booth file {file} does not match its manifest: run `make booth`",
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
