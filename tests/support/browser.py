"""Helpers of the browser tests: the Dagster webserver as a subprocess, headless Debian Chromium
driven through Selenium, and small page helpers (open an asset view, wait for text, read a
metadata entry, open a Markdown entry, save a screenshot).

Chromium and chromedriver are Debian's (`./run.sh browser-deps` installs them); Selenium is
pointed at them explicitly, so Selenium Manager never runs and nothing is downloaded.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from urllib.parse import quote, urlencode

import pytest
from selenium import webdriver
from selenium.common.exceptions import StaleElementReferenceException, TimeoutException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support.ui import WebDriverWait

from akhbar.pipelines.cli import WORKSPACE
from tests.support import REPO, free_port, tail

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
# Generous: the UI is a React app served by a webserver that shares two cores with other tests.
SERVER_START_TIMEOUT = 240.0
UI_TIMEOUT = 120.0
DIALOG = "//*[contains(concat(' ', @class, ' '), ' bp5-dialog ')]"  # Blueprint dialogs of the UI

CHROMIUM_FLAGS = (
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    # Without these Chromium keeps calling Google services, which a closed network answers slowly.
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--no-default-browser-check",
    "--window-size=1600,1200",
)


def require_chromium() -> None:
    """Debian's chromium and chromedriver must be installed: their absence fails the test."""
    missing = [str(p) for p in (CHROMIUM, CHROMEDRIVER) if not os.access(p, os.X_OK)]
    if missing:
        pytest.fail(
            f"{' and '.join(missing)} not found: the browser tests need Debian's chromium and "
            "chromium-driver; install them with `./run.sh browser-deps` (apt-get, as root or via sudo; "
            "`.ci/run` does this)",
            pytrace=False,
        )


def artifacts_dir() -> Path:
    """Where screenshots go: $AKHBAR_TEST_ARTIFACTS, else <repo>/.test-artifacts/."""
    folder = Path(os.environ.get("AKHBAR_TEST_ARTIFACTS") or REPO / ".test-artifacts")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _stop_process_group(proc: subprocess.Popen, timeout: float = 30.0) -> None:
    """SIGTERM to the process group (webserver and its code server), SIGKILL if it lingers."""
    if proc.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            pass
    # The group may outlive its leader (the code server); make sure nothing of it is left.
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)
    with contextlib.suppress(subprocess.TimeoutExpired):
        proc.wait(timeout=timeout)


_WORKSPACE_QUERY = """{ workspaceOrError { __typename
  ... on Workspace { locationEntries { name
    locationOrLoadError { __typename ... on PythonError { message } } } }
  ... on PythonError { message } } }"""


