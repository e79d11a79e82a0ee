"""Test configurations derived from the shipped example, pointed at the test servers."""

from __future__ import annotations

from pathlib import Path

from pilot.config import check_config, default_config_path

#: The shipped example configuration, as text.
EXAMPLE = default_config_path().read_text(encoding="utf-8")
#: A secret value that must never appear in a message or a repr.
SECRET = "s3cret-Value-42"
#: Broker lines with a user name, for the secret tests.
CREDENTIALS = 'client_id = "upops-collector"\nusername = "collector"\n'


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


def replace_nth(text: str, old: str, new: str, n: int = 1) -> str:
    """``text`` with the ``n``-th occurrence of ``old`` replaced; fails if there is none."""
    start = -1
    for _ in range(n):
        start = text.find(old, start + 1)
        if start < 0:
            raise ValueError(f"{old!r} occurs fewer than {n} times")
    return text[:start] + new + text[start + len(old) :]


def write(folder: Path, text: str, name: str = "pilot.toml") -> Path:
    """Write ``text`` to ``folder/name`` (folders created) and return the path."""
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def problem_keys(text: str, folder: Path, environ: dict[str, str] | None = None) -> list[str]:
    """Key paths of the problems of configuration ``text`` written into ``folder``."""
    return [p.key for p in check_config(write(folder, text), environ=environ or {})]


def with_broker_lines(lines: str) -> str:
    """The example with a broker user name and ``lines`` added to ``[broker]``."""
    return EXAMPLE.replace('client_id = "upops-collector"\n', CREDENTIALS + lines)
