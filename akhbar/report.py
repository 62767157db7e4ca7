"""Per-release data-quality report: statistics, markdown and deterministic PNG plots.

Usage (the release step and the Dagster asset call these; nothing here imports Dagster)::

    from akhbar.report import ReportAccumulator, quality_report, write_report, plot_data_uris

    report = quality_report(released, quarantine, checks=checks, accounting=manifest["rows"])
    paths = write_report(report, release_folder)   # quality_report.json / .md + plots/*.png
    card_text = report.summary_markdown()          # a few lines + the per-source table
    dagster_md = report.to_markdown(images=plot_data_uris(release_folder))  # images inline

    # a release written part by part: one pass, the parts never held together
    acc = ReportAccumulator()
    for part in parts:                             # Arrow tables or record batches
        acc.add(part)
    report = acc.finish(quarantine, checks=checks, accounting=rows)
    card = render_card(manifest, acc.card_stats(), ...)  # akhbar.card, same card as from the table

`quality_report(released, quarantine, *, checks=None, accounting=None, top=15)`
    `released`: the release's rows (ARTICLE_SCHEMA; duplicates included, marked by
    `duplicate_of`), as one table or an iterable of parts (tables or record batches, consumed
    once, one at a time); any split of the same rows gives the same report, byte for byte.
    `quarantine`: rows with at least `source` and `reason` (QUARANTINE_SCHEMA).
    `checks`: check results to show as they are given, a list of dicts with `name`, `passed`,
    `evaluated`, `failed` (other keys are shown as details). `accounting`: the manifest's
    `rows` dict (`raw`, `released`, `quarantined`); it is compared with the tables. `top`:
    length of the top-tags / speakers / entities lists.
    Returns a `QualityReport` of plain JSON values (`to_dict()` / `from_dict()` and
    `to_json()` / `from_json()` round-trip; `format` is the report layout's version).

`ReportAccumulator()`: `.add(part)` per part, then `.finish(quarantine, *, checks=None,
    accounting=None, top=15) -> QualityReport` (what `quality_report` does; `finish` leaves
    the accumulator usable). Also `.rows`, `.duplicates`, `.source_counts()` (rows per source)
    and `.card_stats()` (the dataset card's `akhbar.card.CardStats`) of the rows added so far.
    Each part is reduced column by column (pyarrow compute, numpy) to counters and count
    tables of distinct tags / speakers / entity texts; per row only the id (Arrow string), a
    source code, a web-site code and the word count (int32) are kept (duplicate clusters need
    the kept article's source and site, which may come in any part; the length quantiles need
    every count): memory grows with those, never with the text or nested columns.
`QualityReport.to_markdown(images=None)`
    The full report as compact markdown tables. `images` maps plot names (`PLOTS` keys) to
    link targets (relative paths, URLs or data URIs), shown under their sections.
`QualityReport.summary_markdown()`
    The short version for the dataset card.
`write_report(report, folder) -> list[Path]`
    Writes `quality_report.json`, `quality_report.md` (images linked as `plots/<name>.png`)
    and the PNGs of `PLOTS` under `folder/plots/`; returns the written paths, sorted.
`plot_data_uris(folder) -> dict[str, str]`
    The PNGs written under `folder` as `data:image/png;base64,...` URIs (for `images=`).

Everything is deterministic: categories sorted by name, ranked lists ordered by count then
name, shares rounded to 4 decimals and quantiles to 1, and PNGs drawn with the matplotlib
default style, a fixed size and dpi and no metadata, so the same report gives the same bytes
(with the same matplotlib). Arabic text does not shape in matplotlib, so plots carry only
Latin labels: a source name that is not printable ASCII (or is over 24 characters) is drawn as
`S<n>` (n: its rank by name) and the markdown lists what each stands for. Tags, speakers and
entities appear in markdown only.

Counting rules: every released row counts, duplicates included (they are part of the
released data); a duplicate cluster is the kept article plus the rows whose `duplicate_of`
is its id (the kept article may be outside the release, e.g. in an earlier one: it still
counts in the size, its source does not). A quarantine reason's kind is the text before its
first ':' with parenthesized details and words containing digits (ids, counts) removed:
``duplicate id 3036…: same url`` is ``duplicate id``, ``binary content (NUL bytes), not text``
is ``binary content, not text``.
"""

from __future__ import annotations

import base64
import itertools
import json
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from akhbar.card import CardStats, CardStatsAccumulator
from akhbar.escape import Markdown, md_text

REPORT_FORMAT = 1
ENTITY_LABELS = ("PER", "LOC", "ORG", "MISC")
QUANTILES = (("p05", 0.05), ("p25", 0.25), ("median", 0.5), ("p75", 0.75), ("p95", 0.95))
WORD_BINS = (0, 50, 100, 200, 300, 400, 500, 750, 1000, 1500, 2000, 3000, 5000)
# Plot name -> file under the report folder.
PLOTS = {
    "rows_per_source": "plots/rows_per_source.png",
    "field_coverage": "plots/field_coverage.png",
    "word_count_hist": "plots/word_count_hist.png",
    "published_per_month": "plots/published_per_month.png",
}
# Coverage: field name in the report -> (column, how a row counts as having it).
COVERAGE_FIELDS = (
    ("url", "url", "text"),
    ("published_at", "published_at", "value"),
    ("lead", "lead", "text"),
    ("byline", "byline", "text"),
    ("captions", "captions", "list"),
    ("tags", "tags", "list"),
    ("quotes", "quotes", "list"),
    ("quotes_with_speaker", "quotes", "speaker"),
    ("entities", "entities", "list"),
    ("dates", "dates", "list"),
    ("quantities", "quantities", "list"),
)
_PLOT_SIZE = (8.0, 4.5)  # inches
_PLOT_DPI = 100
# Printable ASCII but `$`, which would start matplotlib's mathtext (a parse error stops the plot)
_LATIN_LABEL = re.compile(r"^[\x20-\x23\x25-\x7e]+$")


