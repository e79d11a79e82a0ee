"""``pilot demo``: the whole chain on one machine with nothing installed but this package.

An embedded MQTT broker starts in this process on a free port; both pilot lines are
simulated over the first days of the configured baseline and post periods at full
speed; the readings travel through the broker to the collector and into the embedded
SQLite store under the output folder; ``summary.json`` says what was published, what
was stored and what was quarantined, per line and period.
"""

from __future__ import annotations

import json
import logging
import platform
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import paho.mqtt.client as mqtt

from monitoring.collector import Collector
from monitoring.quarantine import Quarantine
from monitoring.stores.sqlite import SQLiteStore
from pilot.config import Config, load_config
from pilot.demo_config import DEMO_FILES, write_demo_config
from pilot.demo_results import write_estimates
from pilot.embedded_broker import EmbeddedBroker
from pilot.errors import PilotError
from pilot.versions import software_version
from sensors.mqtt import BrokerSettings
from sensors.publisher import publish
from sensors.schema import us_from_datetime
from sensors.simulator import Simulation
from sensors.topics import build_topic

log = logging.getLogger("upops.demo")

#: Most messages the demo's simulator may be ahead of the collector's acknowledgements
#: [-]. amqtt gives up on a message whose PUBACK takes over 5 s (and logs it); 500
#: messages of 60 readings are about a second of the collector's work on SQLite.
IN_FLIGHT_MESSAGES = 500


class _Pace:
    """``on_progress`` of the demo's publisher: holds it while it is more than
    :data:`IN_FLIGHT_MESSAGES` ahead of what the collector acknowledged."""

    def __init__(self, collector: Collector, acked_before: int) -> None:
        self.collector = collector
        self.sent = acked_before

    def __call__(self, _readings: int) -> None:
        self.sent += 1
        if self.sent % 50:
            return
        target = self.sent - IN_FLIGHT_MESSAGES
        if self.collector.stats().acked >= target:
            return
        if not self.collector.wait_until(lambda s: s.acked >= target, timeout_s=120):
            raise PilotError(
                "the collector did not keep up with the simulator within 120 s "
                f"({self.collector.format_stats()})"
            )


@dataclass(frozen=True)
class DemoOptions:
    """What the demo simulates.

    Parameters
    ----------
    days
        Simulated days from the start of each period [d].
    interval_s
        Sampling interval of the 1 Hz sensors in the demo [s]; a coarser interval keeps
        the demo within minutes on the slow embedded broker.
    batch_size
        Readings per MQTT message [-].
    inject_bad
        Publish a few malformed messages per line and period, to show the quarantine.
    estimate_draws
        Monte Carlo draws of the release estimates written to ``estimates.csv`` [-].
    """

    days: float = 2.0
    interval_s: float = 10.0
    batch_size: int = 60
    inject_bad: bool = True
    estimate_draws: int = 10_000


def _bad_messages(prefix: str, site: str, line: str, when_ms: int) -> list[tuple[str, bytes, str]]:
    """Three deliberately bad messages: (topic, payload, expected quarantine reason)."""
    good_topic = build_topic(prefix, site, line, "zone1_temp")
    return [
        (good_topic, b'{"v": 1, "unit": "degC", "ts": ', "bad_json"),
        (
            build_topic(prefix, site, line, "zone7_temp"),
            json.dumps({"v": 1, "unit": "degC", "ts": when_ms, "value": 190.0, "seq": 0}).encode(),
            "unknown_sensor",
        ),
        (
            good_topic,
            json.dumps({"v": 1, "unit": "degC", "ts": when_ms, "value": 9999.0, "seq": 0}).encode(),
            "out_of_range",
        ),
    ]


def _publish_raw(settings: BrokerSettings, messages: list[tuple[str, bytes, str]]) -> None:
    client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=settings.client_id)
    client.connect(settings.host, settings.port)
    client.loop_start()
    try:
        for topic, payload, _ in messages:
            client.publish(topic, payload, qos=1).wait_for_publish(30)
    finally:
        client.disconnect()
        client.loop_stop()


