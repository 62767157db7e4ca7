"""The wheel: the same code gives the same fingerprint however akhbar is installed (a part made
from a checkout is reused by a wheel install of the same commit, and the other way round)."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from akhbar.release import code_fingerprint
from tests.support import REPO

UV = REPO / ".tools" / "bin" / "uv"


@pytest.mark.slow
def test_the_code_fingerprint_does_not_depend_on_how_akhbar_is_installed(tmp_path: Path) -> None:
    if not UV.is_file():
        pytest.fail(f"{UV} not found: ./run.sh installs it")
    subprocess.run([str(UV), "build", "--wheel", "-q", "-o", str(tmp_path / "dist")], cwd=REPO, check=True)
    (wheel,) = (tmp_path / "dist").glob("*.whl")
    with zipfile.ZipFile(wheel) as archive:
        archive.extractall(tmp_path / "site")  # what pip would put in site-packages
    assert (tmp_path / "site" / "akhbar" / "resources" / "dataset_card.md").is_file()
    code = "import akhbar, akhbar.release as r; print(akhbar.__file__); print(r.code_fingerprint())"
    env = {**os.environ, "PYTHONPATH": str(tmp_path / "site")}
    lines = subprocess.run(
        [sys.executable, "-c", code], cwd=tmp_path, env=env, capture_output=True, text=True, check=True
    ).stdout.splitlines()
    assert lines[0].startswith(str(tmp_path / "site"))  # the wheel's copy, not the checkout's
    assert lines[1] == code_fingerprint()
