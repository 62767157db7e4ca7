"""`dg dev`, the command Dagster's own docs give for a project: in the checkout it finds the
project by pyproject.toml's [tool.dg.project] and serves the `akhbar` code location with every
asset, on 127.0.0.1 with a DAGSTER_HOME under tmp_path."""

from __future__ import annotations

import json
import os
import sys
import urllib.request
from pathlib import Path

import pytest

from tests.support import free_port
from tests.support.browser import serving_akhbar

pytestmark = pytest.mark.slow  # a server and its code server: see docs/testing.md

_ASSETS_QUERY = "{ assetNodes { assetKey { path } } }"


def test_dg_dev_serves_the_akhbar_code_location(tmp_path: Path) -> None:
    home = tmp_path / "dagster_home"
    home.mkdir()
    (home / "dagster.yaml").write_text("telemetry:\n  enabled: false\nnux:\n  enabled: false\n")
    env = {**os.environ, "DAGSTER_HOME": str(home), "AKHBAR_DATA_ROOT": str(tmp_path / "data")}
    port = free_port()
    dg = Path(sys.executable).parent / "dg"
    command = [str(dg), "dev", "--host", "127.0.0.1", "--port", str(port)]
    with serving_akhbar(command, port, env, tmp_path / "dg_dev.log") as base_url:
        request = urllib.request.Request(
            f"{base_url}/graphql",
            data=json.dumps({"query": _ASSETS_QUERY}).encode(),
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=30) as response:
            nodes = json.load(response)["data"]["assetNodes"]
    assert {"/".join(n["assetKey"]["path"]) for n in nodes} >= {
        "raw_articles",
        "normalized_articles",
        "article_fields",
        "dataset_release",
        "hub_publication",
    }
