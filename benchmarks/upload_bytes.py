"""How many bytes a release uploads when 100 articles changed: Parquet content-defined chunking on and off.

    .venv/bin/python benchmarks/upload_bytes.py [--articles N] [--changed C] [--added A]
        [--input FILE] [--cdc on|off|both] [--workdir DIR] [--json FILE]

Release A is the real `akhbar build` of the first N articles of the input (default: the
SaudiNewsNet file of the shared corpus, 10,000 articles); release B is a second build on the same
data root after C of those articles were corrected (one word of the text replaced, spread evenly
over the input) and A new ones appended (default 50 + 50). Then, for each setting, the bytes of
B's data files that A's data files do not already hold are counted the way the Hub's Xet storage
deduplicates an upload: each file is cut into content-defined chunks, and a chunk whose SHA-256
is already stored (in A, or earlier in B) is not sent again.

The chunker (`xet_chunks`) follows Xet's: a gear rolling hash (`h = (h << 1) + GEAR[byte]`
over 64-bit words, so each hash depends on the last 64 bytes), a boundary after a byte whose
hash has its top 16 bits zero (a 64 KiB average), chunks of at least 8 KiB and at most 128 KiB.
Its gear table is 256 words from SHA-256 of their index, not Xet's own random table: any table
of random words cuts at the same rate, and the count measures how much of the file is new, not
where exactly Xet would cut. Xet's file-level dedup and compression of the uploaded chunks are
left out: the numbers are chunk bytes before Xet compresses them.

"CDC on" is the release as `akhbar build` writes it; "CDC off" rewrites both releases' rows
with `use_content_defined_chunking=False` (akhbar.release.write_data_files), the only
difference. Rewriting with CDC on must give the build's own bytes (checked: a release is
byte-identical to a rewrite of its rows).
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import os
import sys
import tempfile
import time
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))  # run as a script: akhbar from the checkout

DEFAULT_INPUT = REPO.parent / "shared" / "corpus" / "saudinewsnet" / "saudinewsnet_dev.jsonl.gz"
TARGET_CHUNK = 64 * 1024
MIN_CHUNK = TARGET_CHUNK // 8
MAX_CHUNK = TARGET_CHUNK * 2
# top 16 bits: a boundary after 1 byte in 2**16 on random data
MASK = np.uint64((TARGET_CHUNK - 1) << (64 - TARGET_CHUNK.bit_length() + 1))
GEAR = np.array(
    [int.from_bytes(hashlib.sha256(f"gear-{i}".encode()).digest()[:8], "little") for i in range(256)],
    dtype=np.uint64,
)
WINDOW = 64  # bytes a gear hash of 64-bit words depends on
BLOCK = 1 << 23  # bytes hashed at once (memory: ~10 words per byte of a block)
EDIT_WORD = "وأوضح"  # the word put in place of another in a corrected article


def gear_hashes(data: bytes) -> np.ndarray:
    """The gear hash after each byte of `data`, started from 0 at its first byte.

    h[i] = sum over k < 64 of GEAR[data[i-k]] << k (mod 2**64), built by doubling the window:
    six vectorized passes instead of a loop over bytes."""
    h = GEAR[np.frombuffer(data, dtype=np.uint8)]
    width = 1
    while width < WINDOW:
        shifted = np.zeros_like(h)
        shifted[width:] = h[:-width] << np.uint64(width)
        h += shifted
        width *= 2
    return h


def chunk_ends(data: bytes) -> list[int]:
    """End offsets of `data`'s content-defined chunks (the last is len(data))."""
    candidates: list[np.ndarray] = []
    for start in range(0, len(data), BLOCK):
        lead = min(start, WINDOW - 1)  # the bytes before the block that its first hashes need
        hashes = gear_hashes(data[start - lead : start + BLOCK])[lead:]
        candidates.append(np.flatnonzero((hashes & MASK) == 0) + start + 1)
    ends: list[int] = []
    begin = 0
    for cut in (int(c) for c in np.concatenate(candidates)) if candidates else ():
        while cut - begin > MAX_CHUNK:
            begin += MAX_CHUNK
            ends.append(begin)
        if cut - begin >= MIN_CHUNK:
            ends.append(cut)
            begin = cut
    while len(data) - begin > MAX_CHUNK:
        begin += MAX_CHUNK
        ends.append(begin)
    if begin < len(data):
        ends.append(len(data))
    return ends


