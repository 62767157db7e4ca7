"""HTML article pages: trafilatura for the main text and metadata, lxml for captions and dates.

trafilatura drops `<figure>`/`<figcaption>` content by default (and keeps some caption markup,
e.g. WordPress's `.wp-caption-text`, as if it were body text), so captions are read with lxml
from the parsed page first, split into caption text and photo credit, and removed from the tree
before trafilatura sees it: captions are never part of the main text.

Publication dates are never invented. trafilatura's date comes from htmldate, whose fallbacks
read dates out of free text and links even with `extensive_search` off (on a corpus page it
returns the date of a sidebar link to another day's newspaper edition). So the date is read
only from markup that declares a publication date: `<meta>` tags, JSON-LD `datePublished`, and
`datePublished`/`dc:date` attributes inside the article element.

Rows carry the captions under the key `captions` (a list of `{"text": str, "credit": str | None}`,
the shape of the dataset's `captions` column) for the raw stage to pass on.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import Any

import trafilatura
from lxml.html import HtmlElement

from akhbar.ingest.decode import UndecodableError, decode_bytes
from akhbar.ingest.records import article_row, quarantine_row
from akhbar.ingest.sources import SourceConfig

# ---------------------------------------------------------------------------------------------
# small helpers


def _fold(text: str | None) -> str:
    """Whitespace folded to single spaces: how HTML renders text, and how titles are compared."""
    return " ".join((text or "").split())


def _classes(el: HtmlElement) -> list[str]:
    return (el.get("class") or "").lower().split()


def _tokens(el: HtmlElement) -> list[str]:
    """Class names and id: the hooks sites use to mark captions, credits and comment widgets."""
    ident = (el.get("id") or "").lower()
    return [*_classes(el), ident] if ident else _classes(el)


def _is_element(node: Any) -> bool:
    # Comments and processing instructions are not HtmlElement in lxml's html tree.
    return isinstance(node, HtmlElement)


def _inside(el: HtmlElement, ancestors: Iterable[HtmlElement]) -> bool:
    chain = set(el.iterancestors())
    return any(a in chain for a in ancestors)


# ---------------------------------------------------------------------------------------------
# captions and credits

# Class names that mark a caption element (exact class tokens; `wp-caption` is the wrapper
# of image + caption and is not itself a caption).
_CAPTION_CLASSES = frozenset(
    {
        "caption",
        "caption-text",
        "wp-caption-text",
        "wp-element-caption",
        "image-caption",
        "img-caption",
        "photo-caption",
        "pic-caption",
        "media-caption",
        "figure-caption",
        "gallery-caption",
        "imagecaption",
        "photocaption",
    }
)
# Class or id fragments that mark a photo-credit element.
_CREDIT_HOOK = re.compile(r"credit|copyright|photographer|attribution|caption-source|image-source")
# Wrappers that hold one image with its caption and credit.
_FIGURE_HOOK = re.compile(r"caption|figure|image|photo|picture|media|img")

# "… (رويترز)": the rule the pipeline's caption parser applies (akhbar/extract/structure.py).
_PAREN_CREDIT = re.compile(r"^(?P<text>.*?)\s*[(（](?P<credit>[^()（）]{1,60})[)）]\s*$", re.DOTALL)
# "… تصوير: X", "… | المصدر: X", "Photo: X", "© X", "Photo by X" at the end of a caption.
_LABEL = (
    r"(?:مصدر|حقوق)\s+الصورة|تصوير|بعدسة|عدسة|المصدر|"
    r"photo(?:graph)?(?:\s+credit)?|image\s+credit|credit|source|courtesy(?:\s+of)?"
)
_LABELLED_CREDIT = re.compile(
    rf"(?:^|(?<=[\s|/–—-]))(?:(?:{_LABEL})\s*[:：]|©|\(c\)|photo\s+by|بعدسة)\s*(?P<credit>[^:：|]{{1,80}}?)\s*$",
    re.IGNORECASE,
)
_SEPARATOR_TAIL = re.compile(r"[\s|/–—-]+$")


def _clean_credit(text: str) -> str | None:
    """A credit element's text without its label or brackets ("تصوير: سامي" → "سامي")."""
    text = _fold(text)
    match = _LABELLED_CREDIT.match(text)  # the whole element is "label: credit"
    if match:
        text = match.group("credit")
    paren = re.fullmatch(r"[(（](.+)[)）]", text)
    if paren:
        text = paren.group(1)
    return text.strip() or None


