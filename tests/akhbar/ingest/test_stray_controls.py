"""Stray control characters in real text vs binary content.

Binary input is recognised by its content (a known file signature, or control characters
making up a large share of it), never by one byte: an article with a stray SUB or NUL is
read, its control characters are removed by clean_text, and the normalize stage reports how
many it removed. The sentences are written for these tests.
"""

from __future__ import annotations

import codecs
import gzip
import io
import json
import random
import shutil
import zipfile
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from dagster import AssetKey, DagsterInstance

from akhbar.ingest import SourceConfig, read_sources
from akhbar.ingest.decode import UndecodableError, decode_text, detect_and_decode
from akhbar.normalize import clean_text
from akhbar.pipelines.cli import main
from tests.support import SEED

HEADLINE = "افتتاح مكتبة عامة جديدة في حي الميناء"
PARAGRAPHS = (
    "افتتحت البلدية صباح اليوم مكتبة عامة جديدة في حي الميناء تضم أكثر من عشرين ألف كتاب، "
    "وقاعة للمطالعة تتسع لمئة قارئ.",
    "وقال رئيس البلدية إن المكتبة ستفتح أبوابها يوميا حتى العاشرة مساء، وإن الاشتراك فيها مجاني "
    "لطلاب المدارس والجامعات.",
    "ويأمل سكان الحي أن تصبح المكتبة ملتقى ثقافيا يجمع الكتاب والقراء في المدينة.",
)
ARTICLE = "\n".join([HEADLINE, *PARAGRAPHS])
# Where conversions leave them: two SUBs for a lost paragraph break, a NUL inside a word.
STRAYS = {
    "SUB pair after a sentence": ("كتاب، ", "كتاب، \x1a\x1a"),
    "NUL inside a word": ("المكتبة ستفتح", "المك\x00تبة ستفتح"),
    "SUB in the headline": ("مكتبة عامة", "مكتبة\x1a عامة"),
    "ESC and BEL": ("مساء، ", "مساء،\x1b\x07 "),
}
CODECS = ["utf-8", "cp1256"]


def _with_stray(kind: str) -> str:
    old, new = STRAYS[kind]
    assert old in ARTICLE
    return ARTICLE.replace(old, new, 1)


@pytest.mark.parametrize("codec", CODECS)
@pytest.mark.parametrize("kind", STRAYS)
def test_stray_control_bytes_are_text(codec: str, kind: str) -> None:
    """Decoded as the encoding it is in, the stray bytes kept; clean_text then removes them."""
    text = _with_stray(kind)
    decoded, used = detect_and_decode(text.encode(codec))
    assert (decoded, used) == (text, codec)
    assert clean_text(decoded) == clean_text(ARTICLE)


@pytest.mark.parametrize("codec", ["utf-16-le", "utf-16-be", "utf-16"])
def test_utf16_with_a_stray_nul_character_is_still_utf16(codec: str) -> None:
    """UTF-16 is full of 0x00 bytes; one U+0000 character more changes nothing."""
    text = _with_stray("NUL inside a word")
    assert detect_and_decode(text.encode(codec))[0] == text


@pytest.mark.parametrize("codec", CODECS)
def test_an_article_with_stray_bytes_is_read_not_quarantined(tmp_path: Path, codec: str) -> None:
    folder = tmp_path / "texts"
    folder.mkdir()
    (folder / "a.txt").write_bytes(_with_stray("SUB in the headline").encode(codec))
    (folder / "b.txt").write_bytes(_with_stray("NUL inside a word").encode(codec))
    batch = read_sources([SourceConfig("files", str(folder), "text")])
    assert batch.quarantine.num_rows == 0, batch.quarantine.to_pylist()
    assert batch.articles.num_rows == 2


def _zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("word/document.xml", ARTICLE)
    return buffer.getvalue()


_RANDOM = random.Random(15)
BINARY: list[tuple[str, bytes, str]] = [
    ("png", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 4, "PNG image signature"),
    (
        "pdf",
        b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n",
        "PDF document signature",
    ),
    ("zip / docx", _zip(), "ZIP archive"),
    ("gzip", gzip.compress(ARTICLE.encode(), mtime=0), "gzip archive signature"),
    ("jpeg", b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(200), "JPEG image signature"),
    ("elf", b"\x7fELF\x02\x01\x01" + bytes(100), "ELF executable signature"),
    ("ole2 doc", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(100), "OLE2 file"),
    ("random bytes", _RANDOM.randbytes(4096), r"control characters in 4096 bytes"),
    ("control bytes only", b"\x01\x02\x03", "only control characters"),
    ("every space a control", ARTICLE.encode().replace(b" ", b"\x01"), r"control characters in \d+ bytes"),
]


