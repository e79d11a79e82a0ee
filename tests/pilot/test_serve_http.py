"""``pilot serve`` over real HTTP on a free loopback port, on a demo-shaped store."""

from __future__ import annotations

import hashlib
import json
import socket
import time
import urllib.parse
import urllib.request
from datetime import UTC, datetime
from pathlib import Path

import pytest

from pilot.cli import main
from pilot.errors import EXIT_ERROR
from tests.pilot.serve_support import arrive, get, make_demo, raise_alarms, serve

SITE, LINE = "minh-khai", "line-1"


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory):
    return make_demo(tmp_path_factory.mktemp("serve-demo"))


@pytest.fixture(scope="module")
def served(demo):
    """One dashboard for the tests that only read (the live-stream test adds a reading)."""
    with serve(demo.config) as running:
        yield running


def _json(url: str) -> dict:
    status, _, body = get(url)
    assert status == 200, body
    return json.loads(body)


def test_overview_shows_both_lines_with_state_values_and_day_totals(demo, served) -> None:
    overview = _json(served.url + "/api/overview")
    lines = {(ln["site"], ln["line"]): ln for ln in overview["lines"]}
    assert set(lines) == {(SITE, LINE), ("phan-boi", LINE)}
    for line in lines.values():
        # 09:36 local on the first post day: both lines are in their day shift.
        assert line["state"] == "running", line["state"]
        melt = next(s for s in line["sensors"] if s["sensor"] == "melt_temp")
        assert melt["status"] == "in_window", melt
        assert melt["stale"]  # 2020 data: honest about its age
        assert line["day"] == "2020-10-05"
        assert line["mass_kg"] > 10, line["mass_kg"]
        assert line["kwh_per_kg"] is not None
        assert 0 < line["kwh_per_kg"] < 5


def test_every_answer_carries_the_security_headers_and_no_server_header(demo, served) -> None:
    for path in ("/", "/api/overview", "/static/app.js", "/alarms", "/reports"):
        status, headers, _ = get(served.url + path)
        assert status == 200, path
        assert "script-src 'self'" in headers["content-security-policy"]
        assert headers["x-content-type-options"] == "nosniff"
        assert headers["x-frame-options"] == "DENY"
        assert headers["referrer-policy"] == "same-origin"
        assert ("no-store" in headers.get("cache-control", "")) == (not path.startswith("/static"))


def test_language_follows_the_browser_and_the_switch_cookie(demo, served) -> None:
    _, _, english = get(served.url + "/", **{"Accept-Language": "en-GB,en;q=0.9"})
    _, _, vietnamese = get(served.url + "/", **{"Accept-Language": "vi-VN,vi;q=0.9"})
    _, _, switched = get(served.url + "/", **{"Accept-Language": "en-GB", "Cookie": "lang=vi"})
    opener = urllib.request.build_opener(urllib.request.HTTPRedirectHandler())
    with opener.open(served.url + "/lang/en?next=/alarms", timeout=10) as answer:
        landed = answer.url
    assert '<html lang="en">' in english.decode()
    assert "Overview" in english.decode()
    assert '<html lang="vi">' in vietnamese.decode()
    assert "Tổng quan" in vietnamese.decode()
    assert '<html lang="vi">' in switched.decode()
    assert landed.endswith("/alarms")


def test_a_day_chart_is_downsampled_to_the_configured_points(demo, served) -> None:
    day = _json(served.url + f"/api/history/{SITE}/{LINE}?hours=24")
    hour = _json(served.url + f"/api/history/{SITE}/{LINE}?hours=1")
    reversed_range = "start=2020-10-05T10:00&end=2020-10-05T09:00"
    bad = get(served.url + f"/api/history/{SITE}/{LINE}?{reversed_range}")
    assert day["every_s"] == 120  # 86 400 s / 720 points
    assert max(len(points) for points in day["series"].values()) <= 720
    assert set(day["series"]) >= {"zone1_temp", "melt_temp", "throughput"}
    assert "energy" not in day["series"]  # a counter is not charted
    assert hour["every_s"] == 5
    assert len(hour["series"]["melt_temp"]) > 600
    assert bad[0] == 400


