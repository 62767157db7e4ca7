"""The test Hub against the real huggingface_hub and datasets clients: publish, tag, load, fail.

huggingface_hub runs in-process (`HfApi(endpoint=server.url, token=...)` with Xet switched off by
`patch_huggingface_hub`); `datasets` runs in a subprocess because it reads HF_ENDPOINT when it is
imported. Everything lives under pytest's tmp_path.

Client behaviours these tests pin down (huggingface_hub 2.x):
- calls made through `http_backoff` (preupload, LFS batch/upload/verify, tree and commits
  pagination) retry 408/429/500/502/503/504 and network errors up to 5 times, sleeping 1, 2, 4, 8, 8 s;
  create_repo, create_commit's final POST, create_tag, create_branch, whoami, dataset_info and
  paths-info do not retry; HEAD of hf_hub_download does not retry either (it falls back to the cache).
- create_repo(exist_ok=True) without a valid token does not fail when the repo exists and is
  readable: the client turns the 401 into a repo_info() call.
"""

from __future__ import annotations

import hashlib
import io
import json
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from tests.support.hub_server import (
    STALE_PARENT_MESSAGE,
    HubServer,
    client_env,
    patch_huggingface_hub,
    run_python,
)

TOKEN = "hf_test_write_token"
READ_TOKEN = "hf_test_read_token"
REPO = "akhbar/news"
DATA_V1 = "data/train-00000-of-00001.parquet"
DATA_V2 = "data/train-00000-of-00001-v2.parquet"
CARD = """---
license: mit
language:
- ar
configs:
- config_name: default
  data_files:
  - split: train
    path: data/*.parquet
---
# Akhbar

Arabic news articles.
"""
ROWS_V1 = [
    {"id": "a1", "title": "خبر أول", "entities": [{"text": "القاهرة", "kind": "LOC", "spans": [0, 7]}]},
    {"id": "a2", "title": "خبر ثان", "entities": []},
    {
        "id": "a3",
        "title": "خبر ثالث",
        "entities": [
            {"text": "عمّان", "kind": "LOC", "spans": [3]},
            {"text": "الأمم المتحدة", "kind": "ORG", "spans": []},
        ],
    },
]
ROWS_V2 = [
    *ROWS_V1,
    {"id": "a4", "title": "خبر رابع", "entities": [{"text": "بيروت", "kind": "LOC", "spans": [1, 2, 3]}]},
]
SCHEMA = pa.schema(
    [
        ("id", pa.string()),
        ("title", pa.string()),
        (
            "entities",
            pa.list_(
                pa.struct([("text", pa.string()), ("kind", pa.string()), ("spans", pa.list_(pa.int32()))])
            ),
        ),
    ]
)


def parquet_bytes(rows: list[dict[str, Any]]) -> bytes:
    """A Parquet file with nested list<struct<..., list<int32>>> columns."""
    buf = io.BytesIO()
    pq.write_table(pa.Table.from_pylist(rows, schema=SCHEMA), buf)
    return buf.getvalue()


def git(server: HubServer, *args: str, repo: str = REPO) -> str:
    """Plain git on the server's bare repository: what a clone of the Hub repo would show."""
    out = subprocess.run(
        ["git", "--git-dir", str(server.git_dir(repo)), *args], capture_output=True, text=True, check=True
    )
    return out.stdout.strip()


