"""Per-release data-quality report: statistics, markdown and deterministic PNG plots.

What: counts, field coverage, article lengths, publication months, top tags / speakers /
entities, quarantine kinds, duplicate clusters and check results of one release, as
`quality_report.json`, `quality_report.md` and `plots/*.png` (`write_report`), and the
summary the dataset card shows. Why: a person deciding whether to use a release sees what is
in it and what was left out, and the same release always gives the same bytes.
Statistics: `accumulate.py`; rendering: `markdown.py` and `plots.py`; the report: `model.py`.
"""

from akhbar.report.accumulate import PART_ROWS, ReportAccumulator, quality_report, reason_kind
from akhbar.report.model import (
    COVERAGE_FIELDS,
    ENTITY_LABELS,
    PLOTS,
    QUANTILES,
    REPORT_FORMAT,
    WORD_BINS,
    QualityReport,
)
from akhbar.report.plots import plot_data_uris, write_report

__all__ = [
    "COVERAGE_FIELDS",
    "ENTITY_LABELS",
    "PART_ROWS",
    "PLOTS",
    "QUANTILES",
    "REPORT_FORMAT",
    "WORD_BINS",
    "QualityReport",
    "ReportAccumulator",
    "plot_data_uris",
    "quality_report",
    "reason_kind",
    "write_report",
]
