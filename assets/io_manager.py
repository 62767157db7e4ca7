"""Stores stage outputs under the data root: Arrow tables as Parquet, summaries as JSON, and
the parts of a large stage (akhbar.parts.PartSet) as a small JSON list of its part files."""

import json
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
from dagster import ConfigurableIOManager, InputContext, OutputContext

from akhbar.assets.resources import AkhbarSettings
from akhbar.parts import PartSet, write_table_atomic, write_text_atomic


class ArrowParquetIOManager(ConfigurableIOManager):
    """One file per asset in the run's `<data_root>/stages/` (an op output that is no asset:
    `stages/runs/<run id>/<step key>/<output name>`); written to a temporary name, then
    renamed. The data root is the `akhbar` resource's: a run configured with another data_root
    keeps its stage outputs there too, beside its parts and releases."""

    akhbar: AkhbarSettings

    @property
    def base_dir(self) -> Path:
        return self.akhbar.stages_dir

    def _path(self, context: InputContext | OutputContext, suffix: str) -> Path:
        if context.has_asset_key:
            return Path(self.base_dir, *context.asset_key.path).with_suffix(suffix)
        # An op's output that is no asset (the plans and groups of assets/fanout.py): one file
        # per run, step (its mapping key included) and output (and the output's mapping key).
        output = context if isinstance(context, OutputContext) else context.upstream_output
        name = output.name if output.mapping_key is None else f"{output.name}[{output.mapping_key}]"
        return Path(self.base_dir, "runs", output.run_id, output.step_key, f"{name}{suffix}")

    def handle_output(self, context: OutputContext, obj: Any) -> None:
        if isinstance(obj, PartSet):
            write_text_atomic(self._path(context, ".parts.json"), json.dumps(obj.to_json(), indent=1))
        elif isinstance(obj, pa.Table):
            write_table_atomic(obj, self._path(context, ".parquet"))
        else:
            text = json.dumps(obj, ensure_ascii=False, indent=2, sort_keys=True, default=str)
            write_text_atomic(self._path(context, ".json"), text)

    def load_input(self, context: InputContext) -> Any:
        parts = self._path(context, ".parts.json")
        if parts.is_file():
            return PartSet.from_json(json.loads(parts.read_text(encoding="utf-8")))
        parquet = self._path(context, ".parquet")
        if parquet.is_file():
            wanted = context.definition_metadata or {}
            if wanted.get("as_file"):  # AssetIn(metadata={"as_file": True}): the file, not loaded
                return parquet
            # AssetIn(metadata={"columns": [...]}) loads only those columns (e.g. ids to count).
            return pq.read_table(parquet, columns=wanted.get("columns"))
        as_json = self._path(context, ".json")
        if as_json.is_file():
            return json.loads(as_json.read_text(encoding="utf-8"))
        what = context.asset_key.to_user_string() if context.has_asset_key else str(parts.parent)
        raise FileNotFoundError(
            f"{what} has not been materialized under "
            f"{self.base_dir}; materialize it first (or run the whole build_release job)"
        )
