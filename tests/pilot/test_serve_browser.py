"""``pilot serve`` in a real headless Chromium (Debian ``chromium`` and its
``chromium-driver``, driven by selenium over WebDriver; nothing is downloaded).

The dashboard runs as a real ``pilot serve`` process on a demo-shaped store. Readings
then arrive in that store as the collector writes them, and alarms in the alarm log as
the collector's alarm service writes them (the configured rules decide; no broker is
involved: the dashboard reads the store and the log, not the broker). Screenshots at
360 px and 1366 px go to ``$PILOT_SCREENSHOTS`` if set, else the test's folder.
"""

from __future__ import annotations

import os
import sys
import time
import tomllib
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import tomli_w

from tests.pilot.serve_support import arrive, make_demo, raise_alarms
from tests.servers import ServerProcess, free_port, require_binary

webdriver = pytest.importorskip("selenium.webdriver")

from selenium.webdriver.chrome.service import Service  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402

# Debian chromium and chromium-driver (./run test installs them); under CI a missing
# browser fails the tests instead of skipping them silently (tests.servers.require_binary).
pytestmark = [pytest.mark.slow]
SITE, LINE = "minh-khai", "line-1"
CARD = f"#card-{SITE}-{LINE}"


def _browser(width: int) -> webdriver.Chrome:
    options = webdriver.ChromeOptions()
    options.binary_location = require_binary("chromium")
    for argument in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        f"--window-size={max(width, 500)},900",
    ):
        options.add_argument(argument)
    options.add_experimental_option("prefs", {"intl.accept_languages": "en-GB,en"})
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(require_binary("chromedriver")), options=options)
    # A phone's viewport: headless windows are at least 500 px wide, the emulated one not.
    driver.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride",
        {"width": width, "height": 800, "deviceScaleFactor": 1, "mobile": width < 500},
    )
    return driver


def _wait(condition: Callable[[], object], what: str, timeout_s: float = 15.0) -> object:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            value = condition()
        except Exception:  # the element may not be rendered yet
            value = None
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def _errors(driver: webdriver.Chrome) -> list[dict]:
    return [entry for entry in driver.get_log("browser") if entry["level"] == "SEVERE"]


def _shots() -> Path | None:
    folder = os.environ.get("PILOT_SCREENSHOTS")
    return Path(folder) if folder else None


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple]:
    folder = tmp_path_factory.mktemp("browser")
    demo = make_demo(folder / "demo")
    port = free_port()
    argv = [
        sys.executable,
        "-m",
        "pilot.cli",
        "--config",
        str(demo.config_file),
        "serve",
        "--port",
        str(port),
    ]
    with ServerProcess("serve", argv, folder, port=port) as server:
        yield demo, f"http://127.0.0.1:{port}", server, folder


def test_overview_at_phone_width_goes_live_shows_alarms_and_switches_language(served) -> None:
    demo, url, _, folder = served
    driver = _browser(360)
    try:
        driver.get(url + "/")
        for card in (CARD, "#card-phan-boi-line-1"):
            _wait(lambda c=card: driver.find_element(By.CSS_SELECTOR, c), f"card {card}")
        assert driver.find_element(By.TAG_NAME, "html").get_attribute("lang") == "en"
        melt = f"{CARD} tr[data-sensor=melt_temp] .value"
        # Nothing wider than the phone: no sideways scrolling of the page.
        assert driver.execute_script("return document.documentElement.scrollWidth") <= 360
        # A reading arrives in the store: the page shows it without a reload.
        driver.execute_script("window.notReloaded = true")
        arrive(demo.config, SITE, LINE, after_s=5, values={"melt_temp": 212.3})
        _wait(lambda: "212.3" in driver.find_element(By.CSS_SELECTOR, melt).text, "live value")
        assert driver.execute_script("return window.notReloaded") is True
        # An overshoot into the degradation range: the alarm appears on the line's card.
        hot = arrive(demo.config, SITE, LINE, after_s=10, values={"melt_temp": 320.0}, count=12)
        assert [e.rule for e in raise_alarms(demo.config, hot)] == ["overheat"]
        _wait(
            lambda: (
                "overheat"
                in driver.find_element(By.CSS_SELECTOR, f"{CARD} [data-role=alarms]").text
            ),
            "the alarm on screen",
        )
        _wait(
            lambda: (
                "DEGRADING"
                in driver.find_element(By.CSS_SELECTOR, f"{CARD} tr[data-sensor=melt_temp]").text
            ),
            "the degradation status",
        )
        for shots in filter(None, (folder, _shots())):
            shots.mkdir(parents=True, exist_ok=True)
            driver.save_screenshot(str(shots / "dashboard-360.png"))
        # The switch: Vietnamese, remembered for the next page.
        driver.find_element(By.ID, "lang-switch").click()
        _wait(lambda: driver.find_element(By.TAG_NAME, "html").get_attribute("lang") == "vi", "vi")
        _wait(lambda: driver.find_element(By.CSS_SELECTOR, f"{CARD} [data-role=state]"), "cards")
        assert "Tổng quan" in driver.find_element(By.TAG_NAME, "h1").text
        driver.get(url + "/alarms")
        assert "Cảnh báo đang bật" in driver.page_source
        assert "quá nhiệt" in driver.find_element(By.ID, "active-alarms").text
        assert _errors(driver) == []
    finally:
        driver.quit()


