from __future__ import annotations

import codecs
import gzip
import json
from datetime import UTC, datetime
from pathlib import Path

import pyarrow as pa
import pytest

from akhbar.ingest import (
    SourceConfig,
    SourceConfigError,
    load_sources_file,
    read_sources,
    sources_for_inputs,
)
from akhbar.ingest.decode import UndecodableError, decode_bytes
from akhbar.ingest.records import article_id, parse_published
from tests.support import SEED, head_lines


def _rows(table: pa.Table) -> list[dict]:
    return table.to_pylist()


def test_seed_text_file_headline_first_line() -> None:
    batch = read_sources([SourceConfig("samples", str(SEED.parent), "text")])
    (row,) = _rows(batch.articles)
    assert row["title"] == ("روسيا: تقدم في محادثات إسطنبول مع الولايات المتحدة بشأن البعثات الدبلوماسية")
    assert row["origin"] == "seed_article.txt"
    assert row["raw_sha256"] == __import__("hashlib").sha256(SEED.read_bytes()).hexdigest()
    assert row["id"] == article_id("samples", None, None, "seed_article.txt")
    assert batch.quarantine.num_rows == 0


def test_almayadeen_jsonl_mapping(corpus: Path) -> None:
    path = corpus / "almayadeen" / "almayadeen_2024-04.jsonl"
    source = SourceConfig(
        "almayadeen", str(corpus / "almayadeen" / "*.jsonl"), "jsonl", fields={"tags": ("keywords",)}
    )
    batch = read_sources([source])
    lines = path.read_bytes().splitlines()
    records = [json.loads(line) for line in lines]
    with_text = [r for r in records if r.get("text")]
    april = [r for r in _rows(batch.articles) if r["origin"].startswith("almayadeen_2024-04")]
    # every line is either an article or a quarantine row
    april_q = [r for r in _rows(batch.quarantine) if r["origin"].startswith("almayadeen_2024-04")]
    assert len(april) + len(april_q) == len(lines)
    assert len(april) <= len(with_text)
    first = april[0]
    line_no = int(first["origin"].split("#L")[1])
    record = records[line_no - 1]
    assert first["title"] == record["title"]
    assert first["lead"] == record["lead"]
    assert first["url"] == record["url"]
    assert first["source_record_id"] == record["id"]
    assert first["tags"] == record["keywords"]
    assert first["published_at"] == datetime.fromisoformat(record["published"]).astimezone(UTC)
    assert first["raw_sha256"] == __import__("hashlib").sha256(lines[line_no - 1]).hexdigest()
    assert first["id"] == article_id("almayadeen", record["url"], record["id"], first["origin"])


@pytest.mark.slow
def test_saudinewsnet_gzip_read_directly(corpus: Path) -> None:
    path = corpus / "saudinewsnet" / "saudinewsnet_dev.jsonl.gz"
    batch = read_sources([SourceConfig("saudinewsnet", str(path), "jsonl")])
    with gzip.open(path, "rb") as fh:
        n_lines = sum(1 for line in fh if line.strip())
    assert batch.articles.num_rows + batch.quarantine.num_rows == n_lines == 26368
    assert batch.articles.num_rows > 25_000
    row = batch.articles.slice(0, 1).to_pylist()[0]
    assert row["origin"] == "saudinewsnet_dev.jsonl.gz#L1"
    assert row["text"] and row["title"] and row["url"].startswith("http")
    assert row["published_at"] is None  # date_extracted is a scrape time, not mapped by default
    reasons = set(batch.quarantine["reason"].to_pylist())
    assert reasons <= {
        "no article text (text field missing or empty)",
        "no title (title field missing or empty)",
    } | {r for r in reasons if r.startswith("duplicate id")}


