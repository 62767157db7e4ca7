"""`akhbar build --out s3://bucket/root`: a whole build whose data root is on an object store
(moto's S3 server on 127.0.0.1, tests/support/s3_server), published to the test Hub, against
the same build on a local root."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from akhbar import storage
from akhbar.pipelines.cli import main
from akhbar.release import list_releases, sha256_file
from tests.support import REPO, SEED, dagster_job_execute, head_lines
from tests.support.hub_server import HubServer, client_env, run_python
from tests.support.s3_server import s3_bucket, s3_endpoint  # noqa: F401 (fixtures)

pytestmark = pytest.mark.slow  # whole builds, servers or processes: see docs/testing.md

TOKEN = "hf_akhbar_test_token_0123456789"
HUB_REPO = "akhbar-org/arabic-news-s3"
BATCH_ROWS = "40"  # articles per part: the sample makes several parts per stage


@pytest.fixture
def hub(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("HF_TOKEN", TOKEN)
    with HubServer(tmp_path / "hub", tokens={TOKEN}) as server:
        yield server


@pytest.fixture
def sources(corpus: Path, tmp_path: Path) -> Path:
    """A few sources: heads of two shared-corpus files and the seed article."""
    folder = tmp_path / "input"
    (folder / "seed").mkdir(parents=True)
    shutil.copy(SEED, folder / "seed" / SEED.name)
    almayadeen = head_lines(
        corpus / "almayadeen" / "almayadeen_2024-04.jsonl", folder / "almayadeen.jsonl", 60
    )
    saudi = head_lines(
        corpus / "saudinewsnet" / "saudinewsnet_dev.jsonl.gz", folder / "saudinewsnet.jsonl.gz", 60
    )
    config = folder / "sources.yaml"
    config.write_text(
        "sources:\n"
        f"  - {{name: almayadeen, path: {almayadeen}, license: other, fields: {{tags: keywords}}}}\n"
        f"  - {{name: saudinewsnet, path: {saudi}, license: cc-by-nc-sa-4.0}}\n"
        f"  - {{name: seed, path: {folder / 'seed'}, format: text}}\n",
        encoding="utf-8",
    )
    return config


def _build(sources: Path, out: str, *extra: str) -> int:
    return main(
        [
            "build",
            "--sources",
            str(sources),
            "--out",
            out,
            "--batch-rows",
            BATCH_ROWS,
            "--log-level",
            "ERROR",
            *extra,
        ]
    )


def _digests(folder: Path) -> dict[str, str]:
    return {
        p.relative_to(folder).as_posix(): sha256_file(p) for p in sorted(folder.rglob("*")) if p.is_file()
    }


def _objects(folder) -> dict[str, float]:
    """Every object under a prefix, by path, with when it was written."""
    fs, inner = folder.fs, folder.path
    return {name: storage.mtime(f"s3://{name}") for name in sorted(fs.find(inner))}


LOAD = """
import json
import datasets
ds = datasets.load_dataset({repo!r}, revision="v1.0.0", split="train")
print(json.dumps(sorted(ds["id"])))
"""


def test_build_on_s3_matches_local_and_publishes(
    sources: Path,
    s3_bucket: str,  # noqa: F811
    hub: HubServer,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # every part on the pool's workers, however small: they open their parts on S3 themselves
    monkeypatch.setattr("akhbar.runner.core.PARALLEL_MIN_ROWS", 1)
    monkeypatch.setattr("akhbar.runner.articles.PARALLEL_MIN_ROWS", 1)
    local = tmp_path / "local"
    with pytest.MonkeyPatch.context() as without_token:  # the same card (it names the repo), unpublished
        without_token.delenv("HF_TOKEN")
        assert _build(sources, str(local), "--repo", HUB_REPO) == 0
    url = f"{s3_bucket}/root"
    assert _build(sources, url, "--repo", HUB_REPO, "--endpoint", hub.url) == 0
    assert f"published v1.0.0 to {HUB_REPO}" in capsys.readouterr().out

    root = storage.location(url)
    assert list_releases(url) == ["1.0.0"]
    # the release on S3 is the local build's, byte for byte (data, manifest, card, quarantine,
    # report, changes, dedup index)
    with storage.local_folder(root / "releases" / "v1.0.0") as downloaded:
        remote = _digests(downloaded)
    assert remote == _digests(local / "releases" / "v1.0.0")
    assert "manifest.json" in remote and "dedup_index.parquet" in remote
    # every stage kept its parts and outputs on S3, none on this machine's data root path
    raw_parts = [n for n, _ in storage.listdir(root / "parts" / "raw_articles") if n.count(".") == 1]
    assert len(raw_parts) >= 3
    assert storage.exists(root / "stages" / "article_fields.parts.json")
    assert storage.exists(root / "sources.json")
    assert not Path(url).exists()

    # the Hub release loads with datasets
    loaded = run_python(
        LOAD.format(repo=HUB_REPO), client_env(hub, tmp_path / "hf_home", token=TOKEN), timeout=300
    )
    manifest = json.loads(storage.read_text(root / "releases" / "v1.0.0" / "manifest.json"))
    assert len(json.loads(loaded.strip().splitlines()[-1])) == manifest["rows"]["released"]

    # a second build reuses every part: no object under parts/ is written again, no new version
    before = _objects(root / "parts")
    assert _build(sources, url, "--repo", HUB_REPO, "--endpoint", hub.url) == 0
    out = capsys.readouterr().out
    assert "already published" in out and "v1.0.0" in out
    assert _objects(root / "parts") == before
    assert list_releases(url) == ["1.0.0"]
    # `akhbar releases` lists the release on S3
    assert main(["releases", "--data-root", url, "--json"]) == 0
    (listed,) = json.loads(capsys.readouterr().out)
    assert listed["version"] == "1.0.0" and listed["path"] == f"{url}/releases/v1.0.0"


def test_multiprocess_executor_on_s3(sources: Path, s3_bucket: str, tmp_path: Path) -> None:  # noqa: F811
    """`dagster job execute` (each step its own process, as `dagster dev` and Celery workers
    run them) with AKHBAR_DATA_ROOT=s3://...: the steps hand their outputs over through the IO
    manager on S3, and the release is the in-process build's."""
    local = tmp_path / "local"
    assert _build(sources, str(local)) == 0
    (tmp_path / "home").mkdir()
    (tmp_path / "home" / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")
    url = f"{s3_bucket}/root"
    env = {
        **os.environ,  # with the AWS variables the fixture set: all a step process needs
        "DAGSTER_HOME": str(tmp_path / "home"),
        "AKHBAR_SOURCES": str(sources),
        "AKHBAR_DATA_ROOT": url,
        "AKHBAR_BATCH_ROWS": BATCH_ROWS,
    }
    dagster_job_execute("akhbar.pipelines.definitions", "build_release", env=env, cwd=REPO, timeout=600)
    with storage.local_folder(storage.location(url) / "releases" / "v1.0.0") as downloaded:
        assert _digests(downloaded) == _digests(local / "releases" / "v1.0.0")