def test_line_charts_and_a_wide_screen(served) -> None:
    _demo, url, _, folder = served
    driver = _browser(1366)
    try:
        driver.get(url + f"/line/{SITE}/{LINE}")
        _wait(lambda: "live" in driver.find_element(By.ID, "live").text, "the chart drawn")
        # The canvas has drawn lines: some pixels are neither white nor a band.
        painted = driver.execute_script(
            "const c = document.getElementById('chart-temp');"
            "const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;"
            "let n = 0;"
            "for (let i = 0; i < d.length; i += 4) { if (d[i + 2] > 150 && d[i] < 60) n++; }"
            "return n;"
        )
        assert painted > 50, painted
        driver.get(url + "/")
        _wait(lambda: driver.find_element(By.CSS_SELECTOR, CARD), "overview")
        time.sleep(0.3)  # let the fonts settle for the picture; nothing is asserted on it
        for shots in filter(None, (folder, _shots())):
            driver.save_screenshot(str(shots / "dashboard-1366.png"))
        # The reports page's form is accepted from the page itself (its origin is checked).
        driver.get(url + "/reports")
        driver.find_element(By.CSS_SELECTOR, "form.make button").click()
        _wait(lambda: driver.find_element(By.ID, "job"), "the report job on the page")
        assert _errors(driver) == []
    finally:
        driver.quit()


def test_a_login_is_asked_for_on_another_address(served, tmp_path: Path) -> None:
    demo, _, _, _ = served
    doc = tomllib.loads(demo.config_file.read_text(encoding="utf-8"))
    doc.setdefault("serve", {})["password_env"] = "PILOT_TEST_DASHBOARD_PASSWORD"
    config_file = demo.config_file.with_name("pilot-login.toml")
    config_file.write_text(tomli_w.dumps(doc), encoding="utf-8")
    port = free_port()
    env = {**os.environ, "PILOT_TEST_DASHBOARD_PASSWORD": "pw-for-the-browser-test"}
    argv = [
        sys.executable,
        "-m",
        "pilot.cli",
        "--config",
        str(config_file),
        "serve",
        "--host",
        "0.0.0.0",
        "--port",
        str(port),
    ]
    with ServerProcess("serve-login", argv, tmp_path, port=port, env=env) as server:
        driver = _browser(360)
        try:
            driver.get(f"http://127.0.0.1:{port}/")
            _wait(lambda: driver.current_url.endswith("/login"), "the login page")
            field = driver.find_element(By.NAME, "password")
            field.send_keys("pw-for-the-browser-test")
            field.submit()
            _wait(lambda: driver.find_element(By.CSS_SELECTOR, CARD), "the overview after login")
            assert "pw-for-the-browser-test" not in driver.page_source
            assert _errors(driver) == []
        finally:
            driver.quit()
        log = server.log.read_text(encoding="utf-8")
    assert "pw-for-the-browser-test" not in log
    assert "POST /login" in log
