"""The dataset card (README.md of a release), rendered from the `dataset_card.md` template.

The YAML header is produced with a YAML dumper, never by string templating, so it is always
valid Hub metadata; the prose comes from the Jinja2 template. Nothing here reads the clock.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import jinja2
import pyarrow as pa
import pyarrow.compute as pc
import yaml

from akhbar.schema import ARTICLE_SCHEMA, FIELD_DESCRIPTIONS, hf_yaml_features

_REPO_TEMPLATE = Path(__file__).resolve().parent.parent / "dataset_card.md"
_PACKAGED_TEMPLATE = Path(__file__).resolve().parent / "resources" / "dataset_card.md"


def template_path() -> Path:
    """The repository's `dataset_card.md` (editable install), else the copy in the wheel."""
    return _REPO_TEMPLATE if _REPO_TEMPLATE.is_file() else _PACKAGED_TEMPLATE


def size_category(rows: int) -> str:
    for limit, name in (
        (1_000, "n<1K"),
        (10_000, "1K<n<10K"),
        (100_000, "10K<n<100K"),
        (1_000_000, "100K<n<1M"),
        (10_000_000, "1M<n<10M"),
    ):
        if rows < limit:
            return name
    return "10M<n<100M"


def card_metadata(manifest: dict[str, Any]) -> dict[str, Any]:
    licenses = sorted({s.get("license") or "other" for s in manifest["sources"]})
    meta: dict[str, Any] = {
        "language": ["ar"],
        "license": licenses[0] if len(licenses) == 1 else "other",
    }
    if meta["license"] == "other":
        meta["license_name"] = "per-source"
        meta["license_details"] = "See the Sources section: each source keeps its own licence."
    meta.update(
        {
            "pretty_name": manifest["name"],
            "task_categories": ["text-classification", "token-classification", "summarization"],
            "size_categories": [size_category(manifest["rows"]["released"])],
            "tags": ["news", "arabic"],
            "configs": [
                {
                    "config_name": "default",
                    "data_files": [{"split": "train", "path": "data/train-*.parquet"}],
                }
            ],
            "dataset_info": {
                "features": hf_yaml_features(ARTICLE_SCHEMA),
                "splits": [{"name": "train", "num_examples": manifest["rows"]["released"]}],
            },
        }
    )
    return meta


def _coverage(articles: pa.Table) -> dict[str, int]:
    n = articles.num_rows
    if n == 0:
        return {}
    return {
        "lead": n - articles["lead"].null_count,
        "url": n - articles["url"].null_count,
        "published_at": n - articles["published_at"].null_count,
        "captions": pc.sum(pc.greater(pc.list_value_length(articles["captions"]), 0)).as_py() or 0,
        "tags": pc.sum(pc.greater(pc.list_value_length(articles["tags"]), 0)).as_py() or 0,
    }


def render_card(
    manifest: dict[str, Any], articles: pa.Table, repo_id: str | None = None, quality_summary: str = ""
) -> str:
    """The card of a release; `repo_id` goes into the usage snippet (a placeholder without it)."""
    header = yaml.safe_dump(card_metadata(manifest), allow_unicode=True, sort_keys=False, width=1000)
    env = jinja2.Environment(undefined=jinja2.StrictUndefined, keep_trailing_newline=True, autoescape=False)
    template = env.from_string(template_path().read_text(encoding="utf-8"))
    words = articles["word_count"].to_pylist() if articles.num_rows else []
    return template.render(
        yaml_header=header,
        m=manifest,
        fields=[(f.name, str(f.type), FIELD_DESCRIPTIONS[f.name]) for f in ARTICLE_SCHEMA],
        coverage=_coverage(articles),
        total_words=sum(w or 0 for w in words),
        example_repo=repo_id or f"<org>/{manifest['name']}",
        quality_summary=quality_summary,
    )
