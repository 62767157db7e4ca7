"""The test Hub's check of a README's YAML header (`POST /api/validate-yaml`): the rules of the
Hub's documentation that can be stated, applied to a dataset card's known keys.

- The header parses as YAML and is a mapping.
- Types, as `huggingface_hub.DatasetCardData` documents them: `language`, `license`,
  `annotations_creators`, `language_creators`, `multilinguality`, `size_categories`,
  `task_categories`, `task_ids`, `tags`, `config_names` a string or a list of strings;
  `source_datasets` a list of strings; `pretty_name`, `license_name`, `license_link`,
  `paperswithcode_id` strings.
- Values from the Hub's lists: licence identifiers (akhbar/resources/hub_licenses.yaml, from the
  Hub's licence documentation), `license_name` required with `license: other` and written as an
  id (lowercase letters, digits, `-`, `.`); task categories and task ids (hub_tasks.yaml beside
  this file: the Hub's tasks and their subtasks); languages, size categories, creators and
  multilinguality from the lists `datasets` ships (datasets/utils/resources/*.json).
- `configs`: a list of mappings with a unique `config_name` and `data_files` (a path, a list of
  paths, or a list of {split, path}).
- `dataset_info` (a mapping, or a list of them with `config_name`): `features` a list of named
  features, `splits` a list of {name, num_bytes, num_examples} with non-negative numbers (what
  `datasets.SplitDict._from_yaml_list` requires, else it ignores the splits with a warning),
  `download_size` and `dataset_size` non-negative numbers.

Each broken rule is one error message naming the key, as the Hub's messages do.
"""

from __future__ import annotations

import importlib.util
import json
import re
from functools import cache
from pathlib import Path
from typing import Any

import yaml

_HERE = Path(__file__).resolve().parent
_LICENSES = _HERE.parents[2] / "akhbar" / "resources" / "hub_licenses.yaml"
_LICENSE_NAME = re.compile(r"[a-z0-9][a-z0-9.-]*")
_STR_OR_LIST = (
    "language",
    "license",
    "annotations_creators",
    "language_creators",
    "multilinguality",
    "size_categories",
    "task_categories",
    "task_ids",
    "tags",
    "config_names",
)
_STRINGS = ("pretty_name", "license_name", "license_link", "paperswithcode_id")
_FEATURE_TYPES = ("dtype", "list", "struct", "sequence", "large_list", "class_label")


def _datasets_resource(name: str) -> Any:
    spec = importlib.util.find_spec("datasets")
    assert spec is not None and spec.submodule_search_locations, "datasets is not installed"
    folder = Path(next(iter(spec.submodule_search_locations))) / "utils" / "resources"
    return json.loads((folder / name).read_text(encoding="utf-8"))


