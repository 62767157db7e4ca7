"""The report's statistics: `ReportAccumulator` reduces the release part by part (never holding
the parts together), `quality_report` runs it over a table or parts.

Over 500 lines: the accumulator, the column reductions it calls and the quarantine and
accounting summaries of `finish` are one pass over the data, kept together."""

from __future__ import annotations

import itertools
import json
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from typing import Any
from urllib.parse import urlsplit

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from akhbar.card import CardStats, CardStatsAccumulator
from akhbar.report.model import COVERAGE_FIELDS, ENTITY_LABELS, QUANTILES, WORD_BINS, QualityReport

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
    """The kind of a quarantine reason: what it says before its particulars, without ids, counts
    or parentheses ("duplicate id 3036bb1e65b7: same url as x" is "duplicate id"). The one
    grouping of reasons: the report, the CLI's summary and Dagster's counts all use it."""
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
