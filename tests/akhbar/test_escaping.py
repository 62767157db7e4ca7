"""Article and configuration text in the card, the quality report and the Dagster metadata
previews is escaped for where it goes (akhbar.escape), and what the card's YAML header declares
is what the Hub accepts (akhbar.hub_rules): unit properties, then one real build whose source
names, licences, titles and tags are hostile, published to the test Hub and loaded back."""

from __future__ import annotations

import ast
import html
import json
import re
import unicodedata
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt

from akhbar.assets.metadata import preview_markdown
from akhbar.card import render_card, yaml_header
from akhbar.escape import md_code, md_text, py_literal
from akhbar.hub_rules import (
    check_dataset_name,
    check_license,
    check_repo_id,
    check_source_name,
    hub_licenses,
    parse_license,
)
from akhbar.pipelines.cli import main
from akhbar.report import quality_report
from tests.support.hub_server import HubServer, client_env, run_python

HOSTILE = (
    "<script>alert(1)</script>",
    "a|b|c",
    "line one\nline two\r\n---\n# heading\n> quote",
    "**bold** _it_ `code` [link](javascript:alert(1)) ![img](x.png) ~~gone~~",
    "back\\slash \\| \\\\| ends with a backslash\\",
    "&amp; &lt;b&gt; &#60;script&#62; & <",
    "<!-- comment --> <http://example.com> <a href='x'>y</a> <img src=x onerror=alert(1)>",
    "خبر عاجل | <b>مهم</b>\nسطر ثان",
    "tab\there nul\x00 escape\x1b[31m bell\x07",
    "\u2028line separator\u2029paragraph\x85next line",
    "| leading pipe",
    "quotes_with_speaker _lead x_ __init__",
    "`` double `` and ``` triple",
)
MD = MarkdownIt("commonmark", {"html": True}).enable(["table", "strikethrough"])
# What the card and the report themselves are made of: no link, no raw HTML block or inline tag.
ELEMENTS = {"h1", "h2", "h3", "p", "table", "thead", "tbody", "tr", "th", "td", "code", "pre", "ul", "ol"}
ELEMENTS |= {"li", "strong", "em", "hr", "img"}


def _shown(value: str) -> str:
    """What a cell or line should show for `value`: one line, control characters as U+FFFD."""
    text = " ".join(value.split())
    return "".join("\ufffd" if unicodedata.category(ch) in ("Cc", "Cs") else ch for ch in text)


def _cells(line: str) -> int:
    """Cells of a GFM table row: pipes not escaped by a backslash, less the outer two."""
    pipes, escaped = 0, False
    for ch in line:
        if escaped:
            escaped = False
        elif ch == "\\":
            escaped = True
        elif ch == "|":
            pipes += 1
    return pipes - 1


def _tables(markdown: str) -> list[list[str]]:
    tables: list[list[str]] = []
    previous = False
    for line in markdown.splitlines():
        row = line.startswith("|")
        if row and not previous:
            tables.append([])
        if row:
            tables[-1].append(line)
        previous = row
    return tables


def _assert_tables_whole(markdown: str) -> int:
    """Every row of every table has its header's cell count; returns the number of tables."""
    tables = _tables(markdown)
    for table in tables:
        assert re.fullmatch(r"\|(---\|)+", table[1]), table[:2]
        width = _cells(table[0])
        assert [_cells(row) for row in table] == [width] * len(table), table
    return len(tables)


def _rendered_cells(markdown: str) -> list[list[str]]:
    """The cells' inner HTML, per row, of every table as markdown-it renders them."""
    rendered = MD.render(markdown)
    return [
        re.findall(r"<t[hd](?: [^>]*)?>(.*?)</t[hd]>", row, flags=re.S)
        for row in re.findall(r"<tr>(.*?)</tr>", rendered, flags=re.S)
    ]


