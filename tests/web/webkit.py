"""Elections for the browser tests, seeded through the service as the people outside the
pages would act (trustees on their own machines, the credential authority, voters)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

from electionkit import (
    NOMINATIONS_CLOSE,
    OFFLINE_KEY_CEREMONY,
    PASSWORD,
    ROLL,
    SLUG,
    VOTING_CLOSE,
    VOTING_OPEN,
    ServiceElection,
    offline_step,
)
from electionkit import SMALL_COUNCIL as DEFINITION

from vybory import protocol


def nominate_all(service: Any, slug: str = SLUG) -> None:
    ServiceElection(service, slug).nominate_all()


def key_ceremony(service: Any, folder: Path, slug: str = SLUG) -> None:
    """Every trustee's steps, computed offline from the board; key files written to ``folder``."""
    trustees = [t.id for t in service.state(slug).definition.trustees]
    for step in OFFLINE_KEY_CEREMONY:
        for trustee in trustees:
            post(service, trustee_message(service, folder, trustee, step, slug), slug)


def board_state(service: Any, slug: str = SLUG) -> Any:
    return protocol.replay(service.iter_events(slug))


def trustee_message(
    service: Any,
    folder: Path,
    trustee: str,
    step: str,
    slug: str = SLUG,
    key: Path | None = None,
    **kwargs: Any,
) -> dict[str, Any]:
    """A trustee's step computed from the board (the key file is ``folder/<trustee>-key.json``
    unless ``key`` is given)."""
    if step == "decrypt":
        kwargs.setdefault("ballots", service.events(slug, kinds=["ballot_cast"]))
    return offline_step(board_state(service, slug), key or folder / f"{trustee}-key.json", trustee, step, **kwargs)


def post(service: Any, message: dict[str, Any], slug: str = SLUG) -> None:
    if message["kind"] == "decryption_share":
        service.submit_decryption_share(slug, message["payload"])
    else:
        service.submit_trustee_step(slug, message["kind"], message["payload"])


def issue_credentials(service: Any, slug: str = SLUG) -> dict[str, list[str]]:
    return ServiceElection(service, slug).issue_credentials()


def vote(service: Any, secret: str, choices: dict[str, Any], slug: str = SLUG, seed: str = "v") -> Any:
    return ServiceElection(service, slug).vote(secret, choices, seed)


def open_for_voting(service: Any, clock: Any, folder: Path) -> dict[str, list[str]]:
    """The test election created, nominated, keyed, credentialled and open (clock in the voting window)."""
    e = ServiceElection.create(service, DEFINITION, ROLL)
    e.nominate_all()
    key_ceremony(service, folder)
    clock.set(NOMINATIONS_CLOSE + timedelta(days=1))
    service.close_nominations(SLUG)
    credentials = e.issue_credentials()
    service.open_round(SLUG)
    clock.set(VOTING_OPEN + timedelta(hours=1))
    return credentials


def tallied(service: Any, clock: Any, folder: Path) -> dict[str, list[str]]:
    """Round 1 voted (North: Ivanov 3, Petrova 2, Sidorov 1 -> runoff; South: Volkov 4, Kuznetsova 1),
    closed and its encrypted tally published."""
    credentials = open_for_voting(service, clock, folder)
    north, south = credentials["north"], credentials["south"]
    for secret, name in zip(north, ["Ivanov", "Ivanov", "Ivanov", "Petrova", "Petrova", "Sidorov"]):
        vote(service, secret, {"north-seat": [name]})
    for secret, name in zip(south, ["Volkov", "Volkov", "Volkov", "Volkov", "Kuznetsova"]):
        vote(service, secret, {"south-seat": [name]})
    clock.set(VOTING_CLOSE + timedelta(minutes=5))
    service.close_round(SLUG)
    service.compute_tally(SLUG)
    return credentials


__all__ = ["DEFINITION", "NOMINATIONS_CLOSE", "PASSWORD", "ROLL", "SLUG", "VOTING_CLOSE", "VOTING_OPEN",
           "board_state", "issue_credentials", "key_ceremony", "nominate_all", "open_for_voting", "post", "tallied",
           "trustee_message", "vote"]


def fill_election_form(page: Any, scalars: dict[str, str], rows: dict[str, list[dict[str, str]]]) -> None:
    """Fills the new-election form as a secretary does: each field by its id, each list's rows
    added with the list's own "Add" button when the form has too few (a server round trip that
    keeps what was typed). A select is chosen by its value or its visible label."""
    for name, entries in rows.items():
        for index in range(len(entries)):
            if page.locator(f"#{name}-{index}").count() == 0:
                page.click(f"button[value='add:{name}']")
                page.wait_for_selector(f"#{name}-{index}")
    for name, entries in rows.items():
        for index, entry in enumerate(entries):
            for column, value in entry.items():
                target = f"#{name}-{index}-{column}"
                if page.locator(f"select{target}").count():
                    page.select_option(target, value)
                else:
                    page.fill(target, value)
    for selector, value in scalars.items():
        if page.locator(f"select{selector}").count():
            page.select_option(selector, value)
        else:
            page.fill(selector, value)
