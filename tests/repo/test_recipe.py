"""The README's Celery recipe ("Beyond one machine") is commands that work: each program is in
.venv/bin and its options parse with that program's own command-line parser, the run names a
Celery job of its module, the worker starts the settings file the run reads, on the solo pool,
and the recipe sets only variables something reads. tests/e2e/test_celery.py runs the worker and
run lines themselves (tests/support/celery_cluster.py)."""

from __future__ import annotations

import importlib
import os
import sys
from importlib.metadata import entry_points
from pathlib import Path

import click
import pytest
from celery.bin.base import CLIContext
from celery.bin.worker import worker as celery_worker

from akhbar.pipelines.cluster import CELERY_WORKER_YAML
from akhbar.pipelines.definitions import SETTINGS_ENV
from tests.support import REPO
from tests.support.recipe import RUN, WORKER, RecipeError, command_argv, parse_recipe, read_recipe

BIN = Path(sys.executable).parent
RECIPE = read_recipe()
# Each program's click command, in the module of its console script.
CLIS = {"dagster": ("dagster._cli", "cli"), "dagster-celery": ("dagster_celery.cli", "main")}
# What the recipe must set on every machine.
SHARED = {"PATH", "AKHBAR_CELERY_BROKER", "DAGSTER_HOME", "AKHBAR_DATA_ROOT"}


def _parse(command: tuple[str, ...], monkeypatch: pytest.MonkeyPatch) -> click.Context:
    """Parse `command` as its program does (click, from the repository's root, where the recipe
    runs), without running it; raises click.UsageError on an unknown option or a bad value."""
    program, *words = command
    (script,) = entry_points(group="console_scripts", name=program)
    module, attribute = CLIS[program]
    assert script.module == module  # the console script is this click command's module
    cli = getattr(importlib.import_module(module), attribute)
    monkeypatch.chdir(REPO)
    parent = click.Context(cli, info_name=program)
    while isinstance(cli, click.Group):
        name, *words = words
        cli = cli.get_command(parent, name)
        assert cli is not None, f"{program}: no subcommand {name}"
        if isinstance(cli, click.Group):
            parent = click.Context(cli, info_name=name, parent=parent)
    return cli.make_context(name, words, parent=parent)


def test_the_recipe_has_one_worker_and_one_run_command() -> None:
    assert RECIPE.commands == (RECIPE.command(WORKER), RECIPE.command(RUN))


@pytest.mark.parametrize("command", RECIPE.commands, ids=lambda c: c[0])
def test_each_program_is_in_the_venv_and_takes_its_options(
    command: tuple[str, ...], monkeypatch: pytest.MonkeyPatch
) -> None:
    program = BIN / command[0]
    assert program.is_file() and os.access(program, os.X_OK), program
    # the test cluster's PATH, as the recipe's `export PATH` sets it, finds that program
    env = {"PATH": f"{BIN}{os.pathsep}/usr/bin"}
    names = {"NAME": "w1"} if command == RECIPE.command(WORKER) else {}
    assert command_argv(command, env, names=names)[0] == str(program)
    _parse(command, monkeypatch)


def test_the_run_command_runs_a_celery_job_of_its_module(monkeypatch: pytest.MonkeyPatch) -> None:
    params = _parse(RECIPE.command(RUN), monkeypatch).params
    module = importlib.import_module(params["module_name"])
    job = module.defs.resolve_job_def(params["job_name"])
    assert job.executor_def.name == "celery"


def test_the_worker_starts_the_runs_settings_on_the_solo_pool(monkeypatch: pytest.MonkeyPatch) -> None:
    params = _parse(RECIPE.command(WORKER), monkeypatch).params
    assert (REPO / params["config_yaml"]).resolve() == CELERY_WORKER_YAML.resolve()
    assert params["name"] == "NAME"
    # `-A` names the module the workers' Celery app is in
    app = importlib.import_module(params["app"]).app
    # what follows `--` goes to `celery worker`, whose own parser reads it
    context = CLIContext(app=app, no_color=True, workdir=None, quiet=True)
    extra = celery_worker.make_context("worker", list(params["additional_args"]), obj=context).params
    assert extra["pool"].__module__ == "celery.concurrency.solo"


def test_the_recipe_sets_what_every_machine_shares_and_nothing_unread() -> None:
    assert set(RECIPE.exports) >= SHARED
    worker_yaml = CELERY_WORKER_YAML.read_text(encoding="utf-8")
    read = {"PATH", "DAGSTER_HOME", *SETTINGS_ENV.values()}
    unread = {
        name
        for name in RECIPE.exports
        if name not in read and f"{{env: {name}}}" not in worker_yaml and not name.startswith("AWS_")
    }
    assert not unread


@pytest.mark.parametrize(
    ("block", "error"),
    [
        ("dagster job execute -m m -j j\n", "0 `dagster-celery worker start` commands"),
        ("dagster-celery worker start -n NAME\ndagster-celery worker start -n NAME\n", "2 `dagster-celery"),
        ("dagster-celery worker start -y w.yaml\n", "NAME occurs 0 times"),
    ],
)
def test_a_recipe_the_tests_cannot_run_is_an_error(block: str, error: str) -> None:
    recipe = parse_recipe(f"<!-- recipe: celery -->\n```sh\n{block}```\n")
    env = {"PATH": str(BIN)}
    with pytest.raises(RecipeError, match=error):
        command_argv(recipe.command(WORKER), env, names={"NAME": "w1"}, options={"-y": "/tmp/w.yaml"})


@pytest.mark.parametrize(
    "command",
    [
        ("dagster", "job", "execute", "-m", "akhbar.pipelines.cluster", "--job-nam", "x"),
        ("dagster-celery", "worker", "start", "-A", "dagster_celery.app", "-y", "no/such.yaml", "-n", "x"),
    ],
)
def test_a_mistyped_option_or_a_missing_file_does_not_parse(
    command: tuple[str, ...], monkeypatch: pytest.MonkeyPatch
) -> None:
    with pytest.raises(click.UsageError):
        _parse(command, monkeypatch)


def test_a_missing_marker_or_block_and_an_unset_variable_are_errors() -> None:
    with pytest.raises(RecipeError, match="no `<!-- recipe: celery -->` line"):
        parse_recipe("## Beyond one machine\n```sh\ndagster job execute\n```\n")
    with pytest.raises(RecipeError, match="no ```sh block"):
        parse_recipe("<!-- recipe: celery -->\n\nsome text\n```sh\ndagster job execute\n```\n")
    recipe = parse_recipe("<!-- recipe: celery -->\n```sh\ndagster job execute -m $MODULE -j j\n```\n")
    with pytest.raises(RecipeError, match=r"\$MODULE"):
        command_argv(recipe.command(RUN), {"PATH": str(BIN)})
    assert command_argv(recipe.command(RUN), {"PATH": str(BIN), "MODULE": "m"})[1:] == [
        "job",
        "execute",
        "-m",
        "m",
        "-j",
        "j",
    ]