def test_new_readings_in_the_store_are_pushed_on_the_live_stream(demo, served) -> None:
    url = served.url + f"/events?line={SITE}/{LINE}"
    with urllib.request.urlopen(url, timeout=20) as stream:
        assert _next_update(stream)["series"]  # the held minutes come first
        sent = arrive(demo.config, SITE, LINE, after_s=5, values={"melt_temp": 211.5})
        for _ in range(20):
            update = _next_update(stream)
            if update["series"].get("melt_temp"):
                break
    assert update["series"]["melt_temp"] == [[sent[0].ts_us / 1000, 211.5]]
    melt = next(s for s in update["overview"]["lines"][0]["sensors"] if s["sensor"] == "melt_temp")
    assert melt["value"] == 211.5


def _next_update(stream) -> dict:
    data = None
    for raw in stream:
        line = raw.decode().rstrip("\n")
        if line.startswith("data: "):
            data = json.loads(line[6:])
        elif line == "" and data is not None:
            return data
    raise AssertionError("the stream ended")


@pytest.mark.slow
def test_an_overshoot_raises_an_alarm_shown_as_active(tmp_path: Path) -> None:
    demo = make_demo(tmp_path, days=0.3)
    readings = arrive(demo.config, SITE, LINE, after_s=5, values={"melt_temp": 320.0}, count=12)
    assert [e.rule for e in raise_alarms(demo.config, readings)] == ["overheat"]
    with serve(demo.config) as served:
        alarms = _json(served.url + "/api/alarms")
        overview = _json(served.url + "/api/overview")
        _, _, page = get(served.url + "/alarms")
    assert [a["rule"] for a in alarms["active"]] == ["overheat"]
    assert [a["rule"] for a in overview["lines"][0]["alarms"]] == ["overheat"]
    assert overview["lines"][1]["alarms"] == []
    assert "quá nhiệt" in page.decode()  # the rule, in Vietnamese (no Accept-Language)


def test_serving_writes_nothing_to_the_store_nor_creates_an_alarm_log(tmp_path: Path) -> None:
    demo = make_demo(tmp_path, days=0.1)
    store_file = demo.config.store.sqlite_path
    before = hashlib.sha256(store_file.read_bytes()).hexdigest()
    with serve(demo.config) as served:
        for path in ("/", "/api/overview", f"/api/history/{SITE}/{LINE}?hours=24", "/alarms"):
            assert get(served.url + path)[0] == 200
    assert hashlib.sha256(store_file.read_bytes()).hexdigest() == before
    assert not demo.config.alarms.path.exists()


@pytest.mark.slow
def test_reports_are_made_on_request_listed_and_downloaded(tmp_path: Path) -> None:
    from tests.demo_folder import demo_folder

    demo = demo_folder(
        tmp_path,
        days=0.25,
        interval_s=10.0,
        simulate=[(p, s, LINE) for p in ("baseline-2019", "post-2020") for s in (SITE, "phan-boi")],
    )
    with serve(demo.config) as served:
        body = urllib.parse.urlencode({"what": "evaluation"}).encode()
        request = urllib.request.Request(served.url + "/reports", data=body, method="POST")
        with urllib.request.urlopen(request, timeout=20) as answer:
            assert answer.url.endswith("/reports")
        job = served.dashboard.reports
        deadline = time.monotonic() + 60
        while job.job is not None and job.job.state == "running" and time.monotonic() < deadline:
            time.sleep(0.1)
        assert job.job is not None
        assert job.job.state == "done", job.job
        _, _, page = get(served.url + "/reports")
        status, headers, pdf = get(served.url + "/reports/file/evaluation.pdf")
        escape = get(served.url + "/reports/file/..%2Fpilot.toml")
    assert 'href="/reports/file/evaluation.pdf"' in page.decode()
    assert status == 200
    assert pdf.startswith(b"%PDF-")
    assert b"%%EOF" in pdf[-1024:]
    assert "attachment" in headers["content-disposition"]
    assert escape[0] == 404


