"""Publication through the real huggingface_hub and datasets clients, against the project's
git-backed Hub-compatible server on 127.0.0.1 (tests/hub_server)."""

from __future__ import annotations

import fnmatch
import json
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest
from dagster import DagsterInstance

from akhbar.pipelines.cli import main
from akhbar.release import sha256_file
from akhbar.schema import hf_features, hf_yaml_features
from tests.support import SEED
from tests.support.hub_server import HubServer, client_env, run_python

pytestmark = pytest.mark.slow  # whole builds, servers or processes: see docs/testing.md

TOKEN = "hf_akhbar_test_token_0123456789"
REPO = "akhbar-org/arabic-news"


@pytest.fixture
def hub(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("HF_TOKEN", TOKEN)
    monkeypatch.setenv("HF_HUB_DISABLE_XET", "1")
    monkeypatch.setenv("HF_HUB_DISABLE_TELEMETRY", "1")
    with HubServer(tmp_path / "hub", tokens={TOKEN}) as server:
        yield server


@pytest.fixture
def articles(tmp_path: Path) -> Path:
    folder = tmp_path / "articles"
    folder.mkdir()
    (folder / "seed.txt").write_bytes(SEED.read_bytes())
    return folder


def _build(articles: Path, root: Path) -> None:
    assert main(["build", "--input", str(articles), "--out", str(root), "--log-level", "ERROR"]) == 0


def _publish(root: Path, endpoint: str, *extra: str) -> int:
    return main(
        [
            "publish",
            "--repo",
            REPO,
            "--endpoint",
            endpoint,
            "--out",
            str(root),
            "--log-level",
            "ERROR",
            *extra,
        ]
    )


def _client(hub: HubServer, tmp_path: Path, code: str) -> Any:
    """Run `code` in a fresh interpreter whose clients point at the test server (HF_ENDPOINT is read
    when huggingface_hub and datasets are imported); it prints one JSON value last."""
    out = run_python(code, client_env(hub, tmp_path / "hf_home", token=TOKEN), timeout=300)
    return json.loads(out.strip().splitlines()[-1])


# Any warning fails the load: Python warnings are errors, and WARNING records of datasets and
# huggingface_hub (their loggers do not propagate) are collected and printed for the test to see.
LOAD = """
import json, logging, warnings
warnings.simplefilter("error")
logged = []
class Keep(logging.Handler):
    def emit(self, record):
        logged.append(record.getMessage())
for name in ("datasets", "huggingface_hub"):
    logging.getLogger(name).addHandler(Keep(level=logging.WARNING))
import datasets
ds = datasets.load_dataset({repo!r}, revision={rev!r}, split="train", streaming={streaming})
rows = list(ds)
print(json.dumps({{"ids": [r["id"] for r in rows], "captions": [r["captions"] for r in rows],
                  "licenses": [r["license"] for r in rows], "logged": logged,
                  "num_bytes": None if {streaming} else ds.info.splits["train"].num_bytes,
                  "features": ds.features.to_dict() if ds.features else None}}, ensure_ascii=False))
"""


def _load(hub: HubServer, tmp_path: Path, rev: str, streaming: bool = False) -> dict[str, Any]:
    loaded = _client(hub, tmp_path, LOAD.format(repo=REPO, rev=rev, streaming=streaming))
    assert loaded["logged"] == []  # no warning logged by datasets or huggingface_hub
    return loaded


def _local_rows(release: Path) -> dict[str, Any]:
    table = pq.read_table(sorted((release / "data").glob("*.parquet")))
    return {"ids": table["id"].to_pylist(), "captions": table["captions"].to_pylist()}


def _manifest(release: Path) -> dict[str, Any]:
    return json.loads((release / "manifest.json").read_text(encoding="utf-8"))


def _digests(folder: Path) -> dict[str, str]:
    return {
        p.relative_to(folder).as_posix(): sha256_file(p) for p in sorted(folder.rglob("*")) if p.is_file()
    }


def _api(endpoint: str):
    from huggingface_hub import HfApi

    return HfApi(endpoint=endpoint, token=TOKEN)


def test_publish_versions_and_load_them_back(
    hub, articles: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from huggingface_hub import DatasetCard

    monkeypatch.setattr("akhbar.release.ROWS_PER_FILE", 1)  # v1.1.0 then has two files replacing one
    root = tmp_path / "data"
    _build(articles, root)
    capsys.readouterr()
    assert _publish(root, hub.url) == 0
    assert "published v1.0.0 to akhbar-org/arabic-news" in capsys.readouterr().out

    v1 = root / "releases" / "v1.0.0"
    loaded = _load(hub, tmp_path, "v1.0.0")
    assert {k: loaded[k] for k in ("ids", "captions")} == _local_rows(v1)
    assert loaded["captions"][0][0]["credit"] == "سبوتنيك"
    assert loaded["features"] == hf_features()  # nested features intact
    assert set(loaded["licenses"]) == {"other"}  # the source's declared licence (none given: other)
    # the card passed the Hub's rules on the way in (create_commit validates README.md)
    assert any(r.path == "/api/validate-yaml" and r.status == 200 for r in hub.requests)
    streamed = _load(hub, tmp_path, "v1.0.0", streaming=True)
    assert streamed["ids"] == loaded["ids"] and streamed["captions"] == loaded["captions"]

    api = _api(hub.url)
    card_path = api.hf_hub_download(
        REPO, "README.md", repo_type="dataset", revision="v1.0.0", cache_dir=tmp_path / "cache"
    )
    card = DatasetCard.load(card_path)
    data = card.data.to_dict()
    assert data["language"] == ["ar"] and data["pretty_name"] and data["task_categories"]
    assert data["size_categories"] == ["n<1K"]
    (split,) = data["dataset_info"]["splits"]
    assert split["num_bytes"] == loaded["num_bytes"]  # what datasets measured loading the rows
    assert data["dataset_info"]["download_size"] == sum(f["bytes"] for f in _manifest(v1)["files"])
    assert f'load_dataset("{REPO}", revision="v1.0.0"' in card.text
    files = api.list_repo_files(REPO, repo_type="dataset", revision="v1.0.0")
    assert sorted(files) == [
        ".gitattributes",
        "README.md",
        "changes.parquet",
        "data/train-00000-of-00001.parquet",
        "manifest.json",
    ]
    assert data["dataset_info"]["features"] == hf_yaml_features()  # matches the Arrow schema
    (pattern,) = [f["path"] for c in data["configs"] for f in c["data_files"]]
    assert [f for f in files if fnmatch.fnmatch(f, pattern)] == ["data/train-00000-of-00001.parquet"]

    # new articles: v1.1.0 with two data files; the old data file is gone from main
    (articles / "second.txt").write_text(
        "عنوان خبر ثان\n\nنص الخبر الثاني عن الطقس في بيروت.", encoding="utf-8"
    )
    _build(articles, root)
    assert _publish(root, hub.url) == 0
    files = api.list_repo_files(REPO, repo_type="dataset", revision="v1.1.0")
    assert sorted(f for f in files if f.startswith("data/")) == [
        "data/train-00000-of-00002.parquet",
        "data/train-00001-of-00002.parquet",
    ]
    assert len(_load(hub, tmp_path, "v1.1.0")["ids"]) == 2
    changes = api.hf_hub_download(
        REPO, "changes.parquet", repo_type="dataset", revision="v1.1.0", cache_dir=tmp_path / "cache"
    )  # the ids that moved, published beside the data: the new article, added
    (added,) = set(_local_rows(root / "releases" / "v1.1.0")["ids"]) - set(loaded["ids"])
    assert pq.read_table(changes).to_pylist() == [{"id": added, "change": "added", "raw_changed": None}]
    assert _load(hub, tmp_path, "v1.0.0")["ids"] == loaded["ids"]  # the old tag still loads its rows

    # publishing the same release again: no new commit
    commits = len(api.list_repo_commits(REPO, repo_type="dataset"))
    capsys.readouterr()
    assert _publish(root, hub.url, "--version", "1.1.0") == 0
    assert "already published" in capsys.readouterr().out
    assert len(api.list_repo_commits(REPO, repo_type="dataset")) == commits


def test_tag_with_other_content_is_never_overwritten(
    hub, articles: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _build(articles, tmp_path / "a")
    assert _publish(tmp_path / "a", hub.url) == 0
    (articles / "other.txt").write_text("عنوان آخر\n\nنص آخر مختلف.", encoding="utf-8")
    _build(articles, tmp_path / "b")  # another data root: a different v1.0.0
    head = _api(hub.url).list_repo_refs(REPO, repo_type="dataset").branches[0].target_commit
    capsys.readouterr()
    assert _publish(tmp_path / "b", hub.url) == 1
    err = capsys.readouterr().err
    assert "tag v1.0.0 on akhbar-org/arabic-news holds a different release" in err
    assert _api(hub.url).list_repo_refs(REPO, repo_type="dataset").branches[0].target_commit == head


def test_concurrent_publisher_detected_then_retry_succeeds(
    hub, articles: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from huggingface_hub import HfApi

    root = tmp_path / "data"
    _build(articles, root)
    before = _digests(root / "releases" / "v1.0.0")
    original = HfApi.create_commit
    moved: list[str] = []

    def racing_commit(self, repo_id, operations, **kwargs):
        if not moved:  # another publisher commits between our read of main and our commit
            moved.append(hub.commit_directly(repo_id, {"NOTES.md": b"someone else\n"}, "concurrent edit"))
        return original(self, repo_id, operations, **kwargs)

    _api(hub.url).create_repo(REPO, repo_type="dataset", exist_ok=True)
    monkeypatch.setattr(HfApi, "create_commit", racing_commit)
    capsys.readouterr()
    # the Hub refuses the commit (412: main moved); hub_publication's retry reads main again and
    # commits on top of the other publisher's commit
    assert _publish(root, hub.url) == 0
    commits = [r.status for r in hub.requests if r.method == "POST" and "/commit/" in r.path]
    assert commits == [412, 200]
    refs = _api(hub.url).list_repo_refs(REPO, repo_type="dataset")
    history = _api(hub.url).list_repo_commits(REPO, repo_type="dataset", revision="v1.0.0")
    assert moved[0] in {c.commit_id for c in history} and refs.tags[0].target_commit != moved[0]
    assert _digests(root / "releases" / "v1.0.0") == before
    files = _api(hub.url).list_repo_files(REPO, repo_type="dataset", revision="v1.0.0")
    assert "NOTES.md" in files and "manifest.json" in files


@pytest.mark.parametrize("failure", ["down", "500", "401"])
def test_failures_name_their_cause_and_next_run_publishes(
    failure: str,
    hub,
    articles: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    root = tmp_path / "data"
    _build(articles, root)
    before = _digests(root / "releases" / "v1.0.0")
    endpoint = hub.url
    if failure == "down":
        hub.stop()
        expected = "cannot reach"
    elif failure == "500":
        hub.fail_next(500, path_contains="/commit/", times=10)
        expected = "HTTP 500"
    else:
        monkeypatch.setenv("HF_TOKEN", "hf_wrong_token_not_accepted")
        expected = "401 Unauthorized"
    capsys.readouterr()
    assert _publish(root, endpoint) == 1
    captured = capsys.readouterr()
    assert expected in captured.err
    assert _digests(root / "releases" / "v1.0.0") == before
    if failure == "down":
        hub = HubServer(tmp_path / "hub", tokens={TOKEN}).start()
        endpoint = hub.url
    monkeypatch.setenv("HF_TOKEN", TOKEN)
    hub.fail_next(0)  # clear any remaining injected failures
    try:
        assert _publish(root, endpoint) == 0
        assert "published v1.0.0" in capsys.readouterr().out
    finally:
        if failure == "down":
            hub.stop()


@pytest.mark.parametrize("fails", [1, 2])
def test_a_commit_the_hub_fails_is_retried_with_backoff(
    fails: int, hub, articles: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """huggingface_hub does not retry the commit POST; hub_publication's RetryPolicy does: the
    Hub fails the first `fails` commits with a 500, the run still publishes, and the release
    on the Hub is the local one."""
    root = tmp_path / "data"
    _build(articles, root)
    hub.fail_next(500, path_contains="/commit/", times=fails, method="POST")
    capsys.readouterr()
    assert _publish(root, hub.url) == 0
    assert "published v1.0.0" in capsys.readouterr().out
    commits = [r.status for r in hub.requests if r.method == "POST" and "/commit/" in r.path]
    assert commits == [500] * fails + [200]
    files = _api(hub.url).list_repo_files(REPO, repo_type="dataset", revision="v1.0.0")
    assert "manifest.json" in files


def test_a_refused_token_is_not_retried(
    hub, articles: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "data"
    _build(articles, root)
    monkeypatch.setenv("HF_TOKEN", "hf_wrong_token_not_accepted")
    assert _publish(root, hub.url) == 1
    assert len([r for r in hub.requests if r.path.startswith("/api/repos/create")]) == 1


def test_token_never_reaches_logs_card_manifest_or_metadata(
    hub, articles: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = tmp_path / "data"
    _build(articles, root)
    assert _publish(root, hub.url, "--log-level", "DEBUG") == 0
    hub.fail_next(500, path_contains="/commit/", times=10)
    (articles / "x.txt").write_text("عنوان\n\nنص جديد.", encoding="utf-8")
    _build(articles, root)
    assert _publish(root, hub.url, "--log-level", "DEBUG") == 1
    captured = capsys.readouterr()
    assert TOKEN not in captured.out + captured.err
    for path in root.rglob("*"):
        if path.is_file() and path.suffix in {".json", ".md", ".yaml", ".txt"}:
            assert TOKEN not in path.read_text(encoding="utf-8", errors="replace"), path
    with DagsterInstance.get() as instance:
        for run in instance.get_runs():
            for entry in instance.all_logs(run.run_id):
                assert TOKEN not in str(entry), entry
            assert TOKEN not in json.dumps(run.run_config, default=str)
