"""The article stages as plan, groups and finish (what assets/fanout.py runs as separate steps):
groups cut the plan's todo in order, and parts made group by group, in any order, are the
streaming stage's parts byte for byte."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow as pa
import pytest

from akhbar import runner
from akhbar.ingest import SourceConfig
from akhbar.parts import Part, PartSet, PartWriter
from akhbar.runner import StagePlan

LETTERS = "ابتثجحخدذرزسشصضطظعغفقكلمنهوي"
CLOSING = "تابعوا آخر الأخبار على موقعنا وصفحاتنا في مواقع التواصل الاجتماعي كل يوم"


def _word(value: int) -> str:
    word = ""
    value += len(LETTERS) ** 3
    while value:
        value, digit = divmod(value, len(LETTERS))
        word += LETTERS[digit]
    return word


def _write_source(folder: Path, name: str, numbers: range) -> None:
    """Made-up articles, each with its own words and the same closing paragraph (stock)."""
    folder.mkdir(parents=True, exist_ok=True)
    records = []
    for i in numbers:
        words = [" ".join(_word(i * 100 + j * 17 + k) for k in range(14)) for j in range(3)]
        paragraphs = [f"أعلنت البلدية {w}." for w in words]
        records.append(
            {
                "title": f"البلدية تعلن مشروعا رقم {i}",
                "text": "\n".join([*paragraphs, CLOSING]),
                "url": f"https://example.org/a/{i}",
                "published": f"2024-05-1{i % 10}T08:00:00Z",
            }
        )
    lines = [json.dumps(r, ensure_ascii=False) for r in records]
    (folder / f"{name}.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")


def _files(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file()}


@pytest.fixture(scope="module")
def raw(tmp_path_factory: pytest.TempPathFactory) -> PartSet:
    base = tmp_path_factory.mktemp("groups")
    _write_source(base / "in", "day1", range(9))
    _write_source(base / "in", "day2", range(9, 14))
    sources = [SourceConfig("made_up", str(base / "in"), "jsonl")]
    return runner.read_raw(sources, base / "raw", batch_rows=3, workers=1).parts


def _plan(todo: tuple[int, ...], n: int = 7) -> StagePlan:
    parts = PartSet(Path("in"), tuple(Part(f"k{i}", 1) for i in range(n)))
    return StagePlan(parts, tuple(f"out{i}" for i in range(n)), todo)


@pytest.mark.parametrize("per_group", [0, 1, 2, 3, 7, 20])
@pytest.mark.parametrize("todo", [(), (4,), (0, 2, 3, 5, 6), tuple(range(7))])
def test_groups_cut_the_todo_in_order(per_group: int, todo: tuple[int, ...]) -> None:
    groups = _plan(todo).groups(per_group)
    assert [i for group in groups for i in group] == list(todo)
    assert all(0 < len(group) <= max(per_group, 1) for group in groups)
    assert len(groups) == -(-len(todo) // max(per_group, 1))


def test_a_plan_survives_json() -> None:
    plan = _plan((1, 5))
    again = StagePlan.from_json(json.loads(json.dumps(plan.to_json())))
    assert again == plan
    assert (again.reused, [p.key for p in again.todo_parts.parts]) == (5, ["k1", "k5"])


def test_a_plan_leaves_out_parts_on_disk_and_repeated_keys(tmp_path: Path) -> None:
    writer = PartWriter(tmp_path)
    writer.write("b", pa.table({"x": [1]}), sidecar=(".side.parquet", pa.table({"y": [2]})))
    writer.write("c", pa.table({"x": [1]}))  # no sidecar: made again
    parts = PartSet(Path("in"), tuple(Part(k, 1) for k in "pqrst"))
    plan = runner.articles._plan(parts, ["a", "b", "c", "a", "d"], tmp_path, ".side.parquet")
    assert plan.todo == (0, 2, 4)


def _streamed(raw: PartSet, root: Path) -> dict:
    normalized = runner.normalize(raw, lambda stage: root / stage, workers=1)
    fields = runner.extract(normalized.parts, root / runner.FIELDS, workers=1)
    signatures = runner.signatures(fields.parts, root / runner.SIGNATURES, workers=1)
    return {
        "parts": [normalized.parts.parts, fields.parts.parts, signatures.parts],
        "quarantine": [normalized.quarantine, fields.quarantine],
        "chrome": normalized.chrome_rules,
    }


def _grouped(raw: PartSet, root: Path, per_group: int) -> dict:
    """Every stage as the fan-out runs it: plan, groups (here in reverse order), finish."""

    def groups(plan: StagePlan) -> list[tuple[PartSet, list[str]]]:
        return [plan.subset(g) for g in plan.groups(per_group)][::-1]

    seg_dir, norm_dir = root / runner.SEGMENTED, root / runner.NORMALIZED
    first = runner.segment_plan(raw, seg_dir)
    for parts, _keys in groups(first):
        runner.segment_group(parts, seg_dir, workers=1)
    segmented, candidates = runner.segment_finish(first, seg_dir)
    stock = runner.find_stock_logged(candidates)
    second = runner.remove_stock_plan(segmented, candidates, stock, norm_dir)
    for parts, keys in groups(second):
        runner.remove_stock_group(parts, keys, stock, norm_dir, workers=1)
    normalized = runner.normalize_finish(second, norm_dir)
    fields_plan = runner.extract_plan(normalized.parts, root / runner.FIELDS)
    for parts, _keys in groups(fields_plan):
        runner.extract_group(parts, root / runner.FIELDS, workers=1)
    fields = runner.extract_finish(fields_plan, root / runner.FIELDS)
    sign_plan = runner.sign_plan(fields.parts, root / runner.SIGNATURES)
    for parts, keys in groups(sign_plan):
        runner.sign_group(parts, keys, root / runner.SIGNATURES, workers=1)
    signatures = runner.sign_finish(sign_plan, root / runner.SIGNATURES)
    # once made, nothing is left to plan
    assert runner.extract_plan(normalized.parts, root / runner.FIELDS).todo == ()
    return {
        "parts": [normalized.parts.parts, fields.parts.parts, signatures.parts],
        "quarantine": [normalized.quarantine, fields.quarantine],
        "chrome": normalized.chrome_rules,
    }


@pytest.mark.parametrize("per_group", [1, 2])
def test_parts_made_in_groups_are_the_streaming_parts(raw: PartSet, tmp_path: Path, per_group: int) -> None:
    assert len(raw.parts) == 5  # 3 + 3 + 3 from day1, 3 + 2 from day2
    streamed = _streamed(raw, tmp_path / "streamed")
    grouped = _grouped(raw, tmp_path / "grouped", per_group)
    assert grouped["parts"] == streamed["parts"]
    assert all(a.equals(b) for a, b in zip(grouped["quarantine"], streamed["quarantine"], strict=True))
    assert grouped["chrome"] == streamed["chrome"]
    assert streamed["chrome"]["stock_paragraph"] == raw.num_rows  # the closing line, every article
    for stage in (runner.SEGMENTED, runner.NORMALIZED, runner.FIELDS, runner.SIGNATURES):
        assert _files(tmp_path / "grouped" / stage) == _files(tmp_path / "streamed" / stage), stage