def test_bad_inputs_are_quarantined_with_reasons(tmp_path: Path) -> None:
    folder = tmp_path / "articles"
    folder.mkdir()
    (folder / "empty.txt").write_bytes(b"")
    (folder / "binary.txt").write_bytes(b"\x00\x01\x02PK\x03\x04" * 20)
    (folder / "cp1256.txt").write_bytes("عنوان\nنص الخبر".encode("cp1256"))
    (folder / "good.txt").write_text("عنوان الخبر\n\nنص الخبر هنا.", encoding="utf-8")
    (folder / "utf16.txt").write_bytes(codecs.BOM_UTF16_LE + "عنوان\n\nنص".encode("utf-16-le"))
    (folder / "title_only.txt").write_text("عنوان فقط\n", encoding="utf-8")
    dump = tmp_path / "dump.jsonl"
    dump.write_bytes(
        b'{"title": "\xd8\xb9", "text": "\xd8\xb9\xd8\xb1"}\n{"title": "x", "text": \n'
        b'[1, 2]\n\n{"title": "t", "text": "b", "url": "u"}\n'
        b'{"title": "t2", "text": "b2", "url": "u"}\n'
    )
    batch = read_sources(
        [SourceConfig("files", str(folder), "text"), SourceConfig("dump", str(dump), "jsonl")]
    )
    reasons = {r["origin"]: r["reason"] for r in _rows(batch.quarantine)}
    assert reasons["empty.txt"] == "empty file"
    assert reasons["binary.txt"].startswith("binary content")
    assert reasons["cp1256.txt"].startswith("undecodable: not valid UTF-8")
    assert reasons["title_only.txt"].startswith("no article text")
    assert reasons["dump.jsonl#L2"].startswith("invalid JSON")
    assert reasons["dump.jsonl#L3"] == "JSON value is a list, not an object"
    assert reasons["dump.jsonl#L6"].startswith("duplicate id")
    released = sorted(r["origin"] for r in _rows(batch.articles))
    assert released == ["dump.jsonl#L1", "dump.jsonl#L5", "good.txt", "utf16.txt"]
    # nothing lost: 6 files + 5 non-blank lines
    assert batch.articles.num_rows + batch.quarantine.num_rows == 11


def test_declared_encoding_decodes(tmp_path: Path) -> None:
    folder = tmp_path / "a"
    folder.mkdir()
    (folder / "x.txt").write_bytes("عنوان\r\nنص الخبر".encode("cp1256"))
    batch = read_sources([SourceConfig("a", str(folder), "text", encoding="cp1256")])
    assert batch.articles["title"].to_pylist() == ["عنوان"]
    assert batch.articles["text"].to_pylist() == ["نص الخبر"]


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"\xef\xbb\xbfabc", "abc"),
        (codecs.BOM_UTF16_BE + "ب".encode("utf-16-be"), "ب"),
        ("خبر".encode(), "خبر"),
    ],
)
def test_decode_bytes(data: bytes, expected: str) -> None:
    assert decode_bytes(data) == expected


def test_decode_bytes_never_substitutes() -> None:
    with pytest.raises(UndecodableError, match="byte 0xC7 at offset 0"):
        decode_bytes("ا".encode("cp1256"))


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2024-04-05T10:00:00+03:00", datetime(2024, 4, 5, 7, tzinfo=UTC)),
        ("2024-04-05T10:00:00Z", datetime(2024, 4, 5, 10, tzinfo=UTC)),
        ("2024-04-05", datetime(2024, 4, 5, tzinfo=UTC)),
        ("yesterday", None),
        (None, None),
        ("", None),
    ],
)
def test_parse_published(value: str | None, expected: datetime | None) -> None:
    assert parse_published(value) == expected


def test_sources_yaml(tmp_path: Path) -> None:
    (tmp_path / "dump.jsonl").write_text('{"headline": "h", "content": "c"}\n')
    config = tmp_path / "sources.yaml"
    config.write_text(
        "sources:\n  - name: d\n    path: dump.jsonl\n    license: cc-by-4.0\n"
        "    fields: {title: headline, text: [body, content]}\n"
    )
    (source,) = load_sources_file(config)
    assert source.format == "jsonl" and source.license == "cc-by-4.0"
    batch = read_sources([source])
    assert batch.articles["title"].to_pylist() == ["h"]
    assert batch.articles["text"].to_pylist() == ["c"]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("sources: []\n", "top-level 'sources:' list"),
        ("sources:\n  - name: a\n", "sources\\[0\\].path: missing"),
        ("sources:\n  - {name: a, path: x.jsonl, colour: red}\n", "sources\\[0\\].colour: unknown key"),
        ("sources:\n  - {name: a, path: x.jsonl, fields: {headline: h}}\n", "fields.headline: unknown field"),
        ("sources:\n  - {name: a, path: x.csv}\n", "x.csv does not exist"),
    ],
)
def test_sources_yaml_errors(tmp_path: Path, text: str, message: str) -> None:
    config = tmp_path / "sources.yaml"
    config.write_text(text)
    with pytest.raises(SourceConfigError, match=message):
        load_sources_file(config)


