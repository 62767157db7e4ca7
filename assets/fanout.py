"""The article stages fanned out: normalized_articles, article_fields and duplicate_marks as
graphs whose per-part work runs as separate steps, one per group of `parts_per_step` parts, that
any executor can place (the multiprocess executor on this machine, Celery workers anywhere).

The same asset keys, outputs, code versions and metadata as assets/articles.py, and the same
runner pieces (akhbar.runner: a stage's plan, groups and finish), so the same parts and the same
release bytes; `akhbar build` keeps the streaming assets (one step per stage: no per-step cost on
one machine). Each stage:

    plan_<stage>   which input parts need work (their output part is not on disk): the plan
                   (an output the finish reads: the output keys, the parts made), and a dynamic
                   output per group of them; no group when every part is there already
    <stage>_parts  one mapped step per group: make the group's parts with the local pool
                   (`workers` processes), gate them and write them with their sidecars
    finish         once every group is done: the stage's PartSet in input order, its quarantine,
                   stats, and garbage collection of the parts no longer listed

Normalization has two passes: segment_parts, then find_stock (whole corpus: the stock
paragraphs over every part's candidates; it also plans the second pass, whose part keys depend
on the stock among each part's candidates), then remove_stock_parts. Dedup: sign_parts, then
decide_duplicates over every signature part, as the streaming asset does.

Dynamic outputs, not partitions: a part's key is the hash of its input rows and code, new on
every change of input, so the parts are no stable partition set; a plan emits only the groups
that need work, so an unchanged part is sent to no step.

Each group step logs `parts <key> <key>... on worker <name> (host <hostname>, pid <pid>)`, where
<name> is the Celery worker's nodename when the step runs in a Celery task, else the host name;
its output's metadata holds the same (`worker`, `host`, `pid`, `parts`).
"""

import os
import socket
from collections.abc import Iterator
from typing import Any

from dagster import (
    DagsterRunStatus,
    DynamicOut,
    DynamicOutput,
    MetadataValue,
    OpExecutionContext,
    Out,
    Output,
    graph_multi_asset,
    op,
)

from akhbar import runner, storage
from akhbar.assets.articles import (
    DEDUP_OUTS,
    FIELDS_OUTS,
    GX_GATE,
    NORMALIZED_OUTS,
    dedup_outputs,
    fields_outputs,
    normalized_outputs,
)
from akhbar.assets.metadata import DATA_ROOT_POOL
from akhbar.assets.resources import AkhbarSettings
from akhbar.parts import PartSet, release_free_memory
from akhbar.runner import StagePlan


def celery_nodename() -> str | None:
    """The nodename of the Celery worker whose task runs this code (`name@host`), or None."""
    try:
        from celery import current_task
    except ImportError:
        return None
    try:
        task = current_task._get_current_object()
    except Exception:  # no app, no task: not in a Celery worker
        return None
    if task is None:
        return None
    return getattr(task.request, "hostname", None) or None


def where_running() -> dict[str, Any]:
    """The worker (Celery nodename, else the host name), host and pid of this step."""
    host = socket.gethostname()
    return {"worker": celery_nodename() or host, "host": host, "pid": os.getpid()}


# --- plans and groups: JSON-able op outputs (the I/O manager stores them per run) -------------


def emit_groups(context: OpExecutionContext, plan: StagePlan, parts_per_step: int, stage: str) -> Iterator:
    """The plan itself (output "plan", for the stage's finish: its keys and the parts the groups
    make), then a DynamicOutput per group of the plan's todo parts (output "groups"): {"parts":
    the input parts (a PartSet's JSON), "keys": their output keys}, mapped by the first output
    key."""
    yield Output(plan.to_json(), output_name="plan")
    groups = plan.groups(parts_per_step)
    context.log.info(
        f"{stage}: {len(plan.todo)} of {len(plan.parts.parts)} parts to make, in {len(groups)} steps "
        f"of at most {max(parts_per_step, 1)} parts; {plan.reused} reused"
    )
    for group in groups:
        parts, keys = plan.subset(group)
        yield DynamicOutput(
            {"parts": parts.to_json(), "keys": keys}, output_name="groups", mapping_key=keys[0][:16]
        )


def _group(group: dict[str, Any]) -> tuple[PartSet, list[str]]:
    return PartSet.from_json(group["parts"]), list(group["keys"])


