"""The README's Celery recipe (section "Beyond one machine": the `sh` block right after the line
`<!-- recipe: celery ... -->`) as commands, so that what the README tells users to run is what the
tests run: tests/support/celery_cluster.py starts its workers and its runs with exactly the
recipe's worker and run command lines (only `NAME` and the paths the test owns substituted, any
`$VAR` taken from the test's environment), and tests/repo/test_recipe.py checks that each
command's program is in .venv/bin and its options parse.
"""

from __future__ import annotations

import re
import shlex
import shutil
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from tests.support import REPO

README = REPO / "README.md"
MARKER = "<!-- recipe: celery"
# The two command lines the tests run, by their program and subcommands.
WORKER = ("dagster-celery", "worker", "start")
RUN = ("dagster", "job", "execute")
_BLOCK = re.compile(r"[^\n]*\n```sh\n(.*?)\n```", re.S)  # the marker's line, then the block
_VAR = re.compile(r"\$(?:\{(\w+)\}|(\w+))")


class RecipeError(ValueError):
    """The README's recipe is missing, or not the shape the tests run."""


@dataclass(frozen=True)
class Recipe:
    """The recipe block: its `export NAME=value` settings and its other command lines, each split
    as `sh` splits it (comments dropped)."""

    exports: dict[str, str]
    commands: tuple[tuple[str, ...], ...]

    def command(self, prefix: tuple[str, ...]) -> tuple[str, ...]:
        """The one command line that starts with `prefix` (program and subcommands)."""
        found = [c for c in self.commands if c[: len(prefix)] == prefix]
        if len(found) != 1:
            raise RecipeError(f"README.md's recipe has {len(found)} `{' '.join(prefix)}` commands, not one")
        return found[0]


def parse_recipe(text: str) -> Recipe:
    """The recipe of a README's `text`."""
    start = text.find(MARKER)
    if start < 0:
        raise RecipeError(f"README.md has no `{MARKER} -->` line")
    block = _BLOCK.match(text, start)
    if block is None:
        raise RecipeError(f"README.md: no ```sh block right after `{MARKER} -->`")
    exports: dict[str, str] = {}
    commands = []
    for line in block.group(1).replace("\\\n", " ").splitlines():
        words = shlex.split(line, comments=True)
        if words[:1] == ["export"]:
            for word in words[1:]:
                name, equals, value = word.partition("=")
                if not equals:
                    raise RecipeError(f"README.md's recipe: `export {word}` sets no value")
                exports[name] = value
        elif words:
            commands.append(tuple(words))
    return Recipe(exports, tuple(commands))


def read_recipe(readme: Path = README) -> Recipe:
    return parse_recipe(readme.read_text(encoding="utf-8"))


def _expand(word: str, env: Mapping[str, str]) -> str:
    def value(match: re.Match) -> str:
        name = match.group(1) or match.group(2)
        if name not in env:
            raise RecipeError(f"README.md's recipe uses ${name}, which the test's environment does not set")
        return env[name]

    return _VAR.sub(value, word)


def command_argv(
    command: tuple[str, ...],
    env: Mapping[str, str],
    names: Mapping[str, str] | None = None,
    options: Mapping[str, str] | None = None,
) -> list[str]:
    """`command` as an argv to run in `env`: its program found on env's PATH (where the recipe's
    `export PATH` puts .venv/bin first), each word in `names` (a placeholder such as `NAME`)
    replaced, the value after each option in `options` (`-y`) replaced, then `$VAR`s expanded
    from `env`. Each placeholder and option must occur exactly once in the command."""
    names, options = dict(names or {}), dict(options or {})
    words = list(command)
    for placeholder, value in names.items():
        at = [i for i, w in enumerate(words) if w == placeholder]
        if len(at) != 1:
            raise RecipeError(f"`{shlex.join(command)}`: {placeholder} occurs {len(at)} times, not once")
        words[at[0]] = value
    for option, value in options.items():
        at = [i for i, w in enumerate(words[:-1]) if w == option]
        if len(at) != 1:
            raise RecipeError(f"`{shlex.join(command)}`: option {option} given {len(at)} times, not once")
        words[at[0] + 1] = value
    program = shutil.which(words[0], path=env.get("PATH", ""))
    if program is None:
        raise RecipeError(f"`{words[0]}` (README.md's recipe) is not on the test's PATH")
    return [program, *(_expand(w, env) for w in words[1:])]