def split_credit(text: str) -> tuple[str, str | None]:
    """(caption text, credit) from a caption that carries its credit at the end.

    A labelled credit ("تصوير: …", "المصدر: …", "Photo: …", "© …") is tried first, then the
    final parentheses the pipeline already reads as a credit ("… (رويترز)").
    """
    text = _fold(text)
    match = _LABELLED_CREDIT.search(text)
    if match:
        return _SEPARATOR_TAIL.sub("", text[: match.start()]), match.group("credit").strip()
    match = _PAREN_CREDIT.match(text)
    if match and match.group("text"):
        return match.group("text"), match.group("credit").strip()
    return text, None


def _is_credit(el: HtmlElement) -> bool:
    return el.tag == "cite" or any(_CREDIT_HOOK.search(t) for t in _tokens(el))


def _article_scope(tree: HtmlElement) -> HtmlElement:
    """Where the article's own figures are: the `<article>` holding the headline, else the page.

    Teasers of other articles (sidebars, "related" lists) have captioned figures too; they are
    not this article's captions.
    """
    articles = [a for a in tree.iter("article") if not _inside(a, tree.iter("article"))]
    with_h1 = [a for a in articles if next(a.iter("h1"), None) is not None]
    if len(with_h1) == 1:
        return with_h1[0]
    return tree


def _is_caption(el: HtmlElement) -> bool:
    """A caption element; a `<figcaption>` of a quotation, table or code figure is not an image's."""
    if el.tag == "figcaption":
        figure = el.getparent()
        return figure is None or next(figure.iter("blockquote", "table", "pre", "code"), None) is None
    return el.get("itemprop") == "caption" or bool(_CAPTION_CLASSES & set(_classes(el)))


def _caption_elements(scope: HtmlElement) -> list[HtmlElement]:
    """`<figcaption>` and caption-classed elements, outermost only, outside `<aside>`/`<nav>`."""
    found = [el for el in scope.iter() if _is_element(el) and _is_caption(el)]
    skipped = list(scope.iter("aside", "nav"))
    return [el for el in found if not _inside(el, found) and not _inside(el, skipped)]


def _caption_container(caption: HtmlElement) -> HtmlElement:
    """The element holding one image with its caption: the figure, or a figure-like wrapper."""
    figure = next(caption.iterancestors("figure"), None)
    if figure is not None:
        return figure
    parent = caption.getparent()
    if parent is not None and any(_FIGURE_HOOK.search(c) for c in _classes(parent)):
        return parent
    return caption


def _credit_elements(caption: HtmlElement) -> list[HtmlElement]:
    container = _caption_container(caption)
    credits = [el for el in container.iter() if _is_element(el) and el is not caption and _is_credit(el)]
    return [el for el in credits if not _inside(el, credits)]


def _text_without(el: HtmlElement, removed: list[HtmlElement]) -> str:
    """Folded text of `el` leaving out the text of the `removed` descendants (tails kept)."""
    parts: list[str] = []

    def walk(node: HtmlElement) -> None:
        if node in removed:
            return
        if _is_element(node) and node.text:
            parts.append(node.text)
        for child in node:
            walk(child)
            if child.tail:
                parts.append(child.tail)

    walk(el)
    return _fold(" ".join(parts))


def find_captions(tree: HtmlElement) -> tuple[list[dict[str, str | None]], list[HtmlElement]]:
    """The article's captions with credits, and the elements they came from (to remove).

    A credit comes from a credit element (`.credit`, `.copyright`, `<cite>`, … inside the
    figure), else from the end of the caption text (see `split_credit`).
    """
    captions: list[dict[str, str | None]] = []
    nodes: list[HtmlElement] = []
    for caption in _caption_elements(_article_scope(tree)):
        credit_els = _credit_elements(caption)
        nodes += [caption, *credit_els]
        credit = next((c for c in (_clean_credit(e.text_content()) for e in credit_els) if c), None)
        text = _text_without(caption, credit_els)
        if credit is None:
            text, credit = split_credit(text)
        entry = {"text": text, "credit": credit}
        if (text or credit) and entry not in captions:
            captions.append(entry)
    return captions, nodes


# ---------------------------------------------------------------------------------------------
# publication date, from declared markup only

