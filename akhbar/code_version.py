"""The code each stage runs, and its fingerprint: what a stage's part keys and its Dagster
asset's `code_version` are made from, so that a change to one stage's code makes that stage's
parts (and those of the stages after it) again, and nothing else.

A stage's code is the closure of the akhbar modules its entry modules import (every `import`
and `from ... import` in their source, at any depth, found by reading the source: nothing is
imported here), plus the resource files those modules name (`"resources" / "<name>"` in
their source: a folder of lexicons or models, or a file). Parent packages are not followed
(importing akhbar.extract.quotes runs akhbar/__init__.py, but it shapes nothing unless a
module imports a name from it, and then it is in the closure).

The fingerprint hashes each file under its module name or its path inside the package, so a
checkout and an installed wheel give the same fingerprint for the same code.

The release's own `code_fingerprint` (akhbar.release) still covers the whole library: the
release records every piece of code that shaped it.
"""

from __future__ import annotations

import ast
import hashlib
import re
from collections.abc import Iterable, Mapping
from functools import cache
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
_RESOURCE = re.compile(r"""["']resources["']\s*/\s*["']([^"']+)["']""")

# The entry modules of each stage: what its runner step calls, and the step itself.
STAGE_MODULES: Mapping[str, tuple[str, ...]] = {
    # reading the sources into raw parts (akhbar.ingest through the runner's raw step)
    "raw": ("akhbar.runner.raw", "akhbar.ingest"),
    # cleaning, segmentation, stock paragraphs; the runner step that keys the second pass
    "normalize": ("akhbar.stages.normalize_articles", "akhbar.stock_paragraphs", "akhbar.runner.core"),
    # field extraction (structure, quotes, dates, entities with their models, quantities)
    "fields": ("akhbar.stages.extract_fields", "akhbar.runner.core"),
    # MinHash signatures and duplicate decisions
    "dedup": ("akhbar.dedup",),
    # the release: merge, manifest, card, quality report, changelog
    "release": ("akhbar.release", "akhbar.report", "akhbar.card", "akhbar.quality"),
    # publication to the Hub
    "hub": ("akhbar.hub",),
}
# Files the runner reads that are not modules: the stage's own module file, not followed
# (akhbar.runner.articles holds the steps of three stages; each stage depends on its file
# without taking the others' code through its imports).
STAGE_FILES: Mapping[str, tuple[str, ...]] = {
    "normalize": ("runner/articles.py",),
    "fields": ("runner/articles.py",),
    "dedup": ("runner/articles.py",),
}


def module_file(name: str, package_dir: Path = PACKAGE_DIR) -> Path | None:
    """The source file of an akhbar module (`akhbar.x.y`), or None when it is not one."""
    parts = name.split(".")
    if parts[0] != "akhbar":
        return None
    base = package_dir.joinpath(*parts[1:])
    if base.with_suffix(".py").is_file():
        return base.with_suffix(".py")
    if (base / "__init__.py").is_file():
        return base / "__init__.py"
    return None


def imported_modules(name: str, package_dir: Path = PACKAGE_DIR) -> set[str]:
    """The akhbar modules that module `name` imports anywhere in its source."""
    path = module_file(name, package_dir)
    if path is None:
        return set()
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names if alias.name.split(".")[0] == "akhbar")
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            if node.module.split(".")[0] != "akhbar":
                continue
            found.add(node.module)
            for alias in node.names:  # `from akhbar import runner`: a submodule, not a name
                if module_file(f"{node.module}.{alias.name}", package_dir) is not None:
                    found.add(f"{node.module}.{alias.name}")
    return found


def module_closure(roots: Iterable[str], package_dir: Path = PACKAGE_DIR) -> list[str]:
    """`roots` and every akhbar module they import, directly or not, sorted."""
    seen: set[str] = set()
    todo = list(roots)
    while todo:
        name = todo.pop()
        if name in seen or module_file(name, package_dir) is None:
            continue
        seen.add(name)
        todo.extend(imported_modules(name, package_dir))
    return sorted(seen)


def resource_files(modules: Iterable[str], package_dir: Path = PACKAGE_DIR) -> list[Path]:
    """The files under akhbar/resources/ that `modules` name in their source, sorted."""
    found: set[Path] = set()
    for name in modules:
        path = module_file(name, package_dir)
        assert path is not None
        for entry in _RESOURCE.findall(path.read_text(encoding="utf-8")):
            target = package_dir / "resources" / entry
            if target.is_file():
                found.add(target)
            elif target.is_dir():
                found.update(p for p in target.rglob("*") if p.is_file())
    return sorted(found)


def fingerprint(
    roots: Iterable[str],
    files: Iterable[str] = (),
    extra: Iterable[Path] = (),
    package_dir: Path = PACKAGE_DIR,
) -> str:
    """SHA-256 (hex) of the closure of `roots`, the resources they name, `files` (paths inside
    the package) and `extra` files (hashed by name: e.g. a suite or a template outside it)."""
    modules = module_closure(roots, package_dir)
    digest = hashlib.sha256()

    def add(label: str, data: bytes) -> None:
        digest.update(label.encode())
        digest.update(b"\0")
        digest.update(hashlib.sha256(data).digest())

    for name in modules:
        path = module_file(name, package_dir)
        assert path is not None
        add(name, path.read_bytes())
    for path in resource_files(modules, package_dir):
        add(path.relative_to(package_dir).as_posix(), path.read_bytes())
    for rel in sorted(set(files)):
        add(rel, (package_dir / rel).read_bytes())
    for path in sorted(set(extra), key=lambda p: p.name):
        add(path.name, path.read_bytes())
    return digest.hexdigest()


@cache
def stage_version(stage: str) -> str:
    """The fingerprint of a stage's code (STAGE_MODULES, STAGE_FILES), 16 hex characters: in
    the keys of the stage's parts and in its asset's code_version."""
    return fingerprint(STAGE_MODULES[stage], STAGE_FILES.get(stage, ()))[:16]
