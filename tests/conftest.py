"""Shared test setup: real servers are started by the fixture modules below.

The quick tier, ``pytest -m "not slow"``, must stay under a minute on two cores: in such a
run a test not marked ``@pytest.mark.slow`` fails when its call takes longer than
:data:`QUICK_TEST_LIMIT_S`, saying to mark it or make it quicker. The limit is generous
(a quick test takes well under a second) so that a busy machine does not trip it.
"""

from __future__ import annotations

import re
from collections.abc import Generator

import pytest

pytest_plugins = [
    "tests.fixtures_mosquitto",
    "tests.fixtures_influxdb",
    "tests.fixtures_modbus",
    "tests.fixtures_small_disk",
]

#: Longest call a test outside the slow tier may take in a quick-tier run [s].
QUICK_TEST_LIMIT_S = 10.0


def quick_tier(config: pytest.Config) -> bool:
    """True if this run leaves out the slow tests (``-m "not slow"``, alone or combined).

    >>> from types import SimpleNamespace
    >>> [quick_tier(SimpleNamespace(option=SimpleNamespace(markexpr=m)))
    ...  for m in ("not slow", "mosquitto and not  slow", "", "slow", "not slowish")]
    [True, True, False, False, False]
    """
    return re.search(r"\bnot\s+slow\b", str(config.option.markexpr or "")) is not None


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    report = yield
    if (
        report.when == "call"
        and report.passed
        and report.duration > QUICK_TEST_LIMIT_S
        and item.get_closest_marker("slow") is None
        and quick_tier(item.config)
    ):
        report.outcome = "failed"
        report.longrepr = (
            f"{item.nodeid} took {report.duration:.1f} s, longer than the quick tier allows "
            f"({QUICK_TEST_LIMIT_S:g} s, tests/conftest.py): mark it @pytest.mark.slow "
            "or make it quicker"
        )
    return report