def run_demo(
    out: Path,
    config: Config,
    *,
    config_file: Path,
    options: DemoOptions = DemoOptions(),
    progress: bool = True,
) -> dict[str, Any]:
    """Run the demo into ``out`` and return the summary also written to ``out/summary.json``.

    ``config_file`` is the file ``config`` was read from; the demo writes its own
    configuration from it (:func:`pilot.demo_config.write_demo_config`), and the release
    estimates of ``estimates.csv`` are made on that configuration, as any command would.
    """
    from tqdm import tqdm

    started = time.monotonic()
    # The injected bad messages are expected; their warnings would only break the
    # progress bar. The summary reports them.
    logging.getLogger("upops.collector").setLevel(logging.ERROR)
    out.mkdir(parents=True, exist_ok=True)
    store_path = out / DEMO_FILES["store"]
    quarantine_path = out / DEMO_FILES["quarantine"]
    for stale in (store_path, quarantine_path, out / DEMO_FILES["alarms"]):
        for suffix in ("", "-wal", "-shm"):
            Path(str(stale) + suffix).unlink(missing_ok=True)
    store = SQLiteStore(store_path)
    quarantine = Quarantine(quarantine_path, max_rows=config.collector.quarantine_max_rows)
    periods = [p for p in config.periods if p.kind in ("baseline", "post")]
    if not periods:
        raise PilotError(
            "the configuration has no baseline or post period to simulate; add [[periods]]"
        )
    segments = [
        (period, site.id, line.id)
        for period in periods
        for site in config.sites
        if site.id in period.sites
        for line in site.lines
    ]
    broker = EmbeddedBroker()
    broker.start()
    collector = Collector(
        broker=BrokerSettings(url=broker.url, client_id="upops-demo-collector"),
        prefix=config.topic_prefix,
        catalog=config.catalog(),
        store=store,
        quarantine=quarantine,
        max_payload_bytes=config.collector.max_payload_bytes,
        stats_interval_s=0,
        confirm=False,  # the demo's simulators publish without an outbox: nobody listens
    )
    rows: list[dict[str, Any]] = []
    published_messages = 0
    try:
        collector.start()
        bar = tqdm(
            total=len(segments),
            desc="demo",
            unit="line-period",
            disable=not progress,
            file=None,
        )
        for index, (period, site_id, line_id) in enumerate(segments):
            params = config.line(site_id, line_id)
            start = period.start
            end = min(period.end, start + timedelta(days=options.days))
            sim = Simulation(
                params,
                regime=period.kind,
                start=start,
                end=end,
                seed=config.simulation.seed + index,
                interval_s=options.interval_s,
            )
            bar.set_postfix_str(f"{period.id} {site_id}/{line_id}")
            q_before = quarantine.count()
            stats = publish(
                sim,
                settings=BrokerSettings(url=broker.url, client_id=f"upops-demo-sim-{index}"),
                prefix=config.topic_prefix,
                batch_size=options.batch_size,
                speed=None,
                on_progress=_Pace(collector, published_messages),
            )
            published_messages += stats.messages
            bad = (
                _bad_messages(
                    config.topic_prefix, site_id, line_id, us_from_datetime(start) // 1000
                )
                if options.inject_bad
                else []
            )
            if bad:
                _publish_raw(
                    BrokerSettings(url=broker.url, client_id=f"upops-demo-bad-{index}"), bad
                )
                published_messages += len(bad)
            target = published_messages
            if not collector.wait_until(lambda s, t=target: s.acked >= t, timeout_s=120):
                raise PilotError(
                    f"the collector did not catch up with {period.id} {site_id}/{line_id} "
                    f"within 120 s ({collector.format_stats()})"
                )
            stored = len(store.read(site=site_id, line=line_id, start=start, end=end))
            totals = sim.totals
            rows.append(
                {
                    "period": period.id,
                    "regime": period.kind,
                    "site": site_id,
                    "line": line_id,
                    "start_utc": start.isoformat(),
                    "end_utc": end.isoformat(),
                    "messages_published": stats.messages + len(bad),
                    "readings_published": stats.readings,
                    "readings_stored": stored,
                    "bad_messages_injected": len(bad),
                    "quarantined": quarantine.count() - q_before,
                    "complete": stored == stats.readings,
                    "simulated": totals.as_dict(),
                }
            )
            bar.update(1)
        bar.close()
    finally:
        collector.stop()
        broker.stop()
    readings_stored, quarantined = store.count(), quarantine.count()
    reasons = dict(quarantine.reasons())
    store.close()
    quarantine.close()
    demo_config = write_demo_config(
        out,
        config_file,
        days=options.days,
        interval_s=options.interval_s,
        written=datetime.now(UTC),
    )
    estimates = write_estimates(out, load_config(demo_config), draws=options.estimate_draws)
    summary = {
        "software_version": software_version(),
        "python": platform.python_version(),
        "config": str(config_file),
        "demo_config": str(demo_config),
        "seed": config.simulation.seed,
        "options": {
            "days": options.days,
            "interval_s": options.interval_s,
            "batch_size": options.batch_size,
        },
        "store": str(store_path),
        "quarantine": str(quarantine_path),
        "segments": rows,
        "totals": {
            "readings_published": sum(r["readings_published"] for r in rows),
            "readings_stored": readings_stored,
            "quarantined": quarantined,
            "quarantine_reasons": reasons,
        },
        "estimates": estimates,
        "wall_time_s": round(time.monotonic() - started, 1),
    }
    (out / "summary.json").write_text(json.dumps(summary, indent=2, ensure_ascii=False) + "\n")
    return summary
