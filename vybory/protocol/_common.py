"""Small helpers shared by the protocol's actions."""

from __future__ import annotations

import unicodedata
from datetime import datetime
from typing import Any

from vybory.errors import InvalidInput, Refused
from vybory.model.definition import format_time

MAX_NAME = 200
MAX_TEXT = 2000


def at(now: datetime) -> str:
    """``now`` as the board writes times; refuses a naive datetime."""
    if not isinstance(now, datetime) or now.tzinfo is None:
        raise InvalidInput("the time must be an aware UTC datetime", field="now")
    return format_time(now)


def clean_text(value: Any, field: str, *, maximum: int = MAX_TEXT, required: bool = True) -> str:
    """``value`` stripped; refused when not text, empty (if required), too long, or with control characters."""
    if not isinstance(value, str):
        raise InvalidInput(f"must be text, not {type(value).__name__}", field=field)
    text = unicodedata.normalize("NFC", value.strip())
    if required and not text:
        raise InvalidInput("must not be empty", field=field)
    if len(text) > maximum:
        raise InvalidInput(f"is longer than {maximum} characters", field=field)
    if any(unicodedata.category(ch) == "Cc" and ch not in "\n\t" for ch in text):
        raise InvalidInput("contains control characters", field=field)
    return text


def refuse(message: str, *, field: str, code: str) -> Refused:
    return Refused(message, field=field, code=code)
