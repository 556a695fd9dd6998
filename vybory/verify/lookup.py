"""A voter's check of one ballot: is it on the board, valid, and counted (or superseded)?

``find_ballot(files, tracking_code)`` reads the whole record as the verifier
does (the chain, the credentials, the rounds, the encrypted tallies) but
checks the cryptography of this one ballot only, then says where it stands:
counted in its round's encrypted tally, superseded by a later ballot of the
same credential, not yet tallied, invalid, or not on the board.

Given the voter's public credential (derived from the secret one on their
letter, on the voter's machine), it also ties the ballot to the voter
(:class:`CredentialTie`): the credential is on the published list, and the
tracking code's ballot names it. A lying voting device that shows two voters the
tracking code of one ballot is caught by the voter whose credential it is not
(``ballot_not_yours``).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from vybory.model.ballot import normalise_code
from vybory.verify.jobs import BallotJob, BallotVerdict, check_ballot_job
from vybory.verify.report import Status
from vybory.verify.verifier import RecordFiles, Verifier


class BallotState(StrEnum):
    COUNTED = "counted"
    SUPERSEDED = "superseded"
    NOT_YET_COUNTED = "not_yet_counted"
    INVALID = "invalid"
    NOT_FOUND = "not_found"


@dataclass(frozen=True, slots=True)
class CredentialTie:
    """What the voter's own public credential says about a tracking code's ballot.

    Invariants: ``district`` is set exactly when ``listed``; ``ballot_credential`` is the
    credential the tracking code's ballot names (None when no such ballot was found);
    ``own_ballots`` holds the credential's latest ballot of each round, as (round, position,
    tracking code).
    """

    credential: str
    listed: bool
    district: str | None
    ballot_credential: str | None
    own_ballots: tuple[tuple[int, int, str], ...] = ()

    @property
    def findings(self) -> list[tuple[str, str]]:
        """(code, message) of each way the ballot is not tied to this credential."""
        out = []
        if not self.listed:
            out.append(("credential_not_listed",
                        f"the public credential of your letter ({self.credential}) is not on the published list: "
                        + "your letter is not for this election, or your credential was left off the list"))
        if self.ballot_credential is not None and self.ballot_credential != self.credential:
            out.append(("ballot_not_yours",
                        f"this ballot was cast with the credential {self.ballot_credential}, not with yours "
                        + f"({self.credential}): it is not your ballot. Whatever showed you this tracking code "
                        + "(your voting device?) showed you someone else's ballot"))
        return out

    def to_json(self) -> dict[str, Any]:
        return {"credential": self.credential, "listed": self.listed, "district": self.district,
                "ballot_credential": self.ballot_credential, "yours": not self.findings,
                "own_ballots": [{"round": r, "position": p, "tracking_code": c} for r, p, c in self.own_ballots],
                "findings": [{"code": c, "message": m} for c, m in self.findings]}


def tie_credential(credential: str, districts: Mapping[str, str], ballot_credential: Any,
                   own_ballots: tuple[tuple[int, int, str], ...] = ()) -> CredentialTie:
    """The tie of ``credential`` (hex) to a ballot naming ``ballot_credential``, given the published
    list (credential -> district)."""
    credential = credential.strip().lower()
    named = ballot_credential if isinstance(ballot_credential, str) or ballot_credential is None \
        else repr(ballot_credential)
    return CredentialTie(credential, credential in districts, districts.get(credential), named, own_ballots)


@dataclass(frozen=True, slots=True)
class BallotStatus:
    """Where one tracking code stands on the board.

    Invariants: ``position`` is set unless ``state`` is NOT_FOUND;
    ``superseded_by`` (position, tracking code) is set exactly when SUPERSEDED;
    ``tally_position`` when COUNTED; ``board_intact`` says whether the record's
    files, the chain and the head checked; ``tally_matches`` whether every
    round's published encrypted tally equals the one recomputed from the board.
    """

    tracking_code: str
    state: BallotState
    position: int | None = None
    round: int | None = None
    problem: str = ""
    superseded_by: tuple[int, str] | None = None
    tally_position: int | None = None
    tally_matches: bool = False
    board_intact: bool = False
    head: str = ""
    events: int = 0
    fingerprint: str = ""
    tie: CredentialTie | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "tracking_code": self.tracking_code,
            "state": self.state.value,
            "position": self.position,
            "round": self.round,
            "problem": self.problem,
            "superseded_by": None if self.superseded_by is None else
            {"position": self.superseded_by[0], "tracking_code": self.superseded_by[1]},
            "tally_position": self.tally_position,
            "tally_matches": self.tally_matches,
            "board_intact": self.board_intact,
            "head": self.head,
            "events": self.events,
            "fingerprint": self.fingerprint,
            "credential": None if self.tie is None else self.tie.to_json(),
        }


def find_ballot(files: RecordFiles, tracking_code: str, credential: str | None = None) -> BallotStatus:
    """Where the ballot with ``tracking_code`` stands in the record ``files``; with the voter's
    public ``credential`` (hex), whether that ballot is the voter's (:class:`CredentialTie`)."""
    code = normalise_code(tracking_code)
    mine: list[BallotVerdict] = []

    def only_this_ballot(jobs: Iterator[BallotJob]) -> Iterator[BallotVerdict]:
        for job in jobs:
            if job.tracking_code == code:
                mine.append(check_ballot_job(job))
                yield mine[-1]
            else:
                yield BallotVerdict(job.position, job.tracking_code)

    verifier = Verifier(files, watch=code)
    report = verifier.run(only_this_ballot)
    intact = all(report.check(name).status is Status.PASSED for name in ("record", "board", "head"))
    tally_ok = report.check("encrypted_tally").status is Status.PASSED
    common: dict[str, Any] = {"board_intact": intact, "head": report.head, "events": report.events,
                              "tally_matches": tally_ok, "fingerprint": report.fingerprint}
    if credential is not None:
        key = credential.strip().lower()
        own = tuple((n, r.last[key].position, r.last[key].tracking_code)
                    for n, r in sorted(verifier.rounds.items()) if key in r.last)
        listed = {key: verifier.credentials[key].district} if key in verifier.credentials else {}
        common["tie"] = tie_credential(key, listed,
                                       verifier.watched[2] if verifier.watched else None, own)
    if verifier.watched is None:
        return BallotStatus(code, BallotState.NOT_FOUND, **common)
    position, number, credential = verifier.watched
    problems = [f.message for f in report.failures if f.position == position and f.kind == "ballot_cast"]
    rnd = verifier.rounds.get(number) if isinstance(number, int) else None
    last = rnd.last.get(credential) if rnd is not None and isinstance(credential, str) else None
    if problems or rnd is None or last is None:
        return BallotStatus(code, BallotState.INVALID, position, number if rnd else None,
                            "; ".join(problems) or "the ballot counts in no round", **common)
    if last.position != position:
        return BallotStatus(code, BallotState.SUPERSEDED, position, number,
                            superseded_by=(last.position, last.tracking_code), **common)
    if rnd.tally is None:
        return BallotStatus(code, BallotState.NOT_YET_COUNTED, position, number, **common)
    return BallotStatus(code, BallotState.COUNTED, position, number, tally_position=rnd.tally.position, **common)


__all__ = ["BallotState", "BallotStatus", "CredentialTie", "find_ballot", "normalise_code", "tie_credential"]
