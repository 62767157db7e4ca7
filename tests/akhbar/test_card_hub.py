"""The dataset card as the Hub and `datasets` read it: a `DatasetCardData` header that the test
Hub's `/api/validate-yaml` (tests/support/hub_server/card_rules.py: the Hub's documented rules)
accepts, split sizes that are the release's own, rows loaded by `datasets` without one warning,
and every number or rule the card states taken from the code or the run.

A release here is built by the real stages (read, normalize, extract) from synthetic articles of
two sources with different licences."""

from __future__ import annotations

import copy
import logging
import re
import tomllib
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import yaml

import akhbar.card
from akhbar.card import TASKS, card_data, render_card, yaml_header
from akhbar.ingest import SourceConfig, read_sources
from akhbar.release import build_release, load_manifest
from akhbar.runner import extract_fields, normalize_articles
from akhbar.schema import DATASETS_REQUIREMENT, MIN_QUOTE_WORDS
from tests.support import REPO
from tests.support.hub_server import HubServer, patch_huggingface_hub
from tests.support.hub_server.card_rules import hub_lists

VALIDATION = {"suite": "article_fields", "success": True, "evaluated": 1, "successful": 1, "results": []}
CHECKS = [
    {"name": "raw_articles_suite", "passed": True, "evaluated": 9, "failed": 0},
    {"name": "article_fields_suite", "passed": True, "evaluated": 18, "failed": 0},
]
# Two sources, two licences: a Hub identifier and a licence named in words (declared `other`).
SOURCES = {"wakala": "cc-by-4.0", "jarida": "© Jarida, all rights reserved"}
ARTICLE = (
    '{title}\n\nقال وزير الاقتصاد سامر الخطيب إن "الحكومة ستعلن خطة جديدة للنقل العام خلال الشهر '
    'المقبل في المدن الكبرى".\n\nوأضاف أن الخطة تشمل {n} حافلة جديدة.'
)


@dataclass(frozen=True)
class Release:
    path: Path
    manifest: dict[str, Any]
    card: str


@pytest.fixture(scope="module")
def release(tmp_path_factory: pytest.TempPathFactory) -> Release:
    tmp = tmp_path_factory.mktemp("card_hub")
    configs = []
    for s, (name, license_) in enumerate(SOURCES.items()):
        folder = tmp / "in" / name
        folder.mkdir(parents=True)
        for i in range(3):
            text = ARTICLE.format(title=f"خبر رقم {i} من المصدر {s}", n=10 + i + 5 * s)
            (folder / f"{i}.txt").write_text(text, encoding="utf-8")
        configs.append(SourceConfig(name, str(folder), "text", license=license_))
    batch = read_sources(configs)
    articles = extract_fields(normalize_articles(batch.articles))
    result = build_release(
        articles,
        batch.quarantine,
        tmp / "data",
        dataset_name="akhbar-arabic-news",
        sources=[{"name": c.name, "license": c.license} for c in configs],
        validation=VALIDATION,
        checks=CHECKS,
    )
    return Release(result.path, result.manifest, (result.path / "README.md").read_text(encoding="utf-8"))


def _header(card: str) -> dict[str, Any]:
    assert card.startswith("---\n")
    return yaml.safe_load(card[4 : card.index("\n---\n", 4)])


def _with_header(card: str, header: dict[str, Any]) -> str:
    return "---\n" + yaml_header(header) + card[card.index("\n---\n", 4) + 1 :]


def test_rows_carry_their_sources_licence(release: Release) -> None:
    table = pq.read_table(sorted((release.path / "data").glob("*.parquet")), columns=["source", "license"])
    pairs = set(zip(table["source"].to_pylist(), table["license"].to_pylist(), strict=True))
    assert pairs == set(SOURCES.items())
    assert table.num_rows == 6
    header = _header(release.card)
    assert header["license"] == ["cc-by-4.0", "other"]
    assert "`license` column" in release.card


