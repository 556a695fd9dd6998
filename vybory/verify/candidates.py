"""Check 5: the nominations on the board, and every registered candidate on the ballot (spec §10.3).

Nominations are numbered in board order; each registration, refusal, appeal
and decision must answer a nomination in the state that allows it, and
``nominations_closed`` must list, for every contest, exactly the registered
candidates in ballot order.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from vybory.model.definition import Definition, format_time, parse_time
from vybory.verify.decisions import candidate_order
from vybory.verify.payloads import Malformed, need
from vybory.verify.report import Findings

CHECK = "candidates"
FIELDS = {
    "nomination_submitted": {"nomination", "contest", "organisation", "candidate", "consent", "at"},
    "candidate_registered": {"nomination", "contest", "candidate", "at"},
    "candidate_refused": {"nomination", "contest", "candidate", "reason", "at"},
    "appeal_lodged": {"nomination", "grounds", "at"},
    "appeal_decided": {"nomination", "upheld", "reason", "at"},
    "nominations_closed": {"candidates", "at"},
}


@dataclass
class Nomination:
    contest: str
    name: str
    status: str = "submitted"  # registered, refused, appealed, appeal_rejected
    refused_at: datetime | None = None


@dataclass
class Nominations:
    """The nominations as the board gives them; ``ballot`` is set by ``nominations_closed``."""

    definition: Definition
    entries: list[Nomination] = field(default_factory=list)
    ballot: dict[str, tuple[str, ...]] | None = None
    # The nominations of each (contest, case-folded name): a national election has thousands.
    by_name: dict[tuple[Any, str], list[Nomination]] = field(default_factory=dict)

    def add(self, kind: str, payload: Mapping[str, Any], position: int, out: Findings) -> None:
        """Takes one event of a kind of :data:`FIELDS`, checking it where it stands."""
        need(payload, FIELDS[kind], kind)
        out.count(CHECK)

        def fail(code: str, message: str) -> None:
            out.fail(CHECK, code, message, position=position, kind=kind)

        if kind == "nominations_closed":
            self._close(payload, fail)
            return
        if self.ballot is not None:
            fail("nominations_closed", "after the nominations closed")
        if kind == "nomination_submitted":
            self._submitted(payload, fail)
            return
        status = {"candidate_registered": "submitted", "candidate_refused": "submitted",
                  "appeal_lodged": "refused", "appeal_decided": "appealed"}[kind]
        number = payload["nomination"]
        if isinstance(number, bool) or not isinstance(number, int) or not 1 <= number <= len(self.entries):
            fail("nomination_number", f"there is no nomination {number!r}")
            return
        n = self.entries[number - 1]
        if n.status != status:
            fail("nomination_status", f"nomination {number} is {n.status}, not {status}")
            return
        at = parse_time(payload["at"])
        if kind == "candidate_registered":
            if (payload["contest"], payload["candidate"]) != (n.contest, n.name):
                fail("nomination_mismatch", "names another contest or candidate than the nomination")
            n.status = "registered"
        elif kind == "candidate_refused":
            if not isinstance(payload["reason"], str) or not payload["reason"].strip():
                fail("refusal_reason", "a refusal without a reason")
            n.status, n.refused_at = "refused", at
        elif kind == "appeal_lodged":
            assert n.refused_at is not None
            limit = n.refused_at + self.definition.deadlines.appeal_duration
            if at > limit:
                fail("appeal_late", f"lodged at {payload['at']}, after the time to appeal ended at "
                                    f"{format_time(limit)}")
            n.status = "appealed"
        else:
            n.status = "registered" if payload["upheld"] is True else "appeal_rejected"

    def _submitted(self, p: Mapping[str, Any], fail: Any) -> None:
        d = self.definition
        if p["nomination"] != len(self.entries) + 1:
            fail("nomination_number", f"is numbered {p['nomination']!r}, expected {len(self.entries) + 1}")
        if not d.has_contest(p["contest"]) or d.contest(p["contest"]).is_motion:
            fail("nomination_contest", f"{p['contest']!r} is not a contest with candidates")
        if not d.has_organisation(p["organisation"]):
            fail("nomination_organisation", f"{p['organisation']!r} is not an organisation of the election")
        if p["consent"] is not True:
            fail("nomination_consent", "a nomination without the candidate's consent")
        if parse_time(p["at"]) >= d.deadlines.nominations_close:
            fail("nomination_late", f"submitted at {p['at']}, after the nominations closed at "
                                    f"{format_time(d.deadlines.nominations_close)}")
        name = p["candidate"]["name"]
        if not isinstance(name, str):
            raise Malformed("the candidate's name must be text")
        same = self.by_name.setdefault((p["contest"], name.casefold()), [])
        if any(other.status not in ("refused", "appeal_rejected") for other in same):
            fail("nomination_twice", f"{name!r} is already nominated in {p['contest']!r}")
        nomination = Nomination(p["contest"], name)
        same.append(nomination)
        self.entries.append(nomination)

    def _close(self, p: Mapping[str, Any], fail: Any) -> None:
        """``nominations_closed``: every registered candidate is on the ballot, and nobody else."""
        d = self.definition
        if self.ballot is not None:
            fail("nominations_closed", "the nominations are closed a second time")
            return
        given = p["candidates"]
        if not isinstance(given, Mapping):
            raise Malformed("candidates must be an object: contest -> names")
        at = parse_time(p["at"])
        if at < d.deadlines.nominations_close:
            fail("nominations_closed_early", f"closed at {p['at']}, before the deadline "
                                             f"{format_time(d.deadlines.nominations_close)}")
        for number, n in enumerate(self.entries, start=1):
            appealable = n.status == "refused" and n.refused_at is not None and \
                at <= n.refused_at + d.deadlines.appeal_duration
            if n.status in ("submitted", "appealed") or appealable:
                fail("nominations_closed_early", f"closed while nomination {number} ({n.name}) still waited for "
                                                 "a decision or could still be appealed")
        ballot: dict[str, tuple[str, ...]] = {}
        names: dict[str, set[str]] = {}
        for n in self.entries:
            if n.status == "registered":
                names.setdefault(n.contest, set()).add(n.name)
        for contest in d.contests:
            registered = sorted(names.get(contest.id, ()), key=candidate_order)
            listed = given.get(contest.id)
            if listed != registered:
                fail("ballot_candidates", f"contest {contest.id!r}: the ballot lists {listed!r}; the registered "
                                          f"candidates are {registered!r}")
            ballot[contest.id] = tuple(listed) if isinstance(listed, list) else tuple(registered)
        extra = set(given) - {c.id for c in d.contests}
        if extra:
            fail("ballot_candidates", f"lists unknown contests {sorted(extra)}")
        self.ballot = ballot


__all__ = ["CHECK", "FIELDS", "Nomination", "Nominations"]
