"""The stage IO manager (assets/io_manager.py, on Dagster's UPathIOManager) on a local data root
and on an object store (moto's S3 server, tests/support/s3_server): asset outputs and op outputs
of dynamic mapped steps, each of the three kinds of object, in real runs."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest
from dagster import (
    AssetIn,
    DagsterInstance,
    Definitions,
    DynamicOut,
    DynamicOutput,
    asset,
    job,
    op,
)

from akhbar import storage
from akhbar.assets.io_manager import ArrowParquetIOManager, StageIOManager
from akhbar.assets.resources import AkhbarSettings
from akhbar.parts import PartSet, PartWriter
from tests.support.s3_server import s3_bucket, s3_endpoint  # noqa: F401 (fixtures)

TABLE = pa.table({"id": ["أ", "ب", "ج"], "n": [1, 2, 3]})


@pytest.fixture(params=["local", "s3"])
def data_root(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "local":
        return str(tmp_path / "root")
    return request.getfixturevalue("s3_bucket") + "/root"


def _resources(data_root: str) -> dict[str, Any]:
    akhbar = AkhbarSettings.configure_at_launch(data_root=data_root)
    return {"akhbar": akhbar, "io_manager": ArrowParquetIOManager(akhbar=akhbar)}


@asset
def parts(akhbar: AkhbarSettings) -> PartSet:
    writer = PartWriter(akhbar.parts_dir("demo"))
    writer.write("k1", TABLE)
    return writer.finish()


@asset
def table() -> pa.Table:
    return TABLE


@asset
def summary() -> dict:
    return {"عدد": 3, "kinds": ["a", "b"]}


@asset(ins={"table": AssetIn(metadata={"columns": ["n"]})})
def narrow(table: pa.Table) -> list:
    return table.column_names


@asset(ins={"table": AssetIn(metadata={"as_file": True})})
def as_file(table: Any) -> dict:
    return {"path": str(table), "rows": storage.read_metadata(table).num_rows}


@asset
def reread(parts: PartSet, summary: dict) -> dict:
    return {"rows": parts.read().num_rows, "summary": summary}


def test_asset_outputs_by_kind(data_root: str) -> None:
    defs = Definitions(
        assets=[parts, table, summary, narrow, as_file, reread], resources=_resources(data_root)
    )
    result = defs.resolve_implicit_global_asset_job_def().execute_in_process(
        instance=DagsterInstance.ephemeral()
    )
    assert result.success
    stages = storage.location(data_root) / "stages"
    names = [name for name, _ in storage.listdir(stages)]
    assert names == sorted(
        [
            "as_file.json",
            "narrow.json",
            "parts.parts.json",
            "reread.json",
            "summary.json",
            "table.parquet",
        ]
    )
    assert storage.read_table(stages / "table.parquet").equals(TABLE)
    assert result.output_for_node("narrow") == ["n"]
    assert result.output_for_node("as_file") == {"path": str(stages / "table.parquet"), "rows": 3}
    assert result.output_for_node("reread") == {"rows": 3, "summary": {"عدد": 3, "kinds": ["a", "b"]}}
    # the part set keeps where its parts are: a URL on an object store
    loaded = PartSet.from_json(json.loads(storage.read_text(stages / "parts.parts.json")))
    assert str(loaded.folder) == str(storage.location(data_root) / "parts" / "demo")
    # the materialization's stage_file is the file, with its suffix (its "path", if any, the asset's)
    paths = {
        e.materialization.asset_key.to_user_string(): e.materialization.metadata["stage_file"].value
        for e in (ev.event_specific_data for ev in result.get_asset_materialization_events())
    }
    assert paths["table"] == str(stages / "table.parquet")


@op(out=DynamicOut())
def fan_out():
    for i in range(3):
        yield DynamicOutput(TABLE.slice(i, 1), mapping_key=f"part_{i}")


@op
def per_part(akhbar: AkhbarSettings, piece: pa.Table) -> PartSet:
    writer = PartWriter(akhbar.parts_dir("fanned"))
    writer.write(f"k{piece['n'][0].as_py()}", piece)
    return writer.finish()


@op
def gather(pieces: list[PartSet]) -> dict:
    return {"rows": sum(p.read().num_rows for p in pieces), "keys": sorted(p.parts[0].key for p in pieces)}


@op
def check(totals: dict) -> pa.Table:
    return pa.table({"rows": [totals["rows"]]})


@job
def fanned():
    check(gather(fan_out().map(per_part).collect()))


def test_op_outputs_of_mapped_steps(data_root: str) -> None:
    result = fanned.execute_in_process(resources=_resources(data_root), instance=DagsterInstance.ephemeral())
    assert result.success
    assert result.output_for_node("gather") == {"rows": 3, "keys": ["k1", "k2", "k3"]}
    run = storage.location(data_root) / "stages" / "runs" / result.run_id
    assert storage.read_table(run / "fan_out" / "result" / "part_1.parquet").equals(TABLE.slice(1, 1))
    assert storage.exists(run / "per_part[part_2]" / "result.parts.json")  # the step key holds the mapping
    assert storage.exists(run / "gather" / "result.json")
    assert storage.read_table(run / "check" / "result.parquet")["rows"].to_pylist() == [3]


def test_missing_output_names_the_asset(tmp_path: Path) -> None:
    from dagster import build_input_context

    manager = StageIOManager(base_path=tmp_path)
    with pytest.raises(FileNotFoundError, match="table has not been materialized"):
        manager.load_input(build_input_context(asset_key="table"))
