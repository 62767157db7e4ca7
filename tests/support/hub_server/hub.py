"""The Hub's repository model, independent of HTTP: repos, commits, refs and the JSON the API returns.

The HTTP layer (`server.py`) only parses requests and turns `HubError`s into responses; every
rule the clients depend on (parentCommit check, LFS pointers, upload modes, revision lookup,
the shapes of tree/paths-info/info/commits entries) lives here so that `HubServer.commit_directly`
and the HTTP commit endpoint share one implementation.
"""

from __future__ import annotations

import re
import shutil
import threading
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml

from tests.support.hub_server.git_store import (
    ZERO_OID,
    CommitRecord,
    Entry,
    GitError,
    GitRepo,
    LfsStore,
    Snapshot,
    lfs_patterns,
    matches_any,
    pointer_bytes,
    read_meta,
    write_meta,
)

REPO_TYPES = {"dataset": "datasets", "model": "models"}  # repo type -> URL/storage prefix
LFS_SIZE_THRESHOLD = 10 * 1024 * 1024  # the Hub stores files of 10 MiB or more in LFS
REGULAR_FILE_LIMIT = 10 * 1024 * 1024  # ... and refuses larger regular (non-LFS) files in a commit
_NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,95}$")
STALE_PARENT_MESSAGE = "A commit has happened since. Please refresh and try again."


