"""What the Hugging Face Hub accepts from configuration: repository names and licences; and what
a source name may hold. Each check returns the value to use or raises `ValueError` with a
message a person can act on, so a bad value stops the build when it is configured, not at
publication.

- Dataset name (`--name`, AKHBAR_DATASET_NAME) and repository id (`--repo`): the Hub's
  repository-name rules, as `huggingface_hub.utils.validate_repo_id` applies them (ASCII
  letters, digits, `-`, `_`, `.`; 1 to 96 characters; not starting or ending with `-` or `.`;
  no `--` or `..`; not ending in `.git`). The rules are restated here rather than imported:
  importing `huggingface_hub.utils` costs a build 0.2-0.35 s; tests/akhbar/test_escaping.py checks
  that both agree on generated names.
- Licence (`license:` of a source): a Hub licence identifier from `resources/hub_licenses.yaml`
  (matched without regard to case: `CC-BY-NC-SA-4.0` is `cc-by-nc-sa-4.0`), or a licence named
  in words (`© Al Mayadeen, all rights reserved`: anything that is not one token of
  identifier characters), which the card declares as `license: other` with that name. A single
  token that is not on the list (`cc-by-5.0`, `proprietary`) is a configuration error: it looks
  like an identifier the Hub would not accept.
- Source name: becomes the `source` column and appears in the card and the report, escaped
  there. Any text, but not empty, without leading or trailing spaces, line breaks, control
  characters or bidirectional overrides (they would make one name look like another).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml

_LICENSES_FILE = Path(__file__).resolve().parent / "resources" / "hub_licenses.yaml"
LICENSES_DOC = "https://huggingface.co/docs/hub/repositories-licenses"

# huggingface_hub.utils._validators.REPO_ID_REGEX for one part (namespace or name): ASCII word
# characters, `-` and `.`, 1 to 96 of them, a word character at each end.
_NAME = re.compile(r"[A-Za-z0-9_](?:[A-Za-z0-9_.-]{0,94}[A-Za-z0-9_])?")
_IDENTIFIER_LIKE = re.compile(r"[A-Za-z0-9][A-Za-z0-9.+_-]*")
# Control characters, line and paragraph separators, lone surrogates: not one line of text.
_FORBIDDEN_CATEGORIES = frozenset({"Cc", "Zl", "Zp", "Cs"})
# Bidirectional embeddings, overrides and isolates (format characters; other ones such as the
# zero-width non-joiner are kept): they reorder what follows them on screen.
_BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")

NAME_RULES = (
    "ASCII letters, digits, '-', '_' and '.', at most 96 characters, not starting or ending "
    "with '-' or '.', without '--' or '..', not ending in '.git'"
)


def _repo_part_error(part: str) -> str | None:
    if not _NAME.fullmatch(part):
        return NAME_RULES
    if "--" in part or ".." in part:
        return "no '--' or '..'"
    return None


def check_dataset_name(value: object) -> str:
    """The dataset name (`--name`, AKHBAR_DATASET_NAME): a Hub repository name without its
    organisation, shown in the card's title and `pretty_name`."""
    if not isinstance(value, str):
        raise ValueError(f"dataset name must be text, got {value!r}")
    if "/" in value:
        raise ValueError(
            f"dataset name {value!r} has a '/': give the name alone; the organisation is part of "
            "the repository (--repo ORG/NAME, AKHBAR_HUB_REPO)"
        )
    problem = _repo_part_error(value)
    if problem is None and value.endswith(".git"):
        problem = "not ending in '.git'"
    if problem is not None:
        raise ValueError(f"dataset name {value!r} is not a Hub repository name: use {problem}")
    return value


def check_repo_id(value: object) -> str:
    """A Hub repository id, `NAME` or `ORG/NAME` (`--repo`, AKHBAR_HUB_REPO)."""
    if not isinstance(value, str):
        raise ValueError(f"repository id must be text, got {value!r}")
    parts = value.split("/")
    problem = None
    if len(parts) > 2:
        problem = "the form ORG/NAME (one '/')"
    else:
        problem = next((p for p in map(_repo_part_error, parts) if p is not None), None)
        if problem is None and value.endswith(".git"):
            problem = "not ending in '.git'"
    if problem is not None:
        raise ValueError(f"repository id {value!r} is not a Hub repository id: use {problem}")
    return value


@cache
def hub_licenses() -> dict[str, str]:
    """Hub licence identifier -> its full name (resources/hub_licenses.yaml)."""
    return yaml.safe_load(_LICENSES_FILE.read_text(encoding="utf-8"))


@dataclass(frozen=True)
class License:
    """A configured licence as the card declares it: a Hub identifier (`other` for a licence
    given by name) and that name."""

    id: str
    name: str | None = None


def _forbidden_char(text: str) -> str | None:
    for ch in text:
        if unicodedata.category(ch) in _FORBIDDEN_CATEGORIES or ch in _BIDI_CONTROLS:
            return f"U+{ord(ch):04X} {unicodedata.name(ch, 'control character')}"
    return None


def parse_license(value: object) -> License:
    """A `license:` value (see the module's rules); `ValueError` when it cannot be declared."""
    if not isinstance(value, str) or not value.strip():
        raise ValueError(
            f"license {value!r}: give a Hub licence identifier (e.g. cc-by-4.0, see {LICENSES_DOC}), "
            "'other', or the licence's name in words"
        )
    text = value.strip()
    bad = _forbidden_char(text)
    if bad is not None:
        raise ValueError(f"license {value!r} holds {bad}; write it on one line of text")
    known = text.lower()
    if known in hub_licenses():
        return License(known)
    if _IDENTIFIER_LIKE.fullmatch(text):
        raise ValueError(
            f"license {text!r} is not a licence identifier the Hub accepts (see {LICENSES_DOC}); "
            "use one of those, 'other', or write the licence's name in words (e.g. "
            "'© Publisher, all rights reserved'), which the card declares as 'other' with that name"
        )
    return License("other", text)


def check_license(value: object) -> str:
    """The `license:` value to keep: the Hub identifier in its canonical (lower) case, or the
    licence's name in words, trimmed. Raises `ValueError` as `parse_license` does."""
    parsed = parse_license(value)
    return parsed.name or parsed.id


def check_source_name(value: object) -> str:
    """A source name (`name:` in sources.yaml, or the file name of an `--input`)."""
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise ValueError(f"source name must be text (quote it in sources.yaml), got {value!r}")
    text = str(value)
    if not text.strip():
        raise ValueError("source name is empty")
    if text != text.strip():
        raise ValueError(f"source name {text!r} starts or ends with white space")
    bad = _forbidden_char(text)
    if bad is not None:
        raise ValueError(
            f"source name {text!r} holds {bad}: a name is one line of visible text "
            "(it becomes the `source` column)"
        )
    return text
