"""The core never imports the shell, does no I/O, and the verifier reads only the core."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent / "vybory"
CORE = ("crypto", "rules", "model", "protocol", "verify")
SHELL = ("store", "service", "api", "web", "cli", "scale", "mail")
# Modules that read or write the world; the core takes values and returns values.
IO_MODULES = {
    "os", "io", "pathlib", "shutil", "socket", "subprocess", "sqlite3", "tempfile",
    "urllib", "http", "requests", "httpx", "sqlalchemy", "asyncio", "multiprocessing",
    "zipfile", "glob", "logging", "time", "random", "fastapi", "typer", "rich",
}


def imports_of(path: Path) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text(), filename=str(path))
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.lineno, node.module))
        elif isinstance(node, ast.ImportFrom) and node.level:
            # Relative imports stay inside their own package by convention here.
            pkg = ".".join(path.relative_to(ROOT.parent).with_suffix("").parts[: -node.level])
            found.append((node.lineno, f"{pkg}.{node.module}" if node.module else pkg))
    return found


def core_files(package: str) -> list[Path]:
    return sorted((ROOT / package).rglob("*.py"))


@pytest.mark.parametrize("package", CORE)
def test_core_never_imports_the_shell(package: str) -> None:
    leaks = [
        f"{path.relative_to(ROOT.parent)}:{line} imports {name}"
        for path in core_files(package)
        for line, name in imports_of(path)
        if name.split(".")[0] == "vybory" and len(name.split(".")) > 1 and name.split(".")[1] in SHELL
    ]
    assert not leaks, "\n".join(leaks)


@pytest.mark.parametrize("package", CORE)
def test_core_does_no_io(package: str) -> None:
    leaks = [
        f"{path.relative_to(ROOT.parent)}:{line} imports {name}"
        for path in core_files(package)
        for line, name in imports_of(path)
        if name.split(".")[0] in IO_MODULES
    ]
    assert not leaks, "\n".join(leaks)


def test_verifier_reads_only_crypto_model_rules() -> None:
    # text: words kept with their message id for translation (pure, no I/O; model and rules use it)
    allowed = {"crypto", "model", "rules", "verify", "errors", "text"}
    leaks = [
        f"{path.relative_to(ROOT.parent)}:{line} imports {name}"
        for path in core_files("verify")
        for line, name in imports_of(path)
        if name.split(".")[0] == "vybory" and len(name.split(".")) > 1 and name.split(".")[1] not in allowed
    ]
    assert not leaks, "\n".join(leaks)


def test_the_checker_itself_catches_a_leak(tmp_path: Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text("import os\nfrom vybory.store import db\n")
    names = [name for _, name in imports_of(bad)]
    assert "os" in names and "vybory.store" in names
