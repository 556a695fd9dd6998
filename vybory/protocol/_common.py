"""Small helpers shared by the protocol's actions."""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from vybory.crypto.group import Point, Rng
from vybory.crypto.threshold import TrusteeSecrets
from vybory.errors import InvalidInput, Refused
from vybory.model.definition import Trustee, format_time
from vybory.model.signing import sign_payload, trustee_signer
from vybory.text import say

MAX_NAME = 200
MAX_TEXT = 2000


def at(now: datetime) -> str:
    """``now`` as the board writes times; refuses a naive datetime."""
    if not isinstance(now, datetime) or now.tzinfo is None:
        raise InvalidInput(say("the time must be an aware UTC datetime"), field="now")
    return format_time(now)


def clean_text(value: Any, field: str, *, maximum: int = MAX_TEXT, required: bool = True) -> str:
    """``value`` stripped; refused when not text, empty (if required), too long, or with control characters."""
    if not isinstance(value, str):
        raise InvalidInput(say("must be text, not %(kind)s", kind=type(value).__name__), field=field)
    text = unicodedata.normalize("NFC", value.strip())
    if required and not text:
        raise InvalidInput(say("must not be empty"), field=field)
    if len(text) > maximum:
        raise InvalidInput(say("is longer than %(maximum)s characters", maximum=maximum), field=field)
    if any(unicodedata.category(ch) == "Cc" and ch not in "\n\t" for ch in text):
        raise InvalidInput(say("contains control characters"), field=field)
    return text


def refuse(message: str, *, field: str, code: str) -> Refused:
    return Refused(message, field=field, code=code)


def check_identity(trustees: Sequence[Trustee], secrets: TrusteeSecrets) -> None:
    """Refuses a key file whose identity key is not the one named for its trustee (``trustees``: the
    commission's trustees now, those of the key ceremony's latest attempt, spec §5.8)."""
    if secrets.signing_secret is None:
        raise refuse(say("this key file holds no identity key (make it with `vybory trustee init`)"),
                     field="secrets.signing_secret", code="no_identity_key")
    if not 1 <= secrets.trustee <= len(trustees):
        raise refuse(say("this key file does not belong to this election's commission"), field="secrets",
                     code="wrong_key_file")
    named = trustees[secrets.trustee - 1]
    if Point.base_mul(secrets.signing_secret) != named.signing_key:
        raise refuse(say("this key file's identity key is not the signing key the definition names for trustee %(trustee)s (%(name)s)", trustee=secrets.trustee, name=named.name), field="secrets.signing_secret",
                     code="wrong_identity_key")


def signed_by_trustee(trustees: Sequence[Trustee], fingerprint: bytes, secrets: TrusteeSecrets, kind: str,
                      payload: Mapping[str, Any], rng: Rng | None = None) -> dict[str, Any]:
    """``payload`` signed by the trustee of ``secrets`` with its identity key (spec §10.5)."""
    check_identity(trustees, secrets)
    assert secrets.signing_secret is not None
    return sign_payload(fingerprint, secrets.signing_secret, trustee_signer(secrets.trustee), kind, payload, rng)
