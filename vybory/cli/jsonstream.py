"""A large JSON document read as a stream: its top-level members one by one, and the items of
one array member one at a time.

A cast vote record report (the NIST Common Data Format's ``CastVoteRecordReport``, a
Dominion ``CvrExport``) is one JSON object whose one big member is an array of records
(``CVR``, ``Sessions``); loaded whole, a million records take gigabytes. Here each item is
decoded on its own by Python's own JSON decoder (``json.JSONDecoder.raw_decode``, in C)
from a buffer of about a megabyte, and only this module walks the top level: ``{``, the
keys, ``:``, ``,``, ``}``, and the ``[`` ... ``]`` of the streamed member. That is one pass
over the file in whatever order its members come (RCTab writes ``CVR`` before
``Election``, which a reader that streams by path, such as ijson, would have to read
twice), faster per item than such a reader, and no new dependency.

The document must be strict JSON: ``NaN`` and ``Infinity`` are refused, a key given twice
at the top level is refused (a reader that keeps the last would silently drop the first
array), and nothing may follow the object. Errors name the line and column.
"""

from __future__ import annotations

import codecs
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any, BinaryIO

from vybory.errors import InvalidInput

_WHITESPACE = re.compile(r"[ \t\n\r]*")
_AFTER_SCALAR = frozenset(" \t\n\r,]}")  # a number or word ends before these ("" is not one)
_CHUNK = 1 << 20
# A decoding error this close to the end of the buffer may only mean the item goes on in
# the next chunk; further back it is an error in the document.
_MARGIN = 1 << 16


def _refuse_constant(name: str) -> None:
    raise ValueError(f"{name} is not JSON")


_DECODER = json.JSONDecoder(parse_constant=_refuse_constant)


class _Stream:
    def __init__(self, handle: BinaryIO, where: str) -> None:
        self.handle = handle
        self.where = where
        self.text = codecs.getincrementaldecoder("utf-8-sig")()
        self.buf = ""
        self.pos = 0
        self.eof = False
        self.line = 1  # of buf[0]
        self.column = 1  # of buf[0]
        self.read_size = _CHUNK

    def fail(self, message: str, at: int | None = None) -> InvalidInput:
        at = self.pos if at is None else at
        newlines = self.buf.count("\n", 0, at)
        if newlines:
            line, column = self.line + newlines, at - self.buf.rfind("\n", 0, at)
        else:
            line, column = self.line, self.column + at
        return InvalidInput(f"not valid JSON: {message} (line {line}, column {column})", field=self.where)

    def fill(self) -> bool:
        """Reads more of the file into the buffer (dropping what was read); False at the end."""
        if self.eof:
            return False
        data = self.handle.read(self.read_size)
        self.eof = not data
        try:
            more = self.text.decode(data, final=self.eof)
        except UnicodeDecodeError as exc:
            raise InvalidInput(f"not UTF-8 text (byte {exc.start} of a block)", field=self.where) from None
        done = self.buf[:self.pos]
        newlines = done.count("\n")
        if newlines:
            self.line += newlines
            self.column = len(done) - done.rfind("\n")
        else:
            self.column += len(done)
        self.buf = self.buf[self.pos:] + more
        self.pos = 0
        return not self.eof or bool(more)

    def peek(self) -> str:
        """The next character that is not white space ("" at the end of the file)."""
        while True:
            match = _WHITESPACE.match(self.buf, self.pos)
            self.pos = match.end() if match else self.pos
            if self.pos < len(self.buf):
                return self.buf[self.pos]
            if not self.fill():
                return ""

    def expect(self, char: str, what: str) -> None:
        if self.peek() != char:
            found = self.peek()
            raise self.fail(f"expecting {what}, found {found!r}" if found else f"expecting {what}, the file ends")
        self.pos += 1

    def value(self) -> Any:
        """Decodes the value at the current position, reading more of the file as needed."""
        self.peek()
        while True:
            try:
                value, end = _DECODER.raw_decode(self.buf, self.pos)
            except json.JSONDecodeError as exc:
                near_end = exc.pos >= len(self.buf) - _MARGIN or "Unterminated string" in exc.msg
                if not self.eof and near_end and self.fill():
                    # the item goes on in the next block; read ever larger blocks for a large one
                    self.read_size = min(self.read_size * 2, 1 << 26)
                    continue
                raise self.fail(exc.msg, exc.pos) from None
            except (ValueError, RecursionError) as exc:
                raise self.fail(str(exc)) from None
            if not self.eof and not isinstance(value, (dict, list, str)) and (
                    end > len(self.buf) - 64 and self.buf[end:end + 1] not in _AFTER_SCALAR):
                # a number or a word cut at the end of the buffer ("1" of "12", "0" of "0.5")
                # may go on: read on and decode again
                self.fill()
                continue
            self.pos = end
            self.read_size = _CHUNK
            return value


def members(path: Path, streamed: str) -> Iterator[tuple[str, int | None, Any]]:
    """The members of the JSON object in ``path``, in the file's order, as ``(key, None,
    value)``; when the member ``streamed`` is an array, ``(streamed, None, [])`` and then
    each of its items as ``(streamed, index, item)``. Refuses a document that is not one
    object, a key given twice and anything after the object."""
    where = str(path)
    with path.open("rb") as handle:
        stream = _Stream(handle, where)
        stream.expect("{", "the report's object '{'")
        seen: set[str] = set()
        if stream.peek() == "}":
            stream.pos += 1
        else:
            while True:
                if stream.peek() != '"':
                    raise stream.fail("expecting a key in double quotes")
                key = stream.value()
                if key in seen:
                    raise InvalidInput(f"the key {key!r} appears twice in the report", field=where)
                seen.add(key)
                stream.expect(":", "':'")
                if key == streamed and stream.peek() == "[":
                    stream.pos += 1
                    yield key, None, []
                    index = 0
                    if stream.peek() == "]":
                        stream.pos += 1
                    else:
                        while True:
                            yield key, index, stream.value()
                            index += 1
                            following = stream.peek()
                            if following == "]":
                                stream.pos += 1
                                break
                            stream.expect(",", f"',' or ']' after item {index - 1} of {key!r}")
                else:
                    yield key, None, stream.value()
                following = stream.peek()
                if following == "}":
                    stream.pos += 1
                    break
                stream.expect(",", "',' or '}'")
        if stream.peek():
            raise stream.fail("more follows the report's object")
