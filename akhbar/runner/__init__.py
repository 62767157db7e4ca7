"""The stage runner: one orchestration path for Dagster's assets, tests, evaluation and
benchmarks.

A stage is a pure function over an Arrow table (akhbar/stages/); it never sees a pool, a part
file or a completion marker. The runner owns the rest, as datatrove's executor does for its
steps:

- parts and their keys, reuse of parts an earlier run made, sidecars beside them, garbage
  collection of parts no longer listed (core.py, on akhbar.parts);
- the worker pool, its fork server and preload, and the look-ahead that keeps the workers on
  the next parts while this process gates and writes (pool.py, worker_preload.py, core.py);
- the row-level gate, a hook (`Gate`) the caller passes in: the pipeline's is the GX suites of
  assets/gx_suites.py, which akhbar never imports;
- stats and progress lines, through a `log` callback.

Stages: `read_raw` (raw.py), `normalize`, `extract` and `signatures` (articles.py, each also
as a plan, groups and a finish, for the fan-out of assets/fanout.py); over one
in-memory table: `normalize_articles`, `extract_fields` (tables.py).
"""

from akhbar.runner.articles import (
    FIELDS,
    NORMALIZED,
    SEGMENTED,
    SIGNATURES,
    FieldsRun,
    NormalizeRun,
    StagePlan,
    extract,
    extract_finish,
    extract_group,
    extract_plan,
    find_stock_logged,
    normalize,
    normalize_finish,
    remove_stock_group,
    remove_stock_plan,
    segment_finish,
    segment_group,
    segment_plan,
    sign_finish,
    sign_group,
    sign_plan,
    signatures,
)
from akhbar.runner.core import NO_GATE, Gate, stage_key_version
from akhbar.runner.raw import RawRun, read_raw
from akhbar.runner.tables import extract_fields, normalize_articles

__all__ = [
    "FIELDS",
    "NORMALIZED",
    "NO_GATE",
    "SEGMENTED",
    "SIGNATURES",
    "FieldsRun",
    "Gate",
    "NormalizeRun",
    "RawRun",
    "StagePlan",
    "extract",
    "extract_fields",
    "extract_finish",
    "extract_group",
    "extract_plan",
    "find_stock_logged",
    "normalize",
    "normalize_articles",
    "normalize_finish",
    "read_raw",
    "remove_stock_group",
    "remove_stock_plan",
    "segment_finish",
    "segment_group",
    "segment_plan",
    "sign_finish",
    "sign_group",
    "sign_plan",
    "signatures",
    "stage_key_version",
]
