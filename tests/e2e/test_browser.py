"""In the browser: the Dagster UI, served by `dagster-webserver` against the instance of a real
build_release run on samples/, shows the article_fields_suite check as passed with its GX
results report, and the metadata the run recorded, as read back from that instance.

Headless Debian Chromium (`./run.sh browser-deps`) through Selenium; screenshots of what each test
asserts go to $AKHBAR_TEST_ARTIFACTS, else <repo>/.test-artifacts/, named by test.
"""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from dagster import AssetCheckKey, AssetKey, DagsterInstance
from selenium.common.exceptions import WebDriverException
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.remote.webelement import WebElement

from akhbar.assets.resources import SAMPLES_DIR
from akhbar.pipelines.cli import main
from tests.support.browser import (
    chromium,
    close_dialog,
    dagster_webserver,
    labelled_value,
    metadata_cell,
    metadata_row,
    metadata_value,
    open_asset,
    require_chromium,
    screenshot,
    scroll_into_view,
    show_markdown,
    wait_for_text,
)

pytestmark = pytest.mark.slow  # whole builds, servers or processes: see docs/testing.md

CHECK = AssetCheckKey(AssetKey("article_fields"), "article_fields_suite")


@dataclass
class UI:
    driver: WebDriver
    base_url: str
    home: Path  # the DAGSTER_HOME of the run and of the webserver
    data_root: Path

    def instance(self) -> DagsterInstance:
        return DagsterInstance.from_config(str(self.home))


@pytest.fixture(scope="module")
def ui(tmp_path_factory: pytest.TempPathFactory) -> Iterator[UI]:
    """One build_release run on samples/, then the webserver on its instance and a browser."""
    require_chromium()  # before the build: a missing browser fails at once, with how to install it
    base = tmp_path_factory.mktemp("browser")
    home = base / "dagster_home"
    home.mkdir()
    # nux: no "Join the Dagster community" dialog over the pages.
    (home / "dagster.yaml").write_text("telemetry:\n  enabled: false\nnux:\n  enabled: false\n")
    # The run and the webserver's Definitions read the same sources file and data root.
    sources = base / "sources.yaml"
    sources.write_text(
        "sources:\n"
        f"  - {{name: samples, path: {json.dumps(str(SAMPLES_DIR))}, format: text, license: other}}\n",
        encoding="utf-8",
    )
    data_root = base / "data"
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("DAGSTER_HOME", str(home))
        code = main(["build", "--sources", str(sources), "--out", str(data_root), "--log-level", "ERROR"])
    assert code == 0, "the build_release run failed (its messages are in the captured stderr)"

    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("AKHBAR_", "DAGSTER_")) and k not in {"HF_TOKEN", "HUGGING_FACE_HUB_TOKEN"}
    }
    env.update(DAGSTER_HOME=str(home), AKHBAR_SOURCES=str(sources), AKHBAR_DATA_ROOT=str(data_root))
    with (
        dagster_webserver(env, base / "webserver.log") as base_url,
        chromium(base / "chromium") as driver,
    ):
        yield UI(driver, base_url, home, data_root)


@dataclass
class Page:
    """The browser for one test; `shot()` saves <artifacts>/<test name>[-label].png."""

    ui: UI
    test_name: str
    saved: list[Path] = field(default_factory=list)

    @property
    def driver(self) -> WebDriver:
        return self.ui.driver

    def open_asset(self, asset: str, view: str = "overview", **params: str) -> None:
        open_asset(self.driver, self.ui.base_url, asset, view, **params)

    def shot(self, label: str = "", element: WebElement | None = None) -> Path:
        path = screenshot(self.driver, f"{self.test_name}-{label}" if label else self.test_name, element)
        self.saved.append(path)
        return path


@pytest.fixture
def page(ui: UI, request: pytest.FixtureRequest) -> Iterator[Page]:
    page = Page(ui, request.node.name)
    yield page
    if not any(p.stem == page.test_name for p in page.saved):
        # the test stopped before its screenshot: keep what the page showed (if the browser still can)
        with contextlib.suppress(WebDriverException):
            page.shot()


