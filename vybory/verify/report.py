"""What the verifier reports: one named check per step of docs/verifier.md, in that order.

A :class:`Finding` names one failing item (the event's position on the board,
the ballot's tracking code, the trustee or contest in its words) and what
failed. A :class:`CheckResult` gathers the findings of one check; a
:class:`Report` holds every check in order. The record verifies when no check
has a finding.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

REPORT_FORMAT = "vybory-verification"
REPORT_VERSION = 1
# A check keeps at most this many findings; the rest are counted (memory stays bounded).
MAX_FINDINGS = 10_000


@dataclass(frozen=True, slots=True)
class CheckSpec:
    """One step of the verification: its number, name, title and the spec section it follows."""

    number: int
    name: str
    title: str
    spec: str


# The checks, in the order docs/verifier.md lists them and `vybory verify` reports them.
CHECKS: tuple[CheckSpec, ...] = (
    CheckSpec(1, "record", "The record's files and manifest", "verifier.md §1"),
    CheckSpec(2, "board", "The board's hash chain, end to end", "spec §10.1"),
    CheckSpec(3, "head", "The head of the board", "spec §10.1"),
    CheckSpec(4, "definition", "The definition and its fingerprint", "spec §9.1, §9.2"),
    CheckSpec(5, "candidates", "Every registered candidate on the ballot", "spec §10.3"),
    CheckSpec(6, "key_ceremony", "The key ceremony: commitments, proofs, complaints, joint key",
              "spec §5, §10.3"),
    CheckSpec(7, "credentials", "The list of public credentials", "spec §12.1, §12.1a, §10.3"),
    CheckSpec(8, "ballots", "Every ballot: credential, round, signature, proofs",
              "spec §12.2-§12.5, §4.2, §4.4, §4.5, §11"),
    CheckSpec(9, "ciphertexts", "No ciphertext repeated on the board", "spec §12.5"),
    CheckSpec(10, "counted_ballots", "The last ballot of each credential counts", "spec §13, §10.3"),
    CheckSpec(11, "encrypted_tally", "The encrypted tally, recomputed from the board", "spec §13"),
    CheckSpec(12, "mixes", "The mixes of ranked ballots: rows, shuffle proofs, signatures",
              "spec §17.1, §17.2, §8.4"),
    CheckSpec(13, "decryption_shares", "Each decryption share's proof", "spec §14, §6.2, §4.6"),
    CheckSpec(14, "combination", "The combination of k valid shares", "spec §14, §6.3"),
    CheckSpec(15, "counts", "The decrypted counts and rankings", "spec §14, §3.4, §17.4"),
    CheckSpec(16, "decisions", "The decisions: the counting rule re-run, the next round", "spec §15"),
    CheckSpec(17, "rounds", "Each round's contests, candidates and window", "spec §10.3, §15.2"),
    CheckSpec(18, "publication", "The published results", "spec §16"),
    CheckSpec(19, "witnesses", "The heads the trustees witnessed", "spec §10.6"),
)
CHECK_NAMES = tuple(c.name for c in CHECKS)


class Status(StrEnum):
    PASSED = "passed"
    FAILED = "failed"
    NOT_RUN = "not_run"


@dataclass(frozen=True, slots=True)
class Finding:
    """One failing item.

    Invariants: ``check`` is one of :data:`CHECK_NAMES`; ``position`` is the
    event's place on the board (1 = first) when the item is an event;
    ``tracking_code`` is set when it is a ballot.
    """

    check: str
    code: str
    message: str
    position: int | None = None
    kind: str | None = None
    tracking_code: str | None = None

    def where(self) -> str:
        parts = []
        if self.position is not None:
            parts.append(f"event {self.position}" + (f" ({self.kind})" if self.kind else ""))
        if self.tracking_code:
            parts.append(f"ballot {self.tracking_code}")
        return ", ".join(parts)

    def __str__(self) -> str:
        where = self.where()
        return f"{where}: {self.message}" if where else self.message

    def to_json(self) -> dict[str, Any]:
        return {"check": self.check, "code": self.code, "message": self.message, "position": self.position,
                "kind": self.kind, "tracking_code": self.tracking_code}


@dataclass(frozen=True, slots=True)
class CheckResult:
    """The outcome of one check.

    Invariants: ``status`` is FAILED exactly when ``failures > 0``;
    ``findings`` holds the first :data:`MAX_FINDINGS` of them; ``checked``
    counts the items looked at (events, ballots, shares, contests).
    """

    spec: CheckSpec
    status: Status
    findings: tuple[Finding, ...] = ()
    failures: int = 0
    checked: int = 0
    notes: tuple[str, ...] = ()
    reason: str = ""

    @property
    def name(self) -> str:
        return self.spec.name

    def to_json(self) -> dict[str, Any]:
        return {
            "number": self.spec.number,
            "name": self.spec.name,
            "title": self.spec.title,
            "spec": self.spec.spec,
            "status": self.status.value,
            "checked": self.checked,
            "failures": self.failures,
            "findings": [f.to_json() for f in self.findings],
            "notes": list(self.notes),
            "reason": self.reason,
        }


@dataclass(frozen=True, slots=True)
class WitnessLevel:
    """Events 1..``position`` (hash ``hash``, in phase ``phase``) are witnessed by ``trustees``
    (each witnessed that head or a later one)."""

    position: int
    hash: str
    phase: str
    trustees: tuple[str, ...]

    def to_json(self) -> dict[str, Any]:
        return {"position": self.position, "hash": self.hash, "phase": self.phase, "trustees": list(self.trustees)}


@dataclass(frozen=True, slots=True)
class Witnessed:
    """Which part of the board its trustees witnessed.

    Invariants: ``levels`` by increasing position, each witnessed by fewer or as many trustees
    as the one before; events after the last level's position are not witnessed.
    """

    events: int
    trustees: int
    levels: tuple[WitnessLevel, ...]
    # The last event that is not itself a witness (0: none).
    last_content: int = 0

    @property
    def latest(self) -> WitnessLevel | None:
        return self.levels[-1] if self.levels else None

    def lines(self) -> list[str]:
        """The plain statement `vybory verify` prints."""
        out = []
        start = 1
        for level in self.levels:
            if level.position < start:
                continue
            out.append(f"witnessed: events {start}-{level.position} (up to {level.phase or 'no phase'}, head "
                       f"{level.hash}) by {len(level.trustees)} of {self.trustees} trustees "
                       f"({', '.join(level.trustees)})")
            start = level.position + 1
        if start <= self.events:
            last = self.events - start + 1
            what = (f"events {start}-{self.events} (the last {last})" if self.levels
                    else f"all {self.events} events: no trustee countersigned any head of this record")
            only = " (trustees' witnesses only, each signed)" if self.last_content < start else ""
            out.append(f"NOT witnessed: {what}{only}; only this record vouches for them")
        return out

    def to_json(self) -> dict[str, Any]:
        latest = self.latest
        covered = latest.position if latest else 0
        return {"events": self.events, "trustees": self.trustees, "levels": [v.to_json() for v in self.levels],
                "latest": None if latest is None else latest.to_json(),
                "unwitnessed_from": covered + 1 if covered < self.events else None}


@dataclass(frozen=True, slots=True)
class Report:
    """Every check of one record, in order.

    Invariants: ``checks`` follows :data:`CHECKS`; ``ok`` iff every check passed.
    """

    election: str
    fingerprint: str
    head: str
    events: int
    ballots: int
    checks: tuple[CheckResult, ...]
    # What of the board the trustees witnessed (spec §10.6): see :class:`Witnessed`.
    witnessed: Witnessed | None = None

    @property
    def ok(self) -> bool:
        return all(c.status is Status.PASSED for c in self.checks)

    @property
    def failures(self) -> list[Finding]:
        return [f for c in self.checks for f in c.findings]

    def check(self, name: str) -> CheckResult:
        for c in self.checks:
            if c.name == name:
                return c
        raise KeyError(name)

    def to_json(self) -> dict[str, Any]:
        return {
            "format": REPORT_FORMAT,
            "version": REPORT_VERSION,
            "verified": self.ok,
            "election": self.election,
            "fingerprint": self.fingerprint,
            "head": self.head,
            "events": self.events,
            "ballots": self.ballots,
            "checks": [c.to_json() for c in self.checks],
            "witnessed": None if self.witnessed is None else self.witnessed.to_json(),
        }


@dataclass
class Findings:
    """Collects findings per check while the verifier runs (the mutable side of :class:`Report`)."""

    by_check: dict[str, list[Finding]] = field(default_factory=lambda: {n: [] for n in CHECK_NAMES})
    failures: dict[str, int] = field(default_factory=lambda: {n: 0 for n in CHECK_NAMES})
    checked: dict[str, int] = field(default_factory=lambda: {n: 0 for n in CHECK_NAMES})
    notes: dict[str, list[str]] = field(default_factory=lambda: {n: [] for n in CHECK_NAMES})
    not_run: dict[str, str] = field(default_factory=dict)

    def fail(self, check: str, code: str, message: str, *, position: int | None = None, kind: str | None = None,
             tracking_code: str | None = None) -> None:
        self.failures[check] += 1
        found = self.by_check[check]
        if len(found) < MAX_FINDINGS:
            found.append(Finding(check, code, message, position, kind, tracking_code))

    def fail_late(self, check: str, code: str, message: str, *, position: int, kind: str | None = None,
                  tracking_code: str | None = None) -> None:
        """A finding about the event at ``position`` that may arrive after findings about later
        events (a ballot's verdict, its proofs checked in chunks or on other processes while the
        board is read ahead). It is placed after every finding at or before ``position``, so the
        findings kept, and their order, are those of reading and checking one ballot at a time."""
        self.failures[check] += 1
        found = self.by_check[check]
        at = len(found)
        while at and (found[at - 1].position or 0) > position:
            at -= 1
        if at < MAX_FINDINGS:
            found.insert(at, Finding(check, code, message, position, kind, tracking_code))
            del found[MAX_FINDINGS:]

    def count(self, check: str, n: int = 1) -> None:
        self.checked[check] += n

    def note(self, check: str, text: str) -> None:
        self.notes[check].append(text)

    def skip(self, check: str, reason: str) -> None:
        """Marks a check as not run (it could not be, because of what ``reason`` says)."""
        self.not_run.setdefault(check, reason)

    def result(self, spec: CheckSpec) -> CheckResult:
        n = spec.name
        failures = self.failures[n]
        if failures:
            status = Status.FAILED
        elif n in self.not_run:
            status = Status.NOT_RUN
        else:
            status = Status.PASSED
        findings = tuple(self.by_check[n])
        extra = failures - len(findings)
        notes = tuple(self.notes[n]) + ((f"{extra} more findings not listed",) if extra > 0 else ())
        return CheckResult(spec, status, findings, failures, self.checked[n], notes, self.not_run.get(n, ""))

    def report(self, *, election: str, fingerprint: str, head: str, events: int, ballots: int,
               witnessed: Witnessed | None = None) -> Report:
        return Report(election, fingerprint, head, events, ballots, tuple(self.result(s) for s in CHECKS),
                      witnessed)


__all__ = [
    "CHECKS",
    "CHECK_NAMES",
    "MAX_FINDINGS",
    "REPORT_FORMAT",
    "REPORT_VERSION",
    "CheckResult",
    "CheckSpec",
    "Finding",
    "Findings",
    "Report",
    "Status",
    "WitnessLevel",
    "Witnessed",
]
