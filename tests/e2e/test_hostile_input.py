"""A hostile input folder through the whole build_release job: every item ends released,
quarantined with a clear reason, or marked duplicate, and the accounting identity holds."""

from __future__ import annotations

import json
import shutil

import pyarrow.parquet as pq
import pytest

from akhbar.pipelines.cli import main
from tests.support import SEED

pytestmark = pytest.mark.slow  # whole builds, servers or processes: see docs/testing.md

ARABIC_PARAGRAPH = (
    "أعلنت وزارة الصحة اليوم عن افتتاح مستشفى جديد في المدينة، يضم ثلاثمئة سرير وعددا من "
    "الأقسام التخصصية، وقال الوزير إن المشروع سيخدم أكثر من مليون نسمة في المنطقة."
)


def _article(title: str, n: int = 3) -> str:
    return f"{title}\n\n" + "\n".join(f"{ARABIC_PARAGRAPH} ({title} {i})" for i in range(n))


@pytest.fixture(scope="module")
def hostile_build(tmp_path_factory: pytest.TempPathFactory) -> dict:
    root = tmp_path_factory.mktemp("hostile")
    texts = root / "texts"
    texts.mkdir()
    shutil.copy(SEED, texts / "seed.txt")
    shutil.copy(SEED, texts / "seed copy (2).txt")  # the same file twice under different names
    # The same article saved again with Windows line breaks: other bytes, same text.
    (texts / "seed-crlf.txt").write_bytes(SEED.read_bytes().replace(b"\n", b"\r\n"))
    (texts / "empty.txt").write_bytes(b"")
    (texts / "binary.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 8)
    (texts / "cp1256.txt").write_bytes(_article("خبر بترميز ويندوز").encode("cp1256"))
    (texts / "utf16.txt").write_bytes(_article("خبر بترميز يو تي إف 16").encode("utf-16"))
    (texts / "mojibake.txt").write_text(
        _article("خبر مشوه").encode("utf-8").decode("cp1252", errors="replace"), encoding="utf-8"
    )
    (texts / "page.txt").write_text(
        "<!DOCTYPE html><html><head><title>صفحة</title></head><body><script>var x=1;</script>"
        f"<article><h1>عنوان الصفحة</h1><p>{ARABIC_PARAGRAPH}</p></article></body></html>",
        encoding="utf-8",
    )
    huge = _article("مقال ضخم جدا", n=1) + "\n" + (ARABIC_PARAGRAPH + "\n") * (50_000_000 // 250)
    (texts / "huge.txt").write_text(huge, encoding="utf-8")
    assert (texts / "huge.txt").stat().st_size > 50_000_000
    dump = root / "dump.jsonl"
    good = {"title": "خبر من ملف جيسون", "text": ARABIC_PARAGRAPH, "origin": "../../../etc/passwd"}
    dump.write_text(
        json.dumps(good, ensure_ascii=False)
        + "\n"
        + json.dumps({"title": "سطر مقطوع", "text": ARABIC_PARAGRAPH}, ensure_ascii=False)[:40]
        + "\n",
        encoding="utf-8",
    )
    out = root / "out"
    code = main(
        ["build", "--input", str(texts), "--input", str(dump), "--out", str(out), "--log-level", "ERROR"]
    )
    (release,) = sorted((out / "releases").iterdir())
    return {
        "code": code,
        "root": root,
        "release": release,
        "manifest": json.loads((release / "manifest.json").read_text()),
        "rows": pq.read_table(release / "data").to_pylist(),
        "quarantine": pq.read_table(release / "quarantine.parquet").to_pylist(),
    }


def test_build_succeeds(hostile_build: dict) -> None:
    assert hostile_build["code"] == 0


def test_accounting_identity_holds(hostile_build: dict) -> None:
    rows = hostile_build["manifest"]["rows"]
    assert rows["raw"] == 12  # 10 text files, 2 JSONL lines
    assert rows["raw"] == rows["unique"] + rows["duplicates"] + rows["quarantined"]
    assert hostile_build["manifest"]["accounting"]["balanced"] is True
    assert len(hostile_build["rows"]) + len(hostile_build["quarantine"]) == rows["raw"]


@pytest.mark.parametrize(
    ("origin", "reason_part"),
    [
        ("empty.txt", "empty"),
        ("binary.txt", "binary"),
        ("mojibake.txt", "mojibake"),
        ("huge.txt", "size_bytes"),
        ("dump.jsonl#L2", "JSON"),
        ("page.txt", "format html"),
    ],
)
def test_bad_items_are_quarantined_with_a_clear_reason(
    hostile_build: dict, origin: str, reason_part: str
) -> None:
    reasons = {q["origin"]: q["reason"] for q in hostile_build["quarantine"]}
    assert origin in reasons, reasons
    assert reason_part.lower() in reasons[origin].lower()


@pytest.mark.parametrize(
    "origin", ["cp1256.txt", "utf16.txt", "seed.txt", "seed copy (2).txt", "dump.jsonl#L1"]
)
def test_readable_items_are_released(hostile_build: dict, origin: str) -> None:
    released = {r["origin"]: r for r in hostile_build["rows"]}
    assert origin in released
    assert "\ufffd" not in released[origin]["body"]


def test_same_text_under_other_names_or_bytes_is_marked_duplicate(hostile_build: dict) -> None:
    """Ids name origins: the same bytes under two names are two articles, copies by content."""
    by_origin = {r["origin"]: r for r in hostile_build["rows"]}
    copies = [by_origin[o] for o in ("seed.txt", "seed copy (2).txt", "seed-crlf.txt")]
    (kept,) = [r for r in copies if r["duplicate_of"] is None]
    assert [r["duplicate_of"] for r in copies if r is not kept] == [kept["id"], kept["id"]]
    assert hostile_build["manifest"]["rows"]["duplicates"] == 2


def test_origin_field_in_a_record_is_not_a_path(hostile_build: dict) -> None:
    released = {r["origin"]: r for r in hostile_build["rows"]}
    assert "dump.jsonl#L1" in released
    assert not any(".." in r["origin"] for r in hostile_build["rows"])
    written = {p.relative_to(hostile_build["root"]).parts[0] for p in hostile_build["root"].rglob("*")}
    assert written == {"texts", "dump.jsonl", "out"}