def test_check_results_and_report_visible(page: Page) -> None:
    with page.ui.instance() as instance:
        record = instance.event_log_storage.get_latest_asset_check_execution_by_key([CHECK])[CHECK]
        evaluation = record.event.dagster_event.event_specific_data
    assert evaluation.passed
    summary = evaluation.metadata["summary"].value

    page.open_asset("article_fields", "checks", checkDetail=CHECK.name)
    wait_for_text(page.driver, "article_fields_suite")
    assert labelled_value(page.driver, "Evaluation result") == "Passed"
    for key in ("evaluated_expectations", "successful_expectations", "unsuccessful_expectations"):
        assert metadata_value(page.driver, key) == str(evaluation.metadata[key].value), key
    assert metadata_value(page.driver, "arrow_schema_matches") == "true"
    page.shot(element=wait_for_text(page.driver, "Evaluation result"))

    # The report: the GX results table (Markdown), one row per expectation.
    dialog = show_markdown(page.driver, "results")
    wait_for_text(page.driver, summary["results"][0]["expectation"])
    rows = [line.split() for line in dialog.text.splitlines()]
    for result in summary["results"]:
        expected = [result["expectation"], *([result["column"]] if result["column"] else []), "pass"]
        assert expected in [r[: len(expected)] for r in rows], f"{expected} not in the report:\n{dialog.text}"
    page.shot("report", element=dialog)
    close_dialog(page.driver)


def test_article_fields_metadata_visible(page: Page) -> None:
    with page.ui.instance() as instance:
        event = instance.get_latest_materialization_event(AssetKey("article_fields"))
    assert event is not None and event.asset_materialization is not None
    recorded = event.asset_materialization.metadata

    page.open_asset("article_fields", "overview")
    wait_for_text(page.driver, "Metadata")
    for key in ("lead_coverage", "caption_coverage", "quote_coverage", "date_coverage"):
        assert float(metadata_value(page.driver, key)) == pytest.approx(recorded[key].value), key
    # dagster/row_count is shown in the Status section, not in the table
    assert labelled_value(page.driver, "Row count") == str(recorded["dagster/row_count"].value)
    page.shot(element=metadata_row(page.driver, "lead_coverage"))


def test_dataset_release_metadata_visible(page: Page) -> None:
    with page.ui.instance() as instance:
        event = instance.get_latest_materialization_event(AssetKey("dataset_release"))
    assert event is not None and event.asset_materialization is not None
    recorded = event.asset_materialization.metadata
    assert recorded["version"].value == "1.0.0"

    page.open_asset("dataset_release", "overview")
    assert metadata_value(page.driver, "version") == recorded["version"].value
    assert metadata_value(page.driver, "path") == str(page.ui.data_root / "releases" / "v1.0.0")
    for key in ("raw", "quarantined", "new_version"):
        assert metadata_value(page.driver, key) == str(recorded[key].value).lower(), key
    # Markdown metadata is rendered in the table: the release's files (a preview) with their digests.
    manifest = json.loads((page.ui.data_root / "releases" / "v1.0.0" / "manifest.json").read_text())
    first = manifest["files"][0]["path"]
    assert first in metadata_value(page.driver, "files"), first
    page.shot(element=metadata_row(page.driver, "version"))


@pytest.mark.parametrize("check", ["dataset_release_suite", "release_accounting"])
def test_release_checks_visible(page: Page, check: str) -> None:
    page.open_asset("dataset_release", "checks", checkDetail=check)
    wait_for_text(page.driver, check)
    assert labelled_value(page.driver, "Evaluation result") == "Passed"
    if check == "release_accounting":
        assert metadata_value(page.driver, "balanced") == "true"
    page.shot(check, element=wait_for_text(page.driver, "Evaluation result"))


def test_quality_report_with_plots_visible(page: Page) -> None:
    """The release's quality report is dataset_release metadata: markdown with the plots inline."""
    report = json.loads(
        (page.ui.data_root / "releases" / "v1.0.0" / "report" / "quality_report.json").read_text()
    )
    page.open_asset("dataset_release", "overview")
    scroll_into_view(page.driver, metadata_cell(page.driver, "quality_report"))
    dialog = show_markdown(page.driver, "quality_report")  # long markdown opens in a dialog
    wait_for_text(page.driver, "Quality report")
    assert f"**{report['totals']['released']}**" not in dialog.text  # rendered, not raw markdown
    assert str(report["totals"]["released"]) in dialog.text
    images = dialog.find_elements(By.TAG_NAME, "img")
    assert len(images) == 4, [i.get_attribute("alt") for i in images]
    for image in images:
        assert (image.get_attribute("src") or "").startswith("data:image/png;base64,")
        # decoded and drawn by the browser, not a broken-image icon
        assert page.driver.execute_script("return arguments[0].naturalWidth", image) > 100
    page.shot("report", element=dialog)
    close_dialog(page.driver)
