"""HTML pages: main text, metadata and captions, on the two corpus pages and on synthetic pages.

Corpus expectations are read from `../shared/corpus/html_pages` at run time (nothing of it is
copied here). Text comparison: the extracted text and the expected text are both cut into
paragraphs (non-empty lines; the expected file separates them with a blank line, the pipeline
with "\\n"), and the two lists must be equal. The synthetic pages use sentences written for
these tests.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import lxml.html
import pytest

from akhbar.ingest import read_source, read_sources, sources_for_inputs
from akhbar.ingest.html_pages import extract_html, split_credit
from akhbar.ingest.records import parse_published
from tests.support import CORPUS

PAGES = CORPUS / "html_pages"
CNN = PAGES / "newspaper4k_cnn_arabic"
ASSABAH = PAGES / "trafilatura_assabah"


def _paragraphs(text: str) -> list[str]:
    return [line for line in text.split("\n") if line.strip()]


def _read(path: Path) -> str:
    return path.read_text(encoding="utf-8")


def _caption_markup(html: str) -> list[Any]:
    """Every element of a page that could hold an image caption."""
    tree = lxml.html.fromstring(html.encode("utf-8"))
    return tree.xpath("//figure|//figcaption|//*[contains(@class, 'caption')]|//*[@itemprop='caption']")


# --- the corpus pages --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def cnn() -> tuple[dict[str, Any], dict[str, Any], str]:
    html = _read(CNN / "arabic_article.html")
    expected = json.loads(_read(CNN / "expected_metadata.json"))
    return extract_html(html), expected, html


@pytest.fixture(scope="module")
def assabah() -> tuple[dict[str, Any], str, dict[str, Any], str]:
    html = _read(ASSABAH / "assabah.com.tn.article.html")
    ((url, expected),) = json.loads(_read(ASSABAH / "expected_evaldata_entry.json")).items()
    return extract_html(html), url, expected, html


def test_cnn_metadata(cnn: tuple[dict[str, Any], dict[str, Any], str]) -> None:
    doc, expected, _ = cnn
    assert doc["title"] == expected["title"]
    assert doc["url"] == expected["url"]
    assert expected["authors"] == [] and doc["author"] is None
    # The page shows a human-readable "last updated" line and its URL holds a date; neither
    # declares the publication date, and none is guessed from them.
    assert expected["publish_date"] is None and doc["date"] is None
    assert doc["tags"] == []


def test_cnn_text_is_the_expected_text(cnn: tuple[dict[str, Any], dict[str, Any], str]) -> None:
    doc, expected, _ = cnn
    assert _paragraphs(doc["text"]) == _paragraphs(_read(CNN / "expected_text.txt"))
    assert _paragraphs(doc["text"]) == _paragraphs(expected["text"])


def test_cnn_comment_notice_is_not_article_text(cnn: tuple[dict[str, Any], dict[str, Any], str]) -> None:
    """trafilatura alone keeps the comment-policy notice above the comments widget."""
    doc, _, html = cnn
    tree = lxml.html.fromstring(html.encode("utf-8"))
    (widget,) = tree.xpath("//div[contains(@class, 'fb-comments')]")
    notice = next(s for s in widget.itersiblings(preceding=True) if s.text_content().strip())
    for paragraph in _paragraphs(notice.text_content()):
        assert paragraph.strip() not in doc["text"]


def test_cnn_has_no_captions(cnn: tuple[dict[str, Any], dict[str, Any], str]) -> None:
    doc, _, html = cnn
    assert _caption_markup(html) == []  # its one story image has no caption
    assert doc["captions"] == []


def test_assabah_metadata(assabah: tuple[dict[str, Any], str, dict[str, Any], str]) -> None:
    doc, url, expected, _ = assabah
    assert doc["title"] == expected["title"]  # as the page spells it (two spaces after the colon)
    assert doc["url"] == url
    assert expected["author"] == "" and doc["author"] is None
    # The page's only keyword is its headline; the expected tags are empty.
    assert doc["tags"] == expected["tags"] == []


def test_assabah_date_is_the_declared_one(assabah: tuple[dict[str, Any], str, dict[str, Any], str]) -> None:
    """Documented difference: the evaldata entry leaves `date` blank (an unannotated field),
    while the article element declares its date in RDFa (`property="dc:date"`). That declared
    date is taken; htmldate's own pick (a sidebar link to another day's edition) is not."""
    doc, _, expected, html = assabah
    tree = lxml.html.fromstring(html.encode("utf-8"))
    (declared,) = tree.xpath("//article//*[@property='dc:date']/@content")
    assert expected["date"] == ""
    assert doc["date"] == declared


def test_assabah_text(assabah: tuple[dict[str, Any], str, dict[str, Any], str]) -> None:
    doc, _, expected, html = assabah
    for snippet in expected["with"]:
        assert snippet in doc["text"]
    for snippet in expected["without"]:
        assert snippet not in doc["text"]
    assert " ".join(_paragraphs(doc["text"])[0].split()) != " ".join(expected["title"].split())
    assert _caption_markup(html) == []
    assert doc["captions"] == []


def test_corpus_pages_through_the_reader() -> None:
    # the pages only: their folders also hold licences and expected values, read as articles
    batch = read_sources(sources_for_inputs([str(PAGES / "*" / "*.html")]))
    assert batch.quarantine.num_rows == 0
    rows = {r["origin"].split("/")[0]: r for r in batch.articles.to_pylist()}
    assert rows.keys() == {"newspaper4k_cnn_arabic", "trafilatura_assabah"}
    assert rows["newspaper4k_cnn_arabic"]["published_at"] is None
    assabah_date = extract_html(_read(ASSABAH / "assabah.com.tn.article.html"))["date"]
    assert rows["trafilatura_assabah"]["published_at"] == parse_published(assabah_date)


# --- synthetic pages ---------------------------------------------------------------------------

_PARAGRAPHS = (
    "افتتحت البلدية صباح اليوم حديقة عامة جديدة على الضفة الشرقية للنهر بعد عامين من أعمال التشجير والتهيئة.",
    "وقال رئيس المجلس البلدي إن الحديقة تضم مسارا للدراجات وملعبا صغيرا للأطفال ومكتبة مفتوحة للزوار.",
    "وأضاف أن المشروع مول بالكامل من ميزانية المدينة وأن أبواب الحديقة ستبقى مفتوحة حتى منتصف الليل.",
    "ويتوقع سكان الحي أن تخفف الحديقة من ازدحام الساحات القريبة خلال عطلة نهاية الأسبوع وفي فصل الصيف.",
)


def _page(figures: str = "", *, head: str = "", extra: str = "", paragraphs: bool = True) -> str:
    body = "".join(f"<p>{p}</p>" for p in _PARAGRAPHS) if paragraphs else ""
    return (
        f"<html><head><title>حديقة جديدة على ضفة النهر</title>{head}</head><body>"
        "<nav><a href='/'>الرئيسية</a></nav>"
        f"<article><h1>حديقة جديدة على ضفة النهر</h1>{figures}{body}</article>{extra}"
        "</body></html>"
    )


def _assert_captions_not_in_text(doc: dict[str, Any]) -> None:
    for caption in doc["captions"]:
        assert caption["text"] not in doc["text"]
        if caption["credit"]:
            assert caption["credit"] not in doc["text"]


def test_figcaption_with_a_credit_element() -> None:
    figure = (
        "<figure><img src='park.jpg'><figcaption>أطفال يلعبون قرب النافورة الجديدة"
        "<span class='credit'>تصوير: سلمى الحداد</span></figcaption></figure>"
    )
    doc = extract_html(_page(figure))
    assert doc["captions"] == [{"text": "أطفال يلعبون قرب النافورة الجديدة", "credit": "سلمى الحداد"}]
    assert _paragraphs(doc["text"]) == list(_PARAGRAPHS)
    _assert_captions_not_in_text(doc)


def test_credit_element_beside_the_figcaption() -> None:
    figure = (
        "<figure><img src='a.jpg'><figcaption>المكتبة المفتوحة عند مدخل الحديقة</figcaption>"
        "<small class='photo-credit'>(وكالة الأنباء المحلية)</small></figure>"
    )
    doc = extract_html(_page(figure))
    assert doc["captions"] == [
        {"text": "المكتبة المفتوحة عند مدخل الحديقة", "credit": "وكالة الأنباء المحلية"}
    ]
    _assert_captions_not_in_text(doc)


def test_trailing_parenthesis_credit() -> None:
    figure = "<figure><img src='b.jpg'><figcaption>مسار الدراجات على ضفة النهر (رويترز)</figcaption></figure>"
    doc = extract_html(_page(figure))
    assert doc["captions"] == [{"text": "مسار الدراجات على ضفة النهر", "credit": "رويترز"}]
    _assert_captions_not_in_text(doc)


def test_caption_without_credit() -> None:
    figure = "<figure><img src='c.jpg'><figcaption>زوار الحديقة في يومها الأول</figcaption></figure>"
    doc = extract_html(_page(figure))
    assert doc["captions"] == [{"text": "زوار الحديقة في يومها الأول", "credit": None}]
    _assert_captions_not_in_text(doc)


def test_wordpress_caption_kept_out_of_the_text() -> None:
    """trafilatura would keep `.wp-caption-text` as a body paragraph; it is a caption."""
    figure = (
        "<div class='wp-caption aligncenter'><img src='d.jpg'>"
        "<p class='wp-caption-text'>الملعب الصغير المخصص للأطفال | المصدر: بلدية المدينة</p></div>"
    )
    doc = extract_html(_page(figure))
    assert doc["captions"] == [{"text": "الملعب الصغير المخصص للأطفال", "credit": "بلدية المدينة"}]
    _assert_captions_not_in_text(doc)


def test_captions_of_other_articles_are_not_taken() -> None:
    teaser = (
        "<aside><figure><img src='e.jpg'><figcaption>خبر آخر عن سوق الخضار (أرشيف)</figcaption>"
        "</figure></aside>"
    )
    doc = extract_html(_page("", extra=teaser))
    assert doc["captions"] == []


def test_quotation_figure_is_not_an_image_caption() -> None:
    quote = (
        "<figure><blockquote>الحديقة ملك لكل سكان المدينة وعلينا جميعا أن نحافظ عليها نظيفة.</blockquote>"
        "<figcaption>رئيس المجلس البلدي</figcaption></figure>"
    )
    assert extract_html(_page(quote))["captions"] == []


@pytest.mark.parametrize(
    ("caption", "expected"),
    [
        ("جسر المدينة عند الغروب (أ ف ب)", ("جسر المدينة عند الغروب", "أ ف ب")),
        ("جسر المدينة عند الغروب. تصوير: رامي", ("جسر المدينة عند الغروب.", "رامي")),
        ("جسر المدينة عند الغروب - المصدر: أرشيف الصحيفة", ("جسر المدينة عند الغروب", "أرشيف الصحيفة")),
        ("The city bridge at sunset. Photo: R. Haddad", ("The city bridge at sunset.", "R. Haddad")),
        ("جسر المدينة عند الغروب © رامي", ("جسر المدينة عند الغروب", "رامي")),
        ("جسر المدينة عند الغروب", ("جسر المدينة عند الغروب", None)),
    ],
)
def test_split_credit(caption: str, expected: tuple[str, str | None]) -> None:
    assert split_credit(caption) == expected


def test_dates_only_from_declared_markup() -> None:
    declared = "<meta property='article:published_time' content='2024-05-06T09:30:00+03:00'>"
    assert extract_html(_page(head=declared))["date"] == "2024-05-06T09:30:00+03:00"
    json_ld = (
        "<script type='application/ld+json'>"
        '{"@type": "NewsArticle", "datePublished": "2024-05-07", "dateModified": "2024-05-09"}</script>'
    )
    assert extract_html(_page(head=json_ld))["date"] == "2024-05-07"
    # A date in the URL, the canonical link and the visible text is no declared publication date.
    guessable = (
        "<link rel='canonical' href='https://example.org/2024/05/08/park.html'>"
        "<meta property='og:url' content='https://example.org/2024/05/08/park.html'>"
    )
    page = _page("<p class='date'>الأربعاء 8 مايو 2024 - 10:15</p>", head=guessable)
    assert extract_html(page)["date"] is None


def test_comment_notice_removed_but_article_words_kept() -> None:
    quoting = "<p>وقال المتحدث إن هذه الملاحظات لا تعبر عن رأي المجلس كله بل عن رأي بعض أعضائه فقط.</p>"
    notice = (
        "<div><p>نرحب بتعليقاتكم، وتخضع التعليقات للمراجعة قبل نشرها.</p>"
        "<p>الآراء الواردة أدناه لا تعبر عن رأي الموقع.</p></div>"
        "<div class='fb-comments'></div>"
    )
    doc = extract_html(_page(quoting + notice))
    assert "لا تعبر عن رأي المجلس" in doc["text"]
    assert "للمراجعة" not in doc["text"] and "أدناه" not in doc["text"]


def test_last_paragraph_before_comments_is_kept() -> None:
    """A closing "declined to comment" paragraph next to the comments widget is article text."""
    last = "وحاولت الصحيفة الاتصال بالشركة المنفذة للمشروع لكنها رفضت التعليق على تأخر الأشغال."
    page = _page().replace("</article>", f"<p>{last}</p><div id='comments'></div></article>")
    assert _paragraphs(extract_html(page)["text"])[-1] == last


def test_reader_rows_carry_captions_and_quarantine_pages_without_text(tmp_path: Path) -> None:
    figure = "<figure><img src='f.jpg'><figcaption>النافورة ليلا (رويترز)</figcaption></figure>"
    (tmp_path / "article.html").write_text(_page(figure), encoding="utf-8")
    (tmp_path / "gallery.html").write_text(_page(figure, paragraphs=False), encoding="utf-8")
    batch = read_sources(sources_for_inputs([str(tmp_path)]))
    (quarantined,) = batch.quarantine.to_pylist()
    assert quarantined["origin"] == "gallery.html"
    assert quarantined["reason"] == "HTML page without extractable article text"
    (row,) = batch.articles.to_pylist()
    assert row["origin"] == "article.html" and row["title"] == "حديقة جديدة على ضفة النهر"
    (source,) = sources_for_inputs([str(tmp_path / "article.html")])
    (raw_row,) = read_source(source)
    assert raw_row["captions"] == [{"text": "النافورة ليلا", "credit": "رويترز"}]
