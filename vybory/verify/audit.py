"""A voter's check, on another device, of a ballot the booth opened (spec §12.6, "The audit file").

The booth that audits a ballot offers its audit file: the election, the round, the key it
encrypted under, the encryption code it showed, and for every contest the ciphertexts with
the randomness that made them. A booth that lies (it encrypted another choice, or under a key
that is not the election's, and then showed the voter what the voter chose) would show the
same words as an honest one; only a device that does not trust it can tell.

``check_audit(files, audit)`` reads the election's record as the verifier does (checking no
ballot) and opens the audit file with the record's key and layouts, not the file's: the
fingerprint and the key must be the record's, every contest must be one of the round's in one
district and complete, every ciphertext must open (``alpha = g^r``, ``beta / pk^r = g^v`` with
``v`` within the selection's maximum), the values must obey the layout's constraints, and the
ciphertexts must be the ones whose encryption code the booth showed. What it opens to is
returned as values per contest, for the voter to compare with what they chose.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from vybory.crypto import elgamal
from vybory.crypto.group import Point, Scalar
from vybory.errors import InvalidInput, VyboryError
from vybory.model.layout import Layout
from vybory.verify.jobs import BallotJob, BallotVerdict
from vybory.verify.report import Status
from vybory.verify.verifier import RecordFiles, Verifier

AUDIT_FORMAT = "vybory-ballot-audit"
AUDIT_VERSION = 1
AUDIT_KEYS = {"format", "version", "election", "round", "public_key", "encryption_code", "contests"}


@dataclass(frozen=True, slots=True)
class AuditContest:
    """One contest of an audit file: its ciphertexts and the randomness of each, in layout order."""

    contest: str
    ciphertexts: tuple[elgamal.Ciphertext, ...]
    randomness: tuple[Scalar, ...]


@dataclass(frozen=True, slots=True)
class AuditFile:
    """The booth's audit file, decoded (points and scalars canonical; nothing checked yet
    against the election).

    Invariants: per contest, as many randomness values as ciphertexts; contests distinct.
    """

    election: str
    round: int
    public_key: Point
    encryption_code: str
    contests: tuple[AuditContest, ...]


def _hex(value: Any, field: str, size: int) -> str:
    if not isinstance(value, str) or len(value) != 2 * size or any(c not in "0123456789abcdef" for c in value):
        raise InvalidInput(f"must be {2 * size} lower-case hex digits", field=field)
    return value


def read_audit(data: bytes) -> AuditFile:
    """The audit file from its bytes (JSON); InvalidInput naming the field for anything else
    (a point or scalar that does not decode canonically included)."""
    try:
        return _read(data)
    except InvalidInput:
        raise
    except VyboryError as exc:
        raise InvalidInput(exc.message, field=exc.field or "audit") from None


def _read(data: bytes) -> AuditFile:
    try:
        obj = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise InvalidInput("is not a JSON file", field="audit") from None
    if not isinstance(obj, Mapping) or obj.get("format") != AUDIT_FORMAT:
        raise InvalidInput(f"is not a ballot audit file (its format must be {AUDIT_FORMAT})", field="audit.format")
    if obj.get("version") != AUDIT_VERSION:
        raise InvalidInput(f"must be {AUDIT_VERSION}", field="audit.version")
    if set(obj) != AUDIT_KEYS:
        raise InvalidInput(f"must have exactly {', '.join(sorted(AUDIT_KEYS))}", field="audit")
    number = obj["round"]
    if isinstance(number, bool) or not isinstance(number, int) or number < 1:
        raise InvalidInput("must be a whole number from 1", field="audit.round")
    contests: list[AuditContest] = []
    if not isinstance(obj["contests"], list) or not obj["contests"]:
        raise InvalidInput("must be a list of at least one contest", field="audit.contests")
    for k, part in enumerate(obj["contests"]):
        where = f"audit.contests[{k}]"
        if not isinstance(part, Mapping) or set(part) != {"contest", "ciphertexts", "randomness"}:
            raise InvalidInput("must have exactly contest, ciphertexts, randomness", field=where)
        cts, rs = part["ciphertexts"], part["randomness"]
        if not isinstance(part["contest"], str) or not isinstance(cts, list) or not isinstance(rs, list) \
                or len(cts) != len(rs):
            raise InvalidInput("a contest id, and ciphertexts and randomness as lists of equal length",
                               field=where)
        if any(c.contest == part["contest"] for c in contests):
            raise InvalidInput(f"contest {part['contest']!r} is listed twice", field=where)
        contests.append(AuditContest(
            part["contest"],
            tuple(elgamal.Ciphertext.from_json(ct, f"{where}.ciphertexts[{i}]") for i, ct in enumerate(cts)),
            tuple(Scalar.from_hex(r, f"{where}.randomness[{i}]") for i, r in enumerate(rs))))
    return AuditFile(_hex(obj["election"], "audit.election", 32), number,
                     Point.from_hex(obj["public_key"], "audit.public_key"),
                     _hex(obj["encryption_code"], "audit.encryption_code", 32), tuple(contests))


def encryption_code(contests: tuple[AuditContest, ...]) -> str:
    """hex SHA-256 of every selection's alpha ‖ beta, contest after contest (spec §12.6)."""
    digest = hashlib.sha256()
    for part in contests:
        for ct in part.ciphertexts:
            digest.update(ct.to_bytes())
    return digest.hexdigest()


@dataclass(frozen=True, slots=True)
class AuditFinding:
    """Why the audit file does not hold: ``code`` (docs/verifier.md), the words, the field."""

    code: str
    message: str
    field: str

    def to_json(self) -> dict[str, Any]:
        return {"code": self.code, "message": str(self.message), "field": self.field}


