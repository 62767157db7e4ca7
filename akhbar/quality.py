"""What the validation suites see: each stage's table plus derived per-row measures, the rows
that failed a row-level expectation dropped, and the run's accounting.

No Great Expectations here (it runs in `assets/`): these are plain Arrow/pandas transforms.
Derived columns turn per-article rules GX has no expectation for ("every entity's
body[start:end] equals its text") into counts that an ordinary expectation can check.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from akhbar import storage
from akhbar.boilerplate import PARAGRAPH
from akhbar.normalize import ARABIC_LETTER, DIGIT, LETTER, arabic_ratios, kind_counts
from akhbar.parts import sha256_file

ROW = "row"  # positional index column added to every frame: how failing rows are found again
# C0/C1 controls except tab and newline; Unicode bidi marks, embeddings, overrides, isolates.
CONTROL_CHARS = r"[\x00-\x08\x0b-\x1f\x7f-\x9f]"
BIDI_CHARS = r"[\x{200e}\x{200f}\x{202a}-\x{202e}\x{2066}-\x{2069}\x{061c}]"
EARLIEST_DATE = date(600, 1, 1)  # before the Hijri era nothing in a news article is a date
LATEST_DATE = date(2150, 12, 31)


def _frame(table: pa.Table, columns: list[str]) -> pd.DataFrame:
    frame = table.select([c for c in columns if c in table.column_names]).to_pandas()
    frame[ROW] = range(table.num_rows)
    return frame


def _count(column: pa.ChunkedArray, pattern: str) -> pa.Array:
    return pc.fill_null(pc.count_substring_regex(column, pattern), 0)


def raw_articles_frame(raw: pa.Table) -> pd.DataFrame:
    """Raw articles: provenance columns, sizes and the decoded text."""
    columns = ["id", "source", "origin", "raw_sha256", "size_bytes", "title", "text"]
    frame = _frame(raw, columns)
    frame["replacement_chars"] = _count(raw["text"], "\ufffd").to_numpy(zero_copy_only=False)
    return frame


def script_shares(texts: pa.Array | pa.ChunkedArray) -> tuple[np.ndarray, np.ndarray]:
    """Per text, in one pass: the Arabic ratio (Arabic letters / letters, as `arabic_ratio`
    counts them) and the Arabic letter share (Arabic letters / (letters + digits)); NaN for a
    text without letters, or without letters and digits (nothing to judge). Digits count
    against the share, so an English text and a table of numbers both score low on it, while
    marks, punctuation and spaces count for nothing in either."""
    ratio, share = np.full(len(texts), np.nan), np.full(len(texts), np.nan)
    for rows, (arabic, letters, digits) in kind_counts(texts, ARABIC_LETTER, LETTER, DIGIT):
        np.divide(arabic, letters, out=ratio[rows], where=letters > 0)
        np.divide(arabic, letters + digits, out=share[rows], where=letters + digits > 0)
    return ratio, share


def paragraphs_text(blocks: pa.ChunkedArray | pa.Array) -> pa.Array:
    """Each article's paragraph blocks (not its media blocks, nor the chrome already removed)
    joined by line breaks: the text that becomes its body."""
    if isinstance(blocks, pa.ChunkedArray):
        blocks = blocks.combine_chunks()
    flat = pc.list_flatten(blocks)
    keep = pc.equal(pc.struct_field(flat, "kind"), PARAGRAPH)
    parents = pc.filter(pc.list_parent_indices(blocks), keep).to_numpy(zero_copy_only=False)
    counts = np.bincount(parents, minlength=len(blocks)) if len(parents) else np.zeros(len(blocks), np.int64)
    offsets = pa.array(np.concatenate([[0], np.cumsum(counts)]).astype(np.int32))
    lists = pa.ListArray.from_arrays(offsets, pc.filter(pc.struct_field(flat, "text"), keep))
    return pc.binary_join(lists, "\n")


def normalized_articles_frame(table: pa.Table) -> pd.DataFrame:
    """Normalized articles: counts of characters clean_text must have removed (in the title
    and text), and the `arabic_ratio` and `arabic_letter_share` of the paragraphs
    (`script_shares` of `paragraphs_text`: the text that becomes the body, without the chrome
    found; NaN without letters, or letters and digits)."""
    frame = _frame(table, ["id", "source", "origin", "title"])
    text = pc.binary_join_element_wise(pc.fill_null(table["title"], ""), table["text"], "\n")
    for name, pattern in (
        ("control_chars", CONTROL_CHARS),
        ("bidi_chars", BIDI_CHARS),
        ("replacement_chars", "\ufffd"),
    ):
        frame[name] = _count(text, pattern).to_numpy(zero_copy_only=False)
    frame["arabic_ratio"], frame["arabic_letter_share"] = script_shares(paragraphs_text(table["blocks"]))
    return frame


def article_fields_frame(articles: pa.Table) -> pd.DataFrame:
    """The article_fields table as pandas, plus per-article measures:
    `body_arabic_ratio`; `lead_equals_body`; `dates_out_of_range` (see `date_out_of_range`);
    `date_offset_errors` and `entity_offset_errors` (dates and entities whose body[start:end]
    is not their text);
    `empty_quotes`; `quote_speaker_share` (share of the article's quotes with a speaker, null
    without quotes). List columns appear as their lengths: the suite names them (the column list)
    but checks nothing inside them, and GX would hash every nested value of a batch; the exact
    Arrow schema is checked apart."""
    lists = [f.name for f in articles.schema if pa.types.is_list(f.type)]
    frame = articles.drop_columns(lists).to_pandas(types_mapper=None)
    for name in lists:
        frame[name] = pc.list_value_length(articles[name]).to_numpy(zero_copy_only=False)
    frame = frame[articles.column_names]
    frame[ROW] = range(articles.num_rows)
    bodies = articles["body"].to_pylist()
    frame["body_arabic_ratio"] = arabic_ratios(articles["body"])
    frame["lead_equals_body"] = pc.fill_null(pc.equal(articles["lead"], articles["body"]), False).to_numpy(
        zero_copy_only=False
    )
    dates = articles["dates"].to_pylist()
    frame["dates_out_of_range"] = [sum(1 for d in ds or [] if date_out_of_range(d)) for ds in dates]
    frame["date_offset_errors"] = [
        sum(1 for d in ds or [] if not _points_at_text(body, d))
        for body, ds in zip(bodies, dates, strict=True)
    ]
    frame["entity_offset_errors"] = [
        sum(1 for e in entities or [] if not _points_at_text(body, e))
        for body, entities in zip(bodies, articles["entities"].to_pylist(), strict=True)
    ]
    quotes = articles["quotes"].to_pylist()
    frame["empty_quotes"] = [sum(1 for q in qs or [] if not (q["text"] or "").strip()) for qs in quotes]
    frame["quote_speaker_share"] = [
        sum(1 for q in qs if q["speaker"]) / len(qs) if qs else None for qs in quotes
    ]
    return frame


def date_out_of_range(mention: dict) -> bool:
    """A `dates` item no news article can hold: a date before 600 or after 2150, a month outside
    1-12 or a day outside 1-31, or neither a date nor a month (a year-less mention, its `date`
    null, still states its month)."""
    value, month, day = mention["date"], mention["month"], mention["day"]
    if value is None and month is None:
        return True
    return (
        (value is not None and not EARLIEST_DATE <= value <= LATEST_DATE)
        or (month is not None and not 1 <= month <= 12)
        or (day is not None and not 1 <= day <= 31)
    )


def _points_at_text(body: str, item: dict) -> bool:
    """Whether an entity's or a date's offsets select its text in `body`."""
    start, end = item["start"], item["end"]
    return start is not None and end is not None and body[start:end] == item["text"]


def release_frame(release_dir: Path) -> pd.DataFrame:
    """One row per released article, read back from the release's Parquet files, with what
    its file promises: `file_has_features` (the `huggingface` features metadata) and
    `file_matches_manifest` (rows and sha256 as the manifest lists them); and
    `duplicate_of_missing`, true when the row's `duplicate_of` names no id of the release (the
    files are read one at a time, and the ids of every file are collected before any is looked
    up: a duplicate may point into another file)."""
    release_dir = storage.location(release_dir)  # local, or on an object store
    manifest = json.loads(storage.read_text(release_dir / "manifest.json"))
    parts = []
    ids: list[pa.ChunkedArray] = []
    targets: list[pa.ChunkedArray] = []
    for entry in manifest["files"]:
        path = release_dir / entry["path"]
        metadata = storage.read_metadata(path)
        has_features = b"huggingface" in (metadata.schema.to_arrow_schema().metadata or {})
        columns = storage.read_table(path, columns=["id", "duplicate_of"])
        ids.append(columns["id"])
        targets.append(columns["duplicate_of"])
        matches = sha256_file(path) == entry["sha256"] and columns.num_rows == entry["rows"]
        parts.append(
            pd.DataFrame(
                {
                    "id": columns["id"].to_pylist(),
                    "file": entry["path"],
                    "file_has_features": has_features,
                    "file_matches_manifest": matches,
                }
            )
        )
    columns = ["id", "file", "file_has_features", "file_matches_manifest"]
    frame = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=columns)
    frame[ROW] = range(len(frame))
    frame["duplicate_of_missing"] = duplicate_of_missing(
        pa.chunked_array([c for i in ids for c in i.chunks], pa.string()),
        pa.chunked_array([c for t in targets for c in t.chunks], pa.string()),
    )
    return frame


def duplicate_of_missing(ids: pa.ChunkedArray, duplicate_of: pa.ChunkedArray) -> np.ndarray:
    """Per row: `duplicate_of` is set and names none of `ids` (the ids of the whole release)."""
    named = pc.is_in(duplicate_of, value_set=ids.combine_chunks() if len(ids) else pa.array([], pa.string()))
    return pc.and_(pc.is_valid(duplicate_of), pc.invert(named)).to_numpy(zero_copy_only=False).astype(bool)


def drop_rows(table: pa.Table, positions: set[int]) -> pa.Table:
    if not positions:
        return table
    keep = [i for i in range(table.num_rows) if i not in positions]
    return table.take(pa.array(keep, pa.int64()))


@dataclass(frozen=True)
class Accounting:
    """raw = released + quarantined + duplicates, over raw input items (articles read plus
    input that could not become an article)."""

    raw: int
    released: int  # released rows that are not duplicates
    duplicates: int  # released rows marked duplicate_of another article
    quarantined: int
    unaccounted_ids: tuple[str, ...]  # raw article ids found neither in the release nor quarantine

    @property
    def balanced(self) -> bool:
        return self.raw == self.released + self.duplicates + self.quarantined and not self.unaccounted_ids

    def as_dict(self) -> dict[str, Any]:
        return {
            "raw": self.raw,
            "released": self.released,
            "duplicates": self.duplicates,
            "quarantined": self.quarantined,
            "balanced": self.balanced,
            "unaccounted_ids": list(self.unaccounted_ids[:20]),
        }


def account(
    raw_ids: pa.Array | pa.ChunkedArray, raw_quarantined: int, release: pa.Table, quarantine: pa.Table
) -> Accounting:
    """The accounting of a run: `raw_ids` are the ids of every raw article read,
    `raw_quarantined` the input items quarantined before they had an id (the raw quarantine),
    `release` the released rows (with `duplicate_of`), `quarantine` every quarantine row."""
    duplicates = release.num_rows - release["duplicate_of"].null_count
    seen = set(release["id"].to_pylist()) | {i for i in quarantine["id"].to_pylist() if i is not None}
    unaccounted = tuple(sorted(i for i in set(pa.chunked_array([raw_ids]).to_pylist()) if i not in seen))
    return Accounting(
        raw=len(raw_ids) + raw_quarantined,
        released=release.num_rows - duplicates,
        duplicates=duplicates,
        quarantined=quarantine.num_rows,
        unaccounted_ids=unaccounted,
    )