def _assert_no_live_html(markdown: str) -> None:
    """No `<script` in the text; no element made from data where the Hub renders it: the body
    (the YAML header is read as metadata, not rendered)."""
    assert "<script" not in markdown.lower()
    if markdown.startswith("---\n"):
        markdown = markdown[markdown.index("\n---\n", 4) + 5 :]
    rendered = MD.render(markdown)
    assert "<!--" not in rendered
    for name, attrs in re.findall(r"<([A-Za-z][A-Za-z0-9]*)\b([^>]*)>", rendered):
        assert name in ELEMENTS, (name, attrs)
        if name == "img":  # the report's own plots
            assert re.fullmatch(
                r' src="(plots/[a-z_]+\.png|data:image/png;base64,[^"]+)" alt="[a-z ]+" /', attrs
            )
        else:
            code_blocks = (' class="language-python"', ' class="language-bibtex"')
            assert attrs in ("", ' style="text-align:right"', *code_blocks), (name, attrs)


# --------------------------------------------------------------------------- akhbar.escape


@pytest.mark.parametrize("value", HOSTILE)
def test_md_text_shows_the_text_in_a_cell_and_a_paragraph(value: str) -> None:
    table = f"| a | b | c |\n|---|---|---|\n| x | {md_text(value)} | y |\n"
    assert _assert_tables_whole(table) == 1
    rows = _rendered_cells(table)
    assert len(rows) == 2 and len(rows[1]) == 3
    inner = rows[1][1]
    assert "<" not in inner  # no element: no emphasis, link, code, image or raw HTML
    assert html.unescape(inner) == _shown(value).strip()
    paragraph = MD.render(f"Source: {md_text(value)} (end)\n")
    assert paragraph.count("<p>") == 1
    inner = paragraph.removeprefix("<p>").removesuffix("</p>\n")
    assert "<" not in inner and html.unescape(inner) == f"Source: {_shown(value)} (end)".replace("  ", " ")
    _assert_no_live_html(table)


@pytest.mark.parametrize("value", ["data/train-00000.parquet", "a`b", "``x``", "a|b"])
def test_md_code_is_one_code_span(value: str) -> None:
    span = md_code(value)
    rendered = MD.render(span + "\n")
    assert re.fullmatch(r"<p><code>(.*)</code></p>\n", rendered)
    assert html.unescape(rendered[9:-12]) == value
    cell = MD.render(f"| a |\n|---|\n| {md_code(value, cell=True)} |\n")
    assert f"<td><code>{html.escape(value, quote=False)}</code></td>" in cell


@pytest.mark.parametrize("value", [*HOSTILE, "org/name", "'\"", "\u202e"])
def test_py_literal_is_a_python_string(value: str) -> None:
    literal = py_literal(value)
    assert ast.literal_eval(literal) == value
    assert literal.isascii() and "\n" not in literal


def test_yaml_header_keeps_values_and_opens_no_html() -> None:
    meta = {"pretty_name": "x", "license_details": list(HOSTILE), "size_categories": ["n<1K"]}
    header = yaml_header(meta)
    assert yaml.safe_load(header) == meta
    assert "<script" not in header.lower() and "<!--" not in header and "&amp;" not in header
    assert "n<1K" in header  # a `<` that opens nothing stays as it is
    assert len(header.splitlines()) == 2 + len(HOSTILE) + 2  # one line per value


# --------------------------------------------------------------------------- akhbar.hub_rules


@pytest.mark.parametrize(
    ("given_value", "expected"),
    [
        ("cc-by-nc-sa-4.0", "cc-by-nc-sa-4.0"),
        ("CC-BY-NC-SA-4.0", "cc-by-nc-sa-4.0"),
        (" apache-2.0 ", "apache-2.0"),
        ("other", "other"),
        ("unknown", "unknown"),
        ("© Al Mayadeen", "© Al Mayadeen"),
        ("حقوق النشر محفوظة", "حقوق النشر محفوظة"),
        ("CC BY-SA 4.0", "CC BY-SA 4.0"),
        ("<script>alert(1)</script> | x", "<script>alert(1)</script> | x"),
    ],
)
def test_license_accepted(given_value: str, expected: str) -> None:
    assert check_license(given_value) == expected
    parsed = parse_license(given_value)
    assert parsed.id in hub_licenses()
    assert (parsed.id == "other") == (parsed.name is not None or expected == "other")


