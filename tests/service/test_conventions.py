"""Conventions the tools enforce: module and function size, no private imports across packages, mypy.

Ruff's docstring (numpy convention) and annotation rules run in ``make test`` beside these.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("geo", "service", "render", "dashboard", "hotspots_cli")
MAX_MODULE_LINES = 400
MAX_FUNCTION_LINES = 80
#: Known debt, listed so it stays visible: each file leaves this list when it shrinks.
ALLOWED_LONG_MODULES: set[str] = set()
ALLOWED_LONG_FUNCTIONS: dict[str, set[str]] = {}


def _modules() -> list[Path]:
    return sorted(p for pkg in PACKAGES for p in (ROOT / pkg).rglob("*.py"))


def _rel(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


def test_no_module_over_the_limit():
    long = {_rel(p): n for p in _modules() if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_MODULE_LINES}
    assert set(long) <= ALLOWED_LONG_MODULES, long


def test_no_function_over_the_limit():
    found: dict[str, set[str]] = {}
    for path in _modules():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                start = min([node.lineno, *(d.lineno for d in node.decorator_list)])
                if node.end_lineno - start + 1 > MAX_FUNCTION_LINES:
                    found.setdefault(_rel(path), set()).add(node.name)
    extra = {f: names - ALLOWED_LONG_FUNCTIONS.get(f, set()) for f, names in found.items()}
    assert not {f: n for f, n in extra.items() if n}, extra


def test_the_size_check_can_fail(tmp_path):
    body = "\n".join(f"    x{i} = {i}" for i in range(MAX_FUNCTION_LINES + 1))
    tree = ast.parse(f"def big():\n{body}\n")
    fn = tree.body[0]
    assert fn.end_lineno - fn.lineno + 1 > MAX_FUNCTION_LINES


#: Files allowed to import another package's private names: none (what is shared is a public helper).
ALLOWED_PRIVATE_IMPORTS: set[str] = set()


def _private_imports(path: Path) -> list[str]:
    """``from a._b import c`` / ``from a.b import _c`` where the importer is outside ``a._b``'s parent."""
    module = _rel(path).removesuffix(".py").replace("/", ".")
    out = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if not isinstance(node, ast.ImportFrom) or not node.module or node.level:
            continue
        parts = node.module.split(".")
        private_at = [i for i, part in enumerate(parts) if part.startswith("_") and not part.startswith("__")]
        if private_at:
            owner = ".".join(parts[: private_at[0]])  # the package whose private module this is
        elif any(a.name.startswith("_") and not a.name.startswith("__") for a in node.names):
            owner = node.module
        else:
            continue
        if not (module == owner or module.startswith(owner + ".")):
            out.append(f"{_rel(path)}: from {node.module} import {', '.join(a.name for a in node.names)}")
    return out


def test_no_private_names_imported_across_packages():
    offenders = [line for p in _modules() for line in _private_imports(p)]
    assert [o for o in offenders if o.split(":")[0] not in ALLOWED_PRIVATE_IMPORTS] == []


@pytest.mark.skipif(sys.platform == "win32", reason="mypy runs in CI on Linux")
def test_mypy_passes():
    out = subprocess.run([sys.executable, "-m", "mypy"], cwd=ROOT, capture_output=True, text=True)
    assert out.returncode == 0, out.stdout + out.stderr