def test_another_site_cannot_make_reports(demo, served) -> None:
    body = urllib.parse.urlencode({"what": "evaluation"}).encode()
    request = urllib.request.Request(
        served.url + "/reports",
        data=body,
        method="POST",
        headers={"Origin": "http://evil.example"},
    )
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, timeout=10)
    assert refused.value.code == 403
    assert served.dashboard.reports.job is None


@pytest.mark.slow  # a wrong password is answered after a deliberate 1 s delay
def test_a_login_is_required_when_a_password_is_set(demo) -> None:
    with serve(demo.config, password="s3cret-for-test") as served:
        opener = urllib.request.build_opener(_NoRedirect())
        page = _status(opener, served.url + "/")
        api = get(served.url + "/api/overview")
        wrong = _post(served.url + "/login", {"password": "guess"})
        right = _post(served.url + "/login", {"password": "s3cret-for-test"})
        cookie = right[1]["set-cookie"].split(";")[0]
        with_cookie = get(served.url + "/api/overview", Cookie=cookie)
        bearer = get(served.url + "/api/overview", Authorization="Bearer s3cret-for-test")
        _, _, html = get(served.url + "/", Cookie=cookie)
    assert page == 303
    assert api[0] == 401
    assert wrong[0] == 401
    assert right[0] == 303
    assert "HttpOnly" in right[1]["set-cookie"]
    assert "SameSite=strict" in right[1]["set-cookie"]
    assert "s3cret" not in cookie
    assert "s3cret" not in html.decode()
    assert with_cookie[0] == 200
    assert bearer[0] == 200


def test_serve_refuses_another_address_without_a_password(demo, capsys) -> None:
    code = main(["--config", str(demo.config_file), "serve", "--host", "0.0.0.0"])
    err = capsys.readouterr().err
    assert code == EXIT_ERROR
    assert "needs a login" in err
    assert "password_env" in err
    # Nothing was bound: the port of [serve] is still free.
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        return None


def _status(opener, url: str) -> int:  # type: ignore[no-untyped-def]
    try:
        with opener.open(url, timeout=10) as answer:
            return answer.status
    except urllib.error.HTTPError as err:
        return err.code


def _post(url: str, form: dict[str, str]) -> tuple[int, dict[str, str]]:
    opener = urllib.request.build_opener(_NoRedirect())
    request = urllib.request.Request(url, data=urllib.parse.urlencode(form).encode())
    try:
        with opener.open(request, timeout=10) as answer:
            return answer.status, {k.lower(): v for k, v in answer.headers.items()}
    except urllib.error.HTTPError as err:
        return err.code, {k.lower(): v for k, v in err.headers.items()}


def test_the_day_chart_from_memory_matches_the_store_means(demo, served) -> None:
    chart = _json(served.url + f"/api/history/{SITE}/{LINE}?hours=24")
    start = datetime.fromtimestamp(chart["start_ms"] / 1000, UTC)
    end = datetime.fromtimestamp(chart["end_ms"] / 1000, UTC)
    frame = served.dashboard.feed.store.read(
        site=SITE, line=LINE, start=start, end=end, sensors=["melt_temp"], every_s=120
    )
    from_store = dict(
        zip(frame["time"].astype("int64") // 1000 + 60_000, frame["value"], strict=True)
    )
    compared = 0
    # The first window may be cut by the range's start; every other one must agree.
    for ms, mean in chart["series"]["melt_temp"][1:]:
        if ms in from_store:
            assert mean == pytest.approx(from_store[ms], abs=1e-3)
            compared += 1
    assert compared > 100