def test_inputs_infer_formats(tmp_path: Path, corpus: Path) -> None:
    html_dir = corpus / "html_pages" / "newspaper4k_cnn_arabic"
    txt_dir = tmp_path / "txt"
    txt_dir.mkdir()
    (txt_dir / "a.txt").write_text("t\nb")
    gz = head_lines(corpus / "saudinewsnet" / "saudinewsnet_dev.jsonl.gz", tmp_path / "s.jsonl.gz", 3)
    sources = sources_for_inputs([str(txt_dir), str(html_dir / "arabic_article.html"), str(gz)])
    assert [(s.name, s.format) for s in sources] == [
        ("txt", None),  # a folder: each file in its own format
        ("arabic_article", "html"),
        ("s", "jsonl"),
    ]
    with pytest.raises(SourceConfigError, match="does not exist"):
        sources_for_inputs([str(tmp_path / "missing")])


def test_html_page_metadata(corpus: Path) -> None:
    folder = corpus / "html_pages" / "newspaper4k_cnn_arabic"
    expected = json.loads((folder / "expected_metadata.json").read_text(encoding="utf-8"))
    batch = read_sources(sources_for_inputs([str(folder / "arabic_article.html")]))
    (row,) = _rows(batch.articles)
    assert row["title"] == expected["title"]
    assert row["url"] == expected["url"]
    assert row["published_at"] is None  # the page has no date; none is guessed
    assert row["text"].startswith("دمشق، سوريا (CNN)")


def test_html_captions_reach_the_dataset_fields(tmp_path: Path) -> None:
    from akhbar.runner import extract_fields, normalize_articles

    page = tmp_path / "page.html"
    page.write_text(
        "<html><head><title>عنوان الخبر</title></head><body><article><h1>عنوان الخبر</h1>"
        "<p>هذه فقرة أولى طويلة بما يكفي من نص الخبر عن الطقس في بيروت اليوم.</p>"
        '<figure><img src="a.jpg"><figcaption>سيارة تعبر الشارع في بيروت <span class="credit">رويترز'
        "</span></figcaption></figure>"
        "<p>وهذه فقرة ثانية من الخبر تتحدث عن تفاصيل أخرى مهمة جدا للقراء.</p></article></body></html>",
        encoding="utf-8",
    )
    fields = extract_fields(normalize_articles(read_sources(sources_for_inputs([str(page)])).articles))
    (row,) = fields.to_pylist()
    assert row["captions"] == [{"text": "سيارة تعبر الشارع في بيروت", "credit": "رويترز"}]
    assert "سيارة تعبر" not in row["body"]


def test_mojibake_hidden_in_json_escapes_is_quarantined(tmp_path: Path) -> None:
    garbled = "عنوان".encode().decode("cp1252", errors="replace") * 3
    dump = tmp_path / "d.jsonl"
    dump.write_text(json.dumps({"title": "عنوان", "text": garbled + " نص"}) + "\n", encoding="utf-8")
    batch = read_sources([SourceConfig("d", str(dump), "jsonl")])
    assert batch.articles.num_rows == 0
    (reason,) = batch.quarantine["reason"].to_pylist()
    assert reason.startswith("text: mojibake")


@pytest.mark.parametrize(
    ("name", "declared", "content", "expected"),
    [
        ("2015-01-01.jsonl.gz", None, gzip.compress(b"{}\n", mtime=0), "jsonl"),
        ("a.ndjson", "json", b"{}", "json"),  # within JSON, the declaration decides
        ("a.txt", None, b"title", "text"),
        ("a.txt", "jsonl", b"{}", "jsonl"),  # .txt does not say plainly what it holds
        ("page.htm", "text", b"<p>", "html"),  # a name that says its format wins
        ("archive.zip", "text", b"PK", "zip"),
        ("dump.dat", "jsonl", b"{}", "jsonl"),  # a declared format reads other extensions
        ("notes.csv", None, b"a,b", None),
        ("report.docx", None, b"PK\x03\x04", None),
        ("README", None, "عنوان\nنص".encode(), "text"),
        ("dump", None, b'{"title": "t"}\n{"title": "u"}\n', "jsonl"),
        ("dump", None, b'{\n  "title": "t"\n}\n', "json"),
        ("list", None, b'[{"title": "t"}]', "json"),
        ("page", None, b"\xef\xbb\xbf  <!DOCTYPE html><html></html>", "html"),
        ("bundle", None, b"PK\x03\x04rest", "zip"),
        ("dump.gz", None, gzip.compress(b'{"a": 1}\n', mtime=0), "jsonl"),
        ("notes.gz", None, gzip.compress(b"plain words", mtime=0), None),
        ("article.2024", None, "عنوان".encode(), "text"),  # ".2024" is no extension
    ],
)
def test_each_file_has_its_format(
    name: str, declared: str | None, content: bytes, expected: str | None
) -> None:
    from akhbar.ingest.sources import file_format

    fmt, how = file_format(name, declared, lambda: content)
    assert fmt == expected, how
    if expected is None:
        assert how.startswith("unsupported format")
