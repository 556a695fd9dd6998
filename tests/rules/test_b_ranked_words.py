"""Every round note and reason IRV and STV write is read back as a message with Russian words,
while the outcome keeps the English text the records already hold."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from vybory.rules import count
from vybory.rules.base import Contest, RankedBallot
from vybory.rules.notes import ranked_words
from vybory.text import Text
from vybory.web import i18n

NAMES = ("Ivanov", "Petrova", "Smirnov, Jr.", "Kuznetsova; née Orlova", "Volkov")
RANKED = {"irv": 1, "stv-scottish": 2, "stv-meek": 2, "stv-irish": 2}


def words_of(outcome) -> list[str]:  # type: ignore[no-untyped-def]
    return [r.note for r in outcome.rounds] + ([outcome.reason] if outcome.reason else [])


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.permutations(range(len(NAMES))).map(lambda p: p[: 1 + p[0] % len(NAMES)]),
                min_size=0, max_size=25),
       st.sampled_from(sorted(RANKED)), st.integers(min_value=3, max_value=5))
def test_every_ranked_note_and_reason_has_its_message(orders, method, size) -> None:  # type: ignore[no-untyped-def]
    names = NAMES[:size]
    ballots = [RankedBallot(tuple((names[i],) for i in order if i < size), 1) for order in orders]
    seats = min(RANKED[method], size - 1)
    outcome = count(method, Contest("c", names, seats=seats, options={}, seed=b"seed"), ballots=ballots)
    for text in words_of(outcome):
        words = ranked_words(text)  # a reason already made with say() stays as it is
        assert isinstance(words, Text) and str(words) == text, (method, text)
        russian = i18n.localise("ru", words)
        assert russian != text and "%(" not in russian, (method, text, russian)
        for name in names:
            if name in text:
                assert name in russian  # names stay as they are


def test_the_last_vacancies_and_unknown_text() -> None:
    words = ranked_words("exclusion of Smirnov, Jr.; the last vacancies are filled under rule 52")
    assert i18n.localise("ru", words) == (
        "исключение: Smirnov, Jr.; последние места заполняются по правилу 52")
    assert ranked_words("something else") == "something else"
    assert ranked_words("surplus of ") == "surplus of " and ranked_words("") == ""