# `<meta>` names/properties that declare the publication date, most specific first.
_PUBLISHED_META = (
    "article:published_time",
    "og:article:published_time",
    "og:published_time",
    "datepublished",
    "dc.date.issued",
    "dcterms.issued",
    "dc.date.created",
    "dcterms.created",
    "dc.date",
    "dcterms.date",
    "citation_publication_date",
    "parsely-pub-date",
    "sailthru.date",
    "pubdate",
    "publishdate",
    "publish-date",
    "publication_date",
    "date",
)
# RDFa `property` / microdata `itemprop` values that declare it on an element of the article.
_PUBLISHED_PROPERTY = frozenset(
    {"datepublished", "schema:datepublished", "dc:date", "dc:created", "dcterms:created", "dcterms:issued"}
)


def _iso(value: str | None) -> str | None:
    """The value itself when it is an ISO 8601 date or datetime; anything else is not a date here."""
    value = (value or "").strip()
    try:
        datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return value


def _meta_date(tree: HtmlElement) -> str | None:
    found: dict[str, str] = {}
    for meta in tree.iter("meta"):
        content = _iso(meta.get("content"))
        for attr in ("property", "name", "itemprop"):
            key = (meta.get(attr) or "").strip().lower()
            if content and key in _PUBLISHED_META:
                found.setdefault(key, content)
    return next((found[key] for key in _PUBLISHED_META if key in found), None)


def _json_ld_objects(value: Any) -> Iterator[dict[str, Any]]:
    if isinstance(value, list):
        for item in value:
            yield from _json_ld_objects(item)
    elif isinstance(value, dict):
        yield value
        yield from _json_ld_objects(value.get("@graph"))


def _json_ld_date(tree: HtmlElement) -> str | None:
    """`datePublished` of the page's JSON-LD, an Article-like object's first."""
    dates: list[tuple[bool, str]] = []
    for script in tree.xpath('//script[@type="application/ld+json"]'):
        try:
            data = json.loads(script.text or "")
        except ValueError:
            continue
        for obj in _json_ld_objects(data):
            date = _iso(obj.get("datePublished")) if isinstance(obj.get("datePublished"), str) else None
            if date:
                types = obj.get("@type")
                types = types if isinstance(types, list) else [types]
                article = any(isinstance(t, str) and t.endswith(("Article", "BlogPosting")) for t in types)
                dates.append((article, date))
    return next((d for a, d in dates if a), None) or next((d for _, d in dates), None)


def _article_markup_date(tree: HtmlElement) -> str | None:
    """A publication date declared on an element of the article holding the headline."""
    scope = _article_scope(tree)
    if scope is tree:
        return None  # no single article element: dates in the page may belong to anything
    for el in scope.iter():
        if not _is_element(el):
            continue
        props = {*(el.get("property") or "").lower().split(), *(el.get("itemprop") or "").lower().split()}
        declared = bool(props & _PUBLISHED_PROPERTY) or (el.tag == "time" and el.get("pubdate") is not None)
        date = _iso(el.get("content") or el.get("datetime")) if declared else None
        if date:
            return date
    return None


def published_date(tree: HtmlElement) -> str | None:
    """The publication date the page declares (ISO 8601, as written), else None.

    Only declared dates count: `<meta>`, JSON-LD, and `datePublished`/`dc:date` markup in the
    article. No date is read from free text, URLs or links: those dates are often of something
    else (a "last updated" line, another edition, the crawl).
    """
    return _meta_date(tree) or _json_ld_date(tree) or _article_markup_date(tree)


# ---------------------------------------------------------------------------------------------
# page chrome trafilatura keeps

_COMMENT_WIDGET = re.compile(
    r"^(?:fb-comments|disqus_thread|comments?|comments?[-_](?:area|section|wrapper|container|list)"
    r"|comment-form|respond)$"
)
# Phrases of comment-section notices; a bare "تعليق" is not one ("رفض التعليق" ends many reports).
_COMMENT_NOTICE = re.compile(
    r"التعليقات|تعليقاتكم|تعليقك|أضف تعليق|اترك تعليق|الآراء الواردة|لا تعبر عن رأي|وجهات نظر أصحابها"
    r"|comments|your comment|views expressed",
    re.IGNORECASE,
)
_NOTICE_MAX_CHARS = 1000


def comment_notices(tree: HtmlElement) -> list[HtmlElement]:
    """The block introducing a comments widget ("comments are moderated…", "views below are not ours").

    Only the one block standing directly before a comments widget, when it speaks of comments
    or opinions, counts: article paragraphs further up are never touched.
    """
    notices: list[HtmlElement] = []
    for widget in tree.iter("div", "section", "iframe"):
        if not any(_COMMENT_WIDGET.match(t) for t in _tokens(widget)):
            continue
        texty = (s for s in widget.itersiblings(preceding=True) if _is_element(s) and _fold(s.text_content()))
        block = next(texty, None)  # separators and empty wrappers skipped
        if block is not None:
            text = _fold(block.text_content())
            if len(text) <= _NOTICE_MAX_CHARS and _COMMENT_NOTICE.search(text):
                notices.append(block)
    return notices


