"""A page's tag list (one short line per tag between blank lines, after the body, before the
page's chrome) goes to `tags`, never into the body: synthetic texts of our own, and the real
CLI on the 60 Al Mayadeen pages of the shared corpus (as scraped, fed as text files)."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from akhbar.boilerplate import segment
from akhbar.extract.structure import extract_structure
from akhbar.normalize import clean_text
from akhbar.pipelines.cli import main
from tests.support import SEED

TITLE = "الحكومة تقر خطة جديدة لدعم المزارعين في الجنوب"
BODY = [
    "أقرت الحكومة اليوم خطة جديدة لدعم المزارعين في الجنوب بعد موسم جفاف طويل.",
    "وقال وزير الزراعة إن الخطة تشمل قروضاً ميسرة وبذوراً محسنة لأكثر من عشرة آلاف مزارع.",
    "وأضاف أن وزارة المالية ستصرف الدفعة الأولى من المخصصات مطلع الشهر المقبل.",
]
EXPLAINER = (
    "الزراعة قطاع أساسي في اقتصاد البلاد، يعمل فيه ربع السكان، وتواجه منذ سنوات موجات جفاف "
    "متكررة تهدد المحاصيل والثروة الحيوانية."
)
PAGE_CHROME = ["اليوم 06:42", "20 اب", "تصفح المزيد", "رابط مقال آخر"]


def _page(tail: list[str], *, chrome: list[str] = PAGE_CHROME, gap: str = "\n\n\n") -> str:
    """Body lines joined by single breaks, then the tail and the chrome each between blank lines."""
    return "\n".join(BODY) + "\n\n" + gap.join([*tail, *chrome])


@pytest.mark.parametrize(
    ("tail", "tags"),
    [
        (["وزارة الزراعة", "الجنوب", "المزارعين", EXPLAINER], ["وزارة الزراعة", "الجنوب", "المزارعين"]),
        (["وزارة المالية", "الجفاف", "اقرأ للكاتب", EXPLAINER], ["وزارة المالية", "الجفاف"]),
        (["الحكومة", "قروض ميسرة", "الجنوب"], ["الحكومة", "قروض ميسرة", "الجنوب"]),
    ],
)
@pytest.mark.parametrize("gap", ["\n\n\n", "\n\n"])
def test_tag_list_goes_to_tags(tail: list[str], tags: list[str], gap: str) -> None:
    segmented = segment(clean_text(_page(tail, gap=gap)), title=TITLE)
    assert segmented.tags == tags
    assert [r.text for r in segmented.removed if r.rule == "tag_list"] == tags
    kept = [b.text for b in segmented.blocks]
    assert kept == BODY + ([EXPLAINER] if EXPLAINER in tail else [])
    structure = extract_structure(TITLE, segmented.blocks, tags=["وزارة الزراعة", *segmented.tags])
    assert structure.tags == list(dict.fromkeys(["وزارة الزراعة", *tags]))
    assert not set(structure.paragraphs) & set(tags)


@pytest.mark.parametrize(
    ("tail", "chrome"),
    [
        # short closing sentences, with their final period
        (["وانتهى الاجتماع مساء.", "والتحقيق مستمر.", "وسنوافيكم بالتفاصيل."], PAGE_CHROME),
        # photo captions ending the text, no page chrome after them
        (["المزارعون في الحقول", "وزير الزراعة خلال الجولة", "جانب من الاجتماع"], []),
        # a list announced by the paragraph above it
        (["وشملت الخطة:", "قروض ميسرة", "بذور محسنة", "أسمدة مدعومة"], PAGE_CHROME),
        # bullet and numbered items
        (["- قروض ميسرة", "- بذور محسنة", "- أسمدة مدعومة"], PAGE_CHROME),
        (["1. قروض ميسرة", "2. بذور محسنة", "3. أسمدة مدعومة"], PAGE_CHROME),
        # verse that names nothing of the article
        (["يا ليل طال السهر", "والقلب يشكو القمر", "والنجم غاب بعيدا"], PAGE_CHROME),
        # a sign-off: one short line
        (["مراسلنا في الجنوب"], PAGE_CHROME),
        # a run of two where one line names nothing of the article
        (["الجنوب", "يا ليل طال السهر"], PAGE_CHROME),
        # a repeated line is not a tag list
        (["الجنوب", "الجنوب", "الجنوب"], PAGE_CHROME),
    ],
)
def test_short_closing_lines_stay_in_the_body(tail: list[str], chrome: list[str]) -> None:
    segmented = segment(clean_text(_page(tail, chrome=chrome)), title=TITLE)
    assert segmented.tags == []
    assert "tag_list" not in {r.rule for r in segmented.removed}
    assert [b.text for b in segmented.blocks] == BODY + tail


def test_the_seed_has_no_tag_list() -> None:
    title, text = SEED.read_text(encoding="utf-8").split("\n", 1)
    segmented = segment(clean_text(text), title=title)
    assert segmented.tags == []
    assert "tag_list" not in {r.rule for r in segmented.removed}
    # every paragraph line of the seed that is not chrome stays a block
    removed = {r.text for r in segmented.removed}
    lines = [line.strip() for line in clean_text(text).split("\n") if line.strip()]
    kept = [line for line in lines if line not in removed]
    assert [b.text for b in segmented.blocks] == kept
    assert segmented.blocks[-2].text.endswith(".")  # the last news paragraph, before the explainer


def _fold(text: str) -> str:
    return " ".join(clean_text(text).split())


@pytest.fixture(scope="module")
def pages(corpus: Path) -> list[dict]:
    path = corpus / "almayadeen" / "almayadeen_2023-12_pages.jsonl"
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


@pytest.mark.slow
def test_almayadeen_pages_tag_lists_through_the_cli(pages: list[dict], tmp_path: Path, capsys) -> None:
    """60 pages as text files (title, blank line, page text) through `akhbar build`."""
    folder = tmp_path / "pages"
    folder.mkdir()
    for page in pages:
        (folder / f"{page['id']}.txt").write_text(f"{page['title']}\n\n{page['text']}", encoding="utf-8")
    root = tmp_path / "data"
    assert main(["build", "--input", str(folder), "--out", str(root), "--log-level", "ERROR"]) == 0
    files = sorted(root.glob("releases/*/data/*.parquet"))
    rows = [row for f in files for row in pq.read_table(f).to_pylist()]
    by_origin = {f"{page['id']}.txt": page for page in pages}
    assert sorted(row["origin"] for row in rows) == sorted(by_origin)

    found = in_keywords = shown = shown_found = left = paragraphs = 0
    for row in rows:
        page = by_origin[row["origin"]]
        keywords = {_fold(k) for k in page["keywords"]}
        lines = [_fold(line) for line in page["text"].split("\n")]
        tags = row["tags"]
        # (b) found tags are page lines, in page order, mostly among the site's keywords
        positions = [lines.index(t) for t in tags]
        assert positions == sorted(positions), row["origin"]
        found += len(tags)
        in_keywords += sum(t in keywords for t in tags)
        page_tags = {line for line in lines if line in keywords}
        shown += len(page_tags)
        shown_found += len(page_tags & set(tags))
        # (a) no body paragraph is a keyword of its page
        paragraphs += len(row["paragraphs"])
        left += sum(_fold(p) in keywords for p in row["paragraphs"])
        # (c) nothing of the page's tail (tags, explainer box, widget times, "تصفح المزيد",
        # footer) is left in the body
        first_tag = min((i for i, line in enumerate(lines) if line in keywords), default=len(lines))
        tail = {line for line in lines[first_tag:] if line}
        assert not tail & {_fold(p) for p in row["paragraphs"]}, row["origin"]
    with capsys.disabled():
        print(
            f"\nAl Mayadeen pages: {found} tags found, {in_keywords} among keywords, "
            f"{shown_found}/{shown} keyword lines of the pages found, "
            f"{left}/{paragraphs} body paragraphs are keywords"
        )
    assert left == 0
    assert found >= 400
    assert in_keywords >= 0.98 * found
    assert shown_found >= 0.98 * shown


def test_almayadeen_pages_one_at_a_time(pages: list[dict]) -> None:
    """The rule needs no batch: each page alone gives its tag list."""
    for page in pages:
        segmented = segment(clean_text(page["text"]), title=clean_text(page["title"]))
        keywords = {_fold(k) for k in page["keywords"]}
        assert segmented.tags, page["id"]
        assert set(segmented.tags) <= keywords, page["id"]
        assert not {b.text for b in segmented.blocks} & keywords, page["id"]
