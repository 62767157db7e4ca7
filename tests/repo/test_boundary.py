"""The runtime/development boundary: what ships (akhbar/, assets/, pipelines/) never reaches
into the checkout's development code (benchmarks/, tests/, training scripts), and the pure
library akhbar/ never imports Dagster or Great Expectations.

Checked statically, with `ast`, over every .py file of the shipped packages: import
statements, `importlib.import_module` / `__import__` calls, and string literals naming a
`tests/` or `benchmarks/` path (docstrings are prose and are skipped). One exception, named
below: the `akhbar bench` launcher locates the checkout's benchmarks/harness.py by path.
"""

from __future__ import annotations

import ast
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from akhbar.pipelines.cli import main
from tests.support import REPO

RUNTIME = ("akhbar", "assets", "pipelines")
DEVELOPMENT = {"benchmarks", "tests"}
# (file, function) allowed to name the development folders by path; nothing may import them.
PATH_EXCEPTIONS = {("pipelines/cli.py", "bench")}
# A path literal into the development folders: "tests/data/x.json", "benchmarks", "./tests",
# "../benchmarks/harness.py" or a dotted module name "benchmarks.harness"; not prose such as
# "retrain with benchmarks/train_ner.py" inside an error message.
_DEV_PATH = re.compile(r"^(?:\.{1,2}/)*(?:tests|benchmarks)(?:[/.]|$)")
LIBRARY_FORBIDDEN = ("dagster", "great_expectations")


def _files(package: str) -> list[Path]:
    return sorted((REPO / package).rglob("*.py"))


def _is_training(module: str) -> bool:
    return any(part.startswith("train") for part in module.split("."))


def _dev_module(module: str) -> bool:
    return module.split(".")[0] in DEVELOPMENT or _is_training(module)


def _docstrings(tree: ast.AST) -> set[int]:
    ids = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                ids.add(id(body[0].value))
    return ids


def _enclosing_functions(tree: ast.AST) -> dict[int, str]:
    """id(node) -> name of the outermost function holding it."""
    owner: dict[int, str] = {}
    for top in ast.walk(tree):
        if isinstance(top, ast.FunctionDef | ast.AsyncFunctionDef):
            for node in ast.walk(top):
                owner.setdefault(id(node), top.name)
    return owner


def imported_modules(tree: ast.AST) -> list[tuple[int, str]]:
    """(line, module) of every absolute import, and of import_module / __import__ calls
    with a literal name."""
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.append((node.lineno, node.module))
        elif isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant):
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
            if name in ("import_module", "__import__") and isinstance(node.args[0].value, str):
                found.append((node.lineno, node.args[0].value))
    return found


def boundary_violations(path: Path, relative: str) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    problems = [
        f"{relative}:{line}: imports {module}"
        for line, module in imported_modules(tree)
        if _dev_module(module)
    ]
    docstrings, owners = _docstrings(tree), _enclosing_functions(tree)
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Constant) and isinstance(node.value, str)) or id(node) in docstrings:
            continue
        if _DEV_PATH.match(node.value.strip()) and (relative, owners.get(id(node))) not in PATH_EXCEPTIONS:
            problems.append(f"{relative}:{node.lineno}: path literal {node.value!r}")
    return problems


@pytest.mark.parametrize("package", RUNTIME)
def test_runtime_never_reaches_into_development_code(package: str) -> None:
    files = _files(package)
    assert len(files) >= 3, package
    problems = [p for f in files for p in boundary_violations(f, f.relative_to(REPO).as_posix())]
    assert not problems, "\n".join(problems)