@pytest.mark.parametrize(
    ("given_value", "says"),
    [
        ("cc-by-5.0", "not a licence identifier the Hub accepts"),
        ("proprietary", "not a licence identifier the Hub accepts"),
        ("MIT-0", "not a licence identifier the Hub accepts"),
        ("", "give a Hub licence identifier"),
        (None, "give a Hub licence identifier"),
        (2.0, "give a Hub licence identifier"),
        ("© Publisher\nall rights reserved", "one line"),
    ],
)
def test_license_refused(given_value: object, says: str) -> None:
    with pytest.raises(ValueError, match=re.escape(says)):
        check_license(given_value)


def test_license_list_is_the_hubs() -> None:
    ids = hub_licenses()
    assert {"apache-2.0", "mit", "cc-by-4.0", "cc-by-nc-sa-4.0", "cc0-1.0", "other", "unknown"} <= set(ids)
    assert all(re.fullmatch(r"[a-z0-9][a-z0-9.+-]*", i) for i in ids)


@pytest.mark.parametrize("name", ["a|b <script>alert(1)</script>", "أخبار محلية", "x*y_z", "١٢٣", "a\u200cb"])
def test_source_name_accepted(name: str) -> None:
    assert check_source_name(name) == name


@pytest.mark.parametrize(
    ("name", "says"),
    [
        ("a|b <script>alert(1)</script>\n---", "U+000A"),
        ("tab\there", "U+0009"),
        ("nul\x00", "U+0000"),
        ("\u202eevil", "RIGHT-TO-LEFT OVERRIDE"),
        ("line\u2028sep", "LINE SEPARATOR"),
        (" padded", "white space"),
        ("", "empty"),
        (None, "must be text"),
    ],
)
def test_source_name_refused(name: object, says: str) -> None:
    with pytest.raises(ValueError, match=re.escape(says)):
        check_source_name(name)


NAME_CASES = (
    "akhbar-arabic-news",
    "a",
    "_x_",
    "1.0",
    "a" * 96,
    "a" * 97,
    "-a",
    "a-",
    ".a",
    "a.",
    "a--b",
    "a..b",
    "a.git",
    "a b",
    "a|b",
    "<script>",
    "café",
    "",
    "a\n",
)


def _hub_accepts(repo_id: str) -> bool:
    from huggingface_hub.utils import HFValidationError, validate_repo_id

    try:
        validate_repo_id(repo_id)
    except HFValidationError:
        return False
    return True


def _accepts(check: Any, value: str) -> bool:
    try:
        check(value)
    except ValueError:
        return False
    return True


@pytest.mark.parametrize("name", NAME_CASES)
def test_dataset_name_follows_huggingface_hub(name: str) -> None:
    assert _accepts(check_dataset_name, name) == _hub_accepts(name)


@given(st.text(alphabet="ab9_-./ |<é\n", max_size=12), st.integers(min_value=0, max_value=100))
@settings(max_examples=400, deadline=None)
def test_names_agree_with_validate_repo_id(text: str, pad: int) -> None:
    """Generated names and ids, short and around the 96-character limit."""
    for value in (text, "a" * pad + text, text + "b" * pad):
        hub = _hub_accepts(value)
        assert _accepts(check_repo_id, value) == hub, value
        assert _accepts(check_dataset_name, value) == (hub and "/" not in value), value


def test_dataset_name_with_org_says_where_the_org_goes() -> None:
    with pytest.raises(ValueError, match=r"--repo ORG/NAME"):
        check_dataset_name("my-org/news")


