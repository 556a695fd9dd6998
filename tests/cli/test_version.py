"""`vybory --version` names the crypto backend in force; VYBORY_BACKEND chooses it."""

from __future__ import annotations

import os
import subprocess
import sys

from typer.testing import CliRunner

from vybory.cli.main import app
from vybory.crypto import backend


def test_version_names_the_backend_in_force() -> None:
    result = CliRunner().invoke(app, ["--version"])
    assert result.exit_code == 0
    assert f"crypto backend: {backend.ops.name} " in result.output


def _vybory(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    code = "import sys; from vybory.cli.main import main; sys.argv = ['vybory', *sys.argv[1:]]; main()"
    return subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, check=False,
                          env={**os.environ, **env})


def test_the_backend_variable_forces_a_backend_and_refuses_unknown_names() -> None:
    forced = _vybory("--version", VYBORY_BACKEND="sodium")
    assert forced.returncode == 0
    assert "crypto backend: sodium (libsodium" in forced.stdout
    wrong = _vybory("--version", VYBORY_BACKEND="openssl")
    assert wrong.returncode != 0
    assert "VYBORY_BACKEND: unknown crypto backend 'openssl': choose native or sodium" in wrong.stderr
    if backend.native_available():
        assert "crypto backend: native (curve25519-dalek" in _vybory("--version", VYBORY_BACKEND="native").stdout
