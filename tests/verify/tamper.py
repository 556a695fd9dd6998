"""Changing a record the way an attacker would, for the tamper tests.

A record is handled as a list of event objects (``load``). After a change,
``naive`` writes the lines back as they are (the changed event keeps its old
hash), while ``rechained`` does what an attacker who controls the server
would do: recompute the changed ballots' tracking codes, renumber and re-hash
the whole chain, and rewrite the manifest (count, head, file digests), so
that only the deeper checks can catch the change.
"""

from __future__ import annotations

import copy
import hashlib
import json
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from vybory.crypto.group import Point, Scalar
from vybory.crypto.proofs import sign
from vybory.crypto.rng import DeterministicRng
from vybory.model.board import GENESIS_HASH, compute_event_hash
from vybory.model.canonical import canonical_json
from vybory.protocol.credentials import credential_scalar
from vybory.verify.verifier import RecordFiles

Events = list[dict[str, Any]]


def read_zip(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def load(lines: list[bytes]) -> Events:
    return [json.loads(line) for line in lines]


def to_lines(events: Events) -> list[bytes]:
    return [canonical_json(e) + b"\n" for e in events]


def retrack(events: Events) -> None:
    """Sets every ballot_cast's tracking code to the hash of its (possibly changed) ballot."""
    for e in events:
        if e["kind"] == "ballot_cast":
            e["payload"]["tracking_code"] = hashlib.sha256(canonical_json(e["payload"]["ballot"])).hexdigest()


def rechain(events: Events) -> None:
    """Renumbers the events 1..n and recomputes every previous_hash and hash."""
    previous = GENESIS_HASH
    for position, e in enumerate(events, start=1):
        e["position"] = position
        e["previous_hash"] = previous.hex()
        digest = compute_event_hash(position, e["kind"], e["payload"], previous)
        e["hash"] = digest.hex()
        previous = digest


def manifest_for(files: dict[str, bytes], lines: list[bytes], events: Events) -> bytes:
    """The manifest an attacker would write for these lines."""
    manifest = json.loads(files["manifest.json"])
    data = b"".join(lines)
    manifest["events"] = len(lines)
    manifest["head"] = events[-1]["hash"] if events else "00" * 32
    manifest["files"]["events.jsonl"] = {"sha256": hashlib.sha256(data).hexdigest(), "size": len(data)}
    return json.dumps(manifest).encode()


def record_files(files: dict[str, bytes], lines: list[bytes] | None = None, **replace: bytes | None) -> RecordFiles:
    """RecordFiles over in-memory contents (``lines`` replace events.jsonl when given)."""
    contents = dict(files)
    if lines is not None:
        contents["events.jsonl"] = b"".join(lines)
    for name, value in replace.items():
        key = {"manifest": "manifest.json", "definition": "definition.json", "readme": "README.md"}[name]
        if value is None:
            contents.pop(key, None)
        else:
            contents[key] = value
    events = contents.get("events.jsonl")
    return RecordFiles(contents.get("manifest.json"), contents.get("definition.json"), contents.get("README.md"),
                       None if events is None else (lambda: iter(events.splitlines(keepends=True))))


def naive(files: dict[str, bytes], events: Events) -> RecordFiles:
    return record_files(files, to_lines(events))


def rechained(files: dict[str, bytes], events: Events) -> RecordFiles:
    events = copy.deepcopy(events)
    retrack(events)
    rechain(events)
    lines = to_lines(events)
    return record_files(files, lines, manifest=manifest_for(files, lines, events))


def resign(ballot: dict[str, Any], secret: str) -> None:
    """Signs the (changed) ballot again with the voter's secret credential, as a voter's own
    misbehaving device could: then only the proofs themselves can tell."""
    body = {k: v for k, v in ballot.items() if k != "signature"}
    fingerprint = bytes.fromhex(ballot["election"])
    signature = sign(fingerprint, credential_scalar(secret), canonical_json(body), DeterministicRng(b"resign"))
    ballot["signature"] = signature.to_json()


def bump(scalar_hex: str) -> str:
    """Another canonical scalar: a well-formed but wrong response."""
    return Scalar.from_int(int(Scalar.from_hex(scalar_hex, "s")) + 1).to_hex()


def other_point(point_hex: str) -> str:
    """Another valid group element (the point times two)."""
    p = Point.from_hex(point_hex, "p", allow_identity=True)
    return (p + p).to_hex()


def find(events: Events, kind: str, where: Callable[[dict[str, Any]], bool] = lambda e: True,
         nth: int = 0) -> dict[str, Any]:
    found = [e for e in events if e["kind"] == kind and where(e)]
    return found[nth]


__all__ = ["bump", "find", "load", "manifest_for", "naive", "other_point", "rechain", "rechained", "record_files",
           "resign", "retrack", "to_lines"]
