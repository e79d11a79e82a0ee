"""Test configurations derived from the shipped example, pointed at the test servers."""

from __future__ import annotations

from pathlib import Path

from pilot.config import default_config_path


def example_config(
    folder: Path,
    *,
    broker_url: str,
    prefix: str,
    client_id: str,
    store_toml: str | None = None,
    stats_interval_s: float = 1.0,
) -> Path:
    """Write the example configuration into ``folder`` with the given broker, prefix and store.

    ``store_toml`` replaces the ``[store]`` section; by default the SQLite store lives
    in ``folder/data``.
    """
    text = default_config_path().read_text(encoding="utf-8")
    replacements = {
        'url = "mqtt://127.0.0.1:1883"': f'url = "{broker_url}"',
        'topic_prefix = "upops"': f'topic_prefix = "{prefix}"',
        'client_id = "upops-collector"': f'client_id = "{client_id}"',
        "stats_interval_s = 30.0": f"stats_interval_s = {stats_interval_s}",
    }
    for old, new in replacements.items():
        if old not in text:
            raise ValueError(f"the example configuration no longer contains {old!r}")
        text = text.replace(old, new, 1)
    if store_toml is not None:
        head, rest = text.split("[store]\n", 1)
        tail = rest[rest.index("[collector]") :]
        text = head + store_toml.strip() + "\n\n" + tail
    path = folder / "pilot.toml"
    path.write_text(text, encoding="utf-8")
    return path
