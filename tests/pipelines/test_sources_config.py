"""Mistakes in sources.yaml end `akhbar build` before anything runs: exit code 2 and one line
naming the file, the line and the key."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from akhbar.pipelines.cli import main

RECORD = {"title": "عنوان الخبر", "content": "نص الخبر كاملا"}
GOOD = "sources:\n  - name: dump\n    path: dump.jsonl\n"

# (what is wrong, sources.yaml bytes, line, key named in the message, part of the message)
CASES: list[tuple[str, bytes, int, str, str]] = [
    (
        "yaml syntax",
        b"sources:\n  - name: dump\n    path: dump.jsonl\n  license: x\n",
        4,
        "license",
        "YAML syntax error",
    ),
    ("tab", b"sources:\n  - name: dump\n\tpath: dump.jsonl\n", 3, "path", "tab character"),
    ("fields not a mapping", GOOD.encode() + b"    fields: title\n", 4, "sources[0].fields", "a mapping"),
    ("empty path", b"sources:\n  - name: dump\n    path:\n", 3, "sources[0].path", "path is empty"),
    ("not utf-8", "sources:\n  - name: خبر\n    path: dump.jsonl\n".encode("cp1256"), 2, "name", "not UTF-8"),
    (
        "unknown encoding",
        GOOD.encode() + b"    encoding: windows-9999\n",
        4,
        "sources[0].encoding",
        "unknown encoding 'windows-9999'",
    ),
    (
        "not a text encoding",
        GOOD.encode() + b"    encoding: base64\n",
        4,
        "sources[0].encoding",
        "not a text",
    ),
    (
        "unknown time zone",
        GOOD.encode() + b"    timezone: Asia/Riad\n",
        4,
        "sources[0].timezone",
        "unknown time zone 'Asia/Riad'",
    ),
    (
        "name a list",
        b"sources:\n  - name: [a, b]\n    path: dump.jsonl\n",
        2,
        "sources[0].name",
        "must be text",
    ),
    (
        "field mapped to a missing field",
        GOOD.encode() + b"    fields:\n      title: title\n      text: body\n",
        6,
        "sources[0].fields.text",
        "has 'body' for the text; their fields are content, title",
    ),
    ("unknown key", GOOD.encode() + b"    colour: red\n", 4, "sources[0].colour", "unknown key"),
    (
        "unknown field",
        GOOD.encode() + b"    fields: {headline: h}\n",
        4,
        "sources[0].fields.headline",
        "unknown",
    ),
    ("bad format", GOOD.encode() + b"    format: csv\n", 4, "sources[0].format", "'csv' is not one of"),
    ("key twice", GOOD.encode() + b"    path: other.jsonl\n", 4, "path", "given twice"),
    ("missing path", b"sources:\n  - name: dump\n", 2, "sources[0].path", "missing"),
    (
        "path not there",
        b"sources:\n  - name: dump\n    path: gone.jsonl\n",
        3,
        "sources[0].path",
        "does not exist",
    ),
    (
        "glob matches nothing",
        b"sources:\n  - name: d\n    path: '*.xml'\n",
        3,
        "sources[0].path",
        "matches no",
    ),
    (
        "same name twice",
        GOOD.encode() * 1 + b"  - name: dump\n    path: dump.jsonl\n",
        4,
        "sources[1].name",
        "unique",
    ),
    ("no sources list", b"source:\n  - name: dump\n", 1, "sources", "top-level 'sources:' list"),
]


@pytest.mark.parametrize(("label", "config", "line", "key", "message"), CASES, ids=[c[0] for c in CASES])
def test_a_config_mistake_is_one_line_with_exit_code_2(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    label: str,
    config: bytes,
    line: int,
    key: str,
    message: str,
) -> None:
    (tmp_path / "dump.jsonl").write_text(json.dumps(RECORD, ensure_ascii=False) + "\n", encoding="utf-8")
    sources = tmp_path / "sources.yaml"
    sources.write_bytes(config)
    out = tmp_path / "out"
    code = main(["build", "--sources", str(sources), "--out", str(out), "--log-level", "ERROR"])
    captured = capsys.readouterr()
    assert code == 2
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1, captured.err
    assert lines[0].startswith(f"akhbar: {sources}:{line}: "), lines[0]
    assert re.search(rf"\b{re.escape(key)}\b", lines[0]), lines[0]
    assert message in lines[0]
    assert captured.out == ""  # nothing ran: not even the sources line
    assert not out.exists()


def test_a_good_config_is_accepted(tmp_path: Path) -> None:
    from akhbar.ingest import load_sources_file

    (tmp_path / "dump.jsonl").write_text(json.dumps(RECORD, ensure_ascii=False) + "\n", encoding="utf-8")
    config = tmp_path / "sources.yaml"
    config.write_text(
        GOOD + "    encoding: windows-1256\n    timezone: Asia/Riyadh\n"
        "    fields: {title: title, text: [body, content]}\n"
    )
    (source,) = load_sources_file(config, check_records=True)
    assert (source.name, source.encoding, source.timezone) == ("dump", "windows-1256", "Asia/Riyadh")
    assert source.fields == {"title": ("title",), "text": ("body", "content")}


def test_records_without_the_mapped_field_say_which_fields_they_have(tmp_path: Path) -> None:
    """A mapping most records match: the few that do not are quarantined with the names."""
    from akhbar.ingest import SourceConfig, read_sources

    dump = tmp_path / "dump.jsonl"
    records = [{"title": "عنوان", "body": "نص"}, {"title": "عنوان آخر", "content": "نص", "url": "u"}]
    dump.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    batch = read_sources([SourceConfig("d", str(dump), "jsonl", fields={"text": ("body",)})])
    assert batch.articles["origin"].to_pylist() == ["dump.jsonl#L1"]
    (reason,) = batch.quarantine["reason"].to_pylist()
    assert reason == (
        "no article text: the record has no field 'body' (as mapped in sources.yaml); "
        "its fields are title, content, url"
    )
