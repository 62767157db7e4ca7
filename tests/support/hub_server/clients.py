"""Pointing the real clients at a `HubServer`: a subprocess environment, or an in-process patch.

`datasets` reads `HF_ENDPOINT` into `datasets.config` when it is imported, and huggingface_hub
reads `HF_ENDPOINT`, `HF_HUB_DISABLE_XET`, `HF_HOME` into `huggingface_hub.constants` at import:
the robust way is a subprocess started with `client_env(...)`. For huggingface_hub alone an
in-process run works too (`HfApi(endpoint=server.url, token=...)` sends every call there), provided
Xet is switched off at call time: `patch_huggingface_hub` does that (and points the default
endpoint at the server so nothing can reach huggingface.co).
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from tests.support.hub_server.server import HubServer

# Variables that would point a client elsewhere or leak a developer's login into a test.
_CLIENT_VARS = (
    "HF_TOKEN",
    "HUGGING_FACE_HUB_TOKEN",
    "HF_TOKEN_PATH",
    "HF_HUB_CACHE",
    "HUGGINGFACE_HUB_CACHE",
    "HF_DATASETS_CACHE",
    "HF_XET_CACHE",
    "HF_HUB_OFFLINE",
    "HF_DATASETS_OFFLINE",
    "TRANSFORMERS_OFFLINE",
    "HUGGINGFACE_CO_STAGING",
    "HF_HUB_ETAG_TIMEOUT",
    "HF_HUB_DOWNLOAD_TIMEOUT",
)


def client_env(
    server: HubServer,
    hf_home: Path,
    token: str | None = None,
    base: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """Environment for a subprocess running huggingface_hub / datasets against `server`.

    Everything the clients cache goes under `hf_home` (hub cache, datasets cache, token file).
    `token`, when given, is passed as HF_TOKEN; otherwise the subprocess has no token at all.
    """
    env = {k: v for k, v in (os.environ if base is None else base).items() if k not in _CLIENT_VARS}
    hf_home = Path(hf_home)
    hf_home.mkdir(parents=True, exist_ok=True)
    env.update(
        {
            "HF_ENDPOINT": server.url,
            "HF_HUB_DISABLE_XET": "1",
            "HF_HOME": str(hf_home),
            "HF_DATASETS_CACHE": str(hf_home / "datasets"),
            "HF_HUB_DISABLE_TELEMETRY": "1",
            "HF_HUB_DISABLE_PROGRESS_BARS": "1",
            "HF_HUB_DISABLE_UPDATE_CHECK": "1",
            "HF_DATASETS_DISABLE_PROGRESS_BARS": "1",
            "DO_NOT_TRACK": "1",
            "NO_PROXY": "127.0.0.1,localhost",
            "no_proxy": "127.0.0.1,localhost",
        }
    )
    if token is not None:
        env["HF_TOKEN"] = token
    return env


def run_python(code: str, env: Mapping[str, str], timeout: float = 120.0, cwd: Path | None = None) -> str:
    """Run `code` with this interpreter in `env`; its stdout, or AssertionError carrying stderr."""
    proc = subprocess.run(
        [sys.executable, "-c", code],
        env=dict(env),
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if proc.returncode != 0:
        raise AssertionError(f"client subprocess failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}")
    return proc.stdout


def patch_huggingface_hub(monkeypatch: Any, server: HubServer) -> None:
    """Point the already-imported huggingface_hub at `server` for this test (pytest `monkeypatch`).

    Sets the default endpoint (HfApi() without `endpoint=`, hf_hub_url) and turns Xet off, which
    huggingface_hub checks at call time. Tokens are not touched: pass `token=` (or `token=False`)
    explicitly, since the default reads HF_TOKEN / the developer's stored login.
    """
    from huggingface_hub import constants

    monkeypatch.setattr(constants, "ENDPOINT", server.url)
    monkeypatch.setattr(
        constants, "HUGGINGFACE_CO_URL_TEMPLATE", server.url + "/{repo_id}/resolve/{revision}/{filename}"
    )
    monkeypatch.setattr(constants, "HF_HUB_DISABLE_XET", True)
    monkeypatch.setattr(constants, "HF_HUB_DISABLE_TELEMETRY", True)
