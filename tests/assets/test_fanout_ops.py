"""The pieces of the fanned-out graph (assets/fanout.py) around the runner: groups emitted as
dynamic outputs, the plan after the groups ran, where a step says it ran, and the op outputs
that are no asset going through the I/O manager."""

from __future__ import annotations

import socket
from pathlib import Path
from types import SimpleNamespace

import pytest
from dagster import build_input_context, build_output_context

from akhbar.assets.fanout import celery_nodename, emit_groups, where_running
from akhbar.assets.io_manager import StageIOManager
from akhbar.assets.resources import AkhbarSettings
from akhbar.parts import Part, PartSet
from akhbar.runner import StagePlan


def _plan(todo: tuple[int, ...]) -> StagePlan:
    parts = PartSet(Path("/in"), tuple(Part(f"in{i}", 10 + i) for i in range(5)))
    return StagePlan(parts, tuple(f"{i:x}" * 32 for i in range(10, 15)), todo)


@pytest.mark.parametrize(
    ("per_step", "expected"), [(1, [[1], [3], [4]]), (2, [[1, 3], [4]]), (9, [[1, 3, 4]])]
)
def test_groups_are_emitted_with_their_parts_and_keys(per_step: int, expected: list[list[int]]) -> None:
    lines: list[str] = []
    context = SimpleNamespace(log=SimpleNamespace(info=lines.append))
    plan = _plan((1, 3, 4))
    first, *outputs = emit_groups(context, plan, per_step, "stage")
    # the plan first, for the stage's finish: its keys and the parts the groups make
    assert first.output_name == "plan"
    assert StagePlan.from_json(first.value) == plan
    assert [[p["key"] for p in o.value["parts"]["parts"]] for o in outputs] == [
        [f"in{i}" for i in group] for group in expected
    ]
    assert [o.value["keys"] for o in outputs] == [[plan.keys[i] for i in group] for group in expected]
    assert [o.mapping_key for o in outputs] == [plan.keys[group[0]][:16] for group in expected]
    assert {o.output_name for o in outputs} == {"groups"}
    assert lines == [
        f"stage: 3 of 5 parts to make, in {len(expected)} steps of at most {per_step} parts; 2 reused"
    ]


def test_outside_celery_the_worker_is_the_host() -> None:
    assert celery_nodename() is None
    assert where_running()["worker"] == socket.gethostname()


@pytest.mark.parametrize("value", [{"keys": ["a"], "pid": 3}, PartSet(Path("/p"), (Part("k", 2),))])
@pytest.mark.parametrize("mapping_key", [None, "0123abcd"])
def test_op_outputs_go_through_the_io_manager_per_run_and_step(
    tmp_path: Path, value: object, mapping_key: str | None
) -> None:
    manager = StageIOManager(base_path=AkhbarSettings(data_root=str(tmp_path)).stages_dir)
    step = "normalized_articles.segment_parts[0123abcd]"
    out = build_output_context(step_key=step, name="result", run_id="run-1", mapping_key=mapping_key)
    manager.handle_output(out, value)
    other = build_output_context(step_key=step, name="result", run_id="run-2", mapping_key=mapping_key)
    manager.handle_output(other, {"another": "run"})
    assert manager.load_input(build_input_context(upstream_output=out)) == value
    assert len([p for p in (tmp_path / "stages" / "runs").rglob("*") if p.is_file()]) == 2
