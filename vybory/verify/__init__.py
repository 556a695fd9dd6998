"""vybory.verify: the independent verifier of an election record.

It imports only the core (crypto, model, rules) and checks everything from
the record alone, following docs/spec.md; docs/verifier.md lists the checks.

- :func:`verify_record` runs every check on a :class:`RecordFiles` and
  returns a :class:`Report` (one :class:`CheckResult` per check, in order);
- :func:`find_ballot` says where one tracking code stands (``verify-ballot``);
- :mod:`vybory.verify.record` is the record's format (files, manifest, README);
- :mod:`vybory.verify.ballot` checks one ballot's cryptography (also used by
  the service when a ballot is cast); :mod:`vybory.verify.jobs` wraps it as
  jobs that ``vybory.scale`` runs in parallel.
"""

from vybory.verify.jobs import (
    BallotChecker,
    BallotJob,
    BallotVerdict,
    check_ballot_jobs,
    check_sequentially,
)
from vybory.verify.lookup import BallotState, BallotStatus, find_ballot
from vybory.verify.record import Manifest, parse_manifest, readme_text
from vybory.verify.report import CHECKS, CheckResult, Finding, Report, Status
from vybory.verify.verifier import RecordFiles, verify_record

__all__ = [
    "CHECKS",
    "BallotChecker",
    "BallotJob",
    "BallotState",
    "BallotStatus",
    "BallotVerdict",
    "CheckResult",
    "Finding",
    "Manifest",
    "RecordFiles",
    "Report",
    "Status",
    "check_ballot_jobs",
    "check_sequentially",
    "find_ballot",
    "parse_manifest",
    "readme_text",
    "verify_record",
]
