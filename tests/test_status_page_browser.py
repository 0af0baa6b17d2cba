"""The status page as a person sees it, in headless Chromium (Debian's chromium and
chromium-driver; `make test` installs them): the banner, a component in partial outage,
the incident's update, the uptime bar, and the same page at a phone's width."""

from __future__ import annotations

import shutil

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By

from tests.helpers import declare, modal_values, wait_declared
from tests.ports import free_port
from tests.status_page_helpers import config, wait_page

pytestmark = pytest.mark.e2e

CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)


@pytest.fixture
def browser(tmp_path):
    chromium, driver = shutil.which("chromium"), shutil.which("chromedriver")
    assert chromium and driver, "apt-get install -y chromium chromium-driver (make test does)"
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for flag in CHROMIUM_FLAGS:
        options.add_argument(flag)
    profile = tmp_path / "chromium-profile"
    profile.mkdir()
    options.add_argument(f"--user-data-dir={profile}")
    options.add_argument("--window-size=1280,1000")
    browser = webdriver.Chrome(service=Service(driver), options=options)
    yield browser
    browser.quit()


@pytest.fixture
def published(daemon_factory, emulator, database_url):
    """An incident published with API in partial outage."""
    port = free_port()
    daemon_factory(config(port))
    wait_page(port)
    command, _, _ = declare(emulator, "Internal title", lead="UBOB")
    wait_declared(emulator, command)
    from store.db import open_database
    from store.models import Incident

    database = open_database(database_url)
    with database.connection_context():
        incident = Incident.get(Incident.ref == 1)
    sent = emulator.slash_command(
        "/incident", "statuspage", user="UBOB", channel=incident.channel_id
    )
    view = emulator.view_opened_by(sent["trigger_id"])
    values = modal_values(
        view,
        title="Elevated API errors",
        status="identified",
        component_0="partial_outage",
        message="Some API requests fail; a fix is being deployed.",
    )
    emulator.submit_view(view["id"], values, user="UBOB")
    wait_page(port, lambda a: "a fix is being deployed" in a.text, what="the publish")
    return port


def visible_text(browser, selector: str) -> str:
    element = browser.find_element(By.CSS_SELECTOR, selector)
    assert element.is_displayed(), f"{selector} is not shown"
    return element.text


def test_what_a_person_sees(published, browser, tmp_path):
    browser.get(f"http://127.0.0.1:{published}/")
    assert browser.title == "Acme status"
    banner = browser.find_element(By.CSS_SELECTOR, ".banner")
    assert banner.is_displayed() and banner.text == "Partial System Outage"
    assert banner.value_of_css_property("background-color") != "rgba(0, 0, 0, 0)"

    rows = {
        row.find_element(By.TAG_NAME, "strong").text: row
        for row in browser.find_elements(By.CSS_SELECTOR, ".component")
    }
    assert list(rows) == ["API", "Dashboard", "Payments"]
    assert rows["API"].find_element(By.CSS_SELECTOR, ".status").text == "Partial outage"
    assert rows["Dashboard"].find_element(By.CSS_SELECTOR, ".status").text == "Operational"

    update = visible_text(browser, "article.incident")
    assert "Elevated API errors" in update
    assert "Some API requests fail; a fix is being deployed." in update
    assert "Identified" in update

    bar = rows["API"].find_element(By.CSS_SELECTOR, "svg.uptime")
    assert bar.is_displayed() and bar.size["width"] > 200 and bar.size["height"] > 10
    cells = bar.find_elements(By.TAG_NAME, "rect")
    assert len(cells) == 30, "one cell a day over history_days"
    assert cells[-1].get_attribute("class") == "partial_outage", "today is the worst so far"
    assert cells[0].get_attribute("class") == "operational"
    assert browser.execute_script("return document.querySelectorAll('script').length") == 0

    shot = tmp_path / "status-page.png"
    assert browser.save_screenshot(str(shot)) and shot.stat().st_size > 10_000


def test_the_page_at_a_phone_width(published, browser, tmp_path):
    browser.set_window_size(375, 812)
    browser.get(f"http://127.0.0.1:{published}/")
    assert visible_text(browser, ".banner") == "Partial System Outage"
    width = browser.execute_script("return window.innerWidth")
    scroll = browser.execute_script("return document.documentElement.scrollWidth")
    assert scroll <= width, f"the page scrolls sideways at {width}px ({scroll}px wide)"
    bar = browser.find_element(By.CSS_SELECTOR, "svg.uptime")
    assert 0 < bar.size["width"] <= width
    shot = tmp_path / "status-page-phone.png"
    assert browser.save_screenshot(str(shot)) and shot.stat().st_size > 5_000