@dataclass(frozen=True, slots=True)
class AuditResult:
    """What the audit file opens to under the record's key (``values`` per contest, with the
    round's ``layouts`` to read them), or the findings that say why it does not.
    ``board_intact``: the record's files, board, head, definition and key ceremony check, so
    that the record's key is the one the trustees' ceremony made."""

    election: str
    round: int
    district: str | None
    board_intact: bool
    values: dict[str, tuple[int, ...]]
    layouts: dict[str, Layout]
    titles: dict[str, str]
    findings: tuple[AuditFinding, ...]

    @property
    def holds(self) -> bool:
        return self.board_intact and not self.findings

    def to_json(self) -> dict[str, Any]:
        return {"holds": self.holds, "election": self.election, "round": self.round, "district": self.district,
                "board_intact": self.board_intact,
                "values": {c: list(v) for c, v in self.values.items()},
                "findings": [f.to_json() for f in self.findings]}


def _open(layout: Layout, part: AuditContest, public_key: Point, where: str) -> tuple[int, ...]:
    if len(part.ciphertexts) != layout.size:
        raise _Mismatch("audit_mismatch", f"contest {layout.contest!r} has {layout.size} selections in this "
                                          f"round, not {len(part.ciphertexts)}", where)
    values = []
    for i, (ct, r) in enumerate(zip(part.ciphertexts, part.randomness)):
        field = f"{where}.ciphertexts[{i}]"
        if Point.base_mul(r) != ct.alpha:
            raise _Mismatch("audit_mismatch", f"{layout.labels[i]}: the randomness given did not make this "
                                              "ciphertext", field)
        try:
            values.append(elgamal.dlog(ct.beta - public_key * r, layout.maxima[i]))
        except InvalidInput:
            raise _Mismatch("audit_mismatch", f"{layout.labels[i]}: the ciphertext does not hold a value from 0 "
                                              f"to {layout.maxima[i]}", field) from None
    for constraint in layout.constraints:
        total = sum(values[i] for i in constraint.indices)
        if not constraint.minimum <= total <= constraint.maximum:
            raise _Mismatch("audit_invalid_choice", f"contest {layout.contest!r}: {total} marks where the ballot "
                                                    f"allows {constraint.minimum} to {constraint.maximum}", where)
    return tuple(values)


class _Mismatch(Exception):
    def __init__(self, code: str, message: str, field: str):
        super().__init__(message)
        self.finding = AuditFinding(code, message, field)


def check_audit(files: RecordFiles, audit: AuditFile) -> AuditResult:
    """Opens ``audit`` with the election key and the round's layouts of the record ``files``."""

    def no_ballot(jobs: Any) -> Any:
        for job in jobs:
            assert isinstance(job, BallotJob)
            yield BallotVerdict(job.position, job.tracking_code)

    verifier = Verifier(files)
    report = verifier.run(no_ballot)
    # The key the file is opened with is the one the board announces: it is the election's only
    # if the definition and the key ceremony that makes it check too.
    intact = all(report.check(name).status is Status.PASSED
                 for name in ("record", "board", "head", "definition", "key_ceremony"))
    findings: list[AuditFinding] = []
    values: dict[str, tuple[int, ...]] = {}
    layouts: dict[str, Layout] = {}
    district: str | None = None
    definition = verifier.definition

    def result() -> AuditResult:
        titles = {c: definition.contest(c).title for c in layouts} if definition is not None else {}
        return AuditResult(audit.election, audit.round, district, intact, values, layouts, titles, tuple(findings))

    if audit.election != verifier.fingerprint.hex():
        findings.append(AuditFinding("audit_other_election", "the audit file is of another election (fingerprint "
                                     f"{audit.election[:16]}, the record's is {verifier.fingerprint.hex()[:16]})",
                                     "audit.election"))
        return result()
    key = verifier.ceremony.public_key if verifier.ceremony is not None else None
    if key is None or audit.public_key != key:
        findings.append(AuditFinding("audit_wrong_key", "the ballot was encrypted under a key that is not this "
                                     "election's: whoever holds that key can read it", "audit.public_key"))
        return result()
    rnd = verifier.rounds.get(audit.round)
    if rnd is None:
        findings.append(AuditFinding("audit_unknown_round", f"round {audit.round} is not open on this record's board",
                                     "audit.round"))
        return result()
    assert definition is not None
    given = [part.contest for part in audit.contests]
    unknown = [c for c in given if c not in rnd.layouts]
    if unknown:
        findings.append(AuditFinding("audit_unknown_contest", f"round {audit.round} has no contest {unknown[0]!r}",
                                     "audit.contests"))
        return result()
    districts = {definition.contest(c).district for c in given}
    district = min(districts)
    expected = [c.id for c in definition.contests if c.id in rnd.layouts and c.district == district]
    if len(districts) > 1 or given != expected:
        findings.append(AuditFinding("audit_incomplete", f"a ballot of district {district!r} in round {audit.round} "
                                     f"holds the contests {', '.join(expected)}, in this order, not {', '.join(given)}",
                                     "audit.contests"))
        return result()
    for k, part in enumerate(audit.contests):
        layouts[part.contest] = rnd.layouts[part.contest]
        try:
            values[part.contest] = _open(rnd.layouts[part.contest], part, key, f"audit.contests[{k}]")
        except _Mismatch as exc:
            findings.append(exc.finding)
            values.clear()
            return result()
    if encryption_code(audit.contests) != audit.encryption_code:
        findings.append(AuditFinding("audit_mismatch", "the ciphertexts are not the ones whose encryption code the "
                                     "booth showed", "audit.encryption_code"))
        values.clear()
    return result()


__all__ = ["AUDIT_FORMAT", "AUDIT_VERSION", "AuditFile", "AuditFinding", "AuditResult", "check_audit",
           "encryption_code", "read_audit"]