@pytest.mark.parametrize(("label", "data", "reason"), BINARY, ids=[b[0] for b in BINARY])
def test_binary_content_is_still_quarantined(tmp_path: Path, label: str, data: bytes, reason: str) -> None:
    with pytest.raises(UndecodableError, match=rf"^binary content \(.*{reason}"):
        detect_and_decode(data)
    folder = tmp_path / "texts"
    folder.mkdir()
    (folder / "x.txt").write_bytes(data)
    batch = read_sources([SourceConfig("files", str(folder), "text")])
    assert batch.articles.num_rows == 0
    assert batch.quarantine["reason"][0].as_py().startswith("binary content (")


@pytest.mark.parametrize("encoding", ["utf-8", "utf-16"])
def test_declared_encoding_judges_binary_by_content_too(encoding: str) -> None:
    text = _with_stray("SUB pair after a sentence")
    assert decode_text(text.encode(encoding), encoding) == (text, encoding)
    with pytest.raises(UndecodableError, match="PNG image signature"):
        decode_text(BINARY[0][1], encoding)
    with pytest.raises(UndecodableError, match="control characters in"):
        decode_text((ARTICLE.replace(" ", "\x01")).encode(encoding), encoding)


def test_jsonl_record_with_a_raw_control_byte_is_an_article(tmp_path: Path) -> None:
    """A JSON writer that did not escape a control character still wrote the article."""
    line = json.dumps({"title": HEADLINE, "text": "\n".join(PARAGRAPHS)}, ensure_ascii=False)
    dump = tmp_path / "dump.jsonl"
    dump.write_bytes(line.encode().replace("قارئ.".encode(), "قارئ.\x1a".encode()) + b"\n")
    batch = read_sources([SourceConfig("dump", str(dump), "jsonl")])
    assert batch.quarantine.num_rows == 0, batch.quarantine.to_pylist()
    assert "قارئ.\x1a" in batch.articles["text"][0].as_py()


# --- end to end: akhbar build --------------------------------------------------------------


@pytest.fixture(scope="module")
def stray_build(tmp_path_factory: pytest.TempPathFactory) -> dict:
    root = tmp_path_factory.mktemp("stray")
    texts = root / "texts"
    texts.mkdir()
    # the seed article gives the batch quotes with speakers: the article_fields suite expects
    # a share of them, and a batch without any quote fails it (mean of an all-null column)
    shutil.copy(SEED, texts / "seed.txt")
    other = ARTICLE.replace("مكتبة", "حديقة").replace("كتاب", "شجرة")
    (texts / "clean.txt").write_bytes(other.encode())
    (texts / "sub.txt").write_bytes(_with_stray("SUB pair after a sentence").encode())  # 2 controls
    cp1256 = ARTICLE.replace("مكتبة", "مدرسة")
    (texts / "nul-title.txt").write_bytes(
        cp1256.replace("مدرسة عامة", "مدرسة\x00 عامة", 1).encode("cp1256")  # 1 control
    )
    (texts / "utf16.txt").write_bytes(
        codecs.BOM_UTF16_LE + ARTICLE.replace("الميناء", "القلعة").encode("utf-16-le")
    )
    (texts / "image.txt").write_bytes(BINARY[0][1])
    home = root / "dagster_home"
    home.mkdir()
    (home / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")
    out = root / "out"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DAGSTER_HOME", str(home))
        code = main(["build", "--input", str(texts), "--out", str(out), "--log-level", "ERROR"])
    (release,) = sorted((out / "releases").iterdir())
    with DagsterInstance.from_config(str(home)) as instance:
        event = instance.get_latest_materialization_event(AssetKey("normalized_articles"))
        assert event is not None and event.asset_materialization is not None
        metadata = {k: v.value for k, v in event.asset_materialization.metadata.items()}
    return {
        "code": code,
        "metadata": metadata,
        "rows": {r["origin"]: r for r in pq.read_table(release / "data").to_pylist()},
        "quarantine": {
            q["origin"]: q["reason"] for q in pq.read_table(release / "quarantine.parquet").to_pylist()
        },
    }


@pytest.mark.slow
def test_build_releases_articles_with_stray_controls(stray_build: dict) -> None:
    assert stray_build["code"] == 0
    assert set(stray_build["rows"]) == {"seed.txt", "clean.txt", "sub.txt", "nul-title.txt", "utf16.txt"}
    assert list(stray_build["quarantine"]) == ["image.txt"]
    assert stray_build["quarantine"]["image.txt"] == "binary content (PNG image signature), not text"


@pytest.mark.slow
def test_released_text_has_the_control_characters_removed(stray_build: dict) -> None:
    sub, nul = stray_build["rows"]["sub.txt"], stray_build["rows"]["nul-title.txt"]
    assert sub["title"] == HEADLINE
    assert "ألف كتاب، وقاعة للمطالعة" in sub["body"]
    assert nul["title"] == HEADLINE.replace("مكتبة", "مدرسة")
    for row in stray_build["rows"].values():
        assert not any(c < " " and c != "\n" for c in row["title"] + row["body"]), row["origin"]


@pytest.mark.slow
def test_normalize_reports_the_control_characters_it_removed(stray_build: dict) -> None:
    assert stray_build["metadata"]["control_chars_removed"] == 3
    assert stray_build["metadata"]["articles_with_control_chars"] == 2
