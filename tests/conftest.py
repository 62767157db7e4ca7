"""Shared fixtures: the shared corpus (read-only), temporary data roots and Dagster homes."""

from __future__ import annotations

import os

# Read by huggingface_hub when it is imported, so set before any test module imports it: the
# test Hub server speaks the git-LFS protocol, not Xet, and nothing may phone home.
os.environ["HF_HUB_DISABLE_XET"] = "1"
os.environ["HF_HUB_DISABLE_TELEMETRY"] = "1"

from pathlib import Path

import pytest

from tests.support import CORPUS


@pytest.fixture(scope="session")
def corpus() -> Path:
    """`../shared/corpus`; its absence is an error, not a skip (CI always has it)."""
    if not CORPUS.is_dir():
        pytest.fail(f"shared corpus not found at {CORPUS}: clone the repo beside ../shared")
    return CORPUS


@pytest.fixture(autouse=True)
def _isolated_dagster_home(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every test runs with its own DAGSTER_HOME (embedded SQLite storage) under tmp."""
    home = tmp_path_factory.mktemp("dagster_home")
    (home / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")
    monkeypatch.setenv("DAGSTER_HOME", str(home))
    for name in (
        "AKHBAR_SOURCES",
        "AKHBAR_DATA_ROOT",
        "AKHBAR_HUB_REPO",
        "HF_TOKEN",
        "HUGGING_FACE_HUB_TOKEN",
    ):
        monkeypatch.delenv(name, raising=False)
    # No stored Hub login leaks in from the machine: huggingface_hub fixed its token path at import.
    import huggingface_hub.constants

    monkeypatch.setattr(huggingface_hub.constants, "HF_TOKEN_PATH", str(home / "no-hf-token"))
    return home