def test_dataset_name_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """The variable is bound as an EnvVar (resolved when a run starts); the resolved value is
    checked when the run sets the resource up."""
    from akhbar.assets.resources import AkhbarSettings
    from akhbar.pipelines.definitions import settings_from_env

    monkeypatch.setenv("AKHBAR_DATASET_NAME", "news-ar")
    assert settings_from_env().dataset_name.env_var_name == "AKHBAR_DATASET_NAME"
    assert AkhbarSettings(dataset_name="news-ar").check_dataset_name() == "news-ar"
    with pytest.raises(ValueError, match=r"\(AKHBAR_DATASET_NAME\): dataset name 'news <script>'"):
        AkhbarSettings(dataset_name="news <script>").check_dataset_name()


# --------------------------------------------------------------------------- card and report


def _manifest(sources: list[dict[str, Any]], name: str = "akhbar-test") -> dict[str, Any]:
    return {
        "name": name,
        "version": "1.0.0",
        "pipeline_version": "test",
        "schema_version": "1.2",
        "rows": {"raw": 3, "released": 3, "unique": 3, "duplicates": 0, "quarantined": 0},
        "accounting": {"balanced": True},
        "sources": sources,
        "validation": {
            "suite": "s",
            "successful": 1,
            "evaluated": 1,
            "success": True,
            "results": [
                {"expectation": "expect_x|y", "column": "<b>c</b>", "success": True, "unexpected_count": 0}
            ],
        },
        "changelog": [{"version": "1.0.0", "change": "First release <i>x</i> | y."}],
        "input_fingerprint": "0" * 64,
        "code_fingerprint": "1" * 64,
        "files": [{"path": "data/train-00000-of-00001.parquet", "rows": 3, "sha256": "2" * 64}],
    }


def _header(card: str) -> dict[str, Any]:
    assert card.startswith("---\n")
    return yaml.safe_load(card[4 : card.index("\n---\n", 4)])


def _snippet(card: str) -> str:
    match = re.search(r"```python\n(.*?)```", card, flags=re.S)
    assert match is not None
    return match.group(1)


@pytest.mark.parametrize(
    ("licenses", "expected"),
    [
        (["cc-by-nc-sa-4.0"], {"license": "cc-by-nc-sa-4.0"}),
        (["mit", "mit"], {"license": "mit"}),
        (["© Al Mayadeen"], {"license": "other", "license_name": "al-mayadeen"}),
        (["حقوق محفوظة"], {"license": "other", "license_name": "custom"}),
        (["other"], {"license": "other", "license_name": "per-source"}),
        (["cc-by-4.0", "© X <b>"], {"license": ["cc-by-4.0", "other"], "license_name": "per-source"}),
        (["cc-by-4.0", "mit"], {"license": ["cc-by-4.0", "mit"]}),
    ],
)
def test_card_declares_the_configured_licences(licenses: list[str], expected: dict[str, Any]) -> None:
    sources = [{"name": f"s{i}|<b>", "license": lic, "articles": 1} for i, lic in enumerate(licenses)]
    header = _header(render_card(_manifest(sources), quality_report_stats()))
    assert {k: header[k] for k in expected} == expected
    assert ("license_name" in header) == ("license_name" in expected)
    if isinstance(expected["license"], list) or expected["license"] == "other":
        for source in sources:  # each source's licence, as configured, is in the header
            assert f"{source['name']}: {source['license']}" in header["license_details"]
    else:
        assert "license_details" not in header


def quality_report_stats():
    from akhbar.card import CardStats

    return CardStats({"lead": 1, "url": 0, "published_at": 0, "captions": 0, "tags": 1}, 30)


@pytest.mark.parametrize(
    ("name", "license_", "says"),
    [
        ("bad name", "mit", "dataset name 'bad name'"),
        ("ok", "cc-by-9.0", "license 'cc-by-9.0'"),
    ],
)
def test_card_refuses_what_the_hub_would(name: str, license_: str, says: str) -> None:
    sources = [{"name": "s", "license": license_, "articles": 1}]
    with pytest.raises(ValueError, match=re.escape(says)):
        render_card(_manifest(sources, name), quality_report_stats())
    with pytest.raises(ValueError, match="repository id"):
        render_card(
            _manifest([{"name": "s", "license": "mit", "articles": 1}]), quality_report_stats(), "a b"
        )