class HubError(Exception):
    """An API error: HTTP status, message, and the X-Error-Code huggingface_hub maps to its exceptions."""

    def __init__(
        self, status: int, message: str, code: str | None = None, headers: Mapping[str, str] | None = None
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.code = code
        self.headers = dict(headers or {})


@dataclass(frozen=True)
class AddFile:
    path: str
    content: bytes


@dataclass(frozen=True)
class AddLfsFile:
    path: str
    oid: str
    size: int | None


@dataclass(frozen=True)
class DeleteFile:
    path: str


@dataclass(frozen=True)
class DeleteFolder:
    path: str


Operation = AddFile | AddLfsFile | DeleteFile | DeleteFolder


def iso(ts: float) -> str:
    """The Hub's timestamp format, e.g. 2024-05-01T12:00:00.000Z (what huggingface_hub parses)."""
    dt = datetime.fromtimestamp(ts, UTC)
    return dt.strftime("%Y-%m-%dT%H:%M:%S.") + f"{dt.microsecond // 1000:03d}Z"


def validate_path(path: str) -> str:
    """Reject paths the Hub rejects: empty, absolute, `..`, or inside `.git`."""
    parts = path.split("/")
    if not path or path.startswith("/") or any(p in ("", ".", "..") for p in parts) or ".git" in parts:
        raise HubError(400, f"Invalid path in repository: {path!r}")
    return path


def is_binary_sample(sample: bytes) -> bool:
    """The Hub's heuristic: a NUL byte or bytes that are not UTF-8 (ignoring a cut last character)."""
    if b"\0" in sample:
        return True
    for cut in range(4):
        try:
            sample[: len(sample) - cut].decode("utf-8")
            return False
        except UnicodeDecodeError:
            continue
    return True


def parse_card_data(readme: bytes) -> dict[str, Any] | None:
    """The YAML header of a README.md (between `---` lines), None if absent or not a mapping."""
    text = readme.decode("utf-8", errors="replace").replace("\r\n", "\n")
    match = re.match(r"^---\n(.*?)\n---(?:\n|$)", text, flags=re.DOTALL)
    if match is None:
        return None
    try:
        data = yaml.safe_load(match.group(1))
    except yaml.YAMLError:
        return None
    return data if isinstance(data, dict) else None


def entry_json(entry: Entry, last: CommitRecord | None = None, expand: bool = False) -> dict[str, Any]:
    """A tree / paths-info item: {type, oid, size, path[, lfs][, lastCommit, securityFileStatus]}."""
    item: dict[str, Any] = {"type": entry.kind, "oid": entry.oid, "size": entry.size, "path": entry.path}
    if entry.lfs is not None:
        item["lfs"] = {"oid": entry.lfs.oid, "size": entry.lfs.size, "pointerSize": entry.lfs.pointer_size}
    if expand:
        if last is not None:
            item["lastCommit"] = {"id": last.oid, "title": last.title, "date": iso(last.timestamp)}
        if entry.kind == "file":
            item["securityFileStatus"] = {
                "status": "safe",
                "avScan": {"virusFound": False, "virusNames": None},
                "pickleImportScan": {"highestSafetyLevel": "innocuous", "imports": []},
            }
    return item


def commit_json(record: CommitRecord, formatted: bool = False) -> dict[str, Any]:
    """A `commits` item as list_repo_commits reads it."""
    item: dict[str, Any] = {
        "id": record.oid,
        "title": record.title,
        "message": record.message,
        "authors": [{"user": record.author_name, "avatar": None}],
        "date": iso(record.timestamp),
    }
    if formatted:
        item["formatted"] = {"title": record.title, "message": record.message}
    return item


def card_tags(card: Mapping[str, Any] | None) -> list[str]:
    """Tags the Hub derives from the card metadata (a subset), plus the storage region."""
    tags: list[str] = []
    if card:
        for key, prefix in (
            ("tags", ""),
            ("task_categories", "task_categories:"),
            ("language", "language:"),
            ("license", "license:"),
            ("size_categories", "size_categories:"),
        ):
            values = card.get(key)
            for value in values if isinstance(values, list) else [values] if values else []:
                tags.append(f"{prefix}{value}")
    return [*tags, "region:us"]


class Hub:
    """All repositories under `root`: `<root>/<datasets|models>/<namespace>/<name>.git` + `<root>/lfs`."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self.root.mkdir(parents=True, exist_ok=True)
        self.lfs = LfsStore(self.root / "lfs")
        self._repos: dict[Path, GitRepo] = {}
        self._locks: dict[Path, threading.RLock] = {}
        self._global = threading.Lock()

    # -- repos ----------------------------------------------------------------------------

    def git_dir(self, repo_type: str, repo_id: str) -> Path:
        if repo_type not in REPO_TYPES:
            raise HubError(
                400, f"Unsupported repo type {repo_type!r} (this test Hub serves datasets and models)"
            )
        namespace, _, name = repo_id.partition("/")
        if not _NAME_RE.match(namespace) or not _NAME_RE.match(name) or "--" in name or ".." in name:
            raise HubError(400, f"Invalid repo id {repo_id!r}")
        return self.root / REPO_TYPES[repo_type] / namespace / f"{name}.git"

    def _git(self, path: Path) -> GitRepo:
        with self._global:
            repo = self._repos.get(path)
            if repo is None:
                repo = self._repos[path] = GitRepo(path)
            return repo

    def lock(self, repo_type: str, repo_id: str) -> threading.RLock:
        """One lock per repo: every ref update of that repo happens under it."""
        path = self.git_dir(repo_type, repo_id)
        with self._global:
            return self._locks.setdefault(path, threading.RLock())

    def find(self, repo_type: str, repo_id: str) -> GitRepo | None:
        try:
            path = self.git_dir(repo_type, repo_id)
        except HubError:
            return None
        repo = self._git(path)
        return repo if repo.exists() else None

    def create(self, repo_type: str, repo_id: str, private: bool) -> bool:
        """Create the repo with its initial commit; False if it already existed."""
        path = self.git_dir(repo_type, repo_id)
        with self.lock(repo_type, repo_id):
            repo = self._git(path)
            if repo.exists():
                return False
            repo.init()
            write_meta(repo, {"private": bool(private), "createdAt": time.time(), "gated": False})
            return True

    def delete(self, repo_type: str, repo_id: str) -> bool:
        path = self.git_dir(repo_type, repo_id)
        with self.lock(repo_type, repo_id):
            if not path.exists():
                return False
            shutil.rmtree(path)
            with self._global:
                self._repos.pop(path, None)
            return True

    def meta(self, repo: GitRepo) -> dict[str, Any]:
        return read_meta(repo)

    def update_meta(self, repo_type: str, repo_id: str, changes: Mapping[str, Any]) -> None:
        repo = self.require(repo_type, repo_id)
        with self.lock(repo_type, repo_id):
            write_meta(repo, {**read_meta(repo), **changes})

    def require(self, repo_type: str, repo_id: str) -> GitRepo:
        repo = self.find(repo_type, repo_id)
        if repo is None:
            raise HubError(404, "Repository not found", "RepoNotFound")
        return repo

    def resolve(self, repo: GitRepo, revision: str) -> str:
        commit = repo.resolve(revision)
        if commit is None:
            raise HubError(404, f"Invalid rev id: {revision}", "RevisionNotFound")
        return commit

    # -- uploads --------------------------------------------------------------------------

    def upload_mode(self, repo: GitRepo, snap: Snapshot | None, path: str, size: int, sample: bytes) -> str:
        """'lfs' when .gitattributes marks the path as LFS, or for >= 10 MiB or binary content."""
        attributes = ""
        if snap is not None and ".gitattributes" in snap.entries:
            attributes = repo.read_blob(snap.entries[".gitattributes"].oid).decode("utf-8", errors="replace")
        lfs = matches_any(path, lfs_patterns(attributes))
        if lfs or size >= LFS_SIZE_THRESHOLD or is_binary_sample(sample):
            return "lfs"
        return "regular"

    def remote_oid(self, snap: Snapshot | None, path: str) -> str | None:
        """The oid huggingface_hub compares with its local one to skip unchanged files."""
        entry = snap.entries.get(path) if snap else None
        if entry is None or entry.kind != "file":
            return None
        return entry.lfs.oid if entry.lfs else entry.oid

    # -- commits --------------------------------------------------------------------------

    def commit(
        self,
        repo_type: str,
        repo_id: str,
        branch: str,
        operations: Iterable[Operation],
        summary: str,
        description: str = "",
        parent_commit: str | None = None,
        author: tuple[str, str] = ("akhbar-test", "akhbar-test@users.noreply.huggingface.co"),
    ) -> str:
        """One git commit on `branch` applying `operations` in order; 412 if `parent_commit` is stale."""
        repo = self.require(repo_type, repo_id)
        operations = list(operations)
        if not summary.strip():
            raise HubError(400, "Commit summary cannot be empty")
        blobs = self._write_blobs(repo, operations)  # content-addressed: safe outside the lock
        with self.lock(repo_type, repo_id):
            head = repo.branch_head(branch)
            if head is None:
                raise HubError(
                    404, f"Invalid rev id: {branch} (commits go to an existing branch)", "RevisionNotFound"
                )
            if parent_commit is not None and parent_commit != head:
                raise HubError(412, STALE_PARENT_MESSAGE)
            files = {e.path: (e.mode, e.oid) for e in repo.snapshot(head).files()}
            for op in operations:
                self._apply(files, op, blobs)
            try:
                tree = repo.write_tree(files)
            except ValueError as exc:
                raise HubError(400, str(exc)) from None
            message = summary.strip() + (f"\n\n{description.strip()}" if description.strip() else "")
            commit = repo.commit_tree(tree, [head], message, author)
            try:
                repo.update_ref(f"refs/heads/{branch}", commit, head)
            except GitError:
                raise HubError(412, STALE_PARENT_MESSAGE) from None
            return commit

    def _write_blobs(self, repo: GitRepo, operations: list[Operation]) -> dict[str, str]:
        blobs: dict[str, str] = {}
        for op in operations:
            validate_path(op.path.rstrip("/") if isinstance(op, DeleteFolder) else op.path)
            if isinstance(op, AddFile):
                if len(op.content) > REGULAR_FILE_LIMIT:
                    raise HubError(
                        400,
                        f"Your push was rejected because it contains files larger than 10 MiB ({op.path}). "
                        "Please use LFS for such files.",
                    )
                blobs[op.path] = repo.write_blob(op.content)
            elif isinstance(op, AddLfsFile):
                if not self.lfs.has(op.oid):
                    raise HubError(
                        422,
                        "Your push was rejected because an LFS pointer pointed to a file that does not "
                        f"exist ({op.path}: sha256 {op.oid})",
                    )
                size = self.lfs.size(op.oid)
                if op.size is not None and op.size != size:
                    raise HubError(422, f"LFS object {op.oid} has {size} bytes, the commit says {op.size}")
                blobs[op.path] = repo.write_blob(pointer_bytes(op.oid, size))
        return blobs

    @staticmethod
    def _apply(files: dict[str, tuple[str, str]], op: Operation, blobs: Mapping[str, str]) -> None:
        if isinstance(op, AddFile | AddLfsFile):
            files[op.path] = ("100644", blobs[op.path])
        elif isinstance(op, DeleteFile):
            if op.path not in files:
                raise HubError(404, f"A file with this name doesn't exist: {op.path}", "EntryNotFound")
            del files[op.path]
        else:
            prefix = op.path.rstrip("/") + "/"
            doomed = [p for p in files if p.startswith(prefix)]
            if not doomed:
                raise HubError(404, f"A folder with this name doesn't exist: {op.path}", "EntryNotFound")
            for p in doomed:
                del files[p]

    # -- refs -----------------------------------------------------------------------------

    def create_tag(
        self,
        repo_type: str,
        repo_id: str,
        revision: str,
        tag: str,
        message: str | None,
        author: tuple[str, str],
    ) -> str:
        repo = self.require(repo_type, repo_id)
        ref = f"refs/tags/{tag}"
        if not tag or not repo.valid_ref_name(ref):
            raise HubError(400, f"Invalid tag name: {tag!r}")
        with self.lock(repo_type, repo_id):
            commit = self.resolve(repo, revision)
            if ref in repo.refs():
                raise HubError(409, f"Tag {tag} already exists")
            target = repo.make_tag_object(tag, commit, message, author) if message else commit
            try:
                repo.update_ref(ref, target, ZERO_OID)
            except GitError:
                raise HubError(409, f"Tag {tag} already exists") from None
            return commit

    def create_branch(self, repo_type: str, repo_id: str, branch: str, starting_point: str | None) -> str:
        repo = self.require(repo_type, repo_id)
        ref = f"refs/heads/{branch}"
        if not branch or not repo.valid_ref_name(ref) or branch.startswith("refs/"):
            raise HubError(400, f"Invalid branch name: {branch!r}")
        with self.lock(repo_type, repo_id):
            commit = self.resolve(repo, starting_point or "main")
            if ref in repo.refs():
                raise HubError(409, f"Reference already exists: {ref}")
            repo.update_ref(ref, commit, ZERO_OID)
            return commit

    def delete_ref(self, repo_type: str, repo_id: str, kind: str, name: str) -> None:
        repo = self.require(repo_type, repo_id)
        ref = f"refs/{'heads' if kind == 'branch' else 'tags'}/{name}"
        if kind == "branch" and name == "main":
            raise HubError(403, "You cannot delete the default branch")
        with self.lock(repo_type, repo_id):
            old = repo.ref_target(ref)
            if old is None or ref not in repo.refs():
                raise HubError(404, f"Invalid rev id: {name}", "RevisionNotFound")
            repo.delete_ref(ref, old)

    def refs_json(self, repo: GitRepo, include_prs: bool) -> dict[str, Any]:
        branches, tags, converts, prs = [], [], [], []
        for ref, commit in sorted(repo.refs().items()):
            for prefix, bucket in (
                ("refs/heads/", branches),
                ("refs/tags/", tags),
                ("refs/convert/", converts),
                ("refs/pr/", prs),
            ):
                if ref.startswith(prefix):
                    name = ref[len(prefix) :] if prefix != "refs/pr/" else ref
                    bucket.append({"name": name, "ref": ref, "targetCommit": commit})
        return {
            "branches": branches,
            "tags": tags,
            "converts": converts,
            "pullRequests": prs if include_prs else None,
        }

    # -- info -----------------------------------------------------------------------------

    def info_json(
        self, repo_type: str, repo_id: str, repo: GitRepo, commit: str, blobs: bool, expand: list[str]
    ) -> dict[str, Any]:
        """`/api/datasets/{id}[/revision/{rev}]`: what DatasetInfo / ModelInfo are built from."""
        snap = repo.snapshot(commit)
        meta = self.meta(repo)
        card = None
        if "README.md" in snap.entries and snap.entries["README.md"].lfs is None:
            card = parse_card_data(repo.read_blob(snap.entries["README.md"].oid))
        siblings = []
        for entry in sorted(snap.files(), key=lambda e: e.path):
            sibling: dict[str, Any] = {"rfilename": entry.path}
            if blobs:
                sibling.update({"size": entry.size, "blobId": entry.oid})
                if entry.lfs:
                    sibling["lfs"] = {
                        "sha256": entry.lfs.oid,
                        "size": entry.lfs.size,
                        "pointerSize": entry.lfs.pointer_size,
                    }
            siblings.append(sibling)
        last = repo.log(commit)[0]
        namespace = repo_id.split("/")[0]
        data: dict[str, Any] = {
            "_id": commit[:24],
            "id": repo_id,
            "author": namespace,
            "sha": commit,
            "lastModified": iso(last.timestamp),
            "createdAt": iso(float(meta.get("createdAt", last.timestamp))),
            "private": bool(meta.get("private", False)),
            "gated": meta.get("gated", False),
            "disabled": False,
            "downloads": 0,
            "downloadsAllTime": 0,
            "likes": 0,
            "tags": card_tags(card),
            "siblings": siblings,
            "usedStorage": sum(e.size for e in snap.files()),
        }
        if repo_type == "model":
            data["modelId"] = repo_id
            data["library_name"] = (card or {}).get("library_name")
        if card is not None:
            data["cardData"] = card
        if expand:
            data = {k: v for k, v in data.items() if k in expand or k in ("_id", "id")}
        return data