@dataclass(frozen=True)
class QualityReport:
    """Plain JSON-ready statistics of one release; see the module docstring."""

    totals: dict[str, int]
    sources: list[dict[str, Any]]
    coverage: list[dict[str, Any]]
    word_count: dict[str, Any]
    published: dict[str, Any]
    top_tags: list[dict[str, Any]]
    top_speakers: list[dict[str, Any]]
    top_entities: dict[str, list[dict[str, Any]]]
    quarantine: list[dict[str, Any]]
    duplicates: dict[str, Any]
    checks: list[dict[str, Any]] = field(default_factory=list)
    accounting: dict[str, Any] | None = None
    top: int = 15
    format: int = REPORT_FORMAT

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> QualityReport:
        return cls(**data)

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=2, sort_keys=True) + "\n"

    @classmethod
    def from_json(cls, text: str) -> QualityReport:
        """The report of a `quality_report.json` (as `to_json` wrote it)."""
        return cls.from_dict(json.loads(text))

    def plot_labels(self) -> dict[str, str]:
        """Source name -> its label in plots (the name itself when printable ASCII, else S<n>)."""
        return _plot_labels([s["source"] for s in self.sources])

    def to_markdown(self, *, images: Mapping[str, str] | None = None) -> str:
        return _markdown(self, images or {})

    def summary_markdown(self) -> str:
        return _summary_markdown(self)


# --------------------------------------------------------------------------- statistics

PART_ROWS = 50_000  # a whole table given to quality_report is reduced in slices of this many rows
# urls whose host urlsplit would give as it is (lowercased): matched in one vectorized pass;
# any other non-empty url goes through `_site` itself.
_PLAIN_URL = r"^[Hh][Tt][Tt][Pp][Ss]?://(?P<host>[A-Za-z0-9.\-]+)(?::[0-9]*)?(?:[/?#]|$)"
_NONE = -1


def quality_report(
    released: pa.Table | pa.RecordBatch | Iterable[pa.Table | pa.RecordBatch],
    quarantine: pa.Table,
    *,
    checks: list[dict[str, Any]] | None = None,
    accounting: dict[str, Any] | None = None,
    top: int = 15,
) -> QualityReport:
    """Statistics of a release (its rows, duplicates included) and its quarantine.

    `released` is one table or an iterable of parts (tables or record batches, consumed once,
    one at a time); any split of the same rows gives the same report."""
    acc = ReportAccumulator()
    for part in _parts(released):
        acc.add(part)
    return acc.finish(quarantine, checks=checks, accounting=accounting, top=top)


def _parts(
    released: pa.Table | pa.RecordBatch | Iterable[pa.Table | pa.RecordBatch],
) -> Iterator[pa.Table | pa.RecordBatch]:
    if isinstance(released, pa.Table | pa.RecordBatch):
        # slices of a whole table: per-part temporaries (flattened lists) stay small
        yield from (released.slice(start, PART_ROWS) for start in range(0, released.num_rows, PART_ROWS))
    else:
        yield from released


