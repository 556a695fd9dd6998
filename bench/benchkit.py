"""What the benchmarks share: CPU time per call, the resident memory of a process tree over
time, and the raw libsodium baseline (the group operations a proof's equations make, through
ctypes with preallocated buffers) with the counts of those operations taken from the equations
of proofs.py, threshold.py and shuffle.py."""

from __future__ import annotations

import ctypes
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import psutil

from vybory.crypto import _sodium
from vybory.crypto.group import Point, Scalar


def cpu_us(fn: Callable[[], object], iterations: int) -> float:
    """CPU µs per call of ``fn`` over ``iterations`` calls (``time.process_time``: on a shared
    machine wall-clock time mostly measures the others)."""
    start = time.process_time()
    for _ in range(iterations):
        fn()
    return (time.process_time() - start) / iterations * 1e6


def process_tree(roots: Sequence[int]) -> list[psutil.Process]:
    """``roots`` and all their descendants, each once (those that have ended are left out)."""
    found: dict[int, psutil.Process] = {}
    for pid in roots:
        try:
            root = psutil.Process(pid)
            found.setdefault(pid, root)
            for child in root.children(recursive=True):
                found.setdefault(child.pid, child)
        except psutil.Error:  # ended meanwhile
            continue
    return list(found.values())


def tree_rss(roots: Sequence[int]) -> int:
    """The summed resident memory (bytes) of ``roots`` and their descendants now."""
    total = 0
    for process in process_tree(roots):
        try:
            total += process.memory_info().rss
        except psutil.Error:
            continue
    return total


class TreeMemory:
    """Samples the summed resident memory of a process tree every ``interval`` seconds, from
    now until :meth:`stop`: the peak, with ``keep`` every sample as ``(time.monotonic(),
    bytes)``, and in ``cpu`` the CPU seconds (user + system) each process had used when last seen."""

    def __init__(self, roots: list[int], interval: float = 0.2, keep: bool = False):
        self.roots, self.interval, self.keep, self.peak = roots, interval, keep, 0
        self.samples: list[tuple[float, int]] = []
        self.cpu: dict[int, float] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            rss = 0
            for process in process_tree(self.roots):
                try:
                    rss += process.memory_info().rss
                    times = process.cpu_times()
                except psutil.Error:
                    continue
                self.cpu[process.pid] = times.user + times.system
            self.peak = max(self.peak, rss)
            if self.keep:
                self.samples.append((time.monotonic(), rss))
            self._stop.wait(self.interval)

    def stop(self) -> int:
        self._stop.set()
        self._thread.join()
        return self.peak


class Raw:
    """The raw libsodium calls (ctypes, preallocated output buffers, no Python objects)."""

    def __init__(self) -> None:
        self.out = ctypes.create_string_buffer(32)

    def ops(self, base: int = 0, mul: int = 0, add: int = 0, sub: int = 0,
            scalar: bytes | None = None, point: bytes | None = None) -> Callable[[], None]:
        """A call making ``base`` fixed-base and ``mul`` variable-base multiplications, ``add``
        additions and ``sub`` subtractions (on ``scalar`` and ``point``, random when not given)."""
        out, b, m, a, s = self.out, _sodium._scalarmult_base, _sodium._scalarmult, _sodium._add, _sodium._sub
        scalar = scalar if scalar is not None else Scalar.random().to_bytes()
        point = point if point is not None else Point.base_mul(Scalar.random()).encoding

        def run() -> None:
            for _ in range(base):
                b(out, scalar)
            for _ in range(mul):
                m(out, scalar, point)
            for _ in range(add):
                a(out, point, point)
            for _ in range(sub):
                s(out, point, point)

        return run


# The group operations each check's verification equations make (spec §4.4–4.6).
ZERO_ONE_OPS = {"base": 2, "mul": 6, "add": 4, "sub": 1}


def range_ops(width: int) -> dict[str, int]:
    """A range proof over ``width`` values."""
    return {"base": width, "mul": 3 * width, "add": 2 * width, "sub": width - 1}


def share_check_ops(ciphertexts: int) -> dict[str, int]:
    """A decryption share of ``ciphertexts`` ciphertexts."""
    return {"base": 1, "mul": 1 + 2 * ciphertexts, "add": 1 + ciphertexts}


def shuffle_ops(rows: int, width: int) -> dict[str, int]:
    """A shuffle proof of ``rows`` rows of ``width`` ciphertexts."""
    return {"base": 3 + width + rows, "mul": 4 + 4 * rows + width * (4 * rows + 3),
            "add": 4 + 5 * rows + width * (4 * rows + 4), "sub": rows + 1}


def update_docs(path: Path, name: str, lines: list[str]) -> None:
    """Puts ``lines`` into the Markdown file ``path`` between its ``<!-- NAME table -->`` and
    ``<!-- end NAME table -->`` markers (the rest of the file is left as it is)."""
    text = path.read_text()
    start, end = f"<!-- {name} table -->", f"<!-- end {name} table -->"
    if start not in text or end not in text:
        raise SystemExit(f"{path}: no {start} ... {end} markers to put the table between")
    head, rest = text.split(start, 1)
    _, tail = rest.split(end, 1)
    path.write_text(head + start + "\n" + "\n".join(lines) + "\n" + end + tail)