def test_card_with_hostile_values_stays_whole() -> None:
    sources = [
        {"name": " ".join(value.split()), "license": "© " + " ".join(value.split())[:20], "articles": 1}
        for value in HOSTILE[:4]
    ]
    card = render_card(_manifest(sources), quality_report_stats(), repo_id="org/x", quality_summary="")
    header = _header(card)
    assert all(s["name"] in header["license_details"] for s in sources)
    assert _assert_tables_whole(card) == 5  # overview, sources, fields, field accuracy, validation
    _assert_no_live_html(card)
    compile(_snippet(card), "<card snippet>", "exec")
    sources_rows = [row for row in _rendered_cells(card) if len(row) == 3 and row[2] == "1"]
    assert [html.unescape(row[0]) for row in sources_rows] == [_shown(s["name"]) for s in sources]
    assert [html.unescape(row[1]) for row in sources_rows] == [_shown(s["license"]) for s in sources]


def test_report_and_preview_escape_titles_and_tags() -> None:
    from tests.support.release_rows import article_row, article_table, quarantine_table

    articles = article_table(
        *(
            {
                **article_row(
                    f"x{i}",
                    source=value[:30],
                    tags=[value, "عادي"],
                    quotes=[("نص", value)],
                    entities=[(value, "PER")],
                ),
                "title": value,
            }
            for i, value in enumerate(HOSTILE)
        )
    )
    report = quality_report(articles, quarantine_table(), top=len(HOSTILE) + 1)
    markdown = report.to_markdown()
    assert _assert_tables_whole(markdown) >= 6
    _assert_no_live_html(markdown)
    cells = [[html.unescape(cell) for cell in row] for row in _rendered_cells(markdown)]
    shown = {_shown(v) for v in HOSTILE}
    assert shown <= {row[0] for row in cells if len(row) == 2}  # top tags
    assert shown <= {row[0] for row in cells if len(row) == 3}  # top speakers
    assert {f"{v} (1)" for v in shown} <= {row[1] for row in cells if len(row) == 2 and row[0].isdigit()}
    preview = preview_markdown(articles, ["id", "source", "title", "tags"], rows=len(HOSTILE))
    assert _assert_tables_whole(preview) == 1
    _assert_no_live_html(preview)
    titles = [html.unescape(row[2]) for row in _rendered_cells(preview)[1:]]
    assert titles == [_shown(v) if len(_shown(v)) <= 60 else _shown(v)[:59] + "…" for v in HOSTILE]


# --------------------------------------------------------------------------- a real build

# Each with a quote and its speaker: the article_fields suite expects most quotes to have one
# (and a corpus without any quote has no mean to check).
BODIES = (
    "بدأت البلدية اليوم أعمال تحسين الطرق في وسط المدينة ضمن خطة جديدة تمتد عدة أسابيع. "
    'وقال المهندس سامر الخطيب: "ستنتهي الأعمال كلها قبل بداية الشهر المقبل".',
    "افتتحت المكتبة العامة قاعة جديدة للقراءة تتسع لمئة شخص ومجهزة بحواسيب حديثة. "
    'وقالت مديرة المكتبة هدى السعدي: "القاعة مفتوحة للطلاب حتى ساعة متأخرة من المساء".',
    "شهد الملعب البلدي مساء الجمعة مباراة حماسية بين فريقي المدينة انتهت بالتعادل. "
    'وقال المدرب خالد العمري: "اللاعبون الشباب قدموا أداء رائعا في مباراتهم الأولى".',
)
SOURCE_NAMES = ("a|b <script>alert(1)</script> *x*", "أخبار_محلية [رابط](javascript:alert(1))")
SOURCE_LICENSES = ("© Al Mayadeen <b>all rights</b> | reserved", "CC-BY-NC-SA-4.0")
TITLES = (
    "خبر <script>alert(1)</script> | عاجل\n---\n# عنوان",
    "عنوان `كود` و **غامق** [رابط](javascript:alert(1)) <img src=x onerror=alert(1)>",
    "عنوان ثالث | مع\nسطر ثان & <!-- تعليق -->",
)
TAGS = (["<script>alert(2)</script>", "a|b"], ["سطر\nجديد", "_مهم_"], ["<b>وسم</b>", "عادي"])


