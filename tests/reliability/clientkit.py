"""Client processes of the reliability runs (voter_client.py, reader_client.py): started at once,
each prepares (encrypts its ballots, connects), writes its READY file and waits for the common GO
file; each writes its results as JSON when it ends."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

VOTER = Path(__file__).with_name("voter_client.py")
READER = Path(__file__).with_name("reader_client.py")


class Clients:
    """``count`` processes of ``script`` named ``name`` in ``folder``; process i gets
    ``arguments(i, ready, go, results)`` (its command line after the script)."""

    def __init__(self, folder: Path, name: str, script: Path, count: int, arguments: Any):
        self.folder, self.name = folder, name
        self.go = folder / f"{name}-go"
        self.readies = [folder / f"{name}-ready-{i}" for i in range(count)]
        self.outputs = [folder / f"{name}-results-{i}.json" for i in range(count)]
        self.processes = [
            subprocess.Popen([sys.executable, str(script), *arguments(i, self.readies[i], self.go, self.outputs[i])],
                             stdout=(folder / f"{name}-{i}.log").open("ab"), stderr=subprocess.STDOUT)
            for i in range(count)]

    def wait_ready(self, timeout: float = 600) -> None:
        deadline = time.monotonic() + timeout
        while not all(r.exists() for r in self.readies):
            for p in self.processes:
                if p.poll() is not None:
                    raise RuntimeError(f"a {self.name} client exited early: {p.args}\n{self.logs()}")
            if time.monotonic() > deadline:
                raise RuntimeError(f"the {self.name} clients did not get ready\n{self.logs()}")
            time.sleep(0.05)

    def start(self, go: str = "go") -> float:
        """Writes GO (holding ``go``, whole at once); returns the moment (``time.monotonic``) it did."""
        temporary = self.go.with_name(f".{self.go.name}")
        temporary.write_text(go)
        began = time.monotonic()
        os.replace(temporary, self.go)
        return began

    def running(self) -> bool:
        return any(p.poll() is None for p in self.processes)

    def results(self, timeout: float = 900) -> list[Any]:
        """Waits for every process to end; what they wrote, one list."""
        out: list[Any] = []
        for p in self.processes:
            p.wait(timeout=timeout)
        for output in self.outputs:
            if not output.exists():
                raise RuntimeError(f"a {self.name} client wrote no results\n{self.logs()}")
            out.extend(json.loads(output.read_text()))
        return out

    def kill(self) -> None:
        for p in self.processes:
            if p.poll() is None:
                p.kill()
                p.wait(timeout=30)

    def logs(self) -> str:
        return "\n".join(p.read_text(errors="replace")[-2000:] for p in sorted(self.folder.glob(f"{self.name}-*.log")))


def voters(url: str, slug: str, credentials: list[dict[str, str]], folder: Path, *, clients: int,
           per_credential: int, name: str = "voter", options: Any = None) -> Clients:
    """``clients`` voter processes on disjoint shares of ``credentials``, each casting
    ``per_credential`` ballots with each of its credentials; ``options(i)`` adds to client i's
    command line (voter_client.py's ``--paced``, ``--no-bodies``)."""
    for i in range(clients):
        (folder / f"{name}-credentials-{i}.json").write_text(json.dumps(credentials[i::clients]))
    return Clients(folder, name, VOTER, clients, lambda i, ready, go, results: [
        url, slug, str(folder / f"{name}-credentials-{i}.json"), str(per_credential), str(ready), str(go),
        str(results), *(options(i) if options else [])])


def readers(url: str, slug: str, folder: Path, *, clients: int, interval: float, stop: Path,
            name: str = "reader") -> Clients:
    """``clients`` reader processes, each reading a board or results page every ``interval``
    seconds from GO until the file ``stop`` exists."""
    return Clients(folder, name, READER, clients, lambda i, ready, go, results: [
        url, slug, str(ready), str(go), str(stop), str(results), "--interval", str(interval),
        "--offset", str(interval * i / clients), "--first", str(i)])
