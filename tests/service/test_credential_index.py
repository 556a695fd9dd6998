"""The booth's look-up of a credential by its first 4 hex digits (`GET .../credentials?prefix=`)
reads an index, not the whole list: the same answer as a scan, for every prefix on the list and
for prefixes that are not, and the index follows the list when it is published."""

from __future__ import annotations

from kit import new_election


def test_the_index_answers_as_a_scan_of_the_whole_list(service) -> None:  # type: ignore[no-untyped-def]
    e = new_election(service)
    before = e.state()
    assert before.credentials_starting("abcd") == []  # nothing published yet (an empty index)
    e.issue_credentials()
    state = e.state()
    listed = sorted(state.credentials)
    assert len(listed) > 5
    prefixes = {c[:4] for c in listed} | {c[:6] for c in listed} | {"0000", "ffff", listed[0][:3] + "x"}
    for prefix in prefixes:
        assert state.credentials_starting(prefix) == [c for c in listed if c.startswith(prefix)], prefix
    assert state.credentials_starting(listed[-1]) == [listed[-1]]
