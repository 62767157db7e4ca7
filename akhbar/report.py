"""Per-release data-quality report: statistics, markdown and deterministic PNG plots.

Usage (the release step and the Dagster asset call these; nothing here imports Dagster)::

    from akhbar.report import quality_report, write_report, plot_data_uris

    report = quality_report(released, quarantine, checks=checks, accounting=manifest["rows"])
    paths = write_report(report, release_folder)   # quality_report.json / .md + plots/*.png
    card_text = report.summary_markdown()          # a few lines + the per-source table
    dagster_md = report.to_markdown(images=plot_data_uris(release_folder))  # images inline

`quality_report(released, quarantine, *, checks=None, accounting=None, top=15)`
    `released`: the release's rows (ARTICLE_SCHEMA; duplicates included, marked by
    `duplicate_of`). `quarantine`: rows with at least `source` and `reason` (QUARANTINE_SCHEMA).
    `checks`: check results to show as they are given, a list of dicts with `name`, `passed`,
    `evaluated`, `failed` (other keys are shown as details). `accounting`: the manifest's
    `rows` dict (`raw`, `released`, `quarantined`); it is compared with the tables. `top`:
    length of the top-tags / speakers / entities lists.
    Returns a `QualityReport` of plain JSON values (`to_dict()` / `from_dict()` and
    `to_json()` / `from_json()` round-trip; `format` is the report layout's version).

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
import bisect
import itertools
import json
import re
from collections import Counter, defaultdict
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pyarrow as pa
import pyarrow.compute as pc

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
_LATIN_LABEL = re.compile(r"^[\x20-\x7e]+$")


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


def quality_report(
    released: pa.Table,
    quarantine: pa.Table,
    *,
    checks: list[dict[str, Any]] | None = None,
    accounting: dict[str, Any] | None = None,
    top: int = 15,
) -> QualityReport:
    """Statistics of a release (its rows, duplicates included) and its quarantine."""
    released = released.combine_chunks()
    quarantine = quarantine.combine_chunks()
    row_sources: list[str] = released["source"].to_pylist()
    duplicate_of: list[str | None] = released["duplicate_of"].to_pylist()
    q_sources: list[str] = quarantine["source"].to_pylist()
    q_reasons: list[str] = quarantine["reason"].to_pylist()

    n_released = Counter(row_sources)
    n_dups = Counter(s for s, d in zip(row_sources, duplicate_of, strict=True) if d is not None)
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
    totals = {
        "released": released.num_rows,
        "duplicates": sum(n_dups.values()),
        "unique": released.num_rows - sum(n_dups.values()),
        "quarantined": quarantine.num_rows,
        "raw": released.num_rows + quarantine.num_rows,
    }
    return QualityReport(
        totals=totals,
        sources=sources,
        coverage=_coverage(released, row_sources),
        word_count=_word_count(released, row_sources),
        published=_published(released, row_sources),
        top_tags=_ranked(
            *_items(released["tags"])[:2], key_name="tag", count_name="articles", distinct=True, top=top
        ),
        top_speakers=_ranked(
            *_items(released["quotes"], "speaker")[:2], key_name="speaker", count_name="quotes", top=top
        ),
        top_entities=_top_entities(released, top),
        quarantine=_quarantine_kinds(q_sources, q_reasons),
        duplicates=_duplicates(
            released["id"].to_pylist(), row_sources, duplicate_of, top, urls=released["url"].to_pylist()
        ),
        checks=[
            json.loads(json.dumps(c, ensure_ascii=False, sort_keys=True, default=str)) for c in checks or []
        ],
        accounting=_accounting(accounting, released.num_rows, quarantine.num_rows),
        top=top,
    )


def _share(part: int, whole: int) -> float:
    return round(part / whole, 4) if whole else 0.0


def _has(column: pa.Array, how: str) -> list[bool]:
    if how == "value":
        return column.is_valid().to_pylist()
    if how == "text":
        trimmed = pc.utf8_trim_whitespace(column)
        return pc.fill_null(pc.greater(pc.utf8_length(trimmed), 0), False).to_pylist()
    if how == "list":
        return pc.fill_null(pc.greater(pc.list_value_length(column), 0), False).to_pylist()
    # "speaker": at least one quote with a non-empty speaker
    flags = [False] * len(column)
    for parent in _items(column, "speaker")[1]:
        flags[parent] = True
    return flags


def _coverage(table: pa.Table, row_sources: list[str]) -> list[dict[str, Any]]:
    per_source = Counter(row_sources)
    rows = []
    for name, column, how in COVERAGE_FIELDS:
        flags = _has(table[column], how)
        hits = Counter(s for s, f in zip(row_sources, flags, strict=True) if f)
        total = sum(hits.values())
        rows.append(
            {
                "field": name,
                "rows": total,
                "share": _share(total, table.num_rows),
                "by_source": {s: _share(hits[s], per_source[s]) for s in sorted(per_source)},
            }
        )
    return rows


def _stats(values: list[int]) -> dict[str, Any]:
    if not values:
        return {"rows": 0}
    arr = pa.array(values, pa.int64())
    qs = pc.quantile(arr, q=[q for _, q in QUANTILES], interpolation="linear").to_pylist()
    out: dict[str, Any] = {"rows": len(values), "min": min(values)}
    out.update({name: round(v, 1) for (name, _), v in zip(QUANTILES, qs, strict=True)})
    out["max"] = max(values)
    out["mean"] = round(sum(values) / len(values), 1)
    return out


def _bin_labels() -> list[str]:
    labels = [f"{lo}-{hi - 1}" for lo, hi in itertools.pairwise(WORD_BINS)]
    return [*labels, f"{WORD_BINS[-1]}+"]


def _word_count(table: pa.Table, row_sources: list[str]) -> dict[str, Any]:
    words: list[int | None] = table["word_count"].to_pylist()
    by_source: dict[str, list[int]] = defaultdict(list)
    for s, w in zip(row_sources, words, strict=True):
        if w is not None:
            by_source[s].append(w)
    histogram = {}
    for s in sorted(set(row_sources)):
        counts = [0] * len(WORD_BINS)
        for w in by_source[s]:
            counts[max(0, bisect.bisect_right(WORD_BINS, w) - 1)] += 1
        histogram[s] = counts
    return {
        "all": _stats([w for w in words if w is not None]),
        "by_source": {s: _stats(by_source[s]) for s in sorted(set(row_sources))},
        "bins": _bin_labels(),
        "histogram": histogram,
    }


def _published(table: pa.Table, row_sources: list[str]) -> dict[str, Any]:
    naive = table["published_at"].cast(pa.timestamp("us"))  # UTC wall time, no tz database needed
    years = pc.year(naive).to_pylist()
    months = pc.month(naive).to_pylist()
    per_month: dict[str, Counter[str]] = defaultdict(Counter)
    undated: Counter[str] = Counter()
    for s, y, m in zip(row_sources, years, months, strict=True):
        if y is None:
            undated[s] += 1
        else:
            per_month[f"{y:04d}-{m:02d}"][s] += 1
    ordered = sorted(per_month)
    return {
        "dated": table.num_rows - sum(undated.values()),
        "undated": {s: undated[s] for s in sorted(set(row_sources))},
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


def _items(
    column: pa.Array | pa.ChunkedArray, key: str | None = None, *, label: str | None = None
) -> tuple[list[str], list[int], list[Any]]:
    """Items of a list column whose text (the item, or its struct field `key`) is not blank:
    their trimmed texts, their row indices and their struct field `label` (empty without one)."""
    if isinstance(column, pa.ChunkedArray):
        column = column.combine_chunks()  # list_parent_indices counts per chunk
    parents = pc.list_parent_indices(column)
    items = pc.list_flatten(column)
    texts = pc.utf8_trim_whitespace(pc.struct_field(items, key) if key is not None else items)
    keep = pc.fill_null(pc.greater(pc.utf8_length(texts), 0), False)
    labels = pc.filter(pc.struct_field(items, label), keep).to_pylist() if label is not None else []
    return pc.filter(texts, keep).to_pylist(), pc.filter(parents, keep).to_pylist(), labels


def _ranked(
    values: list[str],
    parents: list[int],
    *,
    key_name: str,
    count_name: str,
    top: int,
    distinct: bool = False,
) -> list[dict[str, Any]]:
    """Most frequent values, count descending then value ascending; `articles` = distinct rows."""
    occurrences = Counter(values)
    articles = Counter(v for v, _ in set(zip(values, parents, strict=True)))
    primary = articles if distinct else occurrences
    ordered = sorted(primary, key=lambda v: (-primary[v], v))[:top]
    if distinct:
        return [{key_name: v, "articles": articles[v]} for v in ordered]
    return [{key_name: v, count_name: occurrences[v], "articles": articles[v]} for v in ordered]


def _top_entities(table: pa.Table, top: int) -> dict[str, list[dict[str, Any]]]:
    texts, parents, labels = _items(table["entities"], "text", label="label")
    by_label: dict[str, tuple[list[str], list[int]]] = {lab: ([], []) for lab in ENTITY_LABELS}
    for text, parent, label in zip(texts, parents, labels, strict=True):
        bucket = by_label.setdefault(label or "", ([], []))
        bucket[0].append(text)
        bucket[1].append(parent)
    return {
        label: _ranked(vs, ps, key_name="text", count_name="mentions", top=top)
        for label, (vs, ps) in sorted(by_label.items())
    }


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


def _duplicates(
    ids: list[str], sources: list[str], duplicate_of: list[str | None], top: int, *, urls: list[str | None]
) -> dict[str, Any]:
    source_of = dict(zip(ids, sources, strict=True))
    site_of = {i: _site(u) for i, u in zip(ids, urls, strict=True)}
    members: dict[str, list[str]] = defaultdict(list)
    for row_id, kept in zip(ids, duplicate_of, strict=True):
        if kept is not None:
            members[kept].append(row_id)
    clusters = []
    for kept, dups in members.items():
        cluster_sources = {source_of[i] for i in dups} | ({source_of[kept]} if kept in source_of else set())
        sites = {site_of.get(i) for i in [kept, *dups]} - {None}
        clusters.append(
            {"kept": kept, "size": 1 + len(dups), "sources": sorted(cluster_sources), "sites": sorted(sites)}
        )
    clusters.sort(key=lambda c: (-c["size"], c["kept"]))
    sizes = Counter(c["size"] for c in clusters)
    return {
        "clusters": len(clusters),
        "duplicate_rows": sum(len(d) for d in members.values()),
        "cross_source_clusters": sum(1 for c in clusters if len(c["sources"]) > 1),
        "cross_site_clusters": sum(1 for c in clusters if len(c["sites"]) > 1),
        "kept_not_released": sum(1 for k in members if k not in source_of),
        "sizes": [{"size": size, "clusters": sizes[size]} for size in sorted(sizes)],
        "largest": clusters[:top],
    }


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


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:g}"
    text = str(value)
    return " ".join(text.split()).replace("|", "\\|")


def _pct(share: float) -> str:
    return f"{share * 100:.1f}%"


def _table(header: list[str], rows: list[list[Any]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
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
            "**all**",
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
    return line + (f" (failed: {', '.join(failed)})." if failed else ".")


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
    rows.append(["**all**", *(wc["all"].get(k) for k in keys)])
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
                f"{k}={_cell(v)}"
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
