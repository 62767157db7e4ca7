"""Configuration the assets share: where the data root is and which sources to read."""

from __future__ import annotations

from pathlib import Path

from dagster import ConfigurableResource, InitResourceContext
from pydantic import PrivateAttr

from akhbar import storage
from akhbar.data_root import (
    MAX_SHRINK,
    DataRootLock,
    absolute_sources,
    lock_for_run,
    recorded_sources,
    removed_message,
)
from akhbar.hub_rules import check_dataset_name
from akhbar.ingest import SourceConfig, load_sources_file, sources_for_inputs
from akhbar.release import remove_stale_temporaries
from akhbar.storage import StoragePath

_HERE = Path(__file__).resolve().parent
# The repository's samples/ (editable install), else the copy packaged in the wheel.
SAMPLES_DIR = _HERE.parent / "samples" if (_HERE.parent / "samples").is_dir() else _HERE / "samples"


class AkhbarSettings(ConfigurableResource):
    """Data root, inputs and dataset name of a pipeline run.

    Sources come from `inputs` (paths, as `akhbar build --input`), else `sources_file`, else
    the data root's record of the sources its latest release was built from
    (`<data_root>/sources.json`), else `./sources.yaml` when present, else the embedded sample
    in `samples/`.

    A run that writes the data root holds its lock (akhbar.data_root) from the start of the
    run to its end, and first removes what killed builds left (temporary release folders).
    """

    # A folder (`data`, `/shared/data`) or an object-store URL (`s3://bucket/prefix`: the s3
    # extra, endpoint and credentials from the AWS_* variables; akhbar.storage).
    data_root: str = "data"
    sources_file: str | None = None
    inputs: list[str] = []  # noqa: RUF012 (pydantic copies field defaults)
    dataset_name: str = "akhbar-arabic-news"
    # Articles per part: what one stage holds in memory at a time (a few hundred MB at 5,000).
    batch_rows: int = 5_000
    # Processes for the per-article stages; 0: every core (of the machine a step runs on).
    workers: int = 0
    # Parts per step of the fanned-out article stages (assets/fanout.py, pipelines/cluster.py):
    # each step makes this many parts with `workers` processes of its machine.
    parts_per_step: int = 1
    # A release may lose at most max_shrink of the previous release's articles (per source;
    # check release_shrink) unless allow_shrink.
    allow_shrink: bool = False
    max_shrink: float = MAX_SHRINK
    # When another build holds the data root: wait for it (True) or fail at once, naming it.
    wait_for_lock: bool = False

    _lock: DataRootLock | None = PrivateAttr(default=None)

    def check_dataset_name(self) -> str:
        """The dataset name, if the card and the Hub accept it (akhbar.hub_rules): checked when
        a run starts, once an AKHBAR_DATASET_NAME EnvVar is resolved."""
        try:
            return check_dataset_name(self.dataset_name)
        except ValueError as exc:
            raise ValueError(f"dataset_name (AKHBAR_DATASET_NAME): {exc}") from None

    def sources(self) -> list[SourceConfig]:
        return self.source_set()[0]

    def source_set(self) -> tuple[list[SourceConfig], str | None]:
        """The sources, and how they were given when the data root should record them (None:
        the root's own record, or the embedded sample)."""
        if self.inputs:
            return absolute_sources(sources_for_inputs(self.inputs)), "--input " + " ".join(self.inputs)
        if self.sources_file:
            return absolute_sources(load_sources_file(self.sources_file)), f"sources file {self.sources_file}"
        recorded = recorded_sources(self.data_root)
        if recorded is not None:
            return recorded, None
        if Path("sources.yaml").is_file():
            return absolute_sources(load_sources_file("sources.yaml")), "./sources.yaml"
        return [SourceConfig(name="samples", path=str(SAMPLES_DIR), format="text", license="other")], None

    def setup_for_execution(self, context: InitResourceContext) -> None:
        self.check_dataset_name()
        run = context.dagster_run
        if run is None or not _writes_data_root(run):
            return  # a sensor's evaluation, or publication alone: nothing written to the root
        log = context.log.info if context.log is not None else print
        storage.check_root(self.root)  # an object store's bucket: there, and reachable
        self._lock = lock_for_run(self.data_root, run.run_id, wait=self.wait_for_lock, on_wait=log)
        if self._lock is not None:
            removed, size = remove_stale_temporaries(self.data_root)
            if removed:
                log(removed_message(removed, size))

    def teardown_after_execution(self, context: InitResourceContext) -> None:
        if self._lock is not None:
            self._lock.release()
            self._lock = None

    @property
    def root(self) -> StoragePath:
        """The data root: a local folder, or an object-store prefix (akhbar.storage)."""
        return storage.location(self.data_root)

    @property
    def stages_dir(self) -> StoragePath:
        return self.root / "stages"

    def parts_dir(self, stage: str) -> StoragePath:
        """Where a stage keeps its content-addressed parts (akhbar.parts)."""
        return self.root / "parts" / stage


class HubSettings(ConfigurableResource):
    """Where releases are published. The token is never configuration: huggingface_hub reads
    it from HF_TOKEN or its stored login, so it cannot reach run config, logs or metadata."""

    repo_id: str | None = None  # "<org>/<name>"; None: publication is skipped, with the reason
    endpoint: str | None = None  # None: huggingface_hub's default (HF_ENDPOINT or huggingface.co)
    private: bool = False


def _writes_data_root(run) -> bool:
    """Every run but publication alone (publish_release, or a selection of hub_publication)."""
    if run.job_name == "publish_release":
        return False
    selected = run.asset_selection
    return not selected or any(key.path != ["hub_publication"] for key in selected)