def http(url: str, method: str = "GET", headers: dict[str, str] | None = None) -> tuple[int, Any, bytes]:
    """A raw HTTP call (stdlib), to check headers exactly as the server sends them."""
    request = urllib.request.Request(url, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as err:
        return err.code, err.headers, err.read()


@dataclass
class Published:
    """A repo with two releases, published through the real client: v1.0.0 then v1.1.0."""

    server: HubServer
    initial: str
    v1: str
    v2: str
    v1_bytes: bytes
    v2_bytes: bytes


def _publish(
    api: Any, rows: list[dict[str, Any]], path: str, parent: str, tag: str, delete: str | None
) -> str:
    from huggingface_hub import CommitOperationAdd, CommitOperationDelete

    ops: list[Any] = [
        CommitOperationAdd("README.md", CARD.encode()),
        CommitOperationAdd(path, parquet_bytes(rows)),
    ]
    if delete:
        ops.append(CommitOperationDelete(delete))
    info = api.create_commit(
        REPO,
        ops,
        commit_message=f"Release {tag}",
        commit_description=f"{len(rows)} articles",
        repo_type="dataset",
        revision="main",
        parent_commit=parent,
    )
    api.create_tag(REPO, tag=tag, revision=info.oid, tag_message=f"Release {tag}", repo_type="dataset")
    return info.oid


@pytest.fixture(scope="module")
def published(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Published]:
    """Small page sizes so every listing below (and datasets' own) goes through Link pagination."""
    from huggingface_hub import HfApi

    root = tmp_path_factory.mktemp("published")
    server = HubServer(root / "hub", tokens={TOKEN}, tree_page_size=2, commits_page_size=2)
    with server, pytest.MonkeyPatch.context() as mp:
        patch_huggingface_hub(mp, server)
        api = HfApi(endpoint=server.url, token=TOKEN)
        api.create_repo(REPO, repo_type="dataset")
        initial = api.list_repo_refs(REPO, repo_type="dataset").branches[0].target_commit
        v1 = _publish(api, ROWS_V1, DATA_V1, initial, "v1.0.0", None)
        v2 = _publish(api, ROWS_V2, DATA_V2, v1, "v1.1.0", DATA_V1)
        yield Published(server, initial, v1, v2, parquet_bytes(ROWS_V1), parquet_bytes(ROWS_V2))


@pytest.fixture
def server(tmp_path: Path) -> Iterator[HubServer]:
    with HubServer(tmp_path / "hub", tokens={TOKEN}, read_tokens={READ_TOKEN}) as hub:
        yield hub


@pytest.fixture
def api(server: HubServer, monkeypatch: pytest.MonkeyPatch) -> Any:
    from huggingface_hub import HfApi

    patch_huggingface_hub(monkeypatch, server)
    return HfApi(endpoint=server.url, token=TOKEN)


def test_create_repo_twice_with_exist_ok_and_refused_without_token(server: HubServer, api: Any) -> None:
    from huggingface_hub import HfApi
    from huggingface_hub.errors import HfHubHTTPError

    url = api.create_repo(REPO, repo_type="dataset", exist_ok=True)
    assert url == f"{server.url}/datasets/{REPO}" and url.repo_id == REPO and url.repo_type == "dataset"
    assert api.create_repo(REPO, repo_type="dataset", exist_ok=True) == url
    with pytest.raises(HfHubHTTPError) as exists:
        api.create_repo(REPO, repo_type="dataset")
    assert exists.value.response.status_code == 409

    # Like the Hub: main exists with an "initial commit" holding .gitattributes (*.parquet in LFS).
    assert git(server, "log", "--format=%an|%s", "main") == "system|initial commit"
    assert "*.parquet filter=lfs" in git(server, "show", "main:.gitattributes")

    anonymous = HfApi(endpoint=server.url, token=False)
    with pytest.raises(HfHubHTTPError, match="401") as refused:
        anonymous.create_repo("akhbar/other", repo_type="dataset", exist_ok=True)
    assert refused.value.response.status_code == 401
    with pytest.raises(HfHubHTTPError, match="401"):
        HfApi(endpoint=server.url, token="hf_wrong").create_repo("akhbar/other", repo_type="dataset")
    with pytest.raises(HfHubHTTPError) as read_only:
        HfApi(endpoint=server.url, token=READ_TOKEN).create_repo("akhbar/other", repo_type="dataset")
    assert read_only.value.response.status_code == 403
    assert not server.git_dir("akhbar/other").exists()
    # Client quirk: with exist_ok=True a 401 on an existing, readable repo is not an error.
    assert anonymous.create_repo(REPO, repo_type="dataset", exist_ok=True) == url
    assert api.whoami()["name"] == "akhbar-test"


def test_release_is_a_real_git_commit_and_tag_with_parquet_in_lfs(published: Published) -> None:
    server = published.server
    assert git(server, "rev-parse", "main") == published.v2
    assert git(server, "rev-parse", "v1.0.0^{commit}") == published.v1
    assert git(server, "cat-file", "-t", "v1.0.0") == "tag"  # annotated: the tag message is kept
    assert git(server, "rev-parse", f"{published.v1}^") == published.initial
    assert (
        git(server, "log", "-1", "--format=%an|%s|%b", published.v1)
        == "akhbar-test|Release v1.0.0|3 articles"
    )
    git(server, "fsck", "--strict")

    oid = hashlib.sha256(published.v1_bytes).hexdigest()
    pointer = git(server, "show", f"v1.0.0:{DATA_V1}") + "\n"
    assert (
        pointer
        == f"version https://git-lfs.github.com/spec/v1\noid sha256:{oid}\nsize {len(published.v1_bytes)}\n"
    )
    assert server.lfs_path(oid).read_bytes() == published.v1_bytes
    assert git(server, "show", "v1.0.0:README.md") + "\n" == CARD  # regular git blob
    assert git(server, "ls-tree", "-r", "--name-only", "v1.0.0").splitlines() == [
        ".gitattributes",
        "README.md",
        DATA_V1,
    ]
    # The second release replaced the data file in the same commit.
    assert git(server, "ls-tree", "-r", "--name-only", "v1.1.0").splitlines() == [
        ".gitattributes",
        "README.md",
        DATA_V2,
    ]
    changes = git(server, "diff", "--name-status", "v1.0.0", "v1.1.0").splitlines()
    assert sorted(changes) == [f"A\t{DATA_V2}", f"D\t{DATA_V1}"]


LOAD_SCRIPT = """
import json, sys
import datasets, pyarrow.parquet as pq
out = {}
for rev in ("v1.0.0", "v1.1.0"):
    ds = datasets.load_dataset("akhbar/news", revision=rev, split="train")
    schema = ds.data.schema.to_string(show_schema_metadata=False)
    out[rev] = {"rows": ds.to_list(), "features": repr(ds.features), "schema": schema}
stream = datasets.load_dataset("akhbar/news", revision="v1.0.0", split="train", streaming=True)
out["stream"] = list(stream)
print(json.dumps(out, ensure_ascii=False))
"""


def test_datasets_loads_each_release_with_nested_features(published: Published, tmp_path: Path) -> None:
    env = client_env(published.server, tmp_path / "hf_home")
    out = json.loads(run_python(LOAD_SCRIPT, env, cwd=tmp_path).strip().splitlines()[-1])
    assert out["v1.0.0"]["rows"] == ROWS_V1
    assert out["v1.1.0"]["rows"] == ROWS_V2
    assert out["stream"] == ROWS_V1
    expected_schema = SCHEMA.to_string(show_schema_metadata=False)
    assert out["v1.0.0"]["schema"] == expected_schema
    assert (
        "List({'text': Value('string'), 'kind': Value('string'), 'spans': List(Value('int32'))})"
        in (out["v1.0.0"]["features"])
    )
    assert any((tmp_path / "hf_home" / "datasets").iterdir())  # the datasets cache stayed under tmp


def test_download_head_headers_and_range(published: Published, tmp_path: Path, monkeypatch: Any) -> None:
    from huggingface_hub import get_hf_file_metadata, hf_hub_download, hf_hub_url

    server = published.server
    patch_huggingface_hub(monkeypatch, server)
    path = hf_hub_download(
        REPO,
        DATA_V1,
        repo_type="dataset",
        revision="v1.0.0",
        endpoint=server.url,
        token=False,
        cache_dir=tmp_path,
    )
    assert Path(path).read_bytes() == published.v1_bytes
    assert pq.read_table(path).to_pylist() == ROWS_V1
    with pytest.raises(Exception, match="Entry Not Found"):
        hf_hub_download(
            REPO,
            DATA_V1,
            repo_type="dataset",
            revision="v1.1.0",
            endpoint=server.url,
            token=False,
            cache_dir=tmp_path,
        )

    oid = hashlib.sha256(published.v1_bytes).hexdigest()
    url = hf_hub_url(REPO, DATA_V1, repo_type="dataset", revision="v1.0.0", endpoint=server.url)
    meta = get_hf_file_metadata(url, token=False)
    assert (meta.commit_hash, meta.etag, meta.size) == (published.v1, oid, len(published.v1_bytes))

    status, headers, body = http(url, "HEAD")
    assert status == 200 and body == b""
    assert headers["X-Repo-Commit"] == published.v1
    assert headers["ETag"] == headers["X-Linked-Etag"] == f'"{oid}"'
    assert headers["X-Linked-Size"] == headers["Content-Length"] == str(len(published.v1_bytes))
    assert headers["Accept-Ranges"] == "bytes"
    status, headers, body = http(url, headers={"Range": "bytes=4-15"})
    assert status == 206 and body == published.v1_bytes[4:16]
    assert headers["Content-Range"] == f"bytes 4-15/{len(published.v1_bytes)}"
    status, _, body = http(url, headers={"Range": "bytes=-4"})
    assert status == 206 and body == b"PAR1"

    readme = hf_hub_url(REPO, "README.md", repo_type="dataset", revision="main", endpoint=server.url)
    status, headers, _ = http(readme, "HEAD")
    assert (
        headers["ETag"] == f'"{git(server, "rev-parse", "main:README.md")}"'
        and "X-Linked-Etag" not in headers
    )
    for missing, code in (
        (hf_hub_url(REPO, "nope.txt", repo_type="dataset", endpoint=server.url), "EntryNotFound"),
        (
            hf_hub_url(REPO, "README.md", repo_type="dataset", revision="v9", endpoint=server.url),
            "RevisionNotFound",
        ),
        (hf_hub_url("akhbar/nope", "README.md", repo_type="dataset", endpoint=server.url), "RepoNotFound"),
    ):
        status, headers, _ = http(missing, "HEAD")
        assert (status, headers["X-Error-Code"]) == (404, code)


def test_listings_refs_info_and_commits(published: Published, monkeypatch: Any) -> None:
    from huggingface_hub import HfApi
    from huggingface_hub.hf_api import RepoFile, RepoFolder

    server = published.server
    patch_huggingface_hub(monkeypatch, server)
    api = HfApi(endpoint=server.url, token=False)
    refs = api.list_repo_refs(REPO, repo_type="dataset")
    assert [(b.name, b.target_commit) for b in refs.branches] == [("main", published.v2)]
    assert [(t.name, t.ref, t.target_commit) for t in refs.tags] == [
        ("v1.0.0", "refs/tags/v1.0.0", published.v1),
        ("v1.1.0", "refs/tags/v1.1.0", published.v2),
    ]
    assert refs.converts == []

    assert api.list_repo_files(REPO, repo_type="dataset", revision="v1.0.0") == [
        ".gitattributes",
        "README.md",
        DATA_V1,
    ]
    tree = {
        e.path: e for e in api.list_repo_tree(REPO, repo_type="dataset", recursive=True, revision="v1.0.0")
    }
    assert set(tree) == {".gitattributes", "README.md", "data", DATA_V1}  # 4 entries over 2 pages
    assert isinstance(tree["data"], RepoFolder) and tree["data"].tree_id == git(
        server, "rev-parse", "v1.0.0:data"
    )
    data = tree[DATA_V1]
    assert isinstance(data, RepoFile) and data.size == len(published.v1_bytes)
    assert data.lfs is not None and data.lfs.sha256 == hashlib.sha256(published.v1_bytes).hexdigest()
    assert data.blob_id == git(server, "rev-parse", f"v1.0.0:{DATA_V1}")  # the pointer's git oid
    top = [e.path for e in api.list_repo_tree(REPO, repo_type="dataset", revision="v1.0.0", expand=True)]
    assert top == [".gitattributes", "README.md", "data"]

    infos = api.get_paths_info(REPO, ["README.md", "data", "missing.txt"], repo_type="dataset", expand=True)
    assert [type(i).__name__ for i in infos] == ["RepoFile", "RepoFolder"]
    # v1.1.0 re-sent the same README: the client dropped it (preupload returned its current oid).
    assert infos[0].last_commit.oid == published.v1 and infos[0].security.safe
    assert infos[1].last_commit.oid == published.v2

    info = api.dataset_info(REPO, revision="v1.0.0", files_metadata=True)
    assert info.id == REPO and info.sha == published.v1 and info.private is False and info.gated is False
    assert (
        info.card_data.license == "mit"
        and info.card_data.configs[0]["data_files"][0]["path"] == "data/*.parquet"
    )
    siblings = {s.rfilename: s for s in info.siblings}
    assert siblings[DATA_V1].lfs.size == len(published.v1_bytes) and siblings["README.md"].lfs is None
    assert "license:mit" in info.tags and "language:ar" in info.tags
    assert api.dataset_info(REPO).sha == published.v2

    commits = api.list_repo_commits(REPO, repo_type="dataset")  # 3 commits over 2 pages
    assert [(c.commit_id, c.title) for c in commits] == [
        (published.v2, "Release v1.1.0"),
        (published.v1, "Release v1.0.0"),
        (published.initial, "initial commit"),
    ]
    assert commits[0].message == "4 articles" and commits[0].authors == ["akhbar-test"]
    assert len(api.list_repo_commits(REPO, repo_type="dataset", revision="v1.0.0")) == 2


def test_stale_parent_commit_gets_412_and_changes_nothing(server: HubServer, api: Any) -> None:
    from huggingface_hub import CommitOperationAdd
    from huggingface_hub.errors import HfHubHTTPError

    api.create_repo(REPO, repo_type="dataset")
    seen = server.head(REPO)
    moved = server.commit_directly(REPO, {"README.md": b"# someone else\n"}, "Concurrent publish")
    before = git(server, "for-each-ref"), git(server, "rev-list", "--all")
    with pytest.raises(HfHubHTTPError) as stale:
        api.create_commit(
            REPO,
            [
                CommitOperationAdd("README.md", CARD.encode()),
                CommitOperationAdd(DATA_V1, parquet_bytes(ROWS_V1)),
            ],
            commit_message="Release v1.0.0",
            repo_type="dataset",
            parent_commit=seen,
        )
    assert stale.value.response.status_code == 412
    assert STALE_PARENT_MESSAGE in str(stale.value) and stale.value.server_message == STALE_PARENT_MESSAGE
    assert (git(server, "for-each-ref"), git(server, "rev-list", "--all")) == before
    assert server.head(REPO) == moved

    # With the right parent the same commit goes through.
    ok = api.create_commit(
        REPO,
        [CommitOperationAdd("x.txt", b"x")],
        commit_message="m",
        repo_type="dataset",
        parent_commit=moved,
    )
    assert git(server, "rev-parse", "main") == ok.oid


def test_tags_and_branches_conflicts(server: HubServer, api: Any) -> None:
    from huggingface_hub.errors import HfHubHTTPError, RevisionNotFoundError

    api.create_repo(REPO, repo_type="dataset")
    api.create_tag(REPO, tag="v1.0.0", repo_type="dataset")
    with pytest.raises(HfHubHTTPError) as again:
        api.create_tag(REPO, tag="v1.0.0", repo_type="dataset")
    assert again.value.response.status_code == 409
    assert git(server, "cat-file", "-t", "v1.0.0") == "commit"  # no message: lightweight tag
    with pytest.raises(RevisionNotFoundError):
        api.create_tag(REPO, tag="v2", revision="0" * 40, repo_type="dataset")
    api.create_branch(REPO, branch="staging", repo_type="dataset")
    api.create_branch(REPO, branch="staging", repo_type="dataset", exist_ok=True)
    assert git(server, "rev-parse", "staging") == git(server, "rev-parse", "main")
    api.delete_branch(REPO, branch="staging", repo_type="dataset")
    api.delete_tag(REPO, tag="v1.0.0", repo_type="dataset")
    assert git(server, "for-each-ref", "--format=%(refname)") == "refs/heads/main"


def test_private_repo_is_invisible_without_token(server: HubServer, api: Any) -> None:
    from huggingface_hub import HfApi
    from huggingface_hub.errors import RepositoryNotFoundError

    api.create_repo(REPO, repo_type="dataset", private=True)
    assert api.dataset_info(REPO).private is True
    with pytest.raises(RepositoryNotFoundError):
        HfApi(endpoint=server.url, token=False).dataset_info(REPO)


def test_multipart_lfs_upload(tmp_path: Path, monkeypatch: Any) -> None:
    from huggingface_hub import CommitOperationAdd, HfApi

    with HubServer(tmp_path / "hub", tokens={TOKEN}, lfs_chunk_size=1000) as server:
        patch_huggingface_hub(monkeypatch, server)
        api = HfApi(endpoint=server.url, token=TOKEN)
        api.create_repo(REPO, repo_type="dataset")
        blob = bytes(range(256)) * 14  # 3584 bytes, binary -> LFS, 4 parts of 1000 bytes
        api.create_commit(
            REPO, [CommitOperationAdd("blob.bin", blob)], commit_message="m", repo_type="dataset"
        )
        assert server.lfs_path(hashlib.sha256(blob).hexdigest()).read_bytes() == blob
        calls = [(r.method, r.path.rsplit("/", 1)[-1]) for r in server.requests if r.path.startswith("/lfs/")]
        assert calls == [
            ("PUT", "1"),
            ("PUT", "2"),
            ("PUT", "3"),
            ("PUT", "4"),
            ("POST", hashlib.sha256(blob).hexdigest()),
        ]


def test_fail_next_gives_500_and_retried_calls_recover(server: HubServer, api: Any) -> None:
    from huggingface_hub.errors import HfHubHTTPError

    api.create_repo(REPO, repo_type="dataset")
    server.fail_next(500, "/tag/")
    with pytest.raises(HfHubHTTPError) as failed:
        api.create_tag(REPO, tag="v1.0.0", repo_type="dataset")
    assert failed.value.response.status_code == 500
    assert [r.status for r in server.requests if "/tag/" in r.path] == [500]  # no retry on create_tag
    assert git(server, "tag") == ""
    api.create_tag(REPO, tag="v1.0.0", repo_type="dataset")  # the fault was used up
    server.fail_next(503, "/tag/", times=5)
    server.fail_next(0)  # clears pending faults
    api.create_tag(REPO, tag="v1.0.1", repo_type="dataset")

    # Paginated listings go through http_backoff: one 500 is retried after 1 s and the call succeeds.
    server.fail_next(500, "/tree/")
    started = time.monotonic()
    assert api.list_repo_files(REPO, repo_type="dataset") == [".gitattributes"]
    assert time.monotonic() - started >= 1.0
    assert [r.status for r in server.requests if "/tree/" in r.path] == [500, 200]


def test_stopped_server_refuses_connections(server: HubServer, api: Any) -> None:
    import httpx2

    api.create_repo(REPO, repo_type="dataset")
    server.stop()
    with pytest.raises(httpx2.ConnectError):
        api.create_repo("akhbar/other", repo_type="dataset")
    server.start()  # same port, same storage: back up
    assert api.list_repo_refs(REPO, repo_type="dataset").branches[0].name == "main"


def test_commit_needs_token_and_known_lfs_objects(server: HubServer, api: Any) -> None:
    api.create_repo(REPO, repo_type="dataset")
    lines = [
        {"key": "header", "value": {"summary": "m", "description": ""}},
        {"key": "lfsFile", "value": {"path": "x.parquet", "algo": "sha256", "oid": "a" * 64, "size": 3}},
    ]
    body = "".join(json.dumps(line) + "\n" for line in lines).encode()
    url = f"{server.url}/api/datasets/{REPO}/commit/main"
    for headers, status in (({}, 401), ({"Authorization": f"Bearer {TOKEN}"}, 422)):
        request = urllib.request.Request(
            url, data=body, method="POST", headers={**headers, "Content-Type": "application/x-ndjson"}
        )
        with pytest.raises(urllib.error.HTTPError) as err:
            urllib.request.urlopen(request, timeout=10)
        assert err.value.code == status and "error" in json.loads(err.value.read())
    assert git(server, "rev-list", "--count", "main") == "1"


def test_concurrent_commits_are_serialized(server: HubServer, api: Any) -> None:
    """The per-repo lock: parallel commits form one linear history; racing on one parent, one wins."""
    from concurrent.futures import ThreadPoolExecutor

    from huggingface_hub import CommitOperationAdd
    from huggingface_hub.errors import HfHubHTTPError

    api.create_repo(REPO, repo_type="dataset")

    def add(i: int, parent: str | None) -> str:
        op = CommitOperationAdd(f"f{i}.txt", f"{i}\n".encode())
        try:
            return api.create_commit(
                REPO, [op], commit_message=f"c{i}", repo_type="dataset", parent_commit=parent
            ).oid
        except HfHubHTTPError as err:
            return str(err.response.status_code)

    with ThreadPoolExecutor(6) as pool:
        assert all(len(oid) == 40 for oid in pool.map(add, range(6), [None] * 6))
    assert git(server, "rev-list", "--count", "main") == "7"  # initial + 6, no commit lost
    assert len(api.list_repo_files(REPO, repo_type="dataset")) == 7
    git(server, "fsck", "--strict")

    head = server.head(REPO)
    with ThreadPoolExecutor(4) as pool:
        outcomes = list(pool.map(add, range(10, 14), [head] * 4))
    assert outcomes.count("412") == 3
    winner = next(o for o in outcomes if o != "412")
    assert git(server, "rev-parse", "main") == winner and git(server, "rev-parse", "main^") == head


def test_preupload_upload_modes(server: HubServer, api: Any) -> None:
    """LFS for .gitattributes patterns (*.parquet), >= 10 MiB or binary samples; regular otherwise."""
    import base64

    api.create_repo(REPO, repo_type="dataset")
    files = [
        ("README.md", b"# card\n", 7),
        ("data/x.parquet", b"PAR1", 4),
        ("big.jsonl", b'{"a": 1}\n', 10 * 1024 * 1024),
        ("blob.dat", b"\x00\x01\x02", 3),
        ("notes/ar.txt", "خبر".encode(), 6),
    ]
    payload = {"files": [{"path": p, "sample": base64.b64encode(s).decode(), "size": n} for p, s, n in files]}
    request = urllib.request.Request(
        f"{server.url}/api/datasets/{REPO}/preupload/main",
        data=json.dumps(payload).encode(),
        method="POST",
        headers={"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        answer = json.loads(response.read())
    modes = {f["path"]: (f["uploadMode"], f["shouldIgnore"]) for f in answer["files"]}
    assert modes == {
        "README.md": ("regular", False),
        "data/x.parquet": ("lfs", False),
        "big.jsonl": ("lfs", False),
        "blob.dat": ("lfs", False),
        "notes/ar.txt": ("regular", False),
    }
    assert answer["commitOid"] == server.head(REPO)


def test_invalid_card_yaml_is_refused_before_upload(server: HubServer, api: Any) -> None:
    from huggingface_hub import CommitOperationAdd

    api.create_repo(REPO, repo_type="dataset")
    bad = b"---\nconfigs: [unclosed\n---\n# card\n"
    with pytest.raises(ValueError, match=r"Invalid metadata in README\.md"):
        api.create_commit(
            REPO, [CommitOperationAdd("README.md", bad)], commit_message="m", repo_type="dataset"
        )
    assert git(server, "rev-list", "--count", "main") == "1"
    assert not any("/preupload/" in r.path for r in server.requests)
