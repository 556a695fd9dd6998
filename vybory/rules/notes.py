"""The words of the ranked counts' round notes and reasons, for a reader in any language.

IRV and the three STV rules write each round's note and a no-decision reason as English text
("first stage", "exclusion of Ivanov; the last vacancies are filled under rule 52"). Those texts
are part of the outcome on the board and in every record already published, so they stay exactly
as they are; :func:`ranked_words` reads one back as a message with parameters
(:class:`~vybory.text.Text`) for the pages to translate. Text it does not know stays as it is.
Nothing here does I/O.
"""

from __future__ import annotations

from vybory.text import Text, say

# What a round's note ends with when the last seats are filled without another transfer.
_ENDINGS = {
    "the last vacancies are filled under rule 52": say("the last vacancies are filled under rule 52"),
    "the last vacancies are filled under s. 124": say("the last vacancies are filled under s. 124"),
    "the remaining hopeful candidates fill the last seats": say(
        "the remaining hopeful candidates fill the last seats"),
}
_WHOLE = {
    "first preferences": say("first preferences"),
    "first stage": say("first stage"),
    "first count": say("first count"),
    "surpluses transferred": say("surpluses transferred"),
    "no valid paper": say("no valid paper"),
    "no valid ballot": say("no valid ballot"),
}


def _head(text: str) -> Text | None:
    if text in _WHOLE:
        return _WHOLE[text]
    for prefix in ("surplus of ", "exclusion of ", "elimination of "):
        if text.startswith(prefix) and len(text) > len(prefix):
            names = text[len(prefix):]
            if prefix == "surplus of ":
                return say("surplus of %(names)s", names=names)
            if prefix == "exclusion of ":
                return say("exclusion of %(names)s", names=names)
            return say("elimination of %(names)s", names=names)
    return None


def ranked_words(text: str) -> Text | str:
    """``text`` (a ranked count's note or reason) as a message, or as it is when it is not one of
    theirs. The candidates' names stay a parameter, never translated."""
    if isinstance(text, Text) or not text:
        return text
    for ending, words in _ENDINGS.items():
        if text.endswith("; " + ending):
            head = _head(text[: -len(ending) - 2])
            if head is not None:
                return say("%(note)s; %(ending)s", note=head, ending=words)
    return _head(text) or text
