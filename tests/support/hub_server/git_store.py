"""Storage of the test Hub: one bare git repository per Hub repo, plus a git-LFS object store.

Everything the server publishes is a real git object made with the git CLI (`hash-object`,
`mktree`, `commit-tree`, `mktag`, `update-ref` with the expected old value), so a test can
inspect the result with plain `git` exactly as it would inspect a clone of a real Hub repo.
Large files are git-LFS pointers in the tree; their bytes live in `<root>/lfs/<sha256>`.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import subprocess
import threading
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

ZERO_OID = "0" * 40
LFS_POINTER_PREFIX = b"version https://git-lfs.github.com/spec/v1\n"
_POINTER_RE = re.compile(
    rb"^version https://git-lfs\.github\.com/spec/v1\noid sha256:([0-9a-f]{64})\nsize (\d+)\n$"
)
_SHA1_RE = re.compile(r"^[0-9a-f]{40}$")
_SHA256_RE = re.compile(r"^[0-9a-f]{64}$")
SYSTEM_AUTHOR = ("system", "system@huggingface.co")

# The `.gitattributes` the Hub writes in the initial commit of a new dataset repo.
DEFAULT_GITATTRIBUTES = """\
*.7z filter=lfs diff=lfs merge=lfs -text
*.arrow filter=lfs diff=lfs merge=lfs -text
*.bin filter=lfs diff=lfs merge=lfs -text
*.bz2 filter=lfs diff=lfs merge=lfs -text
*.ckpt filter=lfs diff=lfs merge=lfs -text
*.ftz filter=lfs diff=lfs merge=lfs -text
*.gz filter=lfs diff=lfs merge=lfs -text
*.h5 filter=lfs diff=lfs merge=lfs -text
*.joblib filter=lfs diff=lfs merge=lfs -text
*.lfs.* filter=lfs diff=lfs merge=lfs -text
*.lz4 filter=lfs diff=lfs merge=lfs -text
*.mds filter=lfs diff=lfs merge=lfs -text
*.mlmodel filter=lfs diff=lfs merge=lfs -text
*.model filter=lfs diff=lfs merge=lfs -text
*.msgpack filter=lfs diff=lfs merge=lfs -text
*.npy filter=lfs diff=lfs merge=lfs -text
*.npz filter=lfs diff=lfs merge=lfs -text
*.onnx filter=lfs diff=lfs merge=lfs -text
*.ot filter=lfs diff=lfs merge=lfs -text
*.parquet filter=lfs diff=lfs merge=lfs -text
*.pb filter=lfs diff=lfs merge=lfs -text
*.pickle filter=lfs diff=lfs merge=lfs -text
*.pkl filter=lfs diff=lfs merge=lfs -text
*.pt filter=lfs diff=lfs merge=lfs -text
*.pth filter=lfs diff=lfs merge=lfs -text
*.rar filter=lfs diff=lfs merge=lfs -text
*.safetensors filter=lfs diff=lfs merge=lfs -text
saved_model/**/* filter=lfs diff=lfs merge=lfs -text
*.tar.* filter=lfs diff=lfs merge=lfs -text
*.tar filter=lfs diff=lfs merge=lfs -text
*.tflite filter=lfs diff=lfs merge=lfs -text
*.tgz filter=lfs diff=lfs merge=lfs -text
*.wasm filter=lfs diff=lfs merge=lfs -text
*.xz filter=lfs diff=lfs merge=lfs -text
*.zip filter=lfs diff=lfs merge=lfs -text
*.zst filter=lfs diff=lfs merge=lfs -text
*tfevents* filter=lfs diff=lfs merge=lfs -text
# Audio files - uncompressed
*.pcm filter=lfs diff=lfs merge=lfs -text
*.sam filter=lfs diff=lfs merge=lfs -text
*.raw filter=lfs diff=lfs merge=lfs -text
# Audio files - compressed
*.aac filter=lfs diff=lfs merge=lfs -text
*.flac filter=lfs diff=lfs merge=lfs -text
*.mp3 filter=lfs diff=lfs merge=lfs -text
*.ogg filter=lfs diff=lfs merge=lfs -text
*.wav filter=lfs diff=lfs merge=lfs -text
# Image files - uncompressed
*.bmp filter=lfs diff=lfs merge=lfs -text
*.gif filter=lfs diff=lfs merge=lfs -text
*.png filter=lfs diff=lfs merge=lfs -text
*.tiff filter=lfs diff=lfs merge=lfs -text
# Image files - compressed
*.jpg filter=lfs diff=lfs merge=lfs -text
*.jpeg filter=lfs diff=lfs merge=lfs -text
*.webp filter=lfs diff=lfs merge=lfs -text
# Video files - compressed
*.mp4 filter=lfs diff=lfs merge=lfs -text
*.webm filter=lfs diff=lfs merge=lfs -text
"""


class GitError(RuntimeError):
    """A git command failed; the message carries its stderr."""


@dataclass(frozen=True)
class LfsPointer:
    """What a git-LFS pointer file says: the sha256 and size of the real content."""

    oid: str
    size: int
    pointer_size: int

    def render(self) -> bytes:
        return pointer_bytes(self.oid, self.size)


@dataclass(frozen=True)
class Entry:
    """One path of a commit's tree, with the fields the Hub's tree API reports."""

    path: str
    kind: str  # "file" | "directory"
    oid: str  # git object id (the pointer blob for LFS files)
    size: int  # real content size for files (LFS content size for LFS files), 0 for directories
    mode: str
    lfs: LfsPointer | None = None

    @property
    def parent(self) -> str:
        parent = str(PurePosixPath(self.path).parent)
        return "" if parent == "." else parent


@dataclass(frozen=True)
class CommitRecord:
    """A commit as `list_repo_commits` and `expand=True` listings present it."""

    oid: str
    author_name: str
    author_email: str
    timestamp: int
    title: str
    message: str
    parents: tuple[str, ...] = ()


@dataclass
class Snapshot:
    """The whole tree of one commit, flattened; immutable, so cached per commit id."""

    commit: str
    entries: dict[str, Entry] = field(default_factory=dict)

    def files(self) -> list[Entry]:
        return [e for e in self.entries.values() if e.kind == "file"]

    def listing(self, path: str, recursive: bool) -> list[Entry] | None:
        """Entries below `path` ("" = root), git order; None when `path` is not a directory."""
        path = path.strip("/")
        if path and (path not in self.entries or self.entries[path].kind != "directory"):
            return None
        prefix = f"{path}/" if path else ""
        out = [e for p, e in self.entries.items() if p.startswith(prefix) and (recursive or e.parent == path)]
        return sorted(out, key=lambda e: e.path)


def pointer_bytes(oid: str, size: int) -> bytes:
    """The canonical git-LFS pointer file (spec v1) for content of `size` bytes hashing to `oid`."""
    return f"version https://git-lfs.github.com/spec/v1\noid sha256:{oid}\nsize {size}\n".encode()


def parse_pointer(data: bytes) -> LfsPointer | None:
    """The pointer described by `data`, or None when `data` is not a git-LFS pointer file."""
    match = _POINTER_RE.match(data)
    if match is None:
        return None
    return LfsPointer(oid=match.group(1).decode(), size=int(match.group(2)), pointer_size=len(data))


def lfs_patterns(gitattributes: str) -> list[re.Pattern[str]]:
    """Regexes of the `.gitattributes` patterns marked `filter=lfs` (gitignore-style globs)."""
    out: list[re.Pattern[str]] = []
    for line in gitattributes.splitlines():
        parts = line.strip().split()
        if not parts or parts[0].startswith("#") or "filter=lfs" not in parts[1:]:
            continue
        out.append(glob_regex(parts[0]))
    return out


def glob_regex(pattern: str) -> re.Pattern[str]:
    anchored = "/" in pattern.rstrip("/")
    pattern = pattern.lstrip("/")
    regex = ""
    i = 0
    while i < len(pattern):
        if pattern.startswith("**/", i):
            regex += "(?:.*/)?"
            i += 3
        elif pattern.startswith("**", i):
            regex += ".*"
            i += 2
        elif pattern[i] == "*":
            regex += "[^/]*"
            i += 1
        elif pattern[i] == "?":
            regex += "[^/]"
            i += 1
        else:
            regex += re.escape(pattern[i])
            i += 1
    return re.compile(("^" if anchored else "^(?:.*/)?") + regex + "$")


def matches_any(path: str, patterns: Iterable[re.Pattern[str]]) -> bool:
    return any(p.match(path) for p in patterns)


class LfsStore:
    """Content-addressed store of LFS objects: `<dir>/<sha256>`, written atomically after a hash check."""

    def __init__(self, directory: Path) -> None:
        self.dir = directory
        self.dir.mkdir(parents=True, exist_ok=True)
        self.tmp = directory.parent / "lfs-tmp"
        self.tmp.mkdir(parents=True, exist_ok=True)

    def path(self, oid: str) -> Path:
        if not _SHA256_RE.match(oid):
            raise ValueError(f"not a sha256: {oid!r}")
        return self.dir / oid

    def has(self, oid: str, size: int | None = None) -> bool:
        try:
            path = self.path(oid)
        except ValueError:
            return False
        return path.is_file() and (size is None or path.stat().st_size == size)

    def size(self, oid: str) -> int:
        return self.path(oid).stat().st_size

    def put_file(self, oid: str, size: int, source: Path) -> None:
        """Move `source` into the store if its bytes hash to `oid` and it has `size` bytes."""
        actual_size = source.stat().st_size
        digest = hashlib.sha256()
        with source.open("rb") as fh:
            for chunk in iter(lambda: fh.read(1 << 20), b""):
                digest.update(chunk)
        if actual_size != size or digest.hexdigest() != oid:
            source.unlink(missing_ok=True)
            raise ValueError(
                f"uploaded content does not match: expected sha256 {oid} and {size} bytes, "
                f"got sha256 {digest.hexdigest()} and {actual_size} bytes"
            )
        os.replace(source, self.path(oid))

    def put_bytes(self, data: bytes) -> str:
        oid = hashlib.sha256(data).hexdigest()
        if not self.has(oid):
            tmp = self.tmp_file(oid)
            tmp.write_bytes(data)
            self.put_file(oid, len(data), tmp)
        return oid

    def tmp_file(self, oid: str) -> Path:
        return self.tmp / f"{oid}.{os.getpid()}.{threading.get_ident()}.{time.monotonic_ns()}"


class GitRepo:
    """A bare git repository driven through the git CLI with a fixed, isolated environment."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._snapshots: dict[str, Snapshot] = {}
        self._history: dict[str, dict[str, CommitRecord]] = {}
        self._cache_lock = threading.Lock()

    # -- plumbing -------------------------------------------------------------------------

    def env(self, author: tuple[str, str] = SYSTEM_AUTHOR) -> dict[str, str]:
        """No user/system git config is read; identities are fixed (only the time varies)."""
        return {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": str(self.path),
            "LANG": "C",
            "LC_ALL": "C",
            "GIT_CONFIG_NOSYSTEM": "1",
            "GIT_CONFIG_GLOBAL": os.devnull,
            "GIT_TERMINAL_PROMPT": "0",
            "GIT_DIR": str(self.path),
            "GIT_AUTHOR_NAME": author[0],
            "GIT_AUTHOR_EMAIL": author[1],
            "GIT_COMMITTER_NAME": author[0],
            "GIT_COMMITTER_EMAIL": author[1],
        }

    def git(self, *args: str, data: bytes | None = None, author: tuple[str, str] = SYSTEM_AUTHOR) -> bytes:
        proc = subprocess.run(
            ["git", *args],
            input=data,
            capture_output=True,
            env=self.env(author),
            cwd=self.path if self.path.exists() else None,
            check=False,
        )
        if proc.returncode != 0:
            raise GitError(f"git {' '.join(args)} failed: {proc.stderr.decode(errors='replace').strip()}")
        return proc.stdout

    def exists(self) -> bool:
        return (self.path / "HEAD").is_file()

    def init(self, gitattributes: str = DEFAULT_GITATTRIBUTES) -> str:
        """Create the bare repo and its `initial commit` on `main` holding `.gitattributes`."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        proc = subprocess.run(
            ["git", "init", "--quiet", "--bare", "--initial-branch=main", str(self.path)],
            capture_output=True,
            env={**self.env(), "GIT_DIR": str(self.path)},
            check=False,
        )
        if proc.returncode != 0:
            raise GitError(proc.stderr.decode(errors="replace"))
        blob = self.write_blob(gitattributes.encode())
        tree = self.write_tree({".gitattributes": ("100644", blob)})
        commit = self.commit_tree(tree, [], "initial commit", SYSTEM_AUTHOR)
        self.update_ref("refs/heads/main", commit, ZERO_OID)
        return commit

    def write_blob(self, data: bytes) -> str:
        return self.git("hash-object", "-w", "--stdin", data=data).decode().strip()

    def write_tree(self, files: Mapping[str, tuple[str, str]]) -> str:
        """Build nested trees with `git mktree` from a flat {path: (mode, blob oid)} mapping."""
        root: dict[str, object] = {}
        for path, (mode, oid) in files.items():
            node = root
            parts = path.split("/")
            for part in parts[:-1]:
                child = node.setdefault(part, {})
                if not isinstance(child, dict):
                    raise ValueError(f"path conflict: {path!r} is below a file")
                node = child
            if isinstance(node.get(parts[-1]), dict):
                raise ValueError(f"path conflict: {path!r} is a directory")
            node[parts[-1]] = (mode, oid)
        return self._mktree(root)

    def _mktree(self, node: dict[str, object]) -> str:
        lines = []
        for name, child in node.items():
            if isinstance(child, dict):
                lines.append(f"040000 tree {self._mktree(child)}\t{name}")
            else:
                mode, oid = child  # type: ignore[misc]
                lines.append(f"{mode} blob {oid}\t{name}")
        data = "".join(f"{line}\0" for line in lines).encode()
        return self.git("mktree", "-z", data=data).decode().strip()

    def commit_tree(self, tree: str, parents: list[str], message: str, author: tuple[str, str]) -> str:
        args = ["commit-tree", tree]
        for parent in parents:
            args += ["-p", parent]
        return self.git(*args, data=message.encode(), author=author).decode().strip()

    def update_ref(self, ref: str, new: str, old: str) -> None:
        """Move `ref` to `new` only if it still points at `old` (ZERO_OID: must not exist)."""
        self.git("update-ref", ref, new, old)

    def delete_ref(self, ref: str, old: str) -> None:
        self.git("update-ref", "-d", ref, old)

    def make_tag_object(self, name: str, commit: str, message: str, author: tuple[str, str]) -> str:
        body = (
            f"object {commit}\ntype commit\ntag {name}\n"
            f"tagger {author[0]} <{author[1]}> {int(time.time())} +0000\n\n{message.rstrip()}\n"
        )
        return self.git("mktag", data=body.encode(), author=author).decode().strip()

    def valid_ref_name(self, ref: str) -> bool:
        try:
            self.git("check-ref-format", ref)
        except GitError:
            return False
        return True

    # -- reading --------------------------------------------------------------------------

    def refs(self) -> dict[str, str]:
        """{full ref name: commit id}; annotated tags are peeled to their commit."""
        out = self.git("for-each-ref", "--format=%(refname)%00%(objectname)%00%(*objectname)")
        refs: dict[str, str] = {}
        for line in out.decode().splitlines():
            name, oid, peeled = line.split("\0")
            refs[name] = peeled or oid
        return refs

    def ref_target(self, ref: str) -> str | None:
        """The object a ref points at (tag object for annotated tags), None if it does not exist."""
        try:
            return self.git("rev-parse", "--verify", "--quiet", ref).decode().strip() or None
        except GitError:
            return None

    def resolve(self, revision: str) -> str | None:
        """Commit id for a branch, a tag, `refs/...` name or a full commit id; None otherwise."""
        refs = self.refs()
        for candidate in (f"refs/heads/{revision}", f"refs/tags/{revision}", revision):
            if candidate.startswith("refs/") and candidate in refs:
                return refs[candidate]
        if _SHA1_RE.match(revision):
            try:
                kind = self.git("cat-file", "-t", revision).decode().strip()
            except GitError:
                return None
            return revision if kind == "commit" else None
        return None

    def branch_head(self, branch: str) -> str | None:
        return self.refs().get(f"refs/heads/{branch}")

    def read_blob(self, oid: str) -> bytes:
        return self.git("cat-file", "blob", oid)

    def read_blobs(self, oids: list[str]) -> dict[str, bytes]:
        """Several blobs in one `git cat-file --batch` call."""
        if not oids:
            return {}
        out = self.git("cat-file", "--batch", data="".join(f"{o}\n" for o in oids).encode())
        blobs: dict[str, bytes] = {}
        pos = 0
        for oid in oids:
            header_end = out.index(b"\n", pos)
            _, _, size = out[pos:header_end].decode().split(" ")
            start = header_end + 1
            blobs[oid] = out[start : start + int(size)]
            pos = start + int(size) + 1
        return blobs

    def snapshot(self, commit: str) -> Snapshot:
        """Flattened tree of `commit` (files and directories), LFS pointers decoded."""
        with self._cache_lock:
            cached = self._snapshots.get(commit)
        if cached is not None:
            return cached
        out = self.git("ls-tree", "-r", "-t", "-l", "-z", "--full-tree", commit)
        raw: list[tuple[str, str, str, int, str]] = []
        for record in out.split(b"\0"):
            if not record:
                continue
            meta, path = record.split(b"\t", 1)
            mode, kind, oid, size = meta.decode().split()
            raw.append((mode, kind, oid, 0 if size == "-" else int(size), path.decode()))
        candidates = [oid for mode, kind, oid, size, _ in raw if kind == "blob" and size < 1024]
        small = self.read_blobs(sorted(set(candidates)))
        snap = Snapshot(commit=commit)
        for mode, kind, oid, size, path in raw:
            if kind == "tree":
                snap.entries[path] = Entry(path, "directory", oid, 0, mode)
                continue
            if kind != "blob":
                continue  # submodules are not a Hub feature
            pointer = parse_pointer(small[oid]) if oid in small else None
            real_size = pointer.size if pointer else size
            snap.entries[path] = Entry(path, "file", oid, real_size, mode, pointer)
        with self._cache_lock:
            self._snapshots[commit] = snap
        return snap

    def log(self, commit: str) -> list[CommitRecord]:
        """Commits reachable from `commit`, newest first."""
        fmt = "%H%x1f%P%x1f%an%x1f%ae%x1f%ct%x1f%B%x1e"
        out = self.git("log", f"--format={fmt}", commit).decode()
        records = []
        for chunk in out.split("\x1e"):
            chunk = chunk.strip("\n")
            if not chunk:
                continue
            oid, parents, name, email, ts, body = chunk.split("\x1f")
            title, _, message = body.strip().partition("\n")
            records.append(
                CommitRecord(
                    oid, name, email, int(ts), title.strip(), message.strip(), tuple(parents.split())
                )
            )
        return records

    def last_commits(self, commit: str) -> dict[str, CommitRecord]:
        """{path: last commit touching it} for every file and directory of `commit` (for expand=True)."""
        with self._cache_lock:
            cached = self._history.get(commit)
        if cached is not None:
            return cached
        records = {r.oid: r for r in self.log(commit)}
        out = self.git("log", "--format=%x01%H", "--name-only", "-z", "--no-renames", commit).decode()
        result: dict[str, CommitRecord] = {}
        for block in out.split("\x01")[1:]:
            record = records[block[:40]]
            for name in block[40:].split("\0"):
                name = name.strip("\n")
                if not name:
                    continue
                path = PurePosixPath(name)
                for p in [path, *list(path.parents)[:-1]]:
                    result.setdefault(str(p), record)
        with self._cache_lock:
            self._history[commit] = result
        return result


def read_meta(repo: GitRepo) -> dict[str, object]:
    """Hub-side settings of a repo (privacy, creation time), kept in a JSON file inside the bare repo."""
    path = repo.path / "hub-meta.json"
    return json.loads(path.read_text()) if path.is_file() else {}


def write_meta(repo: GitRepo, meta: Mapping[str, object]) -> None:
    path = repo.path / "hub-meta.json"
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(dict(meta), indent=2, sort_keys=True))
    os.replace(tmp, path)
