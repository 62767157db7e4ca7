"""Configuration the assets share: where the data root is and which sources to read."""

from __future__ import annotations

from pathlib import Path

from dagster import ConfigurableResource

from akhbar.ingest import SourceConfig, load_sources_file, sources_for_inputs

_HERE = Path(__file__).resolve().parent
# The repository's samples/ (editable install), else the copy packaged in the wheel.
SAMPLES_DIR = _HERE.parent / "samples" if (_HERE.parent / "samples").is_dir() else _HERE / "samples"


class AkhbarSettings(ConfigurableResource):
    """Data root, inputs and dataset name of a pipeline run.

    Sources come from `inputs` (paths, as `akhbar build --input`), else `sources_file`,
    else the embedded sample in `samples/`.
    """

    data_root: str = "data"
    sources_file: str | None = None
    inputs: list[str] = []  # noqa: RUF012 (pydantic copies field defaults)
    dataset_name: str = "akhbar-arabic-news"
    # Articles per part: what one stage holds in memory at a time (a few hundred MB at 5,000).
    batch_rows: int = 5_000
    # Processes for the per-article stages; 0: every core.
    workers: int = 0

    def sources(self) -> list[SourceConfig]:
        if self.inputs:
            return sources_for_inputs(self.inputs)
        if self.sources_file:
            return load_sources_file(self.sources_file)
        return [SourceConfig(name="samples", path=str(SAMPLES_DIR), format="text", license="other")]

    @property
    def stages_dir(self) -> Path:
        return Path(self.data_root) / "stages"

    def parts_dir(self, stage: str) -> Path:
        """Where a stage keeps its content-addressed parts (akhbar.parts)."""
        return Path(self.data_root) / "parts" / stage


class HubSettings(ConfigurableResource):
    """Where releases are published. The token is never configuration: huggingface_hub reads
    it from HF_TOKEN or its stored login, so it cannot reach run config, logs or metadata."""

    repo_id: str | None = None  # "<org>/<name>"; None: publication is skipped, with the reason
    endpoint: str | None = None  # None: huggingface_hub's default (HF_ENDPOINT or huggingface.co)
    private: bool = False