@cache
def hub_lists() -> dict[str, frozenset[str]]:
    """The Hub's lists the rules check values against."""
    tasks = yaml.safe_load((_HERE / "hub_tasks.yaml").read_text(encoding="utf-8"))
    creators = _datasets_resource("creators.json")
    return {
        "license": frozenset(yaml.safe_load(_LICENSES.read_text(encoding="utf-8"))),
        "task_categories": frozenset(tasks),
        "task_ids": frozenset(t for ids in tasks.values() for t in ids),
        "language": frozenset(_datasets_resource("languages.json")),
        "size_categories": frozenset(_datasets_resource("size_categories.json")),
        "multilinguality": frozenset(_datasets_resource("multilingualities.json")),
        "annotations_creators": frozenset(creators["annotations"]),
        "language_creators": frozenset(creators["language"]),
    }


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _is_count(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and value >= 0


def _check_values(key: str, value: Any, errors: list[str]) -> None:
    allowed = hub_lists().get(key)
    if allowed is None:
        return
    for i, item in enumerate(_as_list(value)):
        # a language may carry a region or script subtag (ar-EG); its primary subtag is checked
        shown = item.split("-")[0].lower() if key == "language" else item
        if shown not in allowed:
            errors.append(f'"{key}[{i}]" must be one of the Hub\'s {key} values, got {item!r}')


def _check_features(where: str, features: Any, errors: list[str]) -> None:
    if not isinstance(features, list):
        errors.append(f'"{where}.features" must be a list')
        return
    for i, feature in enumerate(features):
        if not isinstance(feature, dict) or not isinstance(feature.get("name"), str):
            errors.append(f'"{where}.features[{i}]" must be a mapping with a "name"')
        elif sum(1 for k in _FEATURE_TYPES if k in feature) != 1:
            errors.append(f'"{where}.features[{i}]" must have one of {", ".join(_FEATURE_TYPES)}')


def _check_info(where: str, info: Any, errors: list[str]) -> None:
    if not isinstance(info, dict):
        errors.append(f'"{where}" must be a mapping')
        return
    if "features" in info:
        _check_features(where, info["features"], errors)
    splits = info.get("splits")
    if splits is not None:
        if not isinstance(splits, list):
            errors.append(f'"{where}.splits" must be a list')
            splits = []
        for i, split in enumerate(splits):
            if not isinstance(split, dict) or not isinstance(split.get("name"), str):
                errors.append(f'"{where}.splits[{i}].name" is required')
                continue
            for field in ("num_bytes", "num_examples"):
                if field not in split:
                    errors.append(f'"{where}.splits[{i}].{field}" is required')
                elif not _is_count(split[field]):
                    errors.append(f'"{where}.splits[{i}].{field}" must be a number >= 0')
            if "num_examples" in split and _is_count(split["num_examples"]):
                if not isinstance(split["num_examples"], int):
                    errors.append(f'"{where}.splits[{i}].num_examples" must be an integer')
    for field in ("download_size", "dataset_size"):
        if field in info and not _is_count(info[field]):
            errors.append(f'"{where}.{field}" must be a number >= 0')


def _check_configs(configs: Any, errors: list[str]) -> None:
    if not isinstance(configs, list):
        errors.append('"configs" must be a list')
        return
    names: set[str] = set()
    for i, config in enumerate(configs):
        if not isinstance(config, dict) or not isinstance(config.get("config_name"), str):
            errors.append(f'"configs[{i}].config_name" is required')
            continue
        if config["config_name"] in names:
            errors.append(f'"configs[{i}].config_name" {config["config_name"]!r} is repeated')
        names.add(config["config_name"])
        files = config.get("data_files")
        if files is None:
            continue
        for j, entry in enumerate(_as_list(files)):
            if isinstance(entry, str):
                continue
            path = entry.get("path") if isinstance(entry, dict) else None
            paths = _as_list(path) if path is not None else []
            if not (isinstance(entry, dict) and isinstance(entry.get("split"), str) and paths):
                errors.append(f'"configs[{i}].data_files[{j}]" must be a path or a {{split, path}} mapping')
            elif not all(isinstance(p, str) for p in paths):
                errors.append(f'"configs[{i}].data_files[{j}].path" must be a string or a list of strings')


def card_errors(data: dict[str, Any], repo_type: str = "dataset") -> list[str]:
    """Error messages for a card's parsed YAML header (empty when the Hub would accept it)."""
    errors: list[str] = []
    for key in _STR_OR_LIST:
        if key in data:
            value = data[key]
            if not all(isinstance(v, str) for v in _as_list(value)) or value == []:
                errors.append(f'"{key}" must be a string or a non-empty list of strings')
            else:
                _check_values(key, value, errors)
    for key in _STRINGS:
        if key in data and not isinstance(data[key], str):
            errors.append(f'"{key}" must be a string')
    if "source_datasets" in data and not (
        isinstance(data["source_datasets"], list) and all(isinstance(v, str) for v in data["source_datasets"])
    ):
        errors.append('"source_datasets" must be a list of strings')
    licenses = data.get("license")
    if "other" in _as_list(licenses) and repo_type in ("dataset", "model"):
        name = data.get("license_name")
        if name is None:
            errors.append('"license_name" is required when "license" is "other"')
        elif isinstance(name, str) and not _LICENSE_NAME.fullmatch(name):
            errors.append(f'"license_name" must be an id of lowercase letters, digits, "-" and ".": {name!r}')
    if repo_type == "dataset":
        if "configs" in data:
            _check_configs(data["configs"], errors)
        info = data.get("dataset_info")
        if isinstance(info, list):
            for i, item in enumerate(info):
                _check_info(f"dataset_info[{i}]", item, errors)
        elif info is not None:
            _check_info("dataset_info", info, errors)
    return errors