def ran(context: OpExecutionContext, keys: list[str]) -> Output:
    """The group step's result: which parts it made and where, logged and in its metadata."""
    where = where_running()
    context.log.info(
        f"parts {' '.join(keys)} on worker {where['worker']} (host {where['host']}, pid {where['pid']})"
    )
    return Output(
        {"keys": keys, **where},
        metadata={
            "parts": len(keys),
            "worker": MetadataValue.text(where["worker"]),
            "host": MetadataValue.text(where["host"]),
            "pid": where["pid"],
        },
    )


def remove_finished_runs(context: OpExecutionContext, runs: Any) -> None:
    """Remove the plans and group results (`stages/runs/<run id>/`) of the runs that succeeded:
    only a failed run's are read again (a re-execution from failure loads its finished steps'
    outputs); a run that succeeded made its parts, which a later run reuses by their keys."""
    removed, folders = 0, 0
    for name, is_folder in storage.listdir(runs):
        if not is_folder or name == context.run_id:
            continue
        run = context.instance.get_run_by_id(name)
        if run is not None and run.status == DagsterRunStatus.SUCCESS:
            removed += storage.delete_tree(runs / name)
            folders += 1
    if folders:
        context.log.info(f"removed the op outputs of {folders} earlier successful runs ({removed:,} bytes)")


def _workers(akhbar: AkhbarSettings) -> int | None:
    return akhbar.workers or None


# --- normalized_articles ----------------------------------------------------------------------


@op(
    pool=DATA_ROOT_POOL,
    out={"plan": Out(), "groups": DynamicOut()},
    description="Plan the first pass of normalization: the raw parts whose segmented part is not "
    "on disk, in groups of parts_per_step, one step each. Removes the op outputs of earlier "
    "successful runs (stages/runs/<run id>/).",
)
def plan_segment(context: OpExecutionContext, akhbar: AkhbarSettings, raw_articles: PartSet):
    remove_finished_runs(context, akhbar.stages_dir / "runs")
    plan = runner.segment_plan(raw_articles, akhbar.parts_dir(runner.SEGMENTED), GX_GATE)
    yield from emit_groups(context, plan, akhbar.parts_per_step, "segment")


@op(
    pool=DATA_ROOT_POOL,
    description="Clean and segment a group of raw parts (first pass of normalization), each "
    "written with its stock-paragraph candidates.",
)
def segment_parts(context: OpExecutionContext, akhbar: AkhbarSettings, group: dict) -> Output:
    parts, keys = _group(group)
    runner.segment_group(
        parts,
        akhbar.parts_dir(runner.SEGMENTED),
        workers=_workers(akhbar),
        gate=GX_GATE,
        log=context.log.info,
    )
    return ran(context, keys)


@op(
    pool=DATA_ROOT_POOL,
    out={"plan": Out(), "stock": Out(), "groups": DynamicOut()},
    description="Find the stock paragraphs over every segmented part's candidates (whole corpus), "
    "then plan the second pass: the segmented parts whose normalized part (keyed by the stock "
    "among its candidates) is not on disk, in groups of parts_per_step.",
)
def find_stock(context: OpExecutionContext, akhbar: AkhbarSettings, segment_plan: dict, segmented: list):
    segmented_parts, candidates = runner.segment_finish(
        StagePlan.from_json(segment_plan), akhbar.parts_dir(runner.SEGMENTED)
    )
    stock = runner.find_stock_logged(candidates, context.log.info)
    plan = runner.remove_stock_plan(
        segmented_parts, candidates, stock, akhbar.parts_dir(runner.NORMALIZED), GX_GATE
    )
    yield Output({source: sorted(hashes) for source, hashes in sorted(stock.items())}, output_name="stock")
    yield from emit_groups(context, plan, akhbar.parts_per_step, "stock paragraphs")


@op(
    pool=DATA_ROOT_POOL,
    description="Remove the stock paragraphs from a group of segmented parts and gate them "
    "(second pass of normalization), each written with its quarantine.",
)
def remove_stock_parts(
    context: OpExecutionContext, akhbar: AkhbarSettings, group: dict, stock: dict
) -> Output:
    parts, keys = _group(group)
    runner.remove_stock_group(
        parts,
        keys,
        {source: frozenset(hashes) for source, hashes in stock.items()},
        akhbar.parts_dir(runner.NORMALIZED),
        workers=_workers(akhbar),
        gate=GX_GATE,
        log=context.log.info,
    )
    return ran(context, keys)


@op(
    pool=DATA_ROOT_POOL,
    out={"normalized_articles": Out(), "normalized_quarantine": Out()},
    description="The normalized parts in input order, their quarantine and stats, once every "
    "group is done; parts no longer listed removed.",
)
def finish_normalize(context: OpExecutionContext, akhbar: AkhbarSettings, plan: dict, normalized: list):
    run = runner.normalize_finish(
        StagePlan.from_json(plan), akhbar.parts_dir(runner.NORMALIZED), log=context.log.info
    )
    yield from normalized_outputs(run)


