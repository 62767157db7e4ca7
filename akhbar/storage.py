"""Where a data root's files live: a local folder, or a prefix on an object store.

A data root is given as a path (`data`, `/shared/data`: a local or mounted filesystem) or as
a URL (`s3://bucket/prefix`). `location()` turns it into a path object: a local path stays a
plain `pathlib.Path`; a URL becomes a universal_pathlib `UPath` over its fsspec filesystem
(s3fs for `s3://`, the `s3` extra). Both join with `/` and have `.name`, `.parent`,
`.is_file()`, `.read_text()`; what differs (Parquet I/O, atomic writes, listing, removal)
goes through the helpers here, which every module that touches the data root uses.

Writes are atomic on both: a local file is written to a temporary name and renamed
(`os.replace`); an object is one PUT (or one multipart upload, completed only at the end),
which a reader sees whole or not at all, and an upload that fails is aborted, never completed.

The object store is reached with the standard AWS variables, read by botocore in every process
(pool workers, Celery workers on other machines) with no configuration of ours:
AWS_ENDPOINT_URL (an S3-compatible server; botocore >= 1.31 reads it), AWS_ACCESS_KEY_ID,
AWS_SECRET_ACCESS_KEY, AWS_DEFAULT_REGION. Listings are never cached (`use_listings_cache`
off): another process may have written a part since this one last listed the folder.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO

import pyarrow as pa
import pyarrow.parquet as pq

if TYPE_CHECKING:
    from upath import UPath

    StoragePath = Path | UPath
else:
    StoragePath = Any

# The URL schemes handed to fsspec; anything else (no "://", or file://) is a local path.
_LOCAL_SCHEMES = ("file://", "local://")
# What a read of an object fetches beyond the bytes asked for (fsspec's read-ahead cache):
# Parquet is read a column chunk at a time, so a few MB make one GET serve many reads, and a
# file held open (the release's merge holds one per part) holds no more than this of it.
READ_AHEAD = 4 << 20


class StorageError(RuntimeError):
    """The data root cannot be reached as given; the message says what to do."""


def is_url(root: str | os.PathLike[str] | Any) -> bool:
    """Whether `root` names an object store (`s3://...`) rather than a local path."""
    if isinstance(root, Path):
        return False
    text = str(root)
    return "://" in text and not text.startswith(_LOCAL_SCHEMES)


def is_remote(path: StoragePath) -> bool:
    """Whether a path from `location()` is on an object store (not a `pathlib.Path`)."""
    return not isinstance(path, Path)


def location(root: str | os.PathLike[str] | StoragePath) -> StoragePath:
    """The data root (or any path in it) as a path object: a local `Path` as given (not
    resolved), or a `UPath` for a URL (`s3://bucket/prefix`). A path object passes through."""
    if isinstance(root, Path) or (not isinstance(root, str | os.PathLike) and is_remote(root)):
        return root
    text = os.fspath(root)
    if not is_url(text):
        return Path(text.removeprefix("file://").removeprefix("local://") or ".")
    try:
        from upath import UPath
    except ImportError as exc:  # pragma: no cover - installed with dagster
        raise StorageError(f"{text}: a URL data root needs universal_pathlib ({exc})") from None
    scheme = text.split("://", 1)[0]
    options: dict[str, Any] = {}
    if scheme in {"s3", "s3a"}:
        try:
            import s3fs  # noqa: F401
        except ImportError:
            raise StorageError(
                f"data root {text}: s3:// needs s3fs, which is not installed; install akhbar with "
                "its s3 extra (pip install 'akhbar[s3]', or uv sync --extra s3)"
            ) from None
        options["use_listings_cache"] = False
    return UPath(text, **options)


def as_string(path: StoragePath) -> str:
    """A path as a string that `location()` turns back into the same path (pool workers and
    other processes get paths as strings)."""
    return str(path)


def url_key(root: str | StoragePath) -> str:
    """A short stable name for a data root (local: its resolved path; remote: its URL)."""
    text = str(Path(root).resolve()) if not is_url(root) else str(root).rstrip("/")
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def check_root(root: StoragePath) -> None:
    """For an object-store root, that its bucket exists and answers; raises StorageError naming
    the bucket and how to create it. A local root needs no check (it is created)."""
    if not is_remote(root):
        return
    bucket = str(root).split("://", 1)[1].split("/", 1)[0]
    scheme = str(root).split("://", 1)[0]
    endpoint = os.environ.get("AWS_ENDPOINT_URL") or os.environ.get("AWS_ENDPOINT_URL_S3")
    where = f" at {endpoint}" if endpoint else ""
    try:
        exists = root.fs.exists(bucket)
    except Exception as exc:  # credentials refused, endpoint unreachable, ...
        raise StorageError(
            f"data root {root}: cannot reach bucket {bucket!r}{where} ({type(exc).__name__}: {exc}); "
            "check AWS_ENDPOINT_URL, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and AWS_DEFAULT_REGION"
        ) from None
    if not exists:
        how = (
            f"aws s3 mb {scheme}://{bucket}"
            + (f" --endpoint-url {endpoint}" if endpoint else "")
            + " (or your provider's console)"
        )
        raise StorageError(
            f"data root {root}: bucket {bucket!r} does not exist{where}; create it first: {how}"
        )


# --- reading ---


def _fs_path(path: StoragePath) -> tuple[Any, str]:
    return path.fs, path.path


def _open_read(path: StoragePath) -> Any:
    fs, inner = _fs_path(path)
    return fs.open(inner, "rb", block_size=READ_AHEAD, cache_type="readahead")


def read_table(path: str | StoragePath, columns: list[str] | None = None) -> pa.Table:
    """A Parquet file as a table (only `columns`, when given)."""
    path = location(path)
    if not is_remote(path):
        return pq.read_table(path, columns=columns)
    with _open_read(path) as fh:
        return pq.read_table(fh, columns=columns)


def read_metadata(path: str | StoragePath) -> pq.FileMetaData:
    path = location(path)
    if not is_remote(path):
        return pq.read_metadata(path)
    with _open_read(path) as fh:
        return pq.read_metadata(fh)


@contextlib.contextmanager
def parquet_file(path: str | StoragePath) -> Iterator[pq.ParquetFile]:
    """A Parquet file opened for reading row groups, closed on leaving."""
    path = location(path)
    if not is_remote(path):
        with pq.ParquetFile(path) as reader:
            yield reader
        return
    with _open_read(path) as fh, pq.ParquetFile(fh) as reader:
        yield reader


def open_parquet(path: str | StoragePath) -> pq.ParquetFile:
    """A Parquet file opened for reading, left open (a generator reading it lazily); the file
    object closes when it is collected."""
    path = location(path)
    if not is_remote(path):
        return pq.ParquetFile(path)
    return pq.ParquetFile(_open_read(path))


def read_bytes(path: str | StoragePath) -> bytes:
    return location(path).read_bytes()


def read_text(path: str | StoragePath) -> str:
    return read_bytes(path).decode("utf-8")


def exists(path: str | StoragePath) -> bool:
    """Whether a file is there (a folder on an object store is only a prefix: use `listdir`)."""
    path = location(path)
    if not is_remote(path):
        return path.is_file()
    fs, inner = _fs_path(path)
    return fs.isfile(inner)


def is_dir(path: str | StoragePath) -> bool:
    """A local folder, or a prefix with at least one object under it."""
    path = location(path)
    if not is_remote(path):
        return path.is_dir()
    fs, inner = _fs_path(path)
    try:
        return fs.isdir(inner)
    except FileNotFoundError:
        return False


def listdir(folder: str | StoragePath) -> list[tuple[str, bool]]:
    """(name, is a folder) of what `folder` holds, sorted by name; empty when it is absent."""
    folder = location(folder)
    if not is_remote(folder):
        if not folder.is_dir():
            return []
        return sorted((p.name, p.is_dir()) for p in folder.iterdir())
    fs, inner = _fs_path(folder)
    try:
        entries = fs.ls(inner, detail=True, refresh=True)
    except FileNotFoundError:
        return []
    found = {(e["name"].rstrip("/").rsplit("/", 1)[-1], e["type"] == "directory") for e in entries}
    return sorted(item for item in found if item[0])


def size(path: str | StoragePath) -> int:
    path = location(path)
    if not is_remote(path):
        return path.stat().st_size
    fs, inner = _fs_path(path)
    return int(fs.size(inner))


def mtime(path: str | StoragePath) -> float:
    """When a file was last written, in seconds since the epoch."""
    path = location(path)
    if not is_remote(path):
        return path.stat().st_mtime
    fs, inner = _fs_path(path)
    modified = fs.modified(inner)
    return modified.timestamp()


def local_state(root: str | StoragePath) -> Path:
    """A local folder of this machine for what a data root on an object store keeps beside it
    that cannot live there (a Dagster instance's SQLite files): named after the root's URL under
    $XDG_STATE_HOME (default ~/.local/state)/akhbar/roots/."""
    base = Path(os.environ.get("XDG_STATE_HOME") or Path.home() / ".local" / "state")
    return base / "akhbar" / "roots" / url_key(root)


# --- writing ---


@contextlib.contextmanager
def _replaced(path: Path) -> Iterator[Path]:
    """A temporary name beside the local file `path` (its folders made), renamed to `path` when
    the block ends without error, removed when it raises."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        yield tmp
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def _put(path: StoragePath, write: Any) -> None:
    """`write(fh)` into the object at `path`: one PUT, or one multipart upload that is only
    completed when `write` returns (aborted when it raises)."""
    fs, inner = _fs_path(path)
    fh = fs.open(inner, "wb")
    try:
        write(fh)
    except BaseException:
        discard = getattr(fh, "discard", None)
        if discard is not None:
            discard()
        with contextlib.suppress(Exception):
            fh.closed = True  # do not commit what was written so far
        raise
    fh.close()


def write_table(table: pa.Table, path: str | StoragePath, **options: Any) -> None:
    """Write Parquet atomically (`options` as pq.write_table's): complete or absent."""
    path = location(path)
    if not is_remote(path):
        with _replaced(path) as tmp:
            pq.write_table(table, tmp, **options)
        return
    # streamed: one PUT, or a multipart upload of large tables (the dedup index), completed only
    # once the table is written whole
    _put(path, lambda fh: pq.write_table(table, fh, **options))


def write_bytes(path: str | StoragePath, data: bytes) -> None:
    """Write bytes atomically."""
    path = location(path)
    if not is_remote(path):
        with _replaced(path) as tmp:
            tmp.write_bytes(data)
        return
    _put(path, lambda fh: fh.write(data))


def write_text(path: str | StoragePath, text: str) -> None:
    write_bytes(path, text.encode("utf-8"))


def upload_file(local: Path, path: str | StoragePath) -> None:
    """Copy a local file to `path` (atomically, streamed: a large file never held in memory)."""
    path = location(path)
    if not is_remote(path):
        with _replaced(path) as tmp:
            shutil.copyfile(local, tmp)
        return

    def copy(fh: BinaryIO) -> None:
        with open(local, "rb") as src:
            shutil.copyfileobj(src, fh, 8 << 20)

    _put(path, copy)


def download_file(path: str | StoragePath, local: Path) -> Path:
    """Copy `path` to the local file `local` (made with its folders); returns `local`."""
    path = location(path)
    local.parent.mkdir(parents=True, exist_ok=True)
    if not is_remote(path):
        shutil.copyfile(path, local)
        return local
    fs, inner = _fs_path(path)
    with fs.open(inner, "rb") as src, open(local, "wb") as dst:
        shutil.copyfileobj(src, dst, 8 << 20)
    return local


def copy_file(source: str | StoragePath, target: str | StoragePath) -> None:
    """Copy a file from anywhere to anywhere (atomically at the target)."""
    source, target = location(source), location(target)
    if not is_remote(source):
        upload_file(source, target)
        return
    if not is_remote(target):  # downloaded beside the target, then renamed
        with _replaced(target) as tmp:
            download_file(source, tmp)
        return
    with tempfile.TemporaryDirectory(prefix="akhbar-copy-") as tmp:
        upload_file(download_file(source, Path(tmp) / "file"), target)


def upload_tree(local: Path, target: str | StoragePath, *, last: tuple[str, ...] = ()) -> None:
    """Every file under the local folder `local` to the same relative paths under `target`,
    sorted, the names in `last` (relative paths) after all the others, in that order: a
    reader that waits for them sees the rest complete."""
    target = location(target)
    files = sorted(p.relative_to(local).as_posix() for p in local.rglob("*") if p.is_file())
    ordered = [f for f in files if f not in last] + [f for f in last if f in files]
    for rel in ordered:
        upload_file(local / rel, target / rel)


def download_tree(source: str | StoragePath, local: Path) -> Path:
    """Every file under `source` to the same relative paths under the local folder `local`."""
    source = location(source)
    local.mkdir(parents=True, exist_ok=True)
    if not is_remote(source):
        shutil.copytree(source, local, dirs_exist_ok=True)
        return local
    fs, inner = _fs_path(source)
    prefix = inner.rstrip("/") + "/"
    for name in sorted(fs.find(inner)):
        if name.startswith(prefix):
            download_file(location(f"{source.protocol}://{name}"), local / name[len(prefix) :])
    return local


# --- removing ---


def delete(path: str | StoragePath) -> None:
    """Remove a file; nothing when it is absent."""
    path = location(path)
    if not is_remote(path):
        path.unlink(missing_ok=True)
        return
    fs, inner = _fs_path(path)
    with contextlib.suppress(FileNotFoundError):
        fs.rm_file(inner)


def delete_tree(folder: str | StoragePath) -> int:
    """Remove a folder and everything under it; returns the bytes removed."""
    folder = location(folder)
    if not is_remote(folder):
        if not folder.is_dir():
            return 0
        removed = sum(f.stat().st_size for f in folder.rglob("*") if f.is_file() and not f.is_symlink())
        shutil.rmtree(folder, ignore_errors=True)
        return removed
    fs, inner = _fs_path(folder)
    try:
        found = fs.find(inner, detail=True)
    except FileNotFoundError:
        return 0
    if found:
        fs.rm(list(found), recursive=False)
    return sum(int(info.get("size") or 0) for info in found.values())


@contextlib.contextmanager
def local_folder(folder: str | StoragePath) -> Iterator[Path]:
    """A local folder holding the files of `folder`: itself when local, else a temporary copy
    (removed on leaving)."""
    folder = location(folder)
    if not is_remote(folder):
        yield folder
        return
    with tempfile.TemporaryDirectory(prefix="akhbar-download-") as tmp:
        yield download_tree(folder, Path(tmp) / folder.name)