def xet_chunks(data: bytes) -> Iterator[tuple[bytes, int]]:
    """(SHA-256, length) of each content-defined chunk of `data`."""
    begin = 0
    for end in chunk_ends(data):
        yield hashlib.sha256(data[begin:end]).digest(), end - begin
        begin = end


def upload_bytes(before: Iterable[Path], after: Iterable[Path]) -> dict[str, int]:
    """Bytes of the `after` files, and of their chunks stored neither in `before` nor earlier in `after`."""
    stored = {digest for path in before for digest, _ in xet_chunks(path.read_bytes())}
    total = new = chunks = new_chunks = 0
    for path in after:
        for digest, length in xet_chunks(path.read_bytes()):
            total += length
            chunks += 1
            if digest not in stored:
                stored.add(digest)
                new += length
                new_chunks += 1
    return {"bytes": total, "new_bytes": new, "chunks": chunks, "new_chunks": new_chunks}


def _records(path: Path, n: int) -> list[dict[str, Any]]:
    opener = gzip.open if path.suffix == ".gz" else open
    records: list[dict[str, Any]] = []
    with opener(path, "rt", encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                records.append(json.loads(line))
                if len(records) == n:
                    break
    if len(records) < n:
        raise SystemExit(f"{path} has {len(records)} articles, fewer than {n}")
    return records


def _edit(record: dict[str, Any], field: str) -> dict[str, Any]:
    """The record with one word of its text replaced (an article corrected at its source)."""
    words = str(record.get(field) or "").split(" ")
    at = min(9, len(words) - 1)
    words[at] = EDIT_WORD if words[at] != EDIT_WORD else "وقال"
    return record | {field: " ".join(words)}


def _write_jsonl(records: list[dict[str, Any]], path: Path) -> None:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")


def _build(sources: Path, root: Path) -> float:
    from akhbar.pipelines.cli import main as akhbar_main

    start = time.perf_counter()
    code = akhbar_main(["build", "--sources", str(sources), "--out", str(root), "--log-level", "ERROR"])
    if code != 0:
        raise SystemExit(f"akhbar build exited {code}")
    return time.perf_counter() - start


def build_releases(records: list[dict], changed: int, added: int, work: Path) -> tuple[Path, Path, dict]:
    """Releases A (the first len(records) - added records) and B (`changed` of them edited, the
    `added` others appended), built one after the other on one data root."""
    field = "content" if "content" in records[0] else "text"
    base = records[: len(records) - added]
    step = max(1, len(base) // max(changed, 1))
    edited = {i * step for i in range(changed)}
    second = [_edit(r, field) if i in edited else r for i, r in enumerate(base)] + records[len(base) :]
    jsonl, root = work / "input" / "articles.jsonl", work / "data"
    jsonl.parent.mkdir(parents=True, exist_ok=True)
    sources = work / "sources.yaml"
    sources.write_text(
        f"sources:\n  - name: bench\n    path: {json.dumps(str(jsonl))}\n"
        "    format: jsonl\n    license: other\n",
        encoding="utf-8",
    )
    os.environ.setdefault("DAGSTER_HOME", str(work / "dagster_home"))
    Path(os.environ["DAGSTER_HOME"]).mkdir(parents=True, exist_ok=True)
    _write_jsonl(base, jsonl)
    seconds_a = _build(sources, root)
    _write_jsonl(second, jsonl)
    seconds_b = _build(sources, root)
    from akhbar.release import list_releases

    versions = list_releases(root)
    if len(versions) != 2:
        raise SystemExit(f"expected two releases, found {versions}")
    a, b = (root / "releases" / f"v{v}" for v in versions)
    manifest = json.loads((b / "manifest.json").read_text(encoding="utf-8"))
    timings = {"build_a_seconds": seconds_a, "build_b_seconds": seconds_b}
    return a, b, {**timings, "changelog": manifest["changelog"][-1], "rows": manifest["rows"]}


def _rewrite(release: Path, out: Path, *, cdc: bool, check: bool = True) -> list[Path]:
    """The release's rows written again with or without CDC; the new data files."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from akhbar.release import ROW_GROUP_SIZE, write_data_files

    manifest = json.loads((release / "manifest.json").read_text(encoding="utf-8"))

    def tables():
        for entry in manifest["files"]:
            with pq.ParquetFile(release / entry["path"]) as data:
                for batch in data.iter_batches(batch_size=ROW_GROUP_SIZE):
                    yield pa.Table.from_batches([batch])

    files = write_data_files(tables(), manifest["rows"]["released"], out, cdc=cdc)
    if cdc and check and [f["sha256"] for f in files] != [f["sha256"] for f in manifest["files"]]:
        raise SystemExit(f"rewriting {release.name} with CDC did not give the build's bytes")
    return [out / f["path"] for f in files]


def measure(
    a: Path, b: Path, work: Path, settings: list[str], *, check: bool = True
) -> dict[str, dict[str, Any]]:
    """Upload bytes of B after A, for each setting ("on", "off"): both releases' rows rewritten
    with or without CDC (with `check`, CDC on must reproduce the build's own bytes)."""
    import shutil

    results: dict[str, dict[str, Any]] = {}
    for setting in settings:
        cdc = setting == "on"
        shutil.rmtree(work / f"cdc-{setting}", ignore_errors=True)
        files_a = _rewrite(a, work / f"cdc-{setting}" / "a", cdc=cdc, check=check)
        files_b = _rewrite(b, work / f"cdc-{setting}" / "b", cdc=cdc, check=check)
        counted = upload_bytes(files_a, files_b)
        results[setting] = counted | {"percent_new": 100 * counted["new_bytes"] / max(counted["bytes"], 1)}
    return results


def format_report(result: dict[str, Any]) -> str:
    change = result["changelog"]
    lines = [
        f"input: {result['input']}: release A {result['articles']:,} articles, release B "
        f"{change['articles']:,} ({change.get('added')} added, {change.get('removed')} removed, "
        f"{change.get('changed')} changed)",
        f"chunks: gear hash, {TARGET_CHUNK // 1024} KiB target, {MIN_CHUNK // 1024}-{MAX_CHUNK // 1024} KiB; "
        f"CDC pages {result['cdc_pages'] or 'akhbar.release.CDC_PAGES'}",
        f"{'CDC':<4} {'B data bytes':>14} {'new bytes':>12} {'new %':>7} {'chunks':>7} {'new':>5}",
    ]
    for setting, r in result["results"].items():
        lines.append(
            f"{setting:<4} {r['bytes']:>14,} {r['new_bytes']:>12,} {r['percent_new']:>6.1f}% "
            f"{r['chunks']:>7,} {r['new_chunks']:>5,}"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--input", type=Path, default=DEFAULT_INPUT, help="a JSONL(.gz) file of articles")
    parser.add_argument("--articles", type=int, default=10_000, help="articles in release A")
    parser.add_argument("--changed", type=int, default=50, help="articles of A corrected in B")
    parser.add_argument("--added", type=int, default=50, help="articles added in B")
    parser.add_argument("--cdc", choices=["on", "off", "both"], default="both")
    parser.add_argument(
        "--cdc-pages",
        metavar="MIN,MAX",
        help="content-defined page sizes in KiB for the CDC-on rewrite (default: akhbar.release.CDC_PAGES)",
    )
    parser.add_argument("--workdir", type=Path, help="keep the builds here (default: a temporary folder)")
    parser.add_argument("--json", type=Path, help="also write the results as JSON")
    args = parser.parse_args(argv)
    settings = ["on", "off"] if args.cdc == "both" else [args.cdc]
    pages = None
    if args.cdc_pages:
        import akhbar.release

        low, high = (int(x) * 1024 for x in args.cdc_pages.split(","))
        pages = akhbar.release.CDC_PAGES = {"min_chunk_size": low, "max_chunk_size": high}
    with tempfile.TemporaryDirectory(prefix="akhbar-upload-") as tmp:
        work = args.workdir or Path(tmp)
        records = _records(args.input, args.articles + args.added)
        if args.workdir and (work / "data" / "releases").is_dir():  # built by an earlier run
            a, b = sorted((work / "data" / "releases").glob("v*"))[:2]
            built = {
                "changelog": json.loads((b / "manifest.json").read_text(encoding="utf-8"))["changelog"][-1]
            }
        else:
            a, b, built = build_releases(records, args.changed, args.added, work)
        result = {"input": str(args.input), "articles": args.articles, "cdc_pages": pages, **built}
        result["results"] = measure(a, b, work, settings, check=pages is None)
    print(format_report(result))
    if args.json:
        args.json.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
