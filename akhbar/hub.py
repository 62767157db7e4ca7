"""Publication of a release to a Hugging Face Hub dataset repository.

One release = one commit on `main` holding README.md (the card), manifest.json,
changes.parquet (the ids that moved since the previous release) and data/*.parquet (data files
of the previous version removed in the same commit), made with `parent_commit` so a concurrent
publisher is detected instead of overwritten, then one tag `v<semver>`. Publishing is
idempotent: a tag that already holds the same manifest is a no-op; a tag that holds another
manifest is an error and nothing is overwritten.

The token is read by huggingface_hub itself (HF_TOKEN or the stored login) and is never
passed through configuration, logged, or written anywhere; error messages are scrubbed.
"""

from __future__ import annotations

import contextlib
import json
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq

from akhbar import storage
from akhbar.card import render_card
from akhbar.changes import CHANGES_FILE
from akhbar.storage import StoragePath

BRANCH = "main"


class PublicationError(RuntimeError):
    """Publication failed; the message names the cause. The local release is untouched.
    `transient`: the Hub was unreachable, overloaded (5xx, 429) or moved on (412): the same call
    may succeed a little later, so a caller may retry it (the Dagster asset does, with backoff)."""

    def __init__(self, message: str, *, transient: bool = False) -> None:
        super().__init__(message)
        self.transient = transient


@dataclass(frozen=True)
class HubTarget:
    repo_id: str
    endpoint: str | None = None  # None: huggingface_hub's default (HF_ENDPOINT or huggingface.co)
    private: bool = False


@dataclass(frozen=True)
class PublicationResult:
    status: str  # "published" | "already_published" | "tagged_existing_commit"
    repo_id: str
    version: str
    tag: str
    commit: str

    def describe(self) -> str:
        if self.status == "already_published":
            return (
                f"v{self.version} already published to {self.repo_id}: tag {self.tag} holds the "
                f"same manifest (commit {self.commit[:12]}); nothing to do"
            )
        how = "tagged the commit already holding it" if self.status == "tagged_existing_commit" else ""
        return f"published v{self.version} to {self.repo_id} at commit {self.commit[:12]}, tag {self.tag}" + (
            f" ({how})" if how else ""
        )


def _scrub(text: str, token: str | None) -> str:
    return text.replace(token, "***") if token else text


def _explain(exc: Exception, action: str, target: HubTarget, token: str | None) -> PublicationError:
    """A PublicationError naming the cause (HTTP status, unreachable server, ...)."""
    from huggingface_hub.errors import HfHubHTTPError

    where = target.endpoint or "the Hub"
    transient = True  # unreachable, unless the Hub answered with a status that says otherwise
    if isinstance(exc, HfHubHTTPError) and exc.response is not None:
        status = exc.response.status_code
        transient = status >= 500 or status in (408, 412, 429)
        server = exc.server_message or ""
        if status == 401:
            cause = "401 Unauthorized: the Hub refused the token (check HF_TOKEN or `hf auth login`)"
        elif status == 403:
            cause = f"403 Forbidden: the token may not write to {target.repo_id}"
        elif status == 412:
            cause = (
                f"412 Precondition Failed: branch {BRANCH} of {target.repo_id} moved while publishing "
                "(another publisher?); nothing was changed, run publish again"
            )
        else:
            cause = f"HTTP {status}" + (f": {server}" if server else "")
        message = f"{action} failed on {where}: {cause}"
    else:
        message = f"{action} failed: cannot reach {where} ({type(exc).__name__}: {exc})"
    return PublicationError(_scrub(message, token), transient=transient)


def load_release(release_dir: Path) -> dict[str, Any]:
    path = release_dir / "manifest.json"
    if not path.is_file():
        raise PublicationError(f"{release_dir} is not a release: no manifest.json")
    return json.loads(path.read_text(encoding="utf-8"))


def _remote_manifest(api, target: HubTarget, revision: str) -> dict[str, Any] | None:
    from huggingface_hub.errors import EntryNotFoundError

    with tempfile.TemporaryDirectory(prefix="akhbar-hub-") as cache:
        try:
            path = api.hf_hub_download(
                target.repo_id, "manifest.json", repo_type="dataset", revision=revision, cache_dir=cache
            )
        except EntryNotFoundError:
            return None
        return json.loads(Path(path).read_text(encoding="utf-8"))


def card_for_repo(release_dir: Path, manifest: dict[str, Any], repo_id: str) -> bytes:
    """The release's card rendered with the repository id in its usage snippet."""
    articles = pq.read_table(sorted((release_dir / "data").glob("*.parquet")))
    return render_card(manifest, articles, repo_id=repo_id).encode("utf-8")