def _write_sources(folder: Path, names: tuple[str, ...], licenses: tuple[str, ...]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    entries = []
    for i, (name, license_) in enumerate(zip(names, licenses, strict=True)):
        path = folder / f"source{i}.jsonl"
        with path.open("w", encoding="utf-8") as out:
            for j, (title, body, tags) in enumerate(zip(TITLES, BODIES, TAGS, strict=True)):
                record = {
                    "id": f"{i}-{j}",
                    "title": title,
                    "text": f"{body}\n\nالفقرة رقم {i}{j}.",
                    "tags": tags,
                }
                out.write(json.dumps(record, ensure_ascii=False) + "\n")
        entries.append({"name": name, "path": path.name, "format": "jsonl", "license": license_})
    config = folder / "sources.yaml"
    config.write_text(yaml.safe_dump({"sources": entries}, allow_unicode=True), encoding="utf-8")
    return config


def _build(*args: str) -> int:
    return main(["build", *args, "--log-level", "ERROR", "--workers", "1"])


@pytest.mark.parametrize(
    ("flag", "value", "says"),
    [
        ("--name", "news <script>alert(1)</script>", "--name: dataset name"),
        ("--name", "a|b\n---", "--name: dataset name"),
        ("--name", "org/news", "--repo ORG/NAME"),
        ("--name", "news--ar", "no '--' or '..'"),
        ("--repo", "org/news ar", "--repo: repository id"),
    ],
)
def test_build_refuses_a_bad_name_before_the_run(
    flag: str, value: str, says: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = _write_sources(tmp_path / "in", SOURCE_NAMES, SOURCE_LICENSES)
    assert _build("--sources", str(config), "--out", str(tmp_path / "data"), flag, value) == 2
    err = capsys.readouterr().err
    assert says in err and err.startswith("akhbar: ")
    assert not (tmp_path / "data" / "releases").exists()


@pytest.mark.parametrize(
    ("names", "licenses", "says"),
    [
        (("ok", "a|b\n---"), ("mit", "mit"), "sources[1].name: source name 'a|b\\n---' holds U+000A"),
        (("ok", "\u202eevil"), ("mit", "mit"), "sources[1].name: source name"),
        (("ok", "fine"), ("mit", "cc-by-5.0"), "sources[1].license: license 'cc-by-5.0'"),
        (("ok", "fine"), ("proprietary", "mit"), "sources[0].license: license 'proprietary'"),
    ],
)
def test_build_refuses_bad_sources(
    names: tuple[str, ...],
    licenses: tuple[str, ...],
    says: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    config = _write_sources(tmp_path / "in", names, licenses)
    assert _build("--sources", str(config), "--out", str(tmp_path / "data")) == 2
    assert says in capsys.readouterr().err


def _markdown_metadata() -> list[str]:
    """Every Markdown metadata value the runs recorded (asset and check previews, the report)."""
    from dagster import DagsterInstance, MarkdownMetadataValue

    texts = []
    with DagsterInstance.get() as instance:
        for run in instance.get_runs():
            for entry in instance.all_logs(run.run_id):
                data = entry.dagster_event.event_specific_data if entry.dagster_event else None
                owner = getattr(data, "materialization", data)
                metadata = getattr(owner, "metadata", None) or {}
                texts += [v.value for v in metadata.values() if isinstance(v, MarkdownMetadataValue)]
    return texts


TOKEN = "hf_akhbar_escape_token_0123456789"
LOAD = """
import json, datasets
ds = datasets.load_dataset({repo!r}, revision="v1.0.0", split="train")
print(json.dumps({{"sources": sorted(set(ds["source"])), "titles": sorted(ds["title"]),
                  "licenses": sorted(set(zip(ds["source"], ds["license"])))}}, ensure_ascii=False))
"""


@pytest.mark.slow
def test_hostile_build_publishes_a_whole_card(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = _write_sources(tmp_path / "in", SOURCE_NAMES, SOURCE_LICENSES)
    root = tmp_path / "data"
    assert _build("--sources", str(config), "--out", str(root), "--name", "akhbar-escape_test.v1") == 0
    release = root / "releases" / "v1.0.0"
    card = (release / "README.md").read_text(encoding="utf-8")
    report = (release / "report" / "quality_report.md").read_text(encoding="utf-8")
    previews = _markdown_metadata()
    assert len(previews) >= 5

    header = _header(card)
    assert header["pretty_name"] == "Akhbar Escape Test V1"
    assert header["license"] == ["cc-by-nc-sa-4.0", "other"]
    assert header["license_name"] == "per-source"
    details = header["license_details"]
    assert f"{SOURCE_NAMES[0]}: {SOURCE_LICENSES[0]}" in details
    assert f"{SOURCE_NAMES[1]}: cc-by-nc-sa-4.0" in details
    from huggingface_hub import DatasetCard

    assert DatasetCard(card).data.to_dict()["license"] == ["cc-by-nc-sa-4.0", "other"]
    compile(_snippet(card), "<card snippet>", "exec")
    assert ast.literal_eval(_snippet(card).split("load_dataset(")[1].split(",")[0]) == (
        "<org>/akhbar-escape_test.v1"
    )

    for text in (card, report, *previews):
        _assert_tables_whole(text)
        _assert_no_live_html(text)
    shown_sources = {html.unescape(row[0]) for row in _rendered_cells(card) if len(row) == 3}
    assert {_shown(n) for n in SOURCE_NAMES} <= shown_sources
    shown_licences = {html.unescape(row[1]) for row in _rendered_cells(card) if len(row) == 3}
    assert {_shown(SOURCE_LICENSES[0]), "cc-by-nc-sa-4.0"} <= shown_licences
    report_cells = {html.unescape(cell) for row in _rendered_cells(report) for cell in row}
    assert {_shown(t) for tags in TAGS for t in tags} <= report_cells
    assert {_shown(n) for n in SOURCE_NAMES} <= report_cells
    preview_cells = {
        html.unescape(cell) for text in previews for row in _rendered_cells(text) for cell in row
    }
    assert _shown(TITLES[0]) in preview_cells

    monkeypatch.setenv("HF_TOKEN", TOKEN)
    monkeypatch.setenv("HF_HUB_DISABLE_XET", "1")
    monkeypatch.setenv("HF_HUB_DISABLE_TELEMETRY", "1")
    repo = "akhbar-org/escape-test"
    with HubServer(tmp_path / "hub", tokens={TOKEN}) as hub:
        publish = [
            "publish",
            "--repo",
            repo,
            "--endpoint",
            hub.url,
            "--out",
            str(root),
            "--log-level",
            "ERROR",
        ]
        assert main(publish) == 0
        out = run_python(
            LOAD.format(repo=repo), client_env(hub, tmp_path / "hf_home", token=TOKEN), timeout=300
        )
        loaded = json.loads(out.strip().splitlines()[-1])
    assert loaded["sources"] == sorted(SOURCE_NAMES)
    # each row's licence is its source's declaration, an identifier in the Hub's spelling
    assert loaded["licenses"] == sorted(
        [[SOURCE_NAMES[0], SOURCE_LICENSES[0]], [SOURCE_NAMES[1], SOURCE_LICENSES[1].lower()]]
    )
    assert len(loaded["titles"]) == len(SOURCE_NAMES) * len(TITLES)
