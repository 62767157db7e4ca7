"""The report's files: `quality_report.json`, `.md` and deterministic PNG plots (matplotlib's
Agg canvas, default style, fixed size and dpi, no metadata)."""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

from akhbar import storage
from akhbar.report.model import PLOTS, QualityReport

_PLOT_SIZE = (8.0, 4.5)  # inches
_PLOT_DPI = 100

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
        path = storage.location(folder) / rel  # the data root's, local or on an object store
        if storage.exists(path):
            uris[name] = "data:image/png;base64," + base64.b64encode(storage.read_bytes(path)).decode("ascii")
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
