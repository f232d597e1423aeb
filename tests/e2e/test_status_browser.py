"""The status page in a real headless Chromium (Debian's chromium and chromium-driver,
driven by selenium): it loads nothing from anywhere, logs no console error (a Content-
Security-Policy violation would be one), reads without JavaScript, and its filter box
works. A screenshot is kept as a test artifact in tests/e2e/artifacts/ (git-ignored).

Skipped, saying why, only where no browser can be had: `.ci/run` installs chromium and
chromium-driver where apt-get can."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.fakes.graph import LocalGraph
from tests.fakes.idp import LocalIdP
from tests.fakes.pki import PKI
from tests.fakes.smtp import LocalSMTP

from .status_fleet import build_fleet

ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
BROWSERS = ("chromium", "chromium-browser", "google-chrome")
DRIVERS = ("chromedriver", "chromium-driver")
FLAGS = (  # as root, offline: no sandbox, no background traffic to Google's hosts
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
    "--window-size=1280,2000",
)


def _executables() -> tuple[str, str]:
    browser = next((found for name in BROWSERS if (found := shutil.which(name))), None)
    driver = next((found for name in DRIVERS if (found := shutil.which(name))), None)
    if browser is None or driver is None:
        pytest.skip(
            "no headless Chromium here: install Debian's chromium and chromium-driver "
            "(`apt-get install chromium chromium-driver`, as .ci/run does where it can)"
        )
    try:
        import selenium  # noqa: F401
    except ImportError:
        pytest.skip("selenium is not installed: pip install -e '.[test]'")
    return browser, driver


def _chromium(tmp_path: Path, name: str, *, javascript: bool = True) -> Any:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    browser, driver = _executables()
    options = webdriver.ChromeOptions()
    options.binary_location = browser
    for flag in FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={tmp_path / name}")
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    if not javascript:
        options.add_experimental_option(
            "prefs", {"profile.managed_default_content_settings.javascript": 2}
        )
    return webdriver.Chrome(service=Service(executable_path=driver), options=options)


@pytest.fixture
def page(
    tmp_path: Path, idp: LocalIdP, graph: LocalGraph, smtp_server: LocalSMTP, pki: PKI
) -> Path:
    _executables()  # skip before building anything
    fleet = build_fleet(tmp_path / "fleet", idp, graph, smtp_server, pki)
    assert fleet.e2e.run("verify", fleet.playbook).exit_code == 1
    target = tmp_path / "status.html"
    assert fleet.status("--format", "html", "--output", target).exit_code == 1
    return target


@pytest.fixture
def browser(tmp_path: Path) -> Iterator[Any]:
    driver = _chromium(tmp_path, "profile")
    try:
        yield driver
    finally:
        driver.quit()


def _visible_rows(driver: Any, table: str) -> list[str]:
    from selenium.webdriver.common.by import By

    rows = driver.find_elements(By.CSS_SELECTOR, f"{table} tbody tr")
    return [row.text for row in rows if row.is_displayed()]


def test_the_page_loads_nothing_logs_no_error_and_filters(
    page: Path, browser: Any, tmp_path: Path
) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    browser.get(page.as_uri())
    assert browser.title.startswith("provision status:")
    errors = [entry for entry in browser.get_log("browser") if entry["level"] == "SEVERE"]
    assert errors == []
    loaded = browser.execute_script("return performance.getEntriesByType('resource').length")
    assert loaded == 0  # nothing but the page itself

    sites = browser.find_elements(By.CSS_SELECTOR, "section.site")
    assert [s.get_attribute("id") for s in sites] == [
        "site-healthy",
        "site-expiring",
        "site-failing",
    ]
    timeline = browser.find_element(By.CSS_SELECTOR, "svg.timeline")
    assert timeline.size["height"] > 40 and timeline.size["width"] > 600
    markers = timeline.find_elements(By.CSS_SELECTOR, "g.marker")
    assert {m.get_attribute("data-client") for m in markers} == {
        "healthy-azure",
        "expiring-azure",
        "failing-azure",
    }

    box = browser.find_element(By.ID, "filter")
    assert box.is_displayed()  # the script shows it
    every = len(_visible_rows(browser, "table.checks"))
    query = browser.find_element(By.ID, "q")
    query.send_keys("failing")
    shown = _visible_rows(browser, "table.checks")
    assert shown and len(shown) < every and all("failing" in row for row in shown)
    assert [s.get_attribute("id") for s in sites if s.is_displayed()] == ["site-failing"]
    assert browser.find_element(By.ID, "shown").text.endswith("rows shown")

    query.clear()
    query.send_keys("healthy")
    assert [s.get_attribute("id") for s in sites if s.is_displayed()] == ["site-healthy"]
    query.clear()
    query.send_keys(" ")  # an input event with an empty query: everything again
    assert len(_visible_rows(browser, "table.checks")) == every
    Select(browser.find_element(By.ID, "st")).select_by_value("warning")
    statuses = {r.split()[0] for r in _visible_rows(browser, "table.checks")}
    assert statuses == {"WARNING"}
    assert [s.get_attribute("id") for s in sites if s.is_displayed()] == ["site-expiring"]
    Select(browser.find_element(By.ID, "st")).select_by_value("")

    shot = tmp_path / "status.png"
    assert browser.save_screenshot(str(shot))
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / ".gitignore").write_text("*\n")  # artifacts are never committed
    shutil.copyfile(shot, ARTIFACTS / "status.png")
    shutil.copyfile(page, ARTIFACTS / "status.html")
    assert [e for e in browser.get_log("browser") if e["level"] == "SEVERE"] == []


def test_the_page_reads_without_javascript(page: Path, tmp_path: Path) -> None:
    from selenium.webdriver.common.by import By

    driver = _chromium(tmp_path, "no-js", javascript=False)
    try:
        driver.get(page.as_uri())
        assert not driver.find_element(By.ID, "filter").is_displayed()  # nothing to filter with
        rows = _visible_rows(driver, "table.checks")
        assert len(rows) == 19 and rows[0].startswith("FAILED")
        assert len(driver.find_elements(By.CSS_SELECTOR, "section.site")) == 3
        assert all(s.is_displayed() for s in driver.find_elements(By.CSS_SELECTOR, "section.site"))
    finally:
        driver.quit()
