"""End to end: the build_release job through the `akhbar` CLI, with real Dagster storage,
real GX evaluation, and the release read back through `datasets`."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import datasets
import pyarrow.parquet as pq
import pytest
import yaml
from dagster import AssetKey, DagsterInstance

from akhbar.pipelines.cli import main
from akhbar.release import list_releases, sha256_file
from akhbar.schema import SCHEMA_VERSION, hf_features
from tests.support import REPO, SEED, dagster_job_execute, head_lines

pytestmark = pytest.mark.slow  # whole builds, servers or processes: see docs/testing.md

N_ALMAYADEEN = 514
N_SAUDI = 200


def _sources_yaml(corpus: Path, folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    saudi = head_lines(
        corpus / "saudinewsnet" / "saudinewsnet_dev.jsonl.gz", folder / "saudinewsnet_head.jsonl.gz", N_SAUDI
    )
    seed_dir = folder / "seed"
    seed_dir.mkdir()
    shutil.copy(SEED, seed_dir / SEED.name)
    config = folder / "sources.yaml"
    config.write_text(
        "sources:\n"
        f"  - {{name: almayadeen, path: {corpus}/almayadeen/almayadeen_2024-04.jsonl,\n"
        "     license: other, fields: {tags: keywords}}\n"
        f"  - {{name: saudinewsnet, path: {saudi}, license: cc-by-nc-sa-4.0}}\n"
        f"  - {{name: seed, path: {seed_dir}, format: text}}\n",
        encoding="utf-8",
    )
    return config


def _digests(folder: Path) -> dict[str, str]:
    return {
        p.relative_to(folder).as_posix(): sha256_file(p) for p in sorted(folder.rglob("*")) if p.is_file()
    }


@pytest.fixture(scope="module")
def built(corpus: Path, tmp_path_factory: pytest.TempPathFactory):
    """One build of the seed plus a few hundred shared-corpus records."""
    base = tmp_path_factory.mktemp("e2e")
    config = _sources_yaml(corpus, base / "input")
    home = base / "dagster_home"
    home.mkdir()
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("DAGSTER_HOME", str(home))
        code = main(
            ["build", "--sources", str(config), "--out", str(base / "data"), "--log-level", "WARNING"]
        )
    assert code == 0
    return {
        "config": config,
        "root": base / "data",
        "home": home,
        "release": base / "data" / "releases" / "v1.0.0",
    }


def test_release_accounts_for_every_raw_article(built) -> None:
    manifest = json.loads((built["release"] / "manifest.json").read_text())
    rows = manifest["rows"]
    assert rows["raw"] == N_ALMAYADEEN + N_SAUDI + 1
    assert rows["released"] + rows["quarantined"] == rows["raw"]
    assert rows["released"] > 500
    quarantine = pq.read_table(built["release"] / "quarantine.parquet")
    assert quarantine.num_rows == rows["quarantined"]
    assert all(quarantine["reason"].to_pylist())
    assert manifest["validation"]["success"] and manifest["validation"]["failed"] == 0
    assert {s["name"]: s["articles"] for s in manifest["sources"]}["seed"] == 1


def test_release_loads_with_datasets_parquet_builder(built) -> None:
    manifest = json.loads((built["release"] / "manifest.json").read_text())
    ds = datasets.load_dataset(
        "parquet",
        data_files=str(built["release"] / "data" / "*.parquet"),
        split="train",
        cache_dir=str(built["root"] / "hf_cache"),
    )
    assert ds.num_rows == manifest["rows"]["released"]
    assert ds.features.to_dict() == hf_features()
    seed = ds.filter(lambda r: r["source"] == "seed")[0]
    assert seed["title"] == ("روسيا: تقدم في محادثات إسطنبول مع الولايات المتحدة بشأن البعثات الدبلوماسية")
    assert seed["captions"] == [
        {
            "text": "سيارة تقل مسؤولين أميركيين تدخل القنصلية الروسية، مكان إجراء المفاوضات مع وفد "
            "من روسيا في إسطنبول",
            "credit": "سبوتنيك",
        }
    ]
    assert seed["lead"].startswith("رئيس الوفد الروسي")
    for chrome in ("0:00", "• الروسي", "اخترنا لك"):
        assert chrome not in seed["body"]
    assert seed["paragraphs"][0].startswith("أكد ألكسندر دارتشييف")
    assert [q["speaker"] for q in seed["quotes"]] == ["ألكسندر دارتشييف"] * 6
    assert {"text": "نحو 6 ساعات ونصف الساعة", "value": 6.5, "unit": "ساعات", "approximate": True} in [
        {k: q[k] for k in ("text", "value", "unit", "approximate")} for q in seed["quantities"]
    ]
    # no publication date: both year-less dates kept, `date` null, month and day as written
    assert [(d["date"], d["month"], d["day"]) for d in seed["dates"]] == [(None, 2, 18), (None, 2, 27)]
    assert all(seed["body"][d["start"] : d["end"]] == d["text"] for d in seed["dates"])
    tagged = ds.filter(lambda r: r["source"] == "almayadeen" and len(r["tags"]) > 0)
    assert tagged.num_rows > 100
    assert all(r["published_at"].tzinfo is not None for r in tagged.select(range(5)))


def test_release_folder_loads_through_its_card(built) -> None:
    """`load_dataset(<release folder>)` uses the card's `configs` to find the data files."""
    ds = datasets.load_dataset(
        str(built["release"]), split="train", cache_dir=str(built["root"] / "hf_cache2")
    )
    manifest = json.loads((built["release"] / "manifest.json").read_text())
    assert ds.num_rows == manifest["rows"]["released"]
    assert ds.features.to_dict() == hf_features()
    assert sorted(ds["id"]) == ds["id"]