def test_library_never_imports_dagster_or_great_expectations() -> None:
    problems = []
    for path in _files("akhbar"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for line, module in imported_modules(tree):
            top = module.split(".")[0]
            if top in LIBRARY_FORBIDDEN or top.startswith("dagster_"):
                problems.append(f"{path.relative_to(REPO)}:{line}: imports {module}")
    assert not problems, "\n".join(problems)


def test_the_dagster_layer_is_imported_only_as_akhbar_assets_and_akhbar_pipelines() -> None:
    """assets/ and pipelines/ install as akhbar.assets and akhbar.pipelines (akhbar/assets and
    akhbar/pipelines link to them in a checkout). A bare `import assets` would work in a checkout
    only, and would load a second copy of every module and Dagster definition."""
    problems = []
    for folder in (*RUNTIME, "tests", "benchmarks", "examples"):
        for path in _files(folder):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            for line, module in imported_modules(tree):
                if module.split(".")[0] in ("assets", "pipelines"):
                    problems.append(f"{path.relative_to(REPO)}:{line}: imports {module}")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("from benchmarks.eval_dates import score\n", ["x.py:1: imports benchmarks.eval_dates"]),
        ("import tests.conftest\n", ["x.py:1: imports tests.conftest"]),
        ("from train_ner import fit\n", ["x.py:1: imports train_ner"]),
        ("import importlib\nm = importlib.import_module('benchmarks.harness')\n", None),
        ("from pathlib import Path\np = Path('x') / 'tests' / 'data'\n", ["x.py:2: path literal 'tests'"]),
        ("p = '../benchmarks/harness.py'\n", ["x.py:1: path literal '../benchmarks/harness.py'"]),
        ('"""Reads tests/data/x.json."""\n', []),
        ("raise ValueError('retrain with benchmarks/train_ner.py')\n", []),
        ("from akhbar.extract.dates import find_dates\nname = 'testsuite'\n", []),
    ],
)
def test_the_checker_catches_what_it_claims(tmp_path: Path, source: str, expected: list[str] | None) -> None:
    path = tmp_path / "x.py"
    path.write_text(source)
    problems = boundary_violations(path, "x.py")
    if expected is None:  # the dynamic import and its dotted-name literal
        assert problems == [
            "x.py:2: imports benchmarks.harness",
            "x.py:2: path literal 'benchmarks.harness'",
        ]
    else:
        assert problems == expected


def test_importing_the_cli_and_evaluation_loads_no_development_module() -> None:
    code = (
        "import sys, akhbar.pipelines.cli, akhbar.pipelines.definitions, akhbar.evaluation\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('benchmarks', 'tests')))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True, cwd="/")
    assert out.stdout.strip() == "[]"


def test_bench_outside_a_checkout_says_so(tmp_path: Path) -> None:
    """A copy of the akhbar package (assets/ and pipelines/ inside it, as a wheel installs them)
    with no benchmarks/ beside it."""
    shutil.copytree(REPO / "akhbar", tmp_path / "akhbar", ignore=shutil.ignore_patterns("__pycache__"))
    code = "import sys; from akhbar.pipelines.cli import main; sys.exit(main(['bench']))"
    env = {**os.environ, "PYTHONPATH": str(tmp_path)}
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path, env=env, check=False
    )
    assert proc.returncode == 2
    assert "akhbar bench runs from a source checkout: benchmarks/ is not installed" in proc.stderr


def test_bench_launches_the_checkout_harness(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """`akhbar bench` runs benchmarks/harness.py in its own interpreter with the options given:
    a bad --scaling is the harness's own error, exit code 1, before any work."""
    source = tmp_path / "in.jsonl"
    source.write_text('{"id": "1", "content": "نص"}\n', encoding="utf-8")
    assert main(["bench", "--input", str(tmp_path / "missing.jsonl")]) == 2
    assert "not found (--input)" in capsys.readouterr().err
    proc = subprocess.run(
        [sys.executable, "-m", "akhbar.pipelines.cli", "bench", "--input", str(source), "--scaling", "1x"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        check=False,
    )
    assert proc.returncode == 1
    assert "akhbar bench: --scaling: '1x' is not a size like 50000, 100k or 1M" in proc.stderr
