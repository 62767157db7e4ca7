"""The `akhbar` command line's manners, through the real CLI (main() or a subprocess): --version,
suggestions for mistyped commands, options and choices, exit codes in --help, `akhbar releases`,
`akhbar build --json` and progress lines inside a part."""

from __future__ import annotations

import itertools
import json
import os
import re
import subprocess
import sys
import time
from importlib import metadata
from pathlib import Path

import pytest

from akhbar.pipelines.cli import EXIT_CODES, main
from akhbar.pipelines.cli_summary import release_rows
from akhbar.schema import SCHEMA_VERSION
from tests.support import REPO, head_lines

COMMANDS = sorted(EXIT_CODES)


def _exit(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    """Exit code, stdout and stderr of `akhbar <argv>` that ends through argparse (SystemExit)."""
    with pytest.raises(SystemExit) as ended:
        main(argv)
    out, err = capsys.readouterr()
    return int(ended.value.code or 0), out, err


def test_version_names_the_package_and_the_schema() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "akhbar.pipelines.cli", "--version"], capture_output=True, text=True, cwd=REPO
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == f"akhbar {metadata.version('akhbar')} (dataset schema {SCHEMA_VERSION})"


@pytest.mark.parametrize(
    ("argv", "usage", "hint"),
    [
        (["biuld"], "usage: akhbar [-h]", "did you mean build?"),
        (["relases", "--json"], "usage: akhbar [-h]", "did you mean releases?"),
        (["build", "--inptu", "x"], "usage: akhbar build", "did you mean --input?"),
        (["build", "--wokers=2"], "usage: akhbar build", "did you mean --workers?"),
        (["build", "--log-level", "info"], "usage: akhbar build", "did you mean INFO?"),
        (["releases", "--jsno"], "usage: akhbar releases", "did you mean --json?"),
    ],
)
def test_a_mistyped_command_or_option_gets_a_suggestion_and_exit_2(
    argv: list[str], usage: str, hint: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _out, err = _exit(argv, capsys)
    assert code == 2
    assert err.startswith(usage)
    assert err.rstrip().endswith(hint)


@pytest.mark.parametrize("argv", [["build", "--zzzzzz"], ["qqqq"]])
def test_nothing_close_gets_no_suggestion(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    code, _out, err = _exit(argv, capsys)
    assert code == 2 and "did you mean" not in err


def test_no_command_names_the_commands(capsys: pytest.CaptureFixture[str]) -> None:
    code, _out, err = _exit([], capsys)
    assert code == 2
    assert "a command is required: one of build," in err and "--version" in err


@pytest.mark.parametrize("command", [None, *COMMANDS])
def test_help_lists_the_exit_codes(command: str | None, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _err = _exit([command, "--help"] if command else ["--help"], capsys)
    assert code == 0
    codes = " ".join(out.split("exit codes:", 1)[1].split())  # unwrapped
    failed = {
        None: "1 a check or a step failed",
        "build": "1 a check or a step failed",
        "publish": "1 a step failed",
    }
    if command in failed:
        assert "0 " in codes and failed[command] in codes and "2 usage or configuration error" in codes
    else:
        assert "2 usage error" in codes


def test_releases_of_an_empty_or_missing_data_root(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["releases", "--data-root", str(tmp_path), "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == []
    assert main(["releases", "--data-root", str(tmp_path)]) == 0
    assert "no releases under" in capsys.readouterr().out
    assert main(["releases", "--data-root", str(tmp_path / "missing")]) == 2
    assert "is not a folder" in capsys.readouterr().err


N_CORPUS = 2_400  # two parts of 1,200: enough rows for the worker pool (PARALLEL_MIN_ROWS)
SECRET = "hf_not_a_real_token_but_a_sentinel"


@pytest.fixture(scope="module")
def two_builds(corpus: Path, tmp_path_factory: pytest.TempPathFactory) -> dict:
    """Two builds on one data root: the samples alone (main()), then the samples and 2,400
    SaudiNewsNet articles in parts of 1,200 (a subprocess, its lines timed as they come)."""
    base = tmp_path_factory.mktemp("cli")
    root = base / "data"
    head = head_lines(corpus / "saudinewsnet" / "saudinewsnet_dev.jsonl.gz", base / "snn.jsonl.gz", N_CORPUS)
    samples = str(REPO / "samples")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("HF_TOKEN", SECRET)
        first = main(
            [
                "build",
                "--input",
                samples,
                "--out",
                str(root),
                "--log-level",
                "ERROR",
                "--json",
                str(base / "1.json"),
            ]
        )
    env = {**os.environ, "HF_TOKEN": SECRET, "AKHBAR_PROGRESS_SECONDS": "0.5"}
    argv = ["build", "--input", samples, "--input", str(head), "--out", str(root), "--batch-rows", "1200"]
    proc = subprocess.Popen(
        [sys.executable, "-m", "akhbar.pipelines.cli", *argv, "--workers", "2", "--json", "-"],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stderr is not None and proc.stdout is not None
    lines = [(time.monotonic(), line.rstrip("\n")) for line in proc.stderr]
    summary = proc.stdout.read()
    return {
        "root": root,
        "first": (first, json.loads((base / "1.json").read_text())),
        "second": (proc.wait(), json.loads(summary), summary),
        "lines": lines,
    }


@pytest.mark.slow  # two whole builds
def test_build_json_summary_accounts_for_every_article(two_builds: dict) -> None:
    for code, summary in (two_builds["first"], two_builds["second"][:2]):
        assert code == 0 and summary["exit_code"] == 0 and summary["success"]
        rows = summary["articles"]
        assert rows["raw"] == rows["unique"] + rows["duplicates"] + rows["quarantined"]
        assert rows["released"] == rows["unique"] + rows["duplicates"]
        assert summary["akhbar_version"] == metadata.version("akhbar")
        assert summary["schema_version"] == SCHEMA_VERSION
        assert summary["checks"] and all(c["passed"] for c in summary["checks"])
        steps = {s["step"]: s for s in summary["steps"]}
        assert {"raw_articles", "article_fields", "dataset_release"} <= set(steps)
        assert all(s["status"] == "success" and s["seconds"] >= 0 for s in steps.values())
        assert Path(summary["release"]["path"], "manifest.json").is_file()
        assert summary["publication"]["status"] == "skipped"
    assert two_builds["first"][1]["release"]["version"] == "1.0.0"
    assert two_builds["second"][1]["release"]["version"] == "1.1.0"
    assert two_builds["second"][1]["articles"]["raw"] == N_CORPUS + 1
    assert SECRET not in two_builds["second"][2]  # --json - wrote the summary alone, no token


@pytest.mark.slow
def test_releases_lists_both_builds_newest_first(
    two_builds: dict, capsys: pytest.CaptureFixture[str]
) -> None:
    root = two_builds["root"]
    assert main(["releases", "--data-root", str(root), "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert [r["version"] for r in listed] == ["1.1.0", "1.0.0"]
    for row in listed:
        manifest = json.loads((root / "releases" / f"v{row['version']}" / "manifest.json").read_text())
        assert row["articles"] == manifest["rows"]["released"]
        assert row["date"].endswith("Z") and row["date"][:4].isdigit()
    assert listed[0]["previous_version"] == "1.0.0" and listed[0]["added"] > 0
    assert main(["releases", "--out", str(root)]) == 0
    table = capsys.readouterr().out.splitlines()
    assert table[0].startswith("version") and table[1].startswith("v1.1.0") and table[2].startswith("v1.0.0")
    assert str(listed[0]["articles"]) in table[1].split()


@pytest.mark.slow
def test_progress_lines_arrive_inside_a_part(two_builds: dict) -> None:
    lines = [(t, line) for t, line in two_builds["lines"] if "extract fields: " in line]
    inside = [line for _t, line in lines if "extract fields: in part" in line]
    assert inside, f"no line while a part was in flight: {lines}"
    done = [line for _t, line in lines if "extract fields: part " in line]
    assert len(done) >= 2 and "(100.0%)" in done[-1]  # the samples' part, then parts of 1,200
    # a line inside a part comes before the line that says that part is done
    part = re.search(r"in part (\d+),", inside[0])[1]
    first_inside = next(i for i, (_t, line) in enumerate(lines) if f"in part {part}," in line)
    first_done = next(i for i, (_t, line) in enumerate(lines) if f"extract fields: part {part}," in line)
    assert first_inside < first_done
    # and the lines keep coming: no long silence between two of them while fields are extracted
    gaps = [later - earlier for (earlier, _a), (later, _b) in itertools.pairwise(lines)]
    assert max(gaps) < 6.0, f"{max(gaps):.1f}s without a line during extraction"


@pytest.mark.slow
def test_a_blocked_release_exits_1_and_its_summary_says_which_check(
    two_builds: dict, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The samples alone after 2,401 articles: release_shrink blocks the release (exit 1), and
    the summary names the failing check, with no release and no counts."""
    root, out = two_builds["root"], tmp_path / "blocked.json"
    argv = ["build", "--input", str(REPO / "samples"), "--out", str(root), "--log-level", "ERROR"]
    assert main([*argv, "--json", str(out)]) == 1
    assert "check release_shrink failed; release blocked" in capsys.readouterr().err
    summary = json.loads(out.read_text())
    assert summary["exit_code"] == 1 and not summary["success"]
    assert summary["release"] is None and summary["articles"] is None
    failed = [c["check"] for c in summary["checks"] if not c["passed"]]
    assert failed == ["release_shrink"]
    assert [r["version"] for r in release_rows(root)] == ["1.1.0", "1.0.0"]  # nothing new