def test_header_is_card_data_with_the_release_sizes(release: Release) -> None:
    from huggingface_hub import DatasetCard, DatasetCardData

    card = DatasetCard(release.card)
    assert isinstance(card.data, DatasetCardData)
    assert card.data.to_dict() == _header(release.card) == card_data(release.manifest).to_dict()
    info = card.data.to_dict()["dataset_info"]
    files = sorted((release.path / "data").glob("*.parquet"))
    parquet = [pq.ParquetFile(f) for f in files]
    arrow = sum(p.read_row_group(i).nbytes for p in parquet for i in range(p.num_row_groups))
    assert info["splits"] == [{"name": "train", "num_bytes": arrow, "num_examples": 6}]
    assert info["download_size"] == sum(f.stat().st_size for f in files)
    assert info["dataset_size"] == arrow
    assert card.data.pretty_name == "Akhbar Arabic News"


def test_tasks_are_the_hubs_and_fit_the_rows(release: Release) -> None:
    """Task categories and ids from the Hub's lists, each id under a category given; no task
    that needs a label or a reference the rows do not have."""
    header = _header(release.card)
    tasks = hub_lists()
    assert set(header["task_categories"]) <= tasks["task_categories"]
    assert set(header["task_ids"]) <= tasks["task_ids"]
    assert header["task_categories"] == list(TASKS)
    assert header["task_ids"] == [t for ids in TASKS.values() for t in ids]
    assert not {"text-classification", "summarization"} & set(header["task_categories"])
    rows = pq.read_table(sorted((release.path / "data").glob("*.parquet"))).to_pylist()
    assert all(e["label"] in {"PER", "LOC", "ORG", "MISC"} for r in rows for e in r["entities"])
    assert any(r["entities"] for r in rows)  # named-entity-recognition: labelled spans exist


def test_card_has_the_sections_researchers_look_for(release: Release) -> None:
    headings = re.findall(r"^## (.+)$", release.card, flags=re.M)
    for heading in (
        "Uses",
        "Out-of-scope uses",
        "Personal and sensitive information",
        "Bias and limitations",
        "Citation",
    ):
        assert heading in headings
    personal = release.card.split("## Personal and sensitive information")[1].split("\n## ")[0]
    for column in ("byline", "quotes", "speaker", "entities"):
        assert f"`{column}`" in personal
    assert "**Removal.**" in personal and "`id`" in personal
    assert "@misc{akhbar_arabic_news_v1_0_0," in release.card


def test_every_rule_and_number_comes_from_the_code(release: Release, monkeypatch: pytest.MonkeyPatch) -> None:
    stats = akhbar.card.card_stats(pq.read_table(sorted((release.path / "data").glob("*.parquet"))))
    assert f"{MIN_QUOTE_WORDS} words or more" in release.card
    monkeypatch.setattr(akhbar.card, "MIN_QUOTE_WORDS", MIN_QUOTE_WORDS + 3)
    assert f"{MIN_QUOTE_WORDS + 3} words or more" in render_card(release.manifest, stats)
    assert f"{len(CHECKS)}\nof them: `raw_articles_suite` (passed), `article_fields_suite` (passed)." in (
        release.card
    )
    three = {**release.manifest, "checks": [*CHECKS, {**CHECKS[0], "name": "more", "passed": False}]}
    assert "3\nof them:" in render_card(three, stats) and "`more` (FAILED)." in render_card(three, stats)
    assert f"{stats.coverage['byline']} of\n  6 articles" in release.card
    # the `datasets` requirement: the card, the README and the project's own test dependency
    assert f"`{DATASETS_REQUIREMENT}`" in release.card
    assert f"`{DATASETS_REQUIREMENT}`" in (REPO / "README.md").read_text(encoding="utf-8")
    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    extras = [d for deps in project["project"]["optional-dependencies"].values() for d in deps]
    assert DATASETS_REQUIREMENT in extras