class ReportAccumulator:
    """The statistics of released rows, gathered part by part; see the module docstring.

    Each part is reduced column by column (pyarrow compute, numpy) to counters and small count
    tables; what is kept per row is only its id (Arrow), a source code, a web-site code and
    its word count (int arrays): duplicate clusters need the kept article's source and site,
    and that row may come in any part, before or after its duplicates; the length quantiles
    need every word count. Text and nested columns are never kept.
    """

    def __init__(self) -> None:
        self._source_codes: dict[str, int] = {}  # name -> code, in order of appearance
        self._site_codes: dict[str, int] = {}
        self._rows = 0
        self._released: list[int] = []  # per source code
        self._duplicates: list[int] = []
        self._hits: dict[str, list[int]] = {name: [] for name, _, _ in COVERAGE_FIELDS}
        self._undated: list[int] = []
        self._months: dict[tuple[int, int], Counter[int]] = defaultdict(Counter)
        self._words: dict[int, list[np.ndarray]] = defaultdict(list)
        self._tags = _Tally()
        self._speakers = _Tally()
        self._entities: dict[str, _Tally] = {label: _Tally() for label in ENTITY_LABELS}  # by label
        self._ids: list[pa.Array] = []
        self._row_source: list[np.ndarray] = []
        self._row_site: list[np.ndarray] = []
        self._dup_ids: list[pa.Array] = []
        self._dup_kept: list[pa.Array] = []
        self._card = CardStatsAccumulator()

    @property
    def rows(self) -> int:
        """Rows added so far."""
        return self._rows

    @property
    def duplicates(self) -> int:
        """Rows added so far with `duplicate_of` set."""
        return sum(self._duplicates)

    def source_counts(self) -> dict[str, int]:
        """Rows added so far per source, sorted by name."""
        return dict(sorted((name, self._released[code]) for name, code in self._source_codes.items()))

    def card_stats(self) -> CardStats:
        """The dataset card's statistics of the rows added (for `akhbar.card.render_card`)."""
        return self._card.finish()

    def add(self, part: pa.Table | pa.RecordBatch) -> None:
        """Count one part of the released rows (ARTICLE_SCHEMA)."""
        if part.num_rows == 0:
            return
        source = self._encode(_column(part, "source"), self._source_codes)
        if (source == _NONE).any():
            raise ValueError("a released row has no source")
        self._card.add(part)
        self._rows += part.num_rows
        width = len(self._source_codes)
        _bump(self._released, np.bincount(source, minlength=width))
        is_dup = _column(part, "duplicate_of").is_valid()
        dup = is_dup.to_numpy(zero_copy_only=False)
        _bump(self._duplicates, np.bincount(source[dup], minlength=width))

        speakers, speaker_rows, _ = _items(_column(part, "quotes"), "speaker")
        for name, col, how in COVERAGE_FIELDS:
            flags = _has(_column(part, col), how, speaker_rows)
            _bump(self._hits[name], np.bincount(source[flags], minlength=width))

        self._add_words(_column(part, "word_count"), source)
        self._add_months(_column(part, "published_at"), source, width)

        tags, tag_rows, _ = _items(_column(part, "tags"))
        self._tags.add(tags, tag_rows)
        self._speakers.add(speakers, speaker_rows)
        texts, entity_rows, labels = _items(_column(part, "entities"), "text", label="label")
        labels = pc.dictionary_encode(pc.fill_null(labels, ""))  # a missing label is ""
        for code, label in enumerate(labels.dictionary.to_pylist()):
            this = pc.equal(labels.indices, code)
            self._entities.setdefault(label, _Tally()).add(
                pc.filter(texts, this), pc.filter(entity_rows, this)
            )

        ids = _as_string(_column(part, "id"))
        self._ids.append(pa.concat_arrays([ids]))  # a copy: never pins the part's buffers
        self._row_source.append(source)
        self._row_site.append(self._sites(_as_string(_column(part, "url"))))
        if dup.any():
            self._dup_ids.append(pc.filter(ids, is_dup))
            self._dup_kept.append(pc.filter(_as_string(_column(part, "duplicate_of")), is_dup))

    def _encode(self, values: pa.Array, codes: dict[str, int]) -> np.ndarray:
        """int32 codes of string values (new values get new codes), -1 for nulls."""
        encoded = pc.dictionary_encode(values)
        known = [codes.setdefault(v, len(codes)) for v in encoded.dictionary.to_pylist()]
        mapping = np.array([*known, _NONE], dtype=np.int32)
        return mapping[pc.fill_null(encoded.indices, len(known)).to_numpy(zero_copy_only=False)]

    def _sites(self, urls: pa.Array) -> np.ndarray:
        """Web-site codes of urls (`_site`), -1 for none."""
        match = pc.extract_regex(urls, _PLAIN_URL)
        plain = match.is_valid()
        host = pc.if_else(plain, pc.struct_field(match, "host"), pa.scalar(None, pa.string()))
        sites = pc.replace_substring_regex(pc.ascii_lower(host), r"^www\.", "", max_replacements=1)
        codes = self._encode(sites, self._site_codes)
        other = pc.and_(pc.invert(plain), pc.fill_null(pc.greater(pc.utf8_length(urls), 0), False))
        rest = np.flatnonzero(other.to_numpy(zero_copy_only=False))
        for i, url in zip(rest.tolist(), urls.take(rest).to_pylist(), strict=True):
            site = _site(url)
            codes[i] = _NONE if site is None else self._site_codes.setdefault(site, len(self._site_codes))
        return codes

    def _add_words(self, words: pa.Array, source: np.ndarray) -> None:
        valid = words.is_valid().to_numpy(zero_copy_only=False)
        values = pc.fill_null(words, 0).to_numpy(zero_copy_only=False)[valid]
        codes = source[valid]
        for code in np.unique(codes).tolist():
            self._words[code].append(values[codes == code])

    def _add_months(self, published: pa.Array, source: np.ndarray, width: int) -> None:
        naive = published.cast(pa.timestamp("us"))  # UTC wall time, no tz database needed
        dated = naive.is_valid().to_numpy(zero_copy_only=False)
        _bump(self._undated, np.bincount(source[~dated], minlength=width))
        if not dated.any():
            return
        keys = np.column_stack(
            [
                pc.fill_null(pc.year(naive), 0).to_numpy()[dated].astype(np.int64),
                pc.fill_null(pc.month(naive), 0).to_numpy()[dated].astype(np.int64),
                source[dated].astype(np.int64),
            ]
        )
        unique, counts = np.unique(keys, axis=0, return_counts=True)
        for (year, month, code), count in zip(unique.tolist(), counts.tolist(), strict=True):
            self._months[(year, month)][code] += count

    def finish(
        self,
        quarantine: pa.Table,
        *,
        checks: list[dict[str, Any]] | None = None,
        accounting: dict[str, Any] | None = None,
        top: int = 15,
    ) -> QualityReport:
        """The report of the rows added and of `quarantine` (arguments as for `quality_report`).
        Leaves the accumulator as it was: more parts may be added and `finish` called again."""
        quarantine = quarantine.combine_chunks()
        q_sources: list[str] = quarantine["source"].to_pylist()
        q_reasons: list[str] = quarantine["reason"].to_pylist()
        names = self._names(self._source_codes)
        n_released = Counter({names[c]: n for c, n in enumerate(self._released) if n})
        n_dups = Counter({names[c]: n for c, n in enumerate(self._duplicates) if n})
        n_quarantined = Counter(q_sources)
        sources = [
            {
                "source": name,
                "released": n_released[name],
                "duplicates": n_dups[name],
                "quarantined": n_quarantined[name],
                "raw": n_released[name] + n_quarantined[name],
            }
            for name in sorted(set(n_released) | set(n_quarantined))
        ]
        n_dup_rows = sum(n_dups.values())
        totals = {
            "released": self._rows,
            "duplicates": n_dup_rows,
            "unique": self._rows - n_dup_rows,
            "quarantined": quarantine.num_rows,
            "raw": self._rows + quarantine.num_rows,
        }
        return QualityReport(
            totals=totals,
            sources=sources,
            coverage=self._coverage(names, n_released),
            word_count=self._word_count(names, n_released),
            published=self._published(names, n_released),
            top_tags=[{"tag": r["v"], "articles": r["a"]} for r in _ranked(self._tags.table(), "a", top)],
            top_speakers=[
                {"speaker": r["v"], "quotes": r["n"], "articles": r["a"]}
                for r in _ranked(self._speakers.table(), "n", top)
            ],
            top_entities=self._top_entities(top),
            quarantine=_quarantine_kinds(q_sources, q_reasons),
            duplicates=self._duplicate_clusters(top),
            checks=[
                json.loads(json.dumps(c, ensure_ascii=False, sort_keys=True, default=str))
                for c in checks or []
            ],
            accounting=_accounting(accounting, self._rows, quarantine.num_rows),
            top=top,
        )

    @staticmethod
    def _names(codes: dict[str, int]) -> list[str]:
        return sorted(codes, key=codes.__getitem__)

    def _coverage(self, names: list[str], per_source: Counter[str]) -> list[dict[str, Any]]:
        rows = []
        for name, _, _ in COVERAGE_FIELDS:
            hits = Counter({names[c]: n for c, n in enumerate(self._hits[name]) if n})
            total = sum(hits.values())
            rows.append(
                {
                    "field": name,
                    "rows": total,
                    "share": _share(total, self._rows),
                    "by_source": {s: _share(hits[s], per_source[s]) for s in sorted(per_source)},
                }
            )
        return rows

    def _word_count(self, names: list[str], per_source: Counter[str]) -> dict[str, Any]:
        by_source = {names[code]: np.concatenate(chunks) for code, chunks in self._words.items() if chunks}
        empty = np.zeros(0, dtype=np.int64)
        histogram = {}
        for s in sorted(per_source):
            bins = np.searchsorted(WORD_BINS, by_source.get(s, empty), side="right") - 1
            histogram[s] = np.bincount(np.maximum(bins, 0), minlength=len(WORD_BINS)).tolist()
        everything = np.concatenate([empty, *by_source.values()])
        return {
            "all": _stats(everything),
            "by_source": {s: _stats(by_source.get(s, empty)) for s in sorted(per_source)},
            "bins": _bin_labels(),
            "histogram": histogram,
        }

    def _published(self, names: list[str], per_source: Counter[str]) -> dict[str, Any]:
        per_month: dict[str, Counter[str]] = defaultdict(Counter)
        for (year, month), counts in self._months.items():
            per_month[f"{year:04d}-{month:02d}"].update({names[c]: n for c, n in counts.items()})
        undated = Counter({names[c]: n for c, n in enumerate(self._undated) if n})
        ordered = sorted(per_month)
        return {
            "dated": self._rows - sum(undated.values()),
            "undated": {s: undated[s] for s in sorted(per_source)},
            "first_month": ordered[0] if ordered else None,
            "last_month": ordered[-1] if ordered else None,
            "months": [
                {
                    "month": month,
                    "articles": sum(per_month[month].values()),
                    "by_source": dict(sorted(per_month[month].items())),
                }
                for month in ordered
            ],
        }

    def _top_entities(self, top: int) -> dict[str, list[dict[str, Any]]]:
        return {
            label: [
                {"text": r["v"], "mentions": r["n"], "articles": r["a"]}
                for r in _ranked(self._entities[label].table(), "n", top)
            ]
            for label in sorted(self._entities)
        }

    def _duplicate_clusters(self, top: int) -> dict[str, Any]:
        """Clusters of the kept article and the rows whose `duplicate_of` is its id."""
        if not self._dup_kept:
            return {
                "clusters": 0,
                "duplicate_rows": 0,
                "cross_source_clusters": 0,
                "cross_site_clusters": 0,
                "kept_not_released": 0,
                "sizes": [],
                "largest": [],
            }
        kept = pc.dictionary_encode(pa.concat_arrays(self._dup_kept))
        cluster = kept.indices.to_numpy(zero_copy_only=False).astype(np.int64)  # per duplicate row
        kept_ids = kept.dictionary
        n_clusters = len(kept_ids)
        dup_ids = pa.concat_arrays(self._dup_ids)
        # One lookup of the duplicates' and the kept articles' ids among all released ids; a
        # repeated id is the row seen last, as a dict built over the rows would have it.
        query = pc.dictionary_encode(pa.concat_arrays([dup_ids, kept_ids]))
        q = query.indices.to_numpy(zero_copy_only=False)
        hit = pc.index_in(pa.chunked_array(self._ids, pa.string()), value_set=query.dictionary)
        hit = hit.combine_chunks() if isinstance(hit, pa.ChunkedArray) else hit
        rows = np.flatnonzero(hit.is_valid().to_numpy(zero_copy_only=False))
        last = np.full(len(query.dictionary), -1, dtype=np.int64)
        np.maximum.at(last, hit.drop_null().to_numpy(zero_copy_only=False), rows)
        found = last >= 0
        at = np.where(found, last, 0)
        row_source = np.concatenate(self._row_source)[at]
        row_site = np.concatenate(self._row_site)[at]
        q_source = np.where(found, row_source, _NONE).astype(np.int64)
        q_site = np.where(found, row_site, _NONE).astype(np.int64)
        q_dup, q_kept = q[: len(dup_ids)], q[len(dup_ids) :]
        every = np.arange(n_clusters, dtype=np.int64)
        sources = _pairs(
            np.concatenate([cluster, every]), np.concatenate([q_source[q_dup], q_source[q_kept]])
        )
        sites = _pairs(np.concatenate([cluster, every]), np.concatenate([q_site[q_dup], q_site[q_kept]]))
        size = np.bincount(cluster, minlength=n_clusters) + 1
        n_sources = np.bincount(sources[0], minlength=n_clusters)
        n_sites = np.bincount(sites[0], minlength=n_clusters)
        order = pc.sort_indices(
            pa.table({"size": size, "kept": kept_ids}), [("size", "descending"), ("kept", "ascending")]
        ).to_numpy()
        source_names = self._names(self._source_codes)
        site_names = self._names(self._site_codes)
        largest = [
            {
                "kept": kept_ids[c].as_py(),
                "size": int(size[c]),
                "sources": sorted(source_names[v] for v in _members(sources, c)),
                "sites": sorted(site_names[v] for v in _members(sites, c)),
            }
            for c in order[:top].tolist()
        ]
        sizes = Counter(size.tolist())
        return {
            "clusters": n_clusters,
            "duplicate_rows": len(dup_ids),
            "cross_source_clusters": int((n_sources > 1).sum()),
            "cross_site_clusters": int((n_sites > 1).sum()),
            "kept_not_released": int((~found[q_kept]).sum()),
            "sizes": [{"size": s, "clusters": sizes[s]} for s in sorted(sizes)],
            "largest": largest,
        }


