"""Each stage's code version (akhbar.code_version): the closure of the modules it imports and
the resources they name. A change to the report or the card leaves every part key as it is; a
change to a stage's code changes that stage's keys (and those after it)."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from akhbar import code_version, runner
from akhbar.code_version import PACKAGE_DIR, STAGE_FILES, STAGE_MODULES, fingerprint, module_closure
from akhbar.ingest import SourceConfig
from akhbar.runner import core

STAGES = ("raw", "normalize", "fields", "dedup", "release", "hub")
PART_STAGES = ("raw", "normalize", "fields")


def _package_copy(tmp_path: Path) -> Path:
    """The library's files (not the Dagster layer, which the stages never import)."""
    copy = tmp_path / "akhbar"
    shutil.copytree(PACKAGE_DIR, copy, ignore=shutil.ignore_patterns("assets", "pipelines", "__pycache__"))
    return copy


def _versions(package: Path) -> dict[str, str]:
    return {
        stage: fingerprint(STAGE_MODULES[stage], STAGE_FILES.get(stage, ()), package_dir=package)[:16]
        for stage in STAGES
    }


def _touch(package: Path, rel: str) -> bytes:
    """Append to a file of the copy (a comment to a module); returns what it held."""
    path = package / rel
    before = path.read_bytes()
    path.write_bytes(before + (b"\n# changed\n" if path.suffix == ".py" else b"\n"))
    return before


@pytest.fixture(scope="module")
def package(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _package_copy(tmp_path_factory.mktemp("library"))


@pytest.mark.parametrize(
    ("changed", "stages_changed"),
    [
        ("report/markdown.py", {"release"}),
        ("report/plots.py", {"release"}),
        ("card.py", {"release", "hub"}),  # publication renders nothing, but akhbar.hub imports it
        ("resources/gold/figures.json", {"release", "hub"}),  # the card's measured figures
        ("evaluation.py", set()),  # no stage runs it
        ("extract/quotes/cues.py", {"fields"}),
        ("stages/extract_fields.py", {"fields"}),
        ("resources/ner/gazetteer_hand.tsv", {"fields"}),  # a model's resource, named by its module
        ("stock_paragraphs.py", {"normalize"}),
        ("profiles.py", {"normalize", "fields", "release"}),  # the release's suite frames use it
        ("dedup.py", {"dedup"}),
        ("hub.py", {"hub"}),
        ("runner/articles.py", {"normalize", "fields", "dedup"}),
        ("ingest/json_records.py", {"raw", "normalize", "fields"}),  # the runner's core reads ingest
    ],
)
def test_a_change_moves_only_the_stages_that_run_it(
    tmp_path: Path, changed: str, stages_changed: set[str]
) -> None:
    package = _package_copy(tmp_path)
    before = _versions(package)
    _touch(package, changed)
    after = _versions(package)
    assert {stage for stage in STAGES if before[stage] != after[stage]} == stages_changed


def test_the_checkout_and_a_copy_give_the_same_versions(package: Path) -> None:
    """Files are hashed by module name, not by where the package lies (a wheel or a checkout)."""
    assert _versions(package) == {s: code_version.stage_version(s) for s in STAGES}


def test_no_part_stage_imports_the_report_or_the_card() -> None:
    for stage in PART_STAGES:
        closure = module_closure(STAGE_MODULES[stage])
        assert not [m for m in closure if m.startswith(("akhbar.report", "akhbar.card", "akhbar.release"))], (
            stage
        )


def _write_input(folder: Path) -> list[SourceConfig]:
    folder.mkdir(parents=True)
    sentence = 'وقال المتحدث باسم البلدية إن "أعمال الصيانة في الشارع الرئيسي تنتهي الأسبوع المقبل".'
    rows = [
        {"title": f"خبر رقم {i} عن أعمال الصيانة", "text": "\n".join([sentence, f"تفاصيل إضافية {i}"] * 3)}
        for i in range(12)
    ]
    (folder / "news.jsonl").write_text(
        "\n".join(json.dumps(r, ensure_ascii=False) for r in rows) + "\n", "utf-8"
    )
    return [SourceConfig(name="local", path=str(folder / "news.jsonl"), format="jsonl", license="other")]


def _part_keys(root: Path, sources: list[SourceConfig]) -> dict[str, list[str]]:
    raw = runner.read_raw(sources, root / "parts" / "raw_articles", batch_rows=5, workers=1)
    normalized = runner.normalize(raw.parts, lambda stage: root / "parts" / stage, workers=1)
    fields = runner.extract(normalized.parts, root / "parts" / "article_fields", workers=1)
    return {
        "raw": [p.key for p in raw.parts.parts],
        "normalize": [p.key for p in normalized.parts.parts],
        "fields": [p.key for p in fields.parts.parts],
    }


@pytest.mark.slow
@pytest.mark.parametrize(
    ("changed", "keys_changed"),
    [
        ("report/markdown.py", set()),
        ("card.py", set()),
        ("stages/extract_fields.py", {"fields"}),
        ("stages/normalize_articles.py", {"normalize", "fields"}),
    ],
)
def test_part_keys_follow_the_stage_code_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, changed: str, keys_changed: set[str]
) -> None:
    """The runner keyed by the versions of a copy of the library, before and after a change to
    one file of the copy: only the stages that run the file get new part keys."""
    sources = _write_input(tmp_path / "input")
    package = _package_copy(tmp_path)

    def keyed_by(package: Path) -> Callable[[str], str]:
        versions = _versions(package)
        return versions.__getitem__

    monkeypatch.setattr(core, "stage_version", keyed_by(package))
    before = _part_keys(tmp_path / "root", sources)
    _touch(package, changed)
    monkeypatch.setattr(core, "stage_version", keyed_by(package))
    after = _part_keys(tmp_path / "root", sources)
    assert all(before[stage] for stage in PART_STAGES)
    assert {stage for stage in PART_STAGES if before[stage] != after[stage]} == keys_changed