def test_dagster_instance_recorded_the_run(built) -> None:
    with DagsterInstance.from_config(str(built["home"])) as instance:
        for name in (
            "raw_articles",
            "raw_quarantine",
            "normalized_articles",
            "article_fields",
            "dataset_release",
        ):
            event = instance.get_latest_materialization_event(AssetKey(name))
            assert event is not None, name
        meta = instance.get_latest_materialization_event(
            AssetKey("article_fields")
        ).asset_materialization.metadata
        assert meta["dagster/row_count"].value > 500
        assert "preview" in meta


def test_rebuild_unchanged_then_new_input(built, capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["build", "--sources", str(built["config"]), "--out", str(built["root"]), "--log-level", "WARNING"]
    before = _digests(built["release"])
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("DAGSTER_HOME", str(built["home"]))
        assert main(argv) == 0
        assert "unchanged inputs; latest release kept: v1.0.0" in capsys.readouterr().out
        assert list_releases(built["root"]) == ["1.0.0"]
        seed_dir = built["config"].parent / "seed"
        (seed_dir / "second.txt").write_text(
            "عنوان خبر جديد\n\nنص خبر جديد عن الطقس في بيروت.", encoding="utf-8"
        )
        try:
            assert main(argv) == 0
        finally:
            (seed_dir / "second.txt").unlink()
    out = capsys.readouterr().out
    assert "new release: v1.1.0" in out
    assert list_releases(built["root"]) == ["1.0.0", "1.1.0"]
    assert _digests(built["release"]) == before  # v1.0.0 untouched


def test_two_builds_are_byte_identical(built, tmp_path: Path) -> None:
    assert (
        main(
            [
                "build",
                "--sources",
                str(built["config"]),
                "--out",
                str(tmp_path / "again"),
                "--log-level",
                "WARNING",
            ]
        )
        == 0
    )
    assert _digests(tmp_path / "again" / "releases" / "v1.0.0") == _digests(built["release"])


def test_cli_inputs_without_sources_file(
    corpus: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    gz = head_lines(corpus / "saudinewsnet" / "saudinewsnet_dev.jsonl.gz", tmp_path / "snn.jsonl.gz", 20)
    html = corpus / "html_pages" / "newspaper4k_cnn_arabic" / "arabic_article.html"
    code = main(
        [
            "build",
            "--input",
            str(SEED.parent),
            "--input",
            str(gz),
            "--input",
            str(html),
            "--out",
            str(tmp_path / "data"),
            "--log-level",
            "ERROR",
        ]
    )
    out = capsys.readouterr().out
    assert code == 0, out
    assert "release folder: " + str(tmp_path / "data" / "releases" / "v1.0.0") in out
    manifest = json.loads((tmp_path / "data/releases/v1.0.0/manifest.json").read_text())
    assert manifest["rows"]["raw"] == 1 + 20 + 1
    assert {s["name"] for s in manifest["sources"]} == {"samples", "snn", "arabic_article"}


def test_cli_reports_bad_sources_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = tmp_path / "sources.yaml"
    config.write_text("sources:\n  - {name: a, path: nowhere.jsonl}\n")
    assert main(["build", "--sources", str(config), "--out", str(tmp_path / "d")]) == 2
    assert "does not exist" in capsys.readouterr().err


def test_multiprocess_executor_gives_the_same_release(built, tmp_path: Path) -> None:
    """`dagster job execute` (the multiprocess executor, as `dagster dev` launches runs)
    runs the same Definitions and writes the same bytes as the in-process CLI."""
    env = {
        **os.environ,
        "DAGSTER_HOME": str(tmp_path / "home"),
        "AKHBAR_SOURCES": str(built["config"]),
        "AKHBAR_DATA_ROOT": str(tmp_path / "data"),
    }
    (tmp_path / "home").mkdir()
    (tmp_path / "home" / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")
    dagster_job_execute("akhbar.pipelines.definitions", "build_release", env=env, cwd=REPO, timeout=600)
    assert _digests(tmp_path / "data" / "releases" / "v1.0.0") == _digests(built["release"])


def test_build_without_hub_config_skips_publication(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["build", "--out", str(tmp_path / "data"), "--log-level", "ERROR"]) == 0
    out = capsys.readouterr().out
    assert "publication skipped: no Hub repository configured" in out
    assert "v1.0.0 is ready to publish" in out
    # a repo but no token: skipped too, and `akhbar publish` says why with exit code 2
    code = main(["publish", "--repo", "org/name", "--out", str(tmp_path / "data"), "--log-level", "ERROR"])
    assert code == 2
    assert "publication skipped: no Hub token" in capsys.readouterr().out


def test_sample_build_keeps_year_less_dates(tmp_path: Path) -> None:
    """`akhbar build` on samples/ (the seed, no publication date): both February dates are in
    the release with `date` null, month and day as written and offsets into `body`; the card
    states the schema version and lists the struct fields added in 1.3."""
    assert main(["build", "--out", str(tmp_path / "data"), "--log-level", "ERROR"]) == 0
    release = tmp_path / "data" / "releases" / "v1.0.0"
    (row,) = pq.read_table(release / "data").to_pylist()
    assert [(d["date"], d["year_inferred"], d["month"], d["day"], d["precision"]) for d in row["dates"]] == [
        (None, None, 2, 18, "day"),
        (None, None, 2, 27, "day"),
    ]
    assert [row["body"][d["start"] : d["end"]] for d in row["dates"]] == [d["text"] for d in row["dates"]]
    card = (release / "README.md").read_text(encoding="utf-8")
    assert f"| schema version | {SCHEMA_VERSION} |" in card
    header = yaml.safe_load(card.split("---")[1])
    (dates,) = [f for f in header["dataset_info"]["features"] if f["name"] == "dates"]
    assert [f["name"] for f in dates["list"]][-4:] == ["month", "day", "start", "end"]
    assert "month and day are Hijri ones" in card
    # every check of the run is named, those before the release and those on it
    manifest = json.loads((release / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["release_checks"] == ["dataset_release_suite", "release_accounting", "release_shrink"]
    for name in [c["name"] for c in manifest["checks"]] + manifest["release_checks"]:
        assert f"`{name}`" in card


def test_cli_runs_with_what_it_loaded_left_out_of_garbage_collection() -> None:
    # a fresh interpreter: the test process has frozen objects of its own
    probe = (
        "import gc, json, sys\n"
        "from akhbar.pipelines.cli import _collector_for_run\n"
        "from akhbar.runner.pool import WORKER_GC_THRESHOLDS\n"
        "before = (gc.get_freeze_count(), gc.get_threshold())\n"
        "with _collector_for_run(('great_expectations',)):\n"
        "    during = (gc.get_freeze_count(), gc.get_threshold(), 'great_expectations' in sys.modules)\n"
        "after = (gc.get_freeze_count(), gc.get_threshold())\n"
        "print(json.dumps([before, during, after, WORKER_GC_THRESHOLDS]))\n"
    )
    out = subprocess.run([sys.executable, "-c", probe], cwd=REPO, capture_output=True, text=True, check=True)
    before, during, after, run_thresholds = json.loads(out.stdout)
    frozen, thresholds, gx_loaded = during
    assert before[0] == 0 and frozen > 100_000  # Dagster and GX: hundreds of thousands of objects
    assert (thresholds, gx_loaded) == (run_thresholds, True)
    # the thresholds come back; the frozen objects stay frozen (less the few freed since)
    assert after[1] == before[1] and after[0] > 0.99 * frozen