@pytest.fixture
def hub(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[HubServer]:
    with HubServer(tmp_path / "hub", tokens={"hf_card"}) as server:
        patch_huggingface_hub(monkeypatch, server)
        yield server


def test_the_hub_accepts_the_card(release: Release, hub: HubServer) -> None:
    from huggingface_hub import DatasetCard

    DatasetCard(release.card).validate()
    assert any(r.path == "/api/validate-yaml" and r.status == 200 for r in hub.requests)


def _drop_num_bytes(h: dict[str, Any]) -> None:
    del h["dataset_info"]["splits"][0]["num_bytes"]


def _other_without_name(h: dict[str, Any]) -> None:
    h["license"] = "other"
    del h["license_name"]


def _set(path: str, value: Any):
    def change(h: dict[str, Any]) -> None:
        *parents, last = path.split(".")
        node: Any = h
        for key in parents:
            node = node[int(key)] if isinstance(node, list) else node[key]
        node[int(last) if isinstance(node, list) else last] = value

    return change


@pytest.mark.parametrize(
    ("change", "says"),
    [
        (_drop_num_bytes, '"dataset_info.splits[0].num_bytes" is required'),
        (_set("dataset_info.splits.0.num_examples", -1), '"dataset_info.splits[0].num_examples" must be'),
        (_set("dataset_info.download_size", "big"), '"dataset_info.download_size" must be a number'),
        (_set("license", "cc-by-9.0"), '"license[0]" must be one of the Hub\'s license values'),
        (_other_without_name, '"license_name" is required'),
        (_set("license_name", "Per Source"), '"license_name" must be an id'),
        (_set("task_categories", ["news-classification"]), '"task_categories[0]" must be one of'),
        (_set("task_ids", ["language-modelling"]), '"task_ids[0]" must be one of'),
        (_set("size_categories", ["n<10"]), '"size_categories[0]" must be one of'),
        (_set("language", ["arabic"]), '"language[0]" must be one of'),
        (_set("pretty_name", ["a", "b"]), '"pretty_name" must be a string'),
        (_set("annotations_creators", ["robots"]), '"annotations_creators[0]" must be one of'),
        (_set("configs", [{"data_files": "x"}]), '"configs[0].config_name" is required'),
        (_set("dataset_info.features.0", {"name": "id"}), '"dataset_info.features[0]" must have one of'),
    ],
)
def test_the_hub_refuses_a_broken_card(release: Release, hub: HubServer, change: Any, says: str) -> None:
    from huggingface_hub import DatasetCard

    header = copy.deepcopy(_header(release.card))
    change(header)
    with pytest.raises(ValueError, match=re.escape(says)):
        DatasetCard(_with_header(release.card, header)).validate()


class _Records(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.WARNING)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@pytest.mark.parametrize("streaming", [False, True])
def test_datasets_loads_the_release_folder_without_a_warning(
    release: Release, tmp_path: Path, streaming: bool
) -> None:
    """Any warning fails: Python warnings are errors, and a WARNING logged by `datasets` or
    huggingface_hub (which do not propagate to the root logger) is collected and must not exist."""
    import datasets

    handler = _Records()
    loggers = [logging.getLogger(name) for name in ("datasets", "huggingface_hub")]
    for logger in loggers:
        logger.addHandler(handler)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            ds = datasets.load_dataset(
                str(release.path), split="train", streaming=streaming, cache_dir=str(tmp_path / "cache")
            )
            rows = list(ds)
    finally:
        for logger in loggers:
            logger.removeHandler(handler)
    assert [r.getMessage() for r in handler.records] == []
    assert sorted(r["id"] for r in rows) == sorted(
        pq.read_table(sorted((release.path / "data").glob("*.parquet")))["id"].to_pylist()
    )
    if not streaming:
        assert isinstance(ds, datasets.Dataset)
        split = _header(release.card)["dataset_info"]["splits"][0]
        assert ds.info.splits["train"].num_bytes == split["num_bytes"]  # what datasets measured
        assert ds.info.splits["train"].num_examples == split["num_examples"]


def test_release_manifest_records_arrow_bytes(release: Release) -> None:
    manifest = load_manifest(release.path.parent.parent, release.manifest["version"])
    (entry,) = manifest["files"]
    table = pq.read_table(release.path / entry["path"])
    assert entry["arrow_bytes"] == table.nbytes > 0
    assert isinstance(table, pa.Table)
