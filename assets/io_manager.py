"""Stores stage outputs under `<data_root>/stages`, local or on an object store: Arrow tables as
Parquet, summaries as JSON, and the parts of a large stage (akhbar.parts.PartSet) as a small
JSON list of its part files.

Built on Dagster's `UPathIOManager`: its base path is a universal_pathlib path (a local folder
or `s3://bucket/prefix/stages`, akhbar.storage.location), and it names the file of an output:
an asset's by its key (`stages/article_fields`), an op output that is no asset (a step of a
graph, a dynamic mapped step) by run, step and output (`stages/runs/<run id>/<step key>/<output>
[/<mapping key>]`: a run's folder, apart from the assets'). The file's extension follows the
type of the object (`UPathIOManager` allows one fixed `extension`; three types want three), so
`extension` is unset and the type's suffix is added here: `.parts.json`, `.parquet`, `.json`;
loading finds whichever is there.
Writes are atomic (akhbar.storage): a temporary name renamed, or one PUT.
"""

import json
from typing import Any

import pyarrow as pa
from dagster import (
    ConfigurableIOManagerFactory,
    InputContext,
    MetadataValue,
    OutputContext,
    UPathIOManager,
)
from upath import UPath

from akhbar import storage
from akhbar.assets.resources import AkhbarSettings
from akhbar.parts import PartSet, write_table_atomic, write_text_atomic

# The suffix of each kind of output, in the order a load looks for them.
PARTS_SUFFIX, TABLE_SUFFIX, JSON_SUFFIX = ".parts.json", ".parquet", ".json"


def _with_suffix(path: Any, suffix: str) -> Any:
    return path.with_name(path.name + suffix)


def _suffix_of(obj: Any) -> str:
    if isinstance(obj, PartSet):
        return PARTS_SUFFIX
    if isinstance(obj, pa.Table):
        return TABLE_SUFFIX
    return JSON_SUFFIX


class StageIOManager(UPathIOManager):
    """PartSet -> `.parts.json`, pa.Table -> `.parquet`, anything JSON-able -> `.json`.

    An input's `AssetIn(metadata=...)` may ask for `{"as_file": True}` (the Parquet file's path,
    not loaded: e.g. the dedup index, copied into the release as it is) or `{"columns": [...]}`
    (only those columns of a table)."""

    extension = None  # per object: _suffix_of

    def get_op_output_relative_path(self, context: InputContext | OutputContext) -> UPath:
        # under runs/: the per-run folders of the fan-out's plans and groups stay apart from the
        # asset outputs, and can be removed as a whole
        return UPath("runs", *context.get_identifier())

    def make_directory(self, path: Any) -> None:
        if not storage.is_remote(path):  # an object store has no folders to make
            path.mkdir(parents=True, exist_ok=True)

    def dump_to_path(self, context: OutputContext, obj: Any, path: Any) -> None:
        target = _with_suffix(path, _suffix_of(obj))
        if isinstance(obj, PartSet):
            write_text_atomic(target, json.dumps(obj.to_json(), indent=1))
        elif isinstance(obj, pa.Table):
            write_table_atomic(obj, target)
        else:
            write_text_atomic(
                target, json.dumps(obj, ensure_ascii=False, indent=2, sort_keys=True, default=str)
            )

    def handle_output(self, context: OutputContext, obj: Any) -> None:
        # UPathIOManager's own handle_output records the file as the output's "path" metadata,
        # over the asset's own "path" (dataset_release's is the release folder): the file is
        # `stage_file` here. akhbar's assets have no partitions, the one case left out.
        path = self._get_path(context)
        self.make_directory(path.parent)
        self.dump_to_path(context=context, obj=obj, path=path)
        target = _with_suffix(path, _suffix_of(obj))
        context.add_output_metadata({"stage_file": MetadataValue.path(storage.as_string(target))})

    def load_from_path(self, context: InputContext, path: Any) -> Any:
        parts = _with_suffix(path, PARTS_SUFFIX)
        if storage.exists(parts):
            return PartSet.from_json(json.loads(storage.read_text(parts)))
        parquet = _with_suffix(path, TABLE_SUFFIX)
        if storage.exists(parquet):
            wanted = context.definition_metadata or {}
            if wanted.get("as_file"):  # AssetIn(metadata={"as_file": True}): the file, not loaded
                return parquet
            # AssetIn(metadata={"columns": [...]}) loads only those columns (e.g. ids to count).
            return storage.read_table(parquet, columns=wanted.get("columns"))
        as_json = _with_suffix(path, JSON_SUFFIX)
        if storage.exists(as_json):
            return json.loads(storage.read_text(as_json))
        what = (
            context.asset_key.to_user_string()
            if context.has_asset_key
            else f"output {context.upstream_output.name} of step {context.upstream_output.step_key}"
        )
        raise FileNotFoundError(
            f"{what} has not been materialized under {self._base_path}; materialize it first "
            "(or run the whole build_release job)"
        )


class ArrowParquetIOManager(ConfigurableIOManagerFactory):
    """The StageIOManager of the run's `<data_root>/stages`. The data root is the `akhbar`
    resource's: a run configured with another data_root keeps its stage outputs there too,
    beside its parts and releases (a local folder or an object-store URL)."""

    akhbar: AkhbarSettings

    def create_io_manager(self, context) -> StageIOManager:
        return StageIOManager(base_path=self.akhbar.stages_dir)