@contextlib.contextmanager
def local_release(release_dir: str | StoragePath) -> Iterator[Path]:
    """A release folder as a local folder holding what publication reads: itself when local;
    for a release on an object store (akhbar.storage), a temporary folder (removed on leaving)
    with its manifest, data files and changes file, downloaded (not its quarantine, report or
    dedup index)."""
    folder = storage.location(release_dir)
    if not storage.is_remote(folder):
        yield folder
        return
    if not storage.exists(folder / "manifest.json"):
        raise PublicationError(f"{folder} is not a release: no manifest.json")
    with tempfile.TemporaryDirectory(prefix="akhbar-publish-") as tmp:
        local = Path(tmp) / folder.name
        storage.download_file(folder / "manifest.json", local / "manifest.json")
        manifest = json.loads((local / "manifest.json").read_text(encoding="utf-8"))
        changes = manifest.get("changes_file")
        for name in [*(f["path"] for f in manifest["files"]), *([changes["path"]] if changes else [])]:
            storage.download_file(folder / name, local / name)
        yield local


def publish_release(
    release_dir: str | StoragePath, target: HubTarget, *, token: str | None = None
) -> PublicationResult:
    """Publish one release (a `releases/v<semver>/` folder, local or on an object store) to
    `target`."""
    with local_release(release_dir) as local:
        return _publish(local, target, token=token)


def _publish(release_dir: Path, target: HubTarget, *, token: str | None) -> PublicationResult:
    from huggingface_hub import CommitOperationAdd, CommitOperationDelete, HfApi

    manifest = load_release(release_dir)
    version = manifest["version"]
    tag = f"v{version}"
    api = HfApi(endpoint=target.endpoint, token=token, library_name="akhbar")
    step = "create repository"
    try:
        api.create_repo(target.repo_id, repo_type="dataset", private=target.private, exist_ok=True)
        step = "read refs"
        refs = api.list_repo_refs(target.repo_id, repo_type="dataset")
        tags = {t.name: t.target_commit for t in refs.tags}
        if tag in tags:
            step = f"read manifest at tag {tag}"
            remote = _remote_manifest(api, target, tag)
            if remote == manifest:
                return PublicationResult("already_published", target.repo_id, version, tag, tags[tag])
            raise PublicationError(
                f"tag {tag} on {target.repo_id} holds a different release (input fingerprint "
                f"{(remote or {}).get('input_fingerprint', 'unknown')[:12]} vs local "
                f"{manifest['input_fingerprint'][:12]}); nothing was overwritten. Tags never move: "
                "publish a new version instead"
            )
        head = next((b.target_commit for b in refs.branches if b.name == BRANCH), None)
        step = f"read manifest at {BRANCH}"
        if head is not None and _remote_manifest(api, target, head) == manifest:
            # An earlier run committed this release but stopped before tagging it.
            step = f"create tag {tag}"
            api.create_tag(
                target.repo_id, tag=tag, revision=head, tag_message=f"Release {tag}", repo_type="dataset"
            )
            return PublicationResult("tagged_existing_commit", target.repo_id, version, tag, head)
        step = "list files"
        existing = api.list_repo_files(target.repo_id, repo_type="dataset", revision=head) if head else []
        uploads = {"README.md": card_for_repo(release_dir, manifest, target.repo_id)}
        changes = manifest.get("changes_file")  # akhbar.changes: ids added, removed, changed
        for name in (
            "manifest.json",
            *(f["path"] for f in manifest["files"]),
            *([changes["path"]] if changes else []),
        ):
            uploads[name] = (release_dir / name).read_bytes()
        operations: list[Any] = [
            CommitOperationAdd(path_in_repo=path, path_or_fileobj=data) for path, data in uploads.items()
        ]
        operations += [
            CommitOperationDelete(path_in_repo=path)
            for path in existing
            if (path.startswith("data/") or path == CHANGES_FILE) and path not in uploads
        ]
        change = manifest["changelog"][-1]["change"] if manifest.get("changelog") else ""
        step = "commit"
        commit = api.create_commit(
            target.repo_id,
            operations,
            commit_message=f"Release {tag}",
            commit_description=change,
            repo_type="dataset",
            revision=BRANCH,
            parent_commit=head,
        )
        step = f"create tag {tag}"
        api.create_tag(
            target.repo_id, tag=tag, revision=commit.oid, tag_message=f"Release {tag}", repo_type="dataset"
        )
        return PublicationResult("published", target.repo_id, version, tag, commit.oid)
    except PublicationError:
        raise
    except Exception as exc:  # every client failure becomes one clear, token-free message
        raise _explain(exc, step, target, token) from None
