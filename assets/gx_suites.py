"""Great Expectations 1.x suites from `expectations/`, evaluated directly on pandas frames.

Over 500 lines on purpose: the one module that calls GX (suites, the row gate, part-wise
validation, minimum counts, failure lines), so GX's API is met in one place.

`dagster-ge` pins GX < 1, so the suites are run with GX's own API: an ephemeral context,
a pandas dataframe asset, and `Batch.validate`. The summary returned is plain JSON-ready
data for asset-check metadata and the release manifest.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
from collections.abc import Callable, Iterable
from functools import cache
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa

from akhbar import storage
from akhbar.ingest.records import quarantine_rows
from akhbar.parts import write_table_atomic, write_text_atomic
from akhbar.quality import ROW, drop_rows

os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")  # no usage statistics calls

_HERE = Path(__file__).resolve().parent
# The repository's expectations/ (editable install), else the copy packaged in the wheel.
SUITES_DIR = (
    _HERE.parent / "expectations" if (_HERE.parent / "expectations").is_dir() else (_HERE / "expectations")
)
EXAMPLES_PER_EXPECTATION = 5
# Columns that say where a row came from: failing rows are named by them besides their id.
ORIGIN_COLUMNS = ("source", "origin", "file")


def load_suite_doc(name: str) -> dict[str, Any]:
    path = SUITES_DIR / f"{name}.json"
    return json.loads(path.read_text(encoding="utf-8"))


@cache
def _context():
    import great_expectations as gx
    from great_expectations.data_context.types.base import (
        DataContextConfig,
        InMemoryStoreBackendDefaults,
        ProgressBarsConfig,
    )
    from great_expectations.execution_engine import pandas_execution_engine

    # GX fingerprints every in-memory batch under 1 GB (an md5 over pandas' hash of every cell,
    # kept as the batch marker "pandas_data_fingerprint"). Nothing here reads that marker, and
    # on these text columns it was 6% of a build (4.4 s of 71 on SaudiNewsNet). The engine
    # reads the threshold at each batch: zero turns the fingerprint off.
    pandas_execution_engine.HASH_THRESHOLD = 0

    # In-memory stores and no data-docs site: validation leaves nothing on disk.
    config = DataContextConfig(
        store_backend_defaults=InMemoryStoreBackendDefaults(init_temp_docs_sites=False)
    )
    context = gx.get_context(mode="ephemeral", project_config=config)
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    return context


def _clean(value: Any) -> Any:
    """JSON-safe values (GX reports NaN for nulls in pandas object columns)."""
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_clean(v) for v in value]
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    return str(value)


def expectation_name(suite_name: str, expectation: dict[str, Any]) -> str:
    """How quarantine reasons and metadata name an expectation: suite.type(column)."""
    column = expectation["kwargs"].get("column")
    return f"{suite_name}.{expectation['type']}" + (f"({column})" if column else "")


def validate_frame(
    frame: pd.DataFrame,
    suite_name: str,
    *,
    id_column: str = "id",
    parameters: dict[str, Any] | None = None,
    index_column: str | None = None,
    select: Callable[[dict[str, Any]], bool] | None = None,
    failing_rows: bool = False,
    judge: bool = True,
) -> dict[str, Any]:
    """Evaluate suite `suite_name` on `frame`; return success, statistics and per-expectation
    results with unexpected counts, the observed value, the population (the column's non-null
    values) and a few failing rows (by `id_column`, with their source and origin when the frame
    has them).

    `parameters` fill the suite's {"$PARAMETER": name} values. `select` keeps only the
    expectations (suite JSON entries) it returns true for. With `failing_rows`, GX's COMPLETE
    result format is asked for, and each result lists every failing row's `index_column` value
    under "failing_rows" (None otherwise); the rest of a result is the same either way.
    With `judge` (the default), an expectation whose population is below its `meta.min_count`
    passes as not judged (`judge_result`); a part of a corpus is not judged alone."""
    import great_expectations as gx
    from great_expectations.expectations.expectation_configuration import (
        ExpectationConfiguration,
    )

    doc = load_suite_doc(suite_name)
    suite = gx.ExpectationSuite(name=doc["name"])
    expectations = [x for x in doc["expectations"] if select is None or select(x)]
    if not expectations:
        return {
            "suite": doc["name"],
            "success": True,
            "evaluated": 0,
            "successful": 0,
            "failed": 0,
            "rows": len(frame),
            "results": [],
        }
    for expectation in expectations:
        suite.add_expectation_configuration(
            ExpectationConfiguration(
                type=expectation["type"], kwargs=expectation["kwargs"], meta=expectation.get("meta")
            )
        )
    context = _context()
    source_name = f"akhbar-{suite_name}"
    try:
        datasource = context.data_sources.get(source_name)
    except (KeyError, ValueError):
        datasource = context.data_sources.add_pandas(source_name)
    asset = (
        datasource.get_asset(suite_name)
        if suite_name in datasource.get_asset_names()
        else datasource.add_dataframe_asset(suite_name)
    )
    batch_definition = (
        asset.get_batch_definition("whole")
        if asset.batch_definitions
        else asset.add_batch_definition_whole_dataframe("whole")
    )
    batch = batch_definition.get_batch(batch_parameters={"dataframe": frame})
    result_format: dict[str, Any] = {
        "result_format": "COMPLETE" if failing_rows else "SUMMARY",
        "partial_unexpected_count": EXAMPLES_PER_EXPECTATION,
    }
    index_columns = [
        c for c in dict.fromkeys((id_column, *ORIGIN_COLUMNS, index_column)) if c and c in frame.columns
    ]
    if index_columns:
        result_format["unexpected_index_column_names"] = index_columns
    outcome = batch.validate(suite, result_format=result_format, expectation_parameters=parameters)
    docs = {expectation_name(doc["name"], x): x for x in expectations}
    results = []
    for r in outcome.results:
        kwargs = r.expectation_config.kwargs
        detail = r.result or {}
        examples = detail.get("partial_unexpected_index_list") or [
            {"value": v} for v in detail.get("partial_unexpected_list", [])
        ]
        if r.expectation_config.type == "expect_table_columns_to_match_ordered_list" and not r.success:
            examples = [{"observed": detail.get("observed_value"), "expected": kwargs.get("column_list")}]
        name = expectation_name(doc["name"], {"type": r.expectation_config.type, "kwargs": kwargs})
        column = kwargs.get("column")
        meta = docs[name].get("meta") or {}
        row = {
            "name": name,
            "failing_rows": [e[index_column] for e in detail.get("unexpected_index_list") or []]
            if failing_rows and index_column
            else None,
        }
        results.append(
            _clean(
                row
                | {
                    "expectation": r.expectation_config.type,
                    "column": kwargs.get("column"),
                    "success": bool(r.success),
                    "element_count": detail.get("element_count"),
                    "missing_count": detail.get("missing_count"),
                    "unexpected_count": detail.get("unexpected_count"),
                    "unexpected_percent": detail.get("unexpected_percent"),
                    "examples": [
                        {k: v for k, v in e.items() if k != index_column} if isinstance(e, dict) else e
                        for e in examples[:EXAMPLES_PER_EXPECTATION]
                    ],
                    "exception": (r.exception_info or {}).get("exception_message")
                    if isinstance(r.exception_info, dict) and r.exception_info.get("raised_exception")
                    else None,
                    "observed_value": detail.get("observed_value")
                    if r.expectation_config.type in AGGREGATE_EXPECTATIONS
                    else None,
                    "population": int(frame[column].notna().sum()) if column in frame.columns else len(frame),
                    "judged": True,
                    "note": None,
                    "fix": meta.get("fix"),
                }
            )
        )
    if judge:
        for result in results:
            judge_result(docs[result["name"]], result)
    return _summary(doc["name"], results, len(frame))


def _summary(suite: str, results: list[dict[str, Any]], rows: int) -> dict[str, Any]:
    successful = sum(1 for r in results if r["success"])
    return {
        "suite": suite,
        "success": successful == len(results),
        "evaluated": len(results),
        "successful": successful,
        "failed": len(results) - successful,
        "rows": rows,
        "results": results,
    }


# The expectations GX reports an observed value for (a statistic of the column or table), not
# failing rows.
AGGREGATE_EXPECTATIONS = frozenset(
    {
        "expect_column_mean_to_be_between",
        "expect_column_median_to_be_between",
        "expect_column_sum_to_be_between",
        "expect_column_proportion_of_unique_values_to_be_between",
        "expect_table_row_count_to_equal",
        "expect_table_row_count_to_be_between",
    }
)


def judge_result(expectation: dict[str, Any], result: dict[str, Any]) -> dict[str, Any]:
    """A statistic of too few values says nothing: an expectation with `meta.min_count` is
    judged only when its population (the column's non-null values, e.g. articles with quotes)
    reaches it; below, it passes with a note saying why it was not judged. An expectation
    without it is always judged; GX already lets an empty column pass every expectation but
    a statistic of it (a mean of nothing), which therefore carries a `min_count`."""
    meta = expectation.get("meta") or {}
    minimum = meta.get("min_count")
    population = result.get("population") or 0
    if minimum is not None and population < minimum:
        noun = meta.get("population", "values")
        result |= {
            "success": True,
            "judged": False,
            "exception": None,
            "note": f"not judged: {population} {noun}, fewer than the {minimum} it needs",
        }
    else:
        result |= {"judged": True, "note": None}
    return result


def _quarantine(
    table: pa.Table, results: list[dict[str, Any]], doc: dict[str, Any], frame: pd.DataFrame, *, stage: str
) -> tuple[pa.Table, pa.Table, dict[str, int]]:
    """Every row failing a row-level expectation of suite `doc` moved to quarantine rows whose
    reason names the first expectation it failed: `expectation <suite>.<type>(<column>)`, or
    the expectation's `meta.quarantine_reason` (`quarantine_reason`) where it has one."""
    by_name = {expectation_name(doc["name"], x): x for x in doc["expectations"]}
    reasons: dict[int, str] = {}
    counts: dict[str, int] = {}
    for result in results:
        expectation = by_name.get(result["name"])
        if expectation is None or not (expectation.get("meta") or {}).get("row_level"):
            continue
        rows = result["failing_rows"] or []
        if result["exception"]:
            raise RuntimeError(f"{result['name']} could not be evaluated: {result['exception']}")
        if rows:
            counts[result["name"]] = len(rows)
        column = expectation["kwargs"].get("column")
        values = frame[column].to_numpy() if column in frame.columns else None
        for row in rows:
            if int(row) not in reasons:
                value = values[int(row)] if values is not None else None
                reasons[int(row)] = quarantine_reason(doc["name"], expectation, value)
    return drop_rows(table, set(reasons)), quarantine_rows(table, reasons, stage=stage), counts


def quarantine_reason(suite_name: str, expectation: dict[str, Any], value: Any) -> str:
    """The reason a row failing a row-level expectation is quarantined with. The expectation's
    `meta.quarantine_reason` is a template a person can read ("not Arabic: {percent}% Arabic
    letters"), filled with the row's value: {value}, {percent} (the value as a whole percentage,
    rounded down so it never reaches the bound it failed) and the kwargs ({min_value},
    {min_percent}, ...). Without one, the reason names the expectation."""
    template = (expectation.get("meta") or {}).get("quarantine_reason")
    if not template:
        return f"expectation {expectation_name(suite_name, expectation)}"
    kwargs = expectation["kwargs"]
    fields: dict[str, Any] = {k: v for k, v in kwargs.items() if isinstance(v, int | float | str)}
    for key in ("min_value", "max_value"):
        if isinstance(kwargs.get(key), int | float):
            fields[key.replace("value", "percent")] = round(100 * kwargs[key])
    number = isinstance(value, int | float) and not (isinstance(value, float) and math.isnan(value))
    fields["value"] = value
    fields["percent"] = math.floor(100 * value) if number else "?"
    return template.format(**fields)


def gate_part(
    table: pa.Table,
    frame_of: Callable[[pa.Table], pd.DataFrame],
    suite_name: str,
    *,
    stage: str,
    where: Path,
    frame: pd.DataFrame | None = None,
) -> tuple[pa.Table, pa.Table, dict[str, int]]:
    """The row-level gate of a part that will be written at `where`, and its share of the
    suite kept beside it (as `validate_parts` keeps it), so the suite's check reads it instead
    of reading the part and building its frame again. Returns (kept rows, quarantined rows,
    failing rows per expectation); a row's quarantine reason names the first row-level
    expectation it failed.

    One GX validation does both while no row fails, the usual case: every expectation that
    holds row by row runs on the part's frame, listing failing rows, and the kept rows are then
    the whole part. When rows fail, the share is evaluated again on the kept rows' frame.
    `frame` is `frame_of(table)` when the caller has built it already."""
    frame = frame_of(table) if frame is None else frame
    part_suite = _PartSuite(suite_name, id_column="id", parameters=None)
    summary = validate_frame(
        frame,
        suite_name,
        index_column=ROW,
        failing_rows=True,
        select=lambda x: not _is_corpus_level(x),
        judge=False,
    )
    kept, quarantined, counts = _quarantine(table, summary["results"], part_suite.doc, frame, stage=stage)
    if quarantined.num_rows:
        part_suite.store(where, frame_of(kept))
    else:
        results = [r | {"failing_rows": None} for r in summary["results"]]
        part_suite.keep(where, results, part_suite.columns_of(frame))
    return kept, quarantined, counts


# Expectations about the corpus as a whole (uniqueness across parts, a mean, a row count): they
# are evaluated once, on the few columns they name gathered from every part. Every other
# expectation holds row by row and is evaluated part by part.
CORPUS_EXPECTATIONS = frozenset(
    {
        "expect_column_values_to_be_unique",
        "expect_column_mean_to_be_between",
        "expect_column_median_to_be_between",
        "expect_column_sum_to_be_between",
        "expect_column_proportion_of_unique_values_to_be_between",
        "expect_table_row_count_to_equal",
        "expect_table_row_count_to_be_between",
    }
)


def _is_corpus_level(expectation: dict[str, Any]) -> bool:
    return expectation["type"] in CORPUS_EXPECTATIONS


# A part whose suite results may be kept beside it: (where, how to build its frame).
CachedFrame = tuple[Path, Callable[[], pd.DataFrame]]


class _PartSuite:
    """What a suite evaluates part by part: every expectation that holds row by row, and the
    corpus-level expectations' columns to gather. A part's results can be kept beside it at
    `path` + `.suite-<hash>.json/.parquet` (the hash of the suite and parameters)."""

    def __init__(self, suite_name: str, *, id_column: str, parameters: dict[str, Any] | None) -> None:
        self.name = suite_name
        self.id_column = id_column
        self.parameters = parameters
        self.doc = load_suite_doc(suite_name)
        self.hash = hashlib.sha256(
            json.dumps([self.doc, parameters], sort_keys=True, default=str).encode()
        ).hexdigest()[:12]
        self.corpus_columns = sorted(
            {
                x["kwargs"]["column"]
                for x in self.doc["expectations"]
                if _is_corpus_level(x) and "column" in x["kwargs"]
            }
            | {id_column}
        )

    def evaluate(self, frame: pd.DataFrame) -> tuple[list[dict[str, Any]], pd.DataFrame]:
        part = validate_frame(
            frame,
            self.name,
            id_column=self.id_column,
            parameters=self.parameters,
            select=lambda x: not _is_corpus_level(x),
            judge=False,
        )
        return part["results"], self.columns_of(frame)

    def columns_of(self, frame: pd.DataFrame) -> pd.DataFrame:
        return frame[[c for c in self.corpus_columns if c in frame.columns]]

    def stored_at(self, where: Path) -> tuple[Path, Path]:
        results = where.with_name(f"{where.name}.suite-{self.hash}.json")
        return results, results.with_suffix(".parquet")

    def store(self, where: Path, frame: pd.DataFrame) -> tuple[list[dict[str, Any]], pd.DataFrame]:
        results, columns = self.evaluate(frame)
        self.keep(where, results, columns)
        return results, columns

    def keep(self, where: Path, results: list[dict[str, Any]], columns: pd.DataFrame) -> None:
        results_path, columns_path = self.stored_at(where)
        write_table_atomic(pa.Table.from_pandas(columns, preserve_index=False), columns_path)
        write_text_atomic(results_path, json.dumps(results))

    def stored(self, where: Path) -> tuple[list[dict[str, Any]], pd.DataFrame] | None:
        results_path, columns_path = self.stored_at(where)
        if not (storage.exists(results_path) and storage.exists(columns_path)):
            return None
        return json.loads(storage.read_text(results_path)), storage.read_table(columns_path).to_pandas()


def validate_parts(
    frames: Iterable[pd.DataFrame | CachedFrame],
    suite_name: str,
    *,
    id_column: str = "id",
    parameters: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """`validate_frame` over a corpus given as frames, one part at a time, with bounded memory.

    Row-by-row expectations run on each frame and their results are added up (an expectation
    passes when it passes on every part; unexpected and element counts are sums; the first
    examples are kept). Corpus-level expectations (CORPUS_EXPECTATIONS) run once on their
    columns gathered from every frame. The summary has the shape `validate_frame` returns.

    A frame given as (path, make) is a part that keeps its results: its row-by-row results and
    corpus columns are stored at `path` + `.suite-<hash>.json/.parquet` (the hash of the suite
    and parameters; `gate_part` writes the same files) and read back, not recomputed,
    while the part and the suite are unchanged."""
    part_suite = _PartSuite(suite_name, id_column=id_column, parameters=parameters)
    doc = part_suite.doc
    corpus_columns = part_suite.corpus_columns
    merged: dict[str, dict[str, Any]] = {}
    thin: list[pd.DataFrame] = []
    rows = 0

    for item in frames:
        if isinstance(item, pd.DataFrame):
            results, columns = part_suite.evaluate(item)
        else:
            where, make = item
            results, columns = part_suite.stored(where) or part_suite.store(where, make())
        rows += len(columns)
        thin.append(columns)
        for result in results:
            merged[result["name"]] = _merge_result(merged.get(result["name"]), result)
    corpus = validate_frame(
        pd.concat(thin, ignore_index=True) if thin else pd.DataFrame(columns=corpus_columns),
        suite_name,
        id_column=id_column,
        parameters=parameters,
        select=_is_corpus_level,
    )
    # `mostly` is a share of the whole corpus, not of each part: decided on the added-up counts,
    # as is whether the corpus holds enough values to judge an expectation at all.
    for x in doc["expectations"]:
        total = merged.get(expectation_name(doc["name"], x))
        if total is None:
            continue
        mostly = x["kwargs"].get("mostly")
        if mostly is not None and not total["exception"]:
            checked = (total.get("element_count") or 0) - (total.get("missing_count") or 0)
            total["success"] = checked == 0 or 1 - (total.get("unexpected_count") or 0) / checked >= mostly
        judge_result(x, total)
    by_name = merged | {r["name"]: r for r in corpus["results"]}
    order = [expectation_name(doc["name"], x) for x in doc["expectations"]]
    return _summary(doc["name"], [by_name[name] for name in order if name in by_name], rows)


def _merge_result(total: dict[str, Any] | None, part: dict[str, Any]) -> dict[str, Any]:
    if total is None:
        return dict(part)
    merged = dict(total)
    merged["success"] = total["success"] and part["success"]
    for key in ("element_count", "missing_count", "unexpected_count", "population"):
        if part.get(key) is not None:
            merged[key] = (total.get(key) or 0) + part[key]
    if merged.get("element_count"):
        merged["unexpected_percent"] = 100.0 * (merged.get("unexpected_count") or 0) / merged["element_count"]
    merged["examples"] = (total["examples"] + part["examples"])[:EXAMPLES_PER_EXPECTATION]
    merged["exception"] = total["exception"] or part["exception"]
    return merged


GENERIC_FIX = "see the check's results in the Dagster UI (asset checks tab) and the rows named here"


def _where(example: dict[str, Any]) -> str | None:
    """`source origin` of a failing row (`file` for a release's rows), else None."""
    place = " ".join(str(example[k]) for k in ORIGIN_COLUMNS if example.get(k) is not None)
    return place or None


def result_origins(result: dict[str, Any]) -> list[str]:
    """Where the failing rows of a result came from, as `source origin (id …)`: its examples'
    own origin columns, else the origins a check looked up for it (`result["origins"]`)."""
    named = []
    for example in result.get("examples") or []:
        if isinstance(example, dict) and (place := _where(example)):
            named.append(place + (f" (id {example['id']})" if example.get("id") is not None else ""))
    return named or list(result.get("origins") or [])


def _number(value: Any) -> str:
    return f"{value:.3g}" if isinstance(value, float) else str(value)


def describe_failure(expectation: dict[str, Any] | None, result: dict[str, Any]) -> str:
    """One line a person can act on: what failed, over how many values, where those came from
    (source and origin), and what to do (the expectation's `meta.fix`)."""
    meta = (expectation or {}).get("meta") or {}
    kwargs = (expectation or {}).get("kwargs") or {}
    noun = meta.get("population", "rows")
    population = result.get("population")
    if result.get("exception"):
        what = f"could not be evaluated: {result['exception']}"
    elif result["expectation"] == "expect_table_columns_to_match_ordered_list":
        (example,) = result["examples"][:1] or [{}]
        observed, expected = example.get("observed") or [], example.get("expected") or []
        missing = [c for c in expected if c not in observed]
        extra = [c for c in observed if c not in expected]
        what = f"columns differ from the suite's: missing {missing}, unexpected {extra}"
        if not missing and not extra:
            what = "columns are in another order than the suite's"
    elif result["expectation"] in AGGREGATE_EXPECTATIONS:
        bounds = (
            f"{_number(kwargs['value'])}"
            if "value" in kwargs
            else f"between {_number(kwargs.get('min_value'))} and {_number(kwargs.get('max_value'))}"
        )
        observed = result.get("observed_value")
        what = f"observed {_number(observed)} over {population} {noun}, expected {bounds}"
    else:
        unexpected = result.get("unexpected_count") or 0
        what = f"{unexpected} of {population} {noun} fail"
        if kwargs.get("mostly") is not None and population:
            allowed = 1 - kwargs["mostly"]
            what += f" ({unexpected / population:.1%}, more than the {allowed:.0%} allowed)"
    origins = result_origins(result)
    where = f"; e.g. {', '.join(origins[:EXAMPLES_PER_EXPECTATION])}" if origins else ""
    return f"{result['name']}: {what}{where}. What to do: {meta.get('fix') or GENERIC_FIX}"


def failure_lines(summary: dict[str, Any]) -> list[str]:
    """`describe_failure` of every failed expectation of a suite summary."""
    doc = load_suite_doc(summary["suite"])
    by_name = {expectation_name(doc["name"], x): x for x in doc["expectations"]}
    return [describe_failure(by_name.get(r["name"]), r) for r in summary["results"] if not r["success"]]
