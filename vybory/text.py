"""Words for people: English text that keeps its message and parameters for translation.

A refusal or a counting rule's reason is made with :func:`say` (or :func:`say_plural`)::

    say("voting in round %(round)s opens at %(time)s", round=2, time="2025-03-20T06:00:00Z")

The value is a :class:`Text`: a ``str`` holding the English words, so everything that reads it
as text (logs, the API's ``message``, the CLI) keeps working, and it also carries the message id
(the English template, ``%(name)s`` placeholders as in the page templates) and the parameters.
The pages look the message up in the language's catalogue and fill in the parameters
(:func:`vybory.web.i18n.localise`); :meth:`Text.to_json` is the form the API and the board
carry, read back by :meth:`Text.from_json`. A parameter may itself be a :class:`Text`.

Nothing here does I/O; scripts/update-catalogues finds every ``say(...)`` call in the package.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Self

Param = Any  # str, int, or a Text


class Text(str):
    """English words with the message id and parameters they were made from.

    Invariants: ``str(self) == english(template, plural, params)``; ``plural`` is set only
    together with a whole-number parameter ``num``.
    """

    template: str
    plural: str | None
    params: dict[str, Param]

    def __new__(cls, template: str, params: Mapping[str, Param], plural: str | None = None) -> Self:
        params = dict(params)
        if plural is not None and not isinstance(params.get("num"), int):
            raise ValueError("a plural message needs a whole-number parameter num")
        chosen = plural if plural is not None and params["num"] != 1 else template
        value = super().__new__(cls, chosen % params)
        value.template = template
        value.plural = plural
        value.params = params
        return value

    def __reduce__(self) -> tuple[Any, ...]:
        return (Text, (self.template, self.params, self.plural))

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"id": self.template}
        if self.plural is not None:
            out["plural"] = self.plural
        out["params"] = {
            k: v.to_json() if isinstance(v, Text) else v for k, v in self.params.items()
        }
        return out

    @classmethod
    def from_json(cls, value: Any) -> Text | None:
        """The text of :meth:`to_json`, or None when ``value`` is not that form."""
        if not isinstance(value, Mapping) or not isinstance(value.get("id"), str):
            return None
        raw = value.get("params", {})
        if not isinstance(raw, Mapping):
            return None
        params: dict[str, Param] = {}
        for key, item in raw.items():
            if isinstance(item, Mapping):
                inner = cls.from_json(item)
                if inner is None:
                    return None
                params[str(key)] = inner
            elif isinstance(item, (str, int)) and not isinstance(item, bool):
                params[str(key)] = item
            else:
                return None
        plural = value.get("plural")
        try:
            return cls(value["id"], params, plural if isinstance(plural, str) else None)
        except (KeyError, ValueError, TypeError):
            return None


def say(template: str, **params: Param) -> Text:
    """The English words of ``template`` filled from ``params``, kept for translation."""
    return Text(template, params)


def say_plural(singular: str, plural: str, num: int, **params: Param) -> Text:
    """A message with singular and plural forms chosen by ``num`` (``%(num)s`` in the words)."""
    return Text(singular, {"num": num, **params}, plural)


def quoted(values: Any) -> str:
    """Names for a message: 'a', 'b'."""
    return ", ".join(repr(v) for v in values)


def joined(parts: Sequence[Param], separator: str = "; ") -> Text:
    """Several messages as one, each translated on its own."""
    names = [f"part{i}" for i in range(len(parts))]
    template = separator.join(f"%({name})s" for name in names)
    return Text(template, dict(zip(names, parts, strict=True)))
