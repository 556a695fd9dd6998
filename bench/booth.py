"""The booth's encryption of a 20-selection ballot in Chromium, beside the Python figure.

    .venv/bin/python bench/booth.py [--quick]

Bundles the booth's own ballot code (vybory/web/booth/ballot.mjs, with esbuild from node_modules:
`make booth` installs it) into a page opened in Chromium through Playwright
(``$VYBORY_CHROMIUM``, default /usr/bin/chromium), and times ``encryptBallot`` there: one
choose-one contest of 20 candidates (20 selections with their 0/1 proofs, the contest's range
proof and the signature), the same form and values as ``protocol.encrypt_ballot`` gets in
Python. The browser's figure is the renderer's main-thread CPU time per ballot (the DevTools
protocol's ``Performance.getMetrics`` ThreadTime), so it compares with the Python side's CPU
time on a machine shared with other work; the wall-clock figure is kept beside it.
bench/peer.py prints it in its table.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

CHROMIUM = os.environ.get("VYBORY_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]
ENTRY = "import { encryptBallot } from './vybory/web/booth/ballot.mjs';\nglobalThis.vyboryEncryptBallot = encryptBallot;\n"
BUILD = """
import { build } from 'esbuild';
const result = await build({ stdin: { contents: process.argv[1], resolveDir: process.cwd(), loader: 'js' },
  bundle: true, format: 'iife', platform: 'browser', target: ['es2022'], write: false, logLevel: 'warning' });
process.stdout.write(result.outputFiles[0].text);
"""
TIMING = """async ([form, secret, values, n]) => {
  vyboryEncryptBallot(form, secret, values);  // warm: JIT, tables
  const started = performance.now();
  for (let i = 0; i < n; i++) vyboryEncryptBallot(form, secret, values);
  return (performance.now() - started) / n * 1000;
}"""


def bundle() -> str:
    node = shutil.which("node")
    if node is None:
        raise RuntimeError("node is not installed")
    if not (ROOT / "node_modules" / "esbuild").is_dir():
        raise RuntimeError("node_modules/esbuild is missing (run `make booth`)")
    out = subprocess.run([node, "--input-type=module", "-e", BUILD, ENTRY], cwd=ROOT, capture_output=True, text=True,
                         timeout=120, check=False)
    if out.returncode != 0:
        raise RuntimeError(f"esbuild failed: {out.stderr.strip()[-300:]}")
    return out.stdout


def form_json(form: Any) -> dict[str, Any]:
    """The form as the booth receives it (GET /api/elections/<slug>/booth gives these fields)."""
    return {"fingerprint": form.fingerprint.hex(), "round": form.round, "public_key": form.public_key.to_hex(),
            "contests": [layout.to_json() for layout in form.layouts]}


def booth_encrypt_us(quick: bool = False, form: Any = None, secret: str | None = None,
                     values: dict[str, list[int]] | None = None) -> tuple[dict[str, Any] | None, str]:
    """({"booth_us": CPU µs per ballot, "wall_us": ..., "browser": version}, "") or (None, why not)."""
    try:
        from playwright.sync_api import Error, sync_playwright
    except ImportError:
        return None, "playwright is not installed"
    if not Path(CHROMIUM).exists():
        return None, f"no Chromium at {CHROMIUM} (set VYBORY_CHROMIUM)"
    if form is None:
        form, secret, values = twenty_selection_ballot()
    try:
        code = bundle()
    except (RuntimeError, OSError, subprocess.TimeoutExpired) as exc:
        return None, str(exc)
    n = 3 if quick else 10
    rounds = 1 if quick else 3
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            page = browser.new_page()
            page.set_content("<!doctype html><title>booth bench</title>")
            page.add_script_tag(content=code)
            cdp = page.context.new_cdp_session(page)
            cdp.send("Performance.enable")
            best_cpu = best_wall = float("inf")
            arguments = [form_json(form), secret, values, n]
            page.evaluate(TIMING, [*arguments[:3], 1])
            for _ in range(rounds):
                before = thread_time(cdp)
                wall = page.evaluate(TIMING, arguments)
                cpu = (thread_time(cdp) - before) / (n + 1) * 1e6
                best_cpu, best_wall = min(best_cpu, cpu), min(best_wall, wall)
            version = browser.version
            browser.close()
    except Error as exc:
        return None, f"Chromium failed: {str(exc).splitlines()[0]}"
    return {"booth_us": best_cpu, "wall_us": best_wall, "browser": f"Chromium {version}", "ballots_per_round": n}, ""


def thread_time(cdp: Any) -> float:
    metrics = {m["name"]: m["value"] for m in cdp.send("Performance.getMetrics")["metrics"]}
    return float(metrics["ThreadTime"])


def twenty_selection_ballot() -> tuple[Any, str, dict[str, list[int]]]:
    """A one-contest election of 20 candidates (bench/peer.py's election builder), a voter's secret and values."""
    from peer import election  # bench/peer.py

    from vybory.protocol.encrypt import choice_to_values

    e = election([20], 1)
    contest = e.form.layouts[0].contest
    return e.form, e.secrets[0], {contest: list(choice_to_values(e.form, contest, e.choices[0][contest]))}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    from vybory import protocol
    from vybory.crypto import backend

    form, secret, values = twenty_selection_ballot()
    result, why = booth_encrypt_us(args.quick, form, secret, values)
    if result is None:
        print(f"bench/booth.py: the booth in Chromium could not run: {why}")
        return
    layout = form.layouts[0]
    choices = {layout.contest: [layout.candidates[values[layout.contest].index(1)]]}
    for name in ("sodium", "native") if backend.native_available() else ("sodium",):
        backend.use(name)
        start = time.process_time()
        for _ in range(5):
            protocol.encrypt_ballot(form, secret, choices)
        result[f"python_{name}_us"] = (time.process_time() - start) / 5 * 1e6
    backend.use(None)
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