def _code_location_state(base_url: str) -> str | None:
    """None while the webserver does not answer; "loading" until its code location is there;
    "loaded"; else the load error."""
    request = urllib.request.Request(
        f"{base_url}/graphql",
        data=json.dumps({"query": _WORKSPACE_QUERY}).encode(),
        headers={"Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            workspace = json.load(response)["data"]["workspaceOrError"]
    except (urllib.error.URLError, OSError, ValueError, KeyError, TypeError):
        return None
    if workspace["__typename"] != "Workspace":
        return f"{workspace['__typename']}: {workspace.get('message', '')}"
    entries = workspace["locationEntries"]
    if not entries or any(e["locationOrLoadError"] is None for e in entries):
        return "loading"
    errors = [e for e in entries if e["locationOrLoadError"]["__typename"] != "RepositoryLocation"]
    if errors:
        return "; ".join(f"{e['name']}: {e['locationOrLoadError'].get('message', '')}" for e in errors)
    if (names := [e["name"] for e in entries]) != ["akhbar"]:
        return f"code locations {names}, expected ['akhbar']"
    return "loaded"


@contextlib.contextmanager
def dagster_webserver(env: Mapping[str, str], log_path: Path):
    """`dagster-webserver -w pipelines/workspace.yaml` (what `akhbar dev` serves) on 127.0.0.1 and a
    free port, read-only, with `env` (which holds DAGSTER_HOME and the AKHBAR_* settings); yields
    its base URL once it serves the `akhbar` code location (a load error fails the test with it).
    The webserver and its code server are killed on exit, whatever happened."""
    port = free_port()
    executable = Path(sys.executable).parent / "dagster-webserver"
    command = [str(executable), "-h", "127.0.0.1", "-p", str(port), "-w", str(WORKSPACE), "--read-only"]
    with serving_akhbar(command, port, env, log_path) as base_url:
        yield base_url


@contextlib.contextmanager
def serving_akhbar(command: list[str], port: int, env: Mapping[str, str], log_path: Path):
    """Runs `command` (a Dagster UI server listening on 127.0.0.1:`port`) in the checkout with
    `env`; yields its base URL once it serves the `akhbar` code location (a load error or an
    early exit fails the test, with the server's log). Killed, with its children, on exit."""
    base_url = f"http://127.0.0.1:{port}"
    name = Path(command[0]).name
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(
            command,
            cwd=REPO,
            env=dict(env),
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group, killed as a whole
        )
    try:
        deadline = time.monotonic() + SERVER_START_TIMEOUT
        while (state := _code_location_state(base_url)) is None or state == "loading":
            if proc.poll() is not None:
                pytest.fail(
                    f"{name} exited with code {proc.returncode} before answering; "
                    f"its log ({log_path}):\n{tail(log_path, 6000)}",
                    pytrace=False,
                )
            if time.monotonic() > deadline:
                pytest.fail(
                    f"{name} did not serve the akhbar code location at {base_url} within "
                    f"{SERVER_START_TIMEOUT:.0f} s; its log ({log_path}):\n{tail(log_path, 6000)}",
                    pytrace=False,
                )
            time.sleep(1)
        if state != "loaded":
            pytest.fail(
                f"{name} could not load the akhbar code location: {state}\nits log ({log_path}):\n"
                f"{tail(log_path, 6000)}",
                pytrace=False,
            )
        yield base_url
    finally:
        _stop_process_group(proc)


@contextlib.contextmanager
def chromium(workdir: Path) -> Iterator[WebDriver]:
    """Headless Debian Chromium through /usr/bin/chromedriver, with a fresh profile; its home,
    config and cache (crash-report settings, dconf) and chromedriver's log are under `workdir`."""
    require_chromium()
    home = workdir / "home"
    env = {
        **os.environ,
        "HOME": str(home),
        "XDG_CONFIG_HOME": str(home / ".config"),
        "XDG_CACHE_HOME": str(home / ".cache"),
        "XDG_DATA_HOME": str(home / ".local" / "share"),
    }
    home.mkdir(parents=True, exist_ok=True)
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in (*CHROMIUM_FLAGS, f"--user-data-dir={workdir / 'profile'}"):
        options.add_argument(flag)
    service = Service(str(CHROMEDRIVER), log_output=str(workdir / "chromedriver.log"), env=env)
    driver = webdriver.Chrome(service=service, options=options)  # quits itself if start-up fails
    try:
        driver.set_page_load_timeout(UI_TIMEOUT)
        yield driver
    finally:
        driver.quit()  # closes the browser and stops chromedriver


# --- page helpers -----------------------------------------------------------------------------


def xpath_literal(text: str) -> str:
    """`text` as an XPath 1.0 string literal (which has no escapes)."""
    if "'" not in text:
        return f"'{text}'"
    if '"' not in text:
        return f'"{text}"'
    return "concat(" + ', "\'", '.join(f"'{part}'" for part in text.split("'")) + ")"


def open_asset(driver: WebDriver, base_url: str, asset: str, view: str = "overview", **params: str) -> None:
    """The asset's page on one tab of the Dagster UI: view = overview | events | checks | lineage;
    `params` add to the query, e.g. checkDetail=<check name> selects a check on the checks tab
    (asset keys with several components are joined with `/`)."""
    query = urlencode({"view": view, **params})
    driver.get(f"{base_url}/assets/{quote(asset)}?{query}")


def wait_for(driver: WebDriver, xpath: str, what: str, timeout: float = UI_TIMEOUT) -> WebElement:
    """The first visible element matching `xpath`, waiting for it; a timeout fails the test with
    `what`, the URL and the text the page shows."""

    def visible(d: WebDriver) -> WebElement | bool:
        for element in d.find_elements(By.XPATH, xpath):
            if element.is_displayed():
                return element
        return False

    try:
        return WebDriverWait(driver, timeout, 0.5, ignored_exceptions=[StaleElementReferenceException]).until(
            visible
        )
    except TimeoutException:
        body = driver.find_element(By.TAG_NAME, "body").text
        pytest.fail(
            f"after {timeout:.0f} s the page does not show {what} ({xpath});\n"
            f"url: {driver.current_url}\npage text:\n{body[:4000]}",
            pytrace=False,
        )


def wait_for_text(
    driver: WebDriver, text: str, *, exact: bool = True, timeout: float = UI_TIMEOUT
) -> WebElement:
    """The visible element whose own text is `text` (or contains it, exact=False)."""
    literal = xpath_literal(text)
    if exact:
        xpath = f"//*[text()[normalize-space()={literal}]]"
    else:
        xpath = f"//*[text()[contains(normalize-space(), {literal})]]"
    return wait_for(driver, xpath, repr(text), timeout)


def read_text(driver: WebDriver, find: Callable[[], WebElement], timeout: float = UI_TIMEOUT) -> str:
    """The text of the element `find()` returns, found again when React replaced it meanwhile."""
    wait = WebDriverWait(driver, timeout, 0.5, ignored_exceptions=[StaleElementReferenceException])
    return wait.until(lambda _: (find().text.strip(),))[0]


def labelled_value(driver: WebDriver, label: str, timeout: float = UI_TIMEOUT) -> str:
    """The text shown next to a label, e.g. "Evaluation result" -> "Passed" on a check's page."""
    xpath = f"//*[text()[normalize-space()={xpath_literal(label)}]]/following-sibling::*[normalize-space()]"
    return read_text(driver, lambda: wait_for(driver, xpath, f"a value labelled {label!r}", timeout), timeout)


def metadata_row(driver: WebDriver, key: str, timeout: float = UI_TIMEOUT) -> WebElement:
    """The row of metadata entry `key` in the metadata table the page shows (the asset overview's
    table: key | timestamp | value; a check's: key | value)."""
    xpath = f"//tr[td[1][normalize-space()={xpath_literal(key)}]]"
    return wait_for(driver, xpath, f"metadata entry {key!r}", timeout)


def metadata_cell(driver: WebDriver, key: str, timeout: float = UI_TIMEOUT) -> WebElement:
    """The value cell of metadata entry `key` (for its HTML: rendered Markdown, images, links)."""
    return metadata_row(driver, key, timeout).find_element(By.XPATH, "./td[last()]")


def metadata_value(driver: WebDriver, key: str, timeout: float = UI_TIMEOUT) -> str:
    """The text of metadata entry `key` as the UI renders it."""
    return read_text(driver, lambda: metadata_cell(driver, key, timeout), timeout)


def show_markdown(driver: WebDriver, key: str, timeout: float = UI_TIMEOUT) -> WebElement:
    """Click a Markdown entry's "[Show Markdown]" (how a check's metadata shows Markdown) and return
    the dialog with the rendered Markdown; close_dialog() closes it."""
    cell = metadata_cell(driver, key, timeout)
    cell.find_element(By.XPATH, ".//a[contains(., 'Show Markdown')]").click()
    dialog = wait_for(driver, DIALOG, f"the {key!r} Markdown dialog", timeout)
    wait_for_transitions(driver)
    return dialog


def wait_for_transitions(driver: WebDriver, timeout: float = 10.0) -> None:
    """Until no Blueprint overlay is fading in or out (a screenshot would catch it half drawn);
    best effort: a transition that does not end within `timeout` is not an error."""
    moving = " or ".join(
        f"contains(@class, 'bp5-overlay-{phase}-active')" for phase in ("appear", "enter", "exit")
    )
    with contextlib.suppress(TimeoutException):
        WebDriverWait(driver, timeout, poll_frequency=0.2).until(
            lambda d: not d.find_elements(By.XPATH, f"//*[{moving}]")
        )


def close_dialog(driver: WebDriver, timeout: float = UI_TIMEOUT) -> None:
    wait_for(driver, f"{DIALOG}//button[normalize-space()='Close']", "the dialog's Close button").click()
    WebDriverWait(driver, timeout).until(
        lambda d: not [e for e in d.find_elements(By.XPATH, DIALOG) if e.is_displayed()]
    )


def scroll_into_view(driver: WebDriver, element: WebElement) -> None:
    """Vertically centred; horizontally from its start (a metadata row wider than its table shows
    its key)."""
    driver.execute_script("arguments[0].scrollIntoView({block: 'center', inline: 'start'});", element)


def screenshot(driver: WebDriver, name: str, element: WebElement | None = None) -> Path:
    """The browser window as <artifacts>/<name>.png (scrolled to `element` first, if given)."""
    if element is not None:
        scroll_into_view(driver, element)
        time.sleep(0.5)  # let the scroll settle before the capture
    path = artifacts_dir() / (re.sub(r"[^\w.-]+", "_", name).strip("_") + ".png")
    if not driver.save_screenshot(str(path)):
        raise AssertionError(f"could not save the screenshot {path}")
    return path
