"""The wheel: one import name (`akhbar`), every CLI command working from a fresh venv set up by
the pip that Python 3.11 bundles, and the same code fingerprint however akhbar is installed (a
part made from a checkout is reused by a wheel install of the same commit, and the other way
round)."""

from __future__ import annotations

import ensurepip
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from akhbar.release import code_fingerprint
from tests.support import CORPUS, REPO, SEED
from tests.support.hub_server import HubServer

pytestmark = pytest.mark.slow  # builds a wheel; one test installs it with pip from PyPI

UV = REPO / ".tools" / "bin" / "uv"
TOKEN = "hf_akhbar_wheel_test_token"


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if not UV.is_file():
        pytest.fail(f"{UV} not found: ./run.sh installs it")
    dist = tmp_path_factory.mktemp("dist")
    subprocess.run([str(UV), "build", "--wheel", "-q", "-o", str(dist)], cwd=REPO, check=True)
    (built,) = dist.glob("*.whl")
    return built


def test_the_wheel_claims_one_import_name(wheel: Path) -> None:
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
    assert {n.split("/")[0] for n in names} == {"akhbar", "akhbar-0.1.0.dist-info"}
    for shipped in (
        "akhbar/assets/articles.py",
        "akhbar/assets/expectations/article_fields.json",
        "akhbar/assets/samples/seed_article.txt",
        "akhbar/pipelines/definitions.py",
        "akhbar/pipelines/workspace.yaml",
        "akhbar/pipelines/celery_worker.yaml",  # pipelines/cluster.py reads it at import
        "akhbar/resources/dataset_card.md",
    ):
        assert shipped in names, shipped


def test_the_code_fingerprint_does_not_depend_on_how_akhbar_is_installed(wheel: Path, tmp_path: Path) -> None:
    with zipfile.ZipFile(wheel) as archive:
        archive.extractall(tmp_path / "site")  # what pip would put in site-packages
    code = "import akhbar, akhbar.release as r; print(akhbar.__file__); print(r.code_fingerprint())"
    env = {**os.environ, "PYTHONPATH": str(tmp_path / "site")}
    lines = subprocess.run(
        [sys.executable, "-c", code], cwd=tmp_path, env=env, capture_output=True, text=True, check=True
    ).stdout.splitlines()
    assert lines[0].startswith(str(tmp_path / "site"))  # the wheel's copy, not the checkout's
    assert lines[1] == code_fingerprint()


def _run(
    command: list[str], env: dict[str, str], cwd: Path, timeout: float = 600
) -> subprocess.CompletedProcess:
    return subprocess.run(
        command, env=env, cwd=cwd, capture_output=True, text=True, timeout=timeout, check=False
    )


def test_every_command_works_from_a_wheel_installed_with_the_bundled_pip(wheel: Path, tmp_path: Path) -> None:
    """`python -m venv` + its own pip (no upgrade) + `pip install akhbar-*.whl` from PyPI, then each
    command from a folder outside the checkout."""
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "PYTHONPATH", "PYTHONHOME")}
    env |= {"DAGSTER_HOME": str(tmp_path / "dagster_home"), "PIP_DISABLE_PIP_VERSION_CHECK": "1"}
    (tmp_path / "dagster_home").mkdir()
    bin_dir = venv / "bin"
    pip_version = _run([str(bin_dir / "python"), "-m", "pip", "--version"], env, tmp_path).stdout
    assert pip_version.split()[1] == ensurepip.version(), pip_version  # the bundled pip, as is
    install = _run([str(bin_dir / "python"), "-m", "pip", "install", "-q", str(wheel)], env, tmp_path, 1500)
    assert install.returncode == 0, install.stdout[-3000:] + install.stderr[-3000:]
    site = next((venv / "lib").glob("python3.*/site-packages"))
    assert not (site / "assets").exists() and not (site / "pipelines").exists()

    akhbar = str(bin_dir / "akhbar")
    work = tmp_path / "work"
    work.mkdir()
    (work / "in").mkdir()
    (work / "in" / "seed.txt").write_bytes(SEED.read_bytes())

    assert _run([akhbar, "--help"], env, work).returncode == 0
    build = _run([akhbar, "build", "--input", "in", "--out", "data", "--log-level", "ERROR"], env, work)
    assert build.returncode == 0, build.stdout[-3000:] + build.stderr[-3000:]
    assert (work / "data" / "releases" / "v1.0.0" / "manifest.json").is_file()
    default = _run([akhbar, "build", "--out", "samples-data", "--log-level", "ERROR"], env, work)
    assert default.returncode == 0, default.stderr[-3000:]  # the shipped sample is the default input

    evaluate = _run([akhbar, "evaluate", "--corpus", str(CORPUS)], env, work)
    assert evaluate.returncode == 0, evaluate.stderr[-3000:]
    assert "quote speakers" in evaluate.stdout

    with HubServer(tmp_path / "hub", tokens={TOKEN}) as hub:
        hub_env = env | {"HF_TOKEN": TOKEN, "HF_HUB_DISABLE_XET": "1", "HF_HOME": str(tmp_path / "hf_home")}
        publish = _run(
            [akhbar, "publish", "--repo", "akhbar-org/news", "--endpoint", hub.url, "--out", "data"],
            hub_env,
            work,
        )
    assert publish.returncode == 0, publish.stdout[-3000:] + publish.stderr[-3000:]

    bench = _run([akhbar, "bench"], env, work)
    assert bench.returncode == 2 and "runs from a source checkout" in bench.stderr

    workspace = site / "akhbar" / "pipelines" / "workspace.yaml"
    validate = _run([str(bin_dir / "dagster"), "definitions", "validate", "-w", str(workspace)], env, work)
    assert validate.returncode == 0, validate.stderr[-3000:]
    assert "Validation successful for code location akhbar." in validate.stdout + validate.stderr
