"""The streamed JSON report reads what ``json.load`` reads, and refuses what it refuses.

The adversary: whoever hands over a cast vote record report and gains if the streamed
reader sees other records than a whole-document reader would (a record lost at a block
boundary, a second ``CVR`` array that one reader keeps and another drops, a number cut
in two), or if a broken file crashes the count instead of being refused with its line.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from vybory.cli import jsonstream
from vybory.cli.jsonstream import members
from vybory.errors import InvalidInput

DATA = Path(__file__).resolve().parent / "data"


def streamed(path: Path, key: str = "CVR") -> dict[str, Any]:
    """The document rebuilt from the stream."""
    doc: dict[str, Any] = {}
    for name, index, value in members(path, key):
        if index is None:
            doc[name] = value
        else:
            assert index == len(doc[name])
            doc[name].append(value)
    return doc


@pytest.mark.parametrize("chunk", [1, 2, 7, 64, 1 << 20])
def test_rctabs_report_reads_as_json_load_reads_it(monkeypatch: pytest.MonkeyPatch, chunk: int) -> None:
    # blocks of every size, down to one byte: every boundary falls inside some token
    monkeypatch.setattr(jsonstream, "_CHUNK", chunk)
    path = DATA / "_shared" / "cdf_json" / "cdf_json_file1_cvr.json"
    assert streamed(path) == json.loads(path.read_text())


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=5), inner, max_size=4),
    max_leaves=12)


@settings(max_examples=60, deadline=None)
@given(items=st.lists(json_values, max_size=6), other=json_values, chunk=st.integers(1, 9),
       indent=st.sampled_from([None, 0, 2]))
def test_any_document_reads_as_json_load_reads_it(tmp_path_factory: pytest.TempPathFactory,
                                                  items: list[Any], other: Any, chunk: int,
                                                  indent: int | None) -> None:
    path = tmp_path_factory.mktemp("doc") / "report.json"
    document = {"Election": other, "CVR": items, "Version": "1.0.0"}
    path.write_text(json.dumps(document, indent=indent, ensure_ascii=False), encoding="utf-8")
    old = jsonstream._CHUNK
    jsonstream._CHUNK = chunk
    try:
        assert streamed(path) == document
    finally:
        jsonstream._CHUNK = old


def test_a_byte_order_mark_is_read_past(tmp_path: Path) -> None:
    path = tmp_path / "report.json"
    path.write_bytes(b"\xef\xbb\xbf" + json.dumps({"CVR": [1, 2]}).encode())
    assert streamed(path) == {"CVR": [1, 2]}


@pytest.mark.parametrize(("text", "message"), [
    ("", "expecting the report's object '{', the file ends"),
    ("[1, 2]", "expecting the report's object"),
    ("garbage", "expecting the report's object"),
    ('{"CVR": [1, 2', "expecting ',' or ']' after item 1 of 'CVR', the file ends"),
    ('{"CVR": [1, 2,', "Expecting value"),
    ('{"CVR": [1, 2,]}', "Expecting value"),
    ('{"CVR": [{"a": 1}', "the file ends"),
    ('{"CVR": [{"a": "unterminated', "Unterminated string"),
    ('{"CVR": [1] "Election": []}', "expecting ',' or '}'"),
    ('{"CVR": [1]}{"CVR": [2]}', "more follows the report's object"),
    ('{"CVR": [NaN]}', "NaN is not JSON"),
    ('{"Election": Infinity}', "Infinity is not JSON"),
    ('{CVR: []}', "expecting a key in double quotes"),
    ('{"CVR" []}', "expecting ':'"),
    ('{"CVR": [], "CVR": [{"BallotPrePrintedId": "9"}]}', "the key 'CVR' appears twice"),
])
def test_broken_documents_are_refused(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "report.json"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InvalidInput) as caught:
        streamed(path)
    assert caught.value.field == str(path)
    assert message in caught.value.message, caught.value.message


def test_the_error_names_its_line_and_column(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(jsonstream, "_CHUNK", 3)
    path = tmp_path / "report.json"
    path.write_text('{\n  "CVR": [\n    {"a": 1},\n    {"a": tru}\n  ]\n}\n', encoding="utf-8")
    with pytest.raises(InvalidInput) as caught:
        streamed(path)
    assert "(line 4, column 11)" in caught.value.message, caught.value.message


def test_text_that_is_not_utf8_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "report.json"
    path.write_bytes(b'{"CVR": ["\xff\xfe"]}')
    with pytest.raises(InvalidInput) as caught:
        streamed(path)
    assert "not UTF-8" in caught.value.message