@graph_multi_asset(outs=NORMALIZED_OUTS)
def normalized_articles(raw_articles):
    first, groups = plan_segment(raw_articles)
    segmented = groups.map(segment_parts).collect()
    plan, stock, groups = find_stock(first, segmented)
    normalized = groups.map(lambda group: remove_stock_parts(group, stock)).collect()
    articles, quarantine = finish_normalize(plan, normalized)
    return {"normalized_articles": articles, "normalized_quarantine": quarantine}


# --- article_fields ---------------------------------------------------------------------------


@op(
    pool=DATA_ROOT_POOL,
    out={"plan": Out(), "groups": DynamicOut()},
    description="Plan field extraction: the normalized parts whose fields part is not on disk, "
    "in groups of parts_per_step, one step each.",
)
def plan_extract(context: OpExecutionContext, akhbar: AkhbarSettings, normalized_articles: PartSet):
    plan = runner.extract_plan(normalized_articles, akhbar.parts_dir(runner.FIELDS), GX_GATE)
    yield from emit_groups(context, plan, akhbar.parts_per_step, "extract fields")


@op(
    pool=DATA_ROOT_POOL,
    description="Extract the fields of a group of normalized parts and gate them, each written "
    "sorted by id with its quarantine.",
)
def extract_parts(context: OpExecutionContext, akhbar: AkhbarSettings, group: dict) -> Output:
    parts, keys = _group(group)
    runner.extract_group(
        parts, akhbar.parts_dir(runner.FIELDS), workers=_workers(akhbar), gate=GX_GATE, log=context.log.info
    )
    return ran(context, keys)


@op(
    pool=DATA_ROOT_POOL,
    out={"article_fields": Out(), "fields_quarantine": Out()},
    description="The fields parts in input order, their quarantine and coverage, once every group "
    "is done; parts no longer listed removed.",
)
def finish_extract(context: OpExecutionContext, akhbar: AkhbarSettings, plan: dict, fields: list):
    folder = akhbar.parts_dir(runner.FIELDS)
    yield from fields_outputs(runner.extract_finish(StagePlan.from_json(plan), folder, log=context.log.info))


@graph_multi_asset(outs=FIELDS_OUTS)
def article_fields(normalized_articles):
    plan, groups = plan_extract(normalized_articles)
    articles, quarantine = finish_extract(plan, groups.map(extract_parts).collect())
    return {"article_fields": articles, "fields_quarantine": quarantine}


# --- duplicate_marks --------------------------------------------------------------------------


@op(
    pool=DATA_ROOT_POOL,
    out={"plan": Out(), "groups": DynamicOut()},
    description="Plan the dedup signatures: the fields parts whose signature part is not on disk, "
    "in groups of parts_per_step, one step each.",
)
def plan_signatures(context: OpExecutionContext, akhbar: AkhbarSettings, article_fields: PartSet):
    plan = runner.sign_plan(article_fields, akhbar.parts_dir(runner.SIGNATURES))
    yield from emit_groups(context, plan, akhbar.parts_per_step, "dedup signatures")


@op(pool=DATA_ROOT_POOL, description="The MinHash signatures of a group of fields parts, a part each.")
def sign_parts(context: OpExecutionContext, akhbar: AkhbarSettings, group: dict) -> Output:
    parts, keys = _group(group)
    folder = akhbar.parts_dir(runner.SIGNATURES)
    runner.sign_group(parts, keys, folder, workers=_workers(akhbar), log=context.log.info)
    return ran(context, keys)


@op(
    pool=DATA_ROOT_POOL,
    out={"duplicate_marks": Out(), "dedup_index": Out()},
    description="Decide the duplicates over every signature part and the latest release's index "
    "(whole corpus), once every group is done; signature parts no longer listed removed.",
)
def decide_duplicates(context: OpExecutionContext, akhbar: AkhbarSettings, plan: dict, signatures: list):
    release_free_memory()
    parts = runner.sign_finish(StagePlan.from_json(plan), akhbar.parts_dir(runner.SIGNATURES))
    yield from dedup_outputs(context.log.info, akhbar.data_root, parts)


@graph_multi_asset(outs=DEDUP_OUTS)
def duplicate_marks(article_fields):
    plan, groups = plan_signatures(article_fields)
    marks, index = decide_duplicates(plan, groups.map(sign_parts).collect())
    return {"duplicate_marks": marks, "dedup_index": index}
