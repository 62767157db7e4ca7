"""The report as markdown: the full report (`QualityReport.to_markdown`) and the short version
for the dataset card (`QualityReport.summary_markdown`); every value escaped (akhbar.escape)."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Mapping
from typing import Any

from akhbar.escape import Markdown, md_text
from akhbar.report.accumulate import _share
from akhbar.report.model import QUANTILES, QualityReport

# --------------------------------------------------------------------------- markdown


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
    line = f"Checks run before this release was written: {passed} of {len(report.checks)} passed"
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
