"""docs/screenshots.md lists every screenshot the browser tests save, and nothing else."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def saved() -> dict[str, str]:
    """Every screenshot name a browser test saves (an f-string's ``{x}`` as ``<x>``; a name given
    to ``phone_and_desktop`` also with ``-phone``), with its test file."""
    out: dict[str, str] = {}
    for path in sorted((ROOT / "tests" / "web").glob("test_*.py")):
        text = path.read_text(encoding="utf-8")
        names = re.findall(r'snap\([^,()]+, f?"([^"]+)"\)', text)
        for name in re.findall(r'phone_and_desktop\(\w+, \w+, "([^"]+)"\)', text):
            names += [name, f"{name}-phone"]
        for name in names:
            if name != "{name}-phone":
                out[re.sub(r"\{(\w+)\}", r"<\1>", name).replace("<name>", "<page>")] = path.name
    return out


def listed() -> dict[str, str]:
    out: dict[str, str] = {}
    table = (ROOT / "docs" / "screenshots.md").read_text(encoding="utf-8")
    for shots, test in re.findall(r"^\| (`.*?`(?:, `.*?`)*(?:, each also `…-phone`)?) \| .* \| `(test_\w+\.py)` \|$",
                                  table, flags=re.MULTILINE):
        names = re.findall(r"`([^`…]+)`", shots)
        if "each also" in shots:
            names += [f"{n}-phone" for n in names]
        out.update((n, test) for n in names)
    return out


def test_the_list_of_screenshots_is_the_tests_own() -> None:
    found, documented = saved(), listed()
    assert len(found) > 40
    assert documented == found
