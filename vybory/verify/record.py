"""The public record of an election: its files and its manifest (docs/verifier.md, "The record").

A record is one zip archive holding:

- ``manifest.json``: the format and version, the election's slug and
  fingerprint, the number of events, the head hash, and for every other file
  its SHA-256 and size;
- ``definition.json``: the election's public definition (the object whose
  canonical JSON the fingerprint hashes);
- ``events.jsonl``: every board event in order, one canonical JSON object per
  line, each line ending in a newline;
- ``README.md``: what the files are and how to verify them.

This module builds and reads the manifest from values (bytes, digests); the
shell reads and writes the archive.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from vybory.errors import InvalidEncoding
from vybory.model.canonical import parse_json

RECORD_FORMAT = "vybory-record"
RECORD_VERSION = 2
# What a record of an older version lacks, said when one is refused.
OLDER_VERSIONS = {1: "version 1 records have no signatures of the trustees, the credential authority and the "
                      "commission, and no signed roll: they cannot show that no insider forged them"}
MANIFEST = "manifest.json"
DEFINITION = "definition.json"
EVENTS = "events.jsonl"
README = "README.md"
FILES = (DEFINITION, EVENTS, README)


@dataclass(frozen=True, slots=True)
class FileEntry:
    """A file of the record as the manifest lists it. Invariants: ``sha256`` is 64 lower-case hex digits."""

    sha256: str
    size: int

    def to_json(self) -> dict[str, Any]:
        return {"sha256": self.sha256, "size": self.size}


@dataclass(frozen=True, slots=True)
class Manifest:
    """The record's manifest.

    Invariants: ``fingerprint`` and ``head`` are 64 lower-case hex digits;
    ``files`` lists exactly :data:`FILES`.
    """

    election: str
    fingerprint: str
    events: int
    head: str
    files: Mapping[str, FileEntry]
    format: str = RECORD_FORMAT
    version: int = RECORD_VERSION

    def to_json(self) -> dict[str, Any]:
        return {
            "format": self.format,
            "version": self.version,
            "election": self.election,
            "fingerprint": self.fingerprint,
            "events": self.events,
            "head": self.head,
            "files": {name: self.files[name].to_json() for name in sorted(self.files)},
        }

    @staticmethod
    def from_json(obj: Any) -> Manifest:
        """The manifest from its JSON object; every field checked, errors name the field."""
        keys = {"format", "version", "election", "fingerprint", "events", "head", "files"}
        if not isinstance(obj, Mapping):
            raise InvalidEncoding("must be a JSON object", field=MANIFEST, code="record_manifest")
        if set(obj) != keys:
            raise InvalidEncoding(f"must have exactly the keys {', '.join(sorted(keys))}", field=MANIFEST,
                                  code="record_manifest")
        if obj["format"] != RECORD_FORMAT:
            raise InvalidEncoding(f"is not a vybory record (format {obj['format']!r}, expected "
                                  f"{RECORD_FORMAT!r})", field=f"{MANIFEST}.format", code="record_format")
        if obj["version"] != RECORD_VERSION or isinstance(obj["version"], bool):
            why = OLDER_VERSIONS.get(obj["version"]) if type(obj["version"]) is int else None
            raise InvalidEncoding(f"record version {obj['version']!r} is not supported (this verifier reads "
                                  f"version {RECORD_VERSION}{': ' + why if why else ''})", field=f"{MANIFEST}.version",
                                  code="record_version")
        if not isinstance(obj["election"], str) or not obj["election"]:
            raise InvalidEncoding("must be the election's slug", field=f"{MANIFEST}.election",
                                  code="record_manifest")
        events = obj["events"]
        if isinstance(events, bool) or not isinstance(events, int) or events < 0:
            raise InvalidEncoding("must be a whole number >= 0", field=f"{MANIFEST}.events", code="record_manifest")
        files = obj["files"]
        if not isinstance(files, Mapping) or set(files) != set(FILES):
            raise InvalidEncoding(f"must list exactly the files {', '.join(FILES)}", field=f"{MANIFEST}.files",
                                  code="record_manifest")
        entries = {}
        for name in FILES:
            entry = files[name]
            where = f"{MANIFEST}.files.{name}"
            if not isinstance(entry, Mapping) or set(entry) != {"sha256", "size"}:
                raise InvalidEncoding("must have exactly sha256 and size", field=where, code="record_manifest")
            size = entry["size"]
            if isinstance(size, bool) or not isinstance(size, int) or size < 0:
                raise InvalidEncoding("must be a whole number >= 0", field=f"{where}.size", code="record_manifest")
            entries[name] = FileEntry(_hex64(entry["sha256"], f"{where}.sha256"), size)
        return Manifest(obj["election"], _hex64(obj["fingerprint"], f"{MANIFEST}.fingerprint"), events,
                        _hex64(obj["head"], f"{MANIFEST}.head"), entries)


def parse_manifest(data: bytes) -> Manifest:
    """The manifest from the bytes of ``manifest.json``."""
    return Manifest.from_json(parse_json(data, field=MANIFEST))


def _hex64(value: Any, field: str) -> str:
    if not isinstance(value, str) or len(value) != 64 or any(c not in "0123456789abcdef" for c in value):
        raise InvalidEncoding("must be 64 lower-case hexadecimal digits", field=field, code="record_manifest")
    return value


def readme_text(*, election: str, title: str, fingerprint: str, events: int, head: str) -> str:
    """The README.md of a record: what each file is and how to verify them."""
    return f"""# Public record of the election "{title}"

Election: `{election}`
Fingerprint of the definition: `{fingerprint}`
Events on the board: {events}
Head of the board (hash of the last event): `{head}`

This archive is the complete public record of the election. It holds no secret:
no secret credential, no trustee's key share, no voter's identity.

## Files

- `manifest.json`: the record's format and version, the election, the number of
  events, the head hash, and the SHA-256 and size of every other file.
- `definition.json`: the election's definition (districts, organisations,
  trustees, contests, methods, deadlines). Its fingerprint is the SHA-256 of its
  canonical JSON.
- `events.jsonl`: every event of the bulletin board, in order, one JSON object
  per line: `position`, `kind`, `payload`, `previous_hash`, `hash`. Each event's
  hash covers its contents and the hash of the event before it.
- `README.md`: this file.

## How to verify

With vybory installed:

    vybory verify record.zip
    vybory verify record.zip --head {head}

The second form also checks the record against the head hash the election
published elsewhere (on its website, in a newspaper, on paper at the count).
`vybory verify` recomputes everything from this archive alone, using the
definitions of the specification (docs/spec.md): the hash chain, the
definition's fingerprint, the key ceremony, the credential list, every ballot's
signature and proofs, the encrypted tally, the trustees' decryption shares, the
decrypted counts, and the decisions of every round. docs/verifier.md lists each
check, so that anyone can write their own verifier.

A voter checks their own ballot with its tracking code:

    vybory verify-ballot record.zip TRACKING_CODE
"""


__all__ = [
    "DEFINITION",
    "EVENTS",
    "FILES",
    "MANIFEST",
    "README",
    "RECORD_FORMAT",
    "RECORD_VERSION",
    "FileEntry",
    "Manifest",
    "parse_manifest",
    "readme_text",
]