# ---------------------------------------------------------------------------------------------
# the page


def _title_candidates(tree: HtmlElement) -> list[str]:
    """The page's own spellings of its title: og/twitter/meta title, `<h1>`, `<title>`."""
    metas = tree.xpath('//meta[@property="og:title" or @name="twitter:title" or @name="title"]/@content')
    return [str(m) for m in metas] + [el.text_content() for el in tree.iter("h1", "title")]


def _verbatim_title(candidates: list[str], title: str | None) -> str | None:
    """The page's own spelling of trafilatura's title (trafilatura folds inner whitespace).

    Raw rows keep values as the source gave them; normalization happens in a later stage.
    """
    if not title:
        return None
    return next((c.strip() for c in candidates if _fold(c) == _fold(title)), title)


def _tags(raw: str | None, title: str | None) -> list[str]:
    """Site tags, without a keyword that only repeats the headline (sites fill keywords with it)."""
    tags = [t.strip() for t in (raw or "").split(",") if t.strip()]
    return [t for t in tags if _fold(t) != _fold(title)]


# Fewest words of a paragraph that reads as prose rather than a link label or a heading.
_MIN_PROSE_WORDS = 8


def _main_text(text: str | None, title: str | None) -> str:
    """Paragraphs joined with "\\n", without a first line that repeats the headline.

    "" when no paragraph is prose: with no article on the page, trafilatura falls back to
    whatever text it finds (navigation labels, the headline), which is not article text.
    """
    lines = (text or "").split("\n")
    if lines and title and _fold(lines[0]) == _fold(title):
        lines = lines[1:]
    if not any(len(line.split()) >= _MIN_PROSE_WORDS for line in lines):
        return ""
    return "\n".join(lines).strip("\n")


def _drop(nodes: list[HtmlElement]) -> None:
    for node in nodes:
        if node.getparent() is not None:
            node.drop_tree()  # keeps the tail text, which belongs to the surrounding element


def extract_html(html: str) -> dict[str, Any]:
    """Title, text, date, author, url, tags and captions of one article page.

    `text` is trafilatura's main text (paragraphs separated by "\\n", captions and comment
    notices removed first); `text` is "" when the page holds no article text.
    """
    result: dict[str, Any] = {
        "title": None,
        "text": "",
        "date": None,
        "author": None,
        "url": None,
        "tags": [],
        "captions": [],
    }
    tree = trafilatura.load_html(html)
    if tree is None:
        return result
    captions, caption_nodes = find_captions(tree)
    result["captions"] = captions
    result["date"] = published_date(tree)
    titles = _title_candidates(tree)  # read now: trafilatura prunes the tree in place
    _drop([*caption_nodes, *comment_notices(tree)])
    out = trafilatura.extract(
        tree,
        output_format="json",
        with_metadata=True,
        include_comments=False,
        include_tables=False,
        deduplicate=False,
        # its date is not used (see `published_date`); no guessing from URLs or free text
        date_extraction_params={"extensive_search": False, "original_date": True},
    )
    if not out:
        return result
    doc = json.loads(out)
    result.update(
        title=_verbatim_title(titles, doc.get("title")),
        text=_main_text(doc.get("text"), doc.get("title")),
        author=doc.get("author") or None,
        url=doc.get("url") or doc.get("source") or None,
        tags=_tags(doc.get("tags"), doc.get("title")),
    )
    return result


def html_article(source: SourceConfig, origin: str, raw: bytes) -> dict[str, Any]:
    """The bytes of one page to an article row (with `captions`), or to a quarantine row
    (key ``reason``) saying why the page is not an article."""
    if not raw.strip():
        return quarantine_row(source, origin, "empty file", raw=raw)
    try:
        html = decode_bytes(raw, source.encoding)
    except UndecodableError as exc:
        return quarantine_row(source, origin, str(exc), raw=raw)
    doc = extract_html(html)
    if not doc["text"].strip():
        return quarantine_row(source, origin, "HTML page without extractable article text", raw=raw)
    row = article_row(
        source,
        origin,
        raw,
        title=doc["title"],
        text=doc["text"],
        url=doc["url"],
        published=doc["date"],
        author=doc["author"],
        tags=doc["tags"] or None,
    )
    row["captions"] = doc["captions"]
    return row