def _column(part: pa.Table | pa.RecordBatch, name: str) -> pa.Array:
    """A column of a part as one Array."""
    col = part.column(name)
    return col.combine_chunks() if isinstance(col, pa.ChunkedArray) else col


def _as_string(values: pa.Array) -> pa.Array:
    return values if values.type == pa.string() else values.cast(pa.string())


def _bump(totals: list[int], counts: np.ndarray) -> None:
    """Add per-code counts to a per-code list of totals (grown as codes appear)."""
    totals.extend([0] * (len(counts) - len(totals)))
    for code, n in enumerate(counts.tolist()):
        totals[code] += n


def _pairs(groups: np.ndarray, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The distinct (group, value) pairs with value >= 0, sorted by group then value."""
    keep = values >= 0
    pairs = np.unique(np.column_stack([groups[keep], values[keep]]), axis=0)
    return pairs[:, 0], pairs[:, 1]


def _members(pairs: tuple[np.ndarray, np.ndarray], group: int) -> list[int]:
    groups, values = pairs
    lo, hi = np.searchsorted(groups, [group, group + 1])
    return values[lo:hi].tolist()


def _share(part: int, whole: int) -> float:
    return round(part / whole, 4) if whole else 0.0


def _has(column: pa.Array, how: str, speaker_rows: pa.Array) -> np.ndarray:
    """Per row: whether it has the field (see COVERAGE_FIELDS)."""
    if how == "value":
        flags = column.is_valid()
    elif how == "text":
        flags = pc.fill_null(pc.greater(pc.utf8_length(pc.utf8_trim_whitespace(column)), 0), False)
    elif how == "list":
        flags = pc.fill_null(pc.greater(pc.list_value_length(column), 0), False)
    else:  # "speaker": at least one quote with a non-empty speaker
        out = np.zeros(len(column), dtype=bool)
        out[speaker_rows.to_numpy(zero_copy_only=False)] = True
        return out
    return flags.to_numpy(zero_copy_only=False)


def _stats(values: np.ndarray) -> dict[str, Any]:
    if not len(values):
        return {"rows": 0}
    arr = pa.array(values.astype(np.int64))
    qs = pc.quantile(arr, q=[q for _, q in QUANTILES], interpolation="linear").to_pylist()
    out: dict[str, Any] = {"rows": len(values), "min": int(values.min())}
    out.update({name: round(v, 1) for (name, _), v in zip(QUANTILES, qs, strict=True)})
    out["max"] = int(values.max())
    out["mean"] = round(int(values.sum(dtype=np.int64)) / len(values), 1)
    return out


def _bin_labels() -> list[str]:
    labels = [f"{lo}-{hi - 1}" for lo, hi in itertools.pairwise(WORD_BINS)]
    return [*labels, f"{WORD_BINS[-1]}+"]


def _items(
    column: pa.Array, key: str | None = None, *, label: str | None = None
) -> tuple[pa.Array, pa.Array, pa.Array | None]:
    """Items of a list column whose text (the item, or its struct field `key`) is not blank:
    their trimmed texts, their row indices and their struct field `label` (None without one)."""
    parents = pc.list_parent_indices(column)
    items = pc.list_flatten(column)
    texts = pc.utf8_trim_whitespace(pc.struct_field(items, key) if key is not None else items)
    keep = pc.fill_null(pc.greater(pc.utf8_length(texts), 0), False)
    labels = pc.filter(pc.struct_field(items, label), keep) if label is not None else None
    return pc.filter(texts, keep), pc.filter(parents, keep), labels


class _Tally:
    """Per item text `v`: occurrences (`n`) and distinct rows (`a`), as one Arrow table of the
    distinct texts, merged part by part (part tables are merged once they outgrow the merged one)."""

    def __init__(self) -> None:
        self._tables: list[pa.Table] = []
        self._merged_rows = 0
        self._pending_rows = 0

    def add(self, texts: pa.Array, rows: pa.Array) -> None:
        """Items of one part: their texts and their row indices in the part."""
        if len(texts) == 0:
            return
        encoded = pc.dictionary_encode(texts)
        width = len(encoded.dictionary)
        codes = encoded.indices.to_numpy(zero_copy_only=False).astype(np.int64)
        # distinct (row, text) pairs as one int64 each: no group-by on strings per part
        pairs = pc.unique(pa.array(rows.to_numpy(zero_copy_only=False).astype(np.int64) * width + codes))
        articles = np.bincount(pairs.to_numpy(zero_copy_only=False) % width, minlength=width)
        occurrences = np.bincount(codes, minlength=width)
        self._tables.append(pa.table({"v": encoded.dictionary, "n": occurrences, "a": articles}))
        self._pending_rows += width
        if self._pending_rows > max(self._merged_rows, 1 << 16):
            self._merge()

    def _merge(self) -> None:
        if len(self._tables) > 1:
            merged = pa.concat_tables(self._tables).group_by("v").aggregate([("n", "sum"), ("a", "sum")])
            self._tables = [
                pa.table({"v": merged["v"], "n": merged["n_sum"], "a": merged["a_sum"]}).combine_chunks()
            ]
        self._merged_rows = self._tables[0].num_rows if self._tables else 0
        self._pending_rows = 0

    def table(self) -> pa.Table:
        self._merge()
        if self._tables:
            return self._tables[0]
        return pa.table(
            {"v": pa.array([], pa.string()), "n": pa.array([], pa.int64()), "a": pa.array([], pa.int64())}
        )


def _ranked(table: pa.Table, primary: str, top: int) -> list[dict[str, Any]]:
    """The first `top` rows of a tally, `primary` count descending then value ascending (UTF-8
    byte order is code-point order, as Python sorts strings)."""
    order = pc.sort_indices(table, [(primary, "descending"), ("v", "ascending")]).to_numpy()
    return table.take(order[:top]).to_pylist()


def reason_kind(reason: str) -> str:
    """The kind of a quarantine reason (see the module docstring)."""
    head = reason.split(":", 1)[0]
    head = re.sub(r"\s*\([^)]*\)", "", head)
    words = [w for w in head.split() if not any(ch.isdigit() for ch in w)]
    return " ".join(words).strip() or "other"


def _quarantine_kinds(sources: list[str], reasons: list[str]) -> list[dict[str, Any]]:
    counts: Counter[str] = Counter()
    by_source: dict[str, Counter[str]] = defaultdict(Counter)
    examples: dict[str, str] = {}
    for source, reason in zip(sources, reasons, strict=True):
        kind = reason_kind(reason)
        counts[kind] += 1
        by_source[kind][source] += 1
        examples[kind] = min(examples.get(kind, reason), reason)
    return [
        {
            "kind": kind,
            "count": counts[kind],
            "by_source": dict(sorted(by_source[kind].items())),
            "example": examples[kind],
        }
        for kind in sorted(counts, key=lambda k: (-counts[k], k))
    ]


def _site(url: str | None) -> str | None:
    """The web site of a url without "www." (an aggregated source's outlets: aawsat.com, sabq.org)."""
    host = urlsplit(url).hostname if url else None
    return host.removeprefix("www.") if host else None


def _accounting(given: dict[str, Any] | None, released: int, quarantined: int) -> dict[str, Any] | None:
    if given is None:
        return None
    out: dict[str, Any] = {"given": json.loads(json.dumps(given, sort_keys=True, default=str))}
    if {"raw", "released", "quarantined"} <= set(given):
        out["balanced"] = given["raw"] == given["released"] + given["quarantined"]
    if "released" in given or "quarantined" in given:
        out["matches_tables"] = given.get("released", released) == released and (
            given.get("quarantined", quarantined) == quarantined
        )
    return out


# --------------------------------------------------------------------------- markdown


def _plot_labels(names: list[str]) -> dict[str, str]:
    labels = {}
    for i, name in enumerate(sorted(names), start=1):
        labels[name] = name if _LATIN_LABEL.match(name) and len(name) <= 24 else f"S{i}"
    return labels


def _plain(value: Any) -> str:
    """A value's text, before escaping (numbers as the report shows them)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def _cell(value: Any) -> Markdown:
    """A table cell or inline value: escaped Markdown text (akhbar.escape), `Markdown` as it is."""
    return value if isinstance(value, Markdown) else md_text(_plain(value))


_ALL = Markdown("**all**")


def _pct(share: float) -> str:
    return f"{share * 100:.1f}%"


def _table(header: list[str], rows: list[list[Any]]) -> str:
    lines = ["| " + " | ".join(_cell(h) for h in header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(_cell(v) for v in row) + " |" for row in rows]
    return "\n".join(lines)


def _sources_table(report: QualityReport) -> str:
    stats = report.word_count["by_source"]
    undated = report.published["undated"]
    rows = []
    for s in report.sources:
        name = s["source"]
        with_date = s["released"] - undated.get(name, 0)
        rows.append(
            [
                name,
                s["released"],
                s["duplicates"],
                s["quarantined"],
                stats.get(name, {}).get("median"),
                _pct(_share(with_date, s["released"])) if s["released"] else "",
            ]
        )
    t = report.totals
    rows.append(
        [
            _ALL,
            t["released"],
            t["duplicates"],
            t["quarantined"],
            report.word_count["all"].get("median"),
            _pct(_share(report.published["dated"], t["released"])) if t["released"] else "",
        ]
    )
    return _table(["source", "released", "duplicates", "quarantined", "median words", "dated"], rows)


def _checks_line(report: QualityReport) -> str | None:
    if not report.checks:
        return None
    passed = sum(1 for c in report.checks if c.get("passed"))
    failed = [str(c.get("name")) for c in report.checks if not c.get("passed")]
    line = f"Checks: {passed} of {len(report.checks)} passed"
    return line + (f" (failed: {_cell(', '.join(failed))})." if failed else ".")


def _plural(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"


def _summary_markdown(report: QualityReport) -> str:
    t = report.totals
    d = report.duplicates
    p = report.published
    n_sources = sum(1 for s in report.sources if s["released"])
    lines = [
        f"**{t['released']}** articles released from {_plural(n_sources, 'source')} "
        f"({t['duplicates']} marked as duplicates in {_plural(d['clusters'], 'cluster')}); "
        f"{_plural(t['quarantined'], 'raw input')} quarantined.",
    ]
    if p["first_month"]:
        lines.append(f"Publication dates from {p['first_month']} to {p['last_month']}.")
    checks = _checks_line(report)
    if checks:
        lines.append(checks)
    return " ".join(lines) + "\n\n" + _sources_table(report) + "\n"


def _image(images: Mapping[str, str], name: str, alt: str) -> list[str]:
    return [f"![{alt}]({images[name]})", ""] if name in images else []


def _markdown(report: QualityReport, images: Mapping[str, str]) -> str:
    t = report.totals
    out = ["## Quality report", "", _summary_markdown(report).rstrip("\n"), ""]
    labels = report.plot_labels()
    renamed = {name: label for name, label in labels.items() if name != label}
    if renamed:
        out += [
            "Plot labels: " + ", ".join(f"{label} = {_cell(name)}" for name, label in renamed.items()),
            "",
        ]
    out += _image(images, "rows_per_source", "rows per source")

    out += ["### Field coverage", ""]
    names = [s["source"] for s in report.sources if s["released"]]
    rows = [
        [c["field"], c["rows"], _pct(c["share"]), *(_pct(c["by_source"][n]) for n in names)]
        for c in report.coverage
    ]
    out += [_table(["field", "rows", "all", *names], rows), ""]
    out += _image(images, "field_coverage", "field coverage")

    out += ["### Article length (words)", ""]
    keys = ["rows", "min", *(q for q, _ in QUANTILES), "max", "mean"]
    wc = report.word_count
    rows = [[n, *(wc["by_source"][n].get(k) for k in keys)] for n in names]
    rows.append([_ALL, *(wc["all"].get(k) for k in keys)])
    out += [_table(["source", *keys], rows), ""]
    out += _image(images, "word_count_hist", "word count histogram")

    out += ["### Publication dates", ""]
    p = report.published
    if p["months"]:
        months = p["months"]
        if len(months) > 24:  # compact: per year
            years: dict[str, Counter[str]] = defaultdict(Counter)
            for m in months:
                years[m["month"][:4]].update(m["by_source"])
            rows = [[y, sum(c.values()), *(c.get(n, 0) for n in names)] for y, c in sorted(years.items())]
            period = "year"
        else:
            rows = [[m["month"], m["articles"], *(m["by_source"].get(n, 0) for n in names)] for m in months]
            period = "month"
        rows.append(["undated", t["released"] - p["dated"], *(p["undated"].get(n, 0) for n in names)])
        out += [_table([period, "articles", *names], rows), ""]
    else:
        out += ["No article has a publication date.", ""]
    out += _image(images, "published_per_month", "articles published per month")

    out += [f"### Top tags (articles, top {report.top})", ""]
    out += [
        _table(["tag", "articles"], [[r["tag"], r["articles"]] for r in report.top_tags])
        if report.top_tags
        else "No tags.",
        "",
    ]
    out += [f"### Top quote speakers (top {report.top})", ""]
    out += [
        _table(
            ["speaker", "quotes", "articles"],
            [[r["speaker"], r["quotes"], r["articles"]] for r in report.top_speakers],
        )
        if report.top_speakers
        else "No quote has a speaker.",
        "",
    ]
    out += [f"### Top entities (mentions, top {report.top})", ""]
    ent = report.top_entities
    labels_present = [lab for lab in ent if ent[lab]]
    if labels_present:
        depth = max(len(ent[lab]) for lab in labels_present)
        rows = [
            [
                i + 1,
                *(
                    f"{ent[lab][i]['text']} ({ent[lab][i]['mentions']})" if i < len(ent[lab]) else ""
                    for lab in labels_present
                ),
            ]
            for i in range(depth)
        ]
        out += [_table(["#", *labels_present], rows), ""]
    else:
        out += ["No entities.", ""]

    out += ["### Checks", ""]
    if report.checks:
        rows = []
        for c in report.checks:
            details = ", ".join(
                f"{k}={_plain(v)}"
                for k, v in sorted(c.items())
                if k not in {"name", "passed", "evaluated", "failed"} and not isinstance(v, dict | list)
            )
            rows.append(
                [
                    c.get("name"),
                    "pass" if c.get("passed") else "FAIL",
                    c.get("evaluated"),
                    c.get("failed"),
                    details,
                ]
            )
        out += [_table(["check", "result", "evaluated", "failed", "details"], rows), ""]
    else:
        out += ["No check results given.", ""]

    out += ["### Quarantine", ""]
    if report.quarantine:
        rows = [
            [
                q["kind"],
                q["count"],
                ", ".join(f"{s}: {n}" for s, n in q["by_source"].items()),
                q["example"][:120],
            ]
            for q in report.quarantine
        ]
        out += [_table(["kind", "rows", "by source", "example"], rows), ""]
    else:
        out += ["Nothing quarantined.", ""]

    out += ["### Duplicates", ""]
    d = report.duplicates
    if d["clusters"]:
        out += [
            f"{_plural(d['duplicate_rows'], 'duplicate row')} in {_plural(d['clusters'], 'cluster')} "
            f"({d['cross_source_clusters']} spanning several sources, {d['cross_site_clusters']} several "
            "web sites); a cluster is the kept article and its duplicates.",
            "",
            _table(["cluster size", "clusters"], [[s["size"], s["clusters"]] for s in d["sizes"]]),
            "",
            _table(
                ["kept id", "size", "sources", "web sites"],
                [
                    [c["kept"], c["size"], ", ".join(c["sources"]), ", ".join(c["sites"])]
                    for c in d["largest"]
                ],
            ),
            "",
        ]
        if d["kept_not_released"]:
            out += [
                f"{_plural(d['kept_not_released'], 'cluster')} kept by an article not in this release "
                "(e.g. one of an earlier release).",
                "",
            ]
    else:
        out += ["No duplicates.", ""]

    if report.accounting is not None:
        a = report.accounting
        out += ["### Accounting", ""]
        rows = [[k, v] for k, v in sorted(a["given"].items())]
        rows += [[k, a[k]] for k in ("balanced", "matches_tables") if k in a]
        out += [_table(["item", "value"], rows), ""]
    return "\n".join(out).rstrip("\n") + "\n"


# --------------------------------------------------------------------------- files and plots


def write_report(report: QualityReport, folder: Path) -> list[Path]:
    """Write quality_report.json, quality_report.md and the PLOTS PNGs into `folder`."""
    folder = Path(folder)
    (folder / "plots").mkdir(parents=True, exist_ok=True)
    written = []
    json_path = folder / "quality_report.json"
    json_path.write_text(report.to_json(), encoding="utf-8")
    written.append(json_path)
    md_path = folder / "quality_report.md"
    md_path.write_text(report.to_markdown(images=PLOTS), encoding="utf-8")
    written.append(md_path)
    written += _write_plots(report, folder)
    return sorted(written)


def plot_data_uris(folder: Path) -> dict[str, str]:
    """The PLOTS present under `folder` as base64 PNG data URIs, for `to_markdown(images=...)`."""
    uris = {}
    for name, rel in PLOTS.items():
        path = Path(folder) / rel
        if path.is_file():
            uris[name] = "data:image/png;base64," + base64.b64encode(path.read_bytes()).decode("ascii")
    return uris


def _write_plots(report: QualityReport, folder: Path) -> list[Path]:
    # Figure + Agg canvas directly: no pyplot, no global backend switch, no figure registry.
    import matplotlib
    import matplotlib.style
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    labels = report.plot_labels()
    released = [s for s in report.sources if s["released"]]
    drawers = {
        "rows_per_source": lambda ax: _plot_rows(ax, report, labels),
        "field_coverage": lambda ax: _plot_coverage(ax, report, labels, released),
        "word_count_hist": lambda ax: _plot_words(ax, report, labels, released),
        "published_per_month": lambda ax: _plot_months(ax, report, labels, released),
    }
    paths = []
    with matplotlib.rc_context():
        matplotlib.style.use("default")  # independent of any matplotlibrc; restored on exit
        matplotlib.rcParams.update({"font.family": "DejaVu Sans", "font.size": 9, "svg.hashsalt": "akhbar"})
        for name, draw in drawers.items():
            fig = Figure(figsize=_PLOT_SIZE, dpi=_PLOT_DPI, layout="constrained")
            FigureCanvasAgg(fig)
            ax = fig.add_subplot()
            draw(ax)
            path = folder / PLOTS[name]
            fig.savefig(path, format="png", dpi=_PLOT_DPI, metadata={"Software": None})
            paths.append(path)
    return paths


def _colors(n: int) -> list[Any]:
    import matplotlib

    cmap = matplotlib.colormaps["tab10" if n <= 10 else "tab20"]
    return [cmap(i % cmap.N) for i in range(n)]


def _no_data(ax: Any, title: str) -> None:
    ax.set_title(title)
    ax.text(0.5, 0.5, "no data", ha="center", va="center", transform=ax.transAxes)
    ax.set_xticks([])
    ax.set_yticks([])


def _plot_rows(ax: Any, report: QualityReport, labels: dict[str, str]) -> None:
    title = "Rows per source"
    if not report.sources:
        return _no_data(ax, title)
    names = [s["source"] for s in report.sources][::-1]  # first name on top
    by = {s["source"]: s for s in report.sources}
    kept = [by[n]["released"] - by[n]["duplicates"] for n in names]
    dups = [by[n]["duplicates"] for n in names]
    quar = [by[n]["quarantined"] for n in names]
    y = range(len(names))
    ax.barh(y, kept, color="tab:blue", label="released (unique)")
    ax.barh(y, dups, left=kept, color="tab:orange", label="released (duplicate)")
    lefts = [k + d for k, d in zip(kept, dups, strict=True)]
    ax.barh(y, quar, left=lefts, color="tab:red", label="quarantined")
    for i, n in enumerate(names):
        ax.text(lefts[i] + quar[i], i, f" {by[n]['raw']}", va="center")
    ax.set_yticks(list(y), [labels[n] for n in names])
    ax.set_xlabel("rows (raw = released + quarantined)")
    ax.set_title(title)
    ax.margins(x=0.12)
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8)  # beside the bars, never on them


def _plot_coverage(
    ax: Any, report: QualityReport, labels: dict[str, str], released: list[dict[str, Any]]
) -> None:
    title = "Field coverage (% of released rows)"
    if not released:
        return _no_data(ax, title)
    columns = ["all", *(s["source"] for s in released)]
    fields = [c["field"] for c in report.coverage]
    grid = [
        [c["share"] * 100, *(c["by_source"][s["source"]] * 100 for s in released)] for c in report.coverage
    ]
    image = ax.imshow(grid, cmap="viridis", vmin=0, vmax=100, aspect="auto")
    for i, row in enumerate(grid):
        for j, value in enumerate(row):
            ax.text(j, i, f"{value:.0f}", ha="center", va="center", color="white" if value < 60 else "black")
    many = len(columns) > 5
    ax.set_xticks(
        range(len(columns)),
        ["all", *(labels[c] for c in columns[1:])],
        rotation=30 if many else 0,
        ha="right" if many else "center",
    )
    ax.set_yticks(range(len(fields)), fields)
    ax.set_title(title)
    ax.figure.colorbar(image, ax=ax, label="%")


def _plot_words(
    ax: Any, report: QualityReport, labels: dict[str, str], released: list[dict[str, Any]]
) -> None:
    title = "Article length (words per article)"
    if not released:
        return _no_data(ax, title)
    bins = report.word_count["bins"]
    bottom = [0] * len(bins)
    for color, s in zip(_colors(len(released)), released, strict=True):
        counts = report.word_count["histogram"][s["source"]]
        ax.bar(range(len(bins)), counts, bottom=bottom, color=color, label=labels[s["source"]])
        bottom = [b + c for b, c in zip(bottom, counts, strict=True)]
    ax.set_xticks(range(len(bins)), bins, rotation=45, ha="right")
    ax.set_xlabel("words")
    ax.set_ylabel("articles")
    median = report.word_count["all"].get("median")
    ax.set_title(title + (f"; median {median:g}" if median is not None else ""))
    ax.legend(fontsize=8)


def _month_range(first: str, last: str) -> list[str]:
    y, m = int(first[:4]), int(first[5:])
    out = []
    while f"{y:04d}-{m:02d}" <= last:
        out.append(f"{y:04d}-{m:02d}")
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


def _plot_months(
    ax: Any, report: QualityReport, labels: dict[str, str], released: list[dict[str, Any]]
) -> None:
    p = report.published
    undated = report.totals["released"] - p["dated"]
    title = f"Articles published per month (UTC); undated: {undated}"
    if not p["months"] or not released:
        return _no_data(ax, title)
    months = _month_range(p["first_month"], p["last_month"])
    by_month = {m["month"]: m["by_source"] for m in p["months"]}
    bottom = [0] * len(months)
    for color, s in zip(_colors(len(released)), released, strict=True):
        counts = [by_month.get(m, {}).get(s["source"], 0) for m in months]
        if not any(counts):
            continue  # an undated source: no bar, no legend entry
        ax.bar(range(len(months)), counts, bottom=bottom, color=color, label=labels[s["source"]], width=0.8)
        bottom = [b + c for b, c in zip(bottom, counts, strict=True)]
    if len(months) <= 36:  # small months stay visible as numbers
        for i, total in enumerate(bottom):
            if total:
                ax.text(i, total, str(total), ha="center", va="bottom", fontsize=7)
    ax.margins(y=0.1)
    step = max(1, -(-len(months) // 24))  # at most ~24 tick labels
    ticks = list(range(0, len(months), step))
    ax.set_xticks(ticks, [months[i] for i in ticks], rotation=45, ha="right")
    ax.set_ylabel("articles")
    ax.set_title(title)
    ax.legend(fontsize=8)
