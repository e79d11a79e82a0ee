"""``pilot broker-config``: a Mosquitto configuration, ACL and password steps for a deployment.

The files are derived from the deployment configuration, so that the broker matches it:

``mosquitto.conf``
    Persistence on (the collector's persistent session and its queue survive a broker
    restart), no anonymous clients, password file and ACL, TLS on the listener unless
    ``--no-tls``, and queue limits sized so that a collector outage of
    ``--outage-hours`` loses nothing (Mosquitto's default keeps only 1000 queued
    messages per client and drops the rest).
``acl``
    The collector may only read reading topics, and write alarms and confirmations of
    stored messages (``<prefix>/<site>/<line>/_confirm/<sensor>``); each line's device
    may only publish on the topics of its own sensors, ``<prefix>/<site>/<line>/<sensor>``,
    and read its own line's confirmations.
``PASSWORDS.md``
    The ``mosquitto_passwd`` steps that create the password file (the passwords never
    pass through this program).

Queue sizing. Each configured sensor sends ``1 / interval_s`` readings per second; with
``R`` readings per message (``--readings-per-message``, default ``[simulation]
batch_size``) a collector outage of ``H`` hours queues ``Σ 3600·H / (interval_s·R)``
messages. ``max_queued_messages`` is that number plus 25 % (rounded up to a thousand);
``max_queued_bytes`` adds up, per sensor, its messages times the size of a message of
``R`` readings with the longest values (plus the same margin). Database outages do not
count: the collector spools them to disk.

>>> from pilot.config import default_config_path, load_config
>>> plan = queue_plan(load_config(default_config_path()), outage_hours=1.0, per_message=10)
>>> round(plan.messages_per_hour), plan.max_queued_messages
(5112, 7000)
"""

from __future__ import annotations

import argparse
import math
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from pilot.errors import PilotError
from sensors.schema import MAX_BATCH, Reading, encode_payload
from sensors.topics import CONFIRM_LEVEL, alarm_topic, confirm_filter

if TYPE_CHECKING:
    from pilot.config import Config

#: Margin on the computed queue length, for clock drift and bursts [-].
QUEUE_MARGIN = 1.25
# A timestamp of this size and a value with many digits give the largest payloads.
_SAMPLE_TS_US = 1_893_456_000_123_456
_SAMPLE_VALUE = -1234.5678901234567


@dataclass(frozen=True)
class QueuePlan:
    """Queue limits for the collector's session.

    Parameters
    ----------
    outage_hours
        Collector outage to ride out [h].
    per_message
        Readings per MQTT message assumed [-].
    readings_per_s
        Readings per second of every configured sensor together [1/s].
    messages_per_hour
        MQTT messages per hour that produces [1/h].
    message_bytes
        Mean size of an encoded message of ``per_message`` readings, weighted by each
        sensor's message rate, with the longest values [B].
    max_queued_messages, max_queued_bytes
        The limits written to ``mosquitto.conf`` [-], [B].
    """

    outage_hours: float
    per_message: int
    readings_per_s: float
    messages_per_hour: float
    message_bytes: int
    max_queued_messages: int
    max_queued_bytes: int


def queue_plan(config: Config, *, outage_hours: float, per_message: int) -> QueuePlan:
    """Queue limits for a collector outage of ``outage_hours`` [h]."""
    if not outage_hours > 0:
        raise PilotError(f"--outage-hours must be positive, got {outage_hours:g}")
    if not 1 <= per_message <= MAX_BATCH:
        raise PilotError(f"--readings-per-message must lie in 1..{MAX_BATCH}, got {per_message}")
    specs = list(config.catalog())
    readings_per_s = sum(1.0 / spec.interval_s for spec in specs)
    messages_per_hour = sum(3600.0 / (spec.interval_s * per_message) for spec in specs)
    bytes_per_hour = 0.0
    for spec in specs:
        sample = [
            Reading(
                spec.site,
                spec.line,
                spec.sensor,
                _SAMPLE_TS_US + i,
                _SAMPLE_VALUE,
                spec.unit,
                2**53 - 1 - per_message + i,
                "h" * 64 if spec.kind == "intake" else None,
            )
            for i in range(per_message)
        ]
        bytes_per_hour += 3600.0 / (spec.interval_s * per_message) * len(encode_payload(sample))
    message_bytes = math.ceil(bytes_per_hour / messages_per_hour)
    queued = math.ceil(messages_per_hour * outage_hours * QUEUE_MARGIN / 1000) * 1000
    return QueuePlan(
        outage_hours=outage_hours,
        per_message=per_message,
        readings_per_s=readings_per_s,
        messages_per_hour=messages_per_hour,
        message_bytes=message_bytes,
        max_queued_messages=queued,
        max_queued_bytes=queued * message_bytes,
    )


def device_user(site: str, line: str) -> str:
    """MQTT user name of a line's device; ``.`` cannot occur in ids, so names are unique.

    >>> device_user("minh-khai", "line-1")
    'minh-khai.line-1'
    """
    return f"{site}.{line}"


def collector_user(config: Config) -> str:
    """The collector's MQTT user name: ``[broker] username``, else ``upops-collector``."""
    return config.broker.username or "upops-collector"


def render_acl(config: Config) -> str:
    """The ACL: the collector reads (and writes alarms), each device writes only its own
    sensors' topics."""
    prefix = config.topic_prefix
    out = [
        "# Mosquitto ACL written by `pilot broker-config` from the deployment configuration.",
        "# Anything not granted here is denied; a denied publish is dropped by the broker.",
        "",
        "# The collector reads every reading topic; it publishes only the alarm state",
        "# of each line (retained), from its `<client_id>-alarms` connection.",
        f"user {collector_user(config)}",
        f"topic read {prefix}/#",
    ]
    for site in config.sites:
        out += [f"topic write {alarm_topic(prefix, site.id, line.id)}" for line in site.lines]
    out += [
        "# It confirms stored messages to the devices (see docs/payload.md).",
        f"topic write {prefix}/+/+/{CONFIRM_LEVEL}/+",
    ]
    for site in config.sites:
        for line in site.lines:
            out += [
                "",
                f"# Device of {site.id}/{line.id}: publishes its own sensors only, and",
                "# reads which of its messages the collector has stored.",
                f"user {device_user(site.id, line.id)}",
                f"topic read {confirm_filter(prefix, site.id, line.id)}",
            ]
            out += [f"topic write {prefix}/{site.id}/{line.id}/{s.sensor}" for s in line.sensors]
    return "\n".join(out) + "\n"


def render_conf(config: Config, plan: QueuePlan, args: argparse.Namespace, out: Path) -> str:
    """``mosquitto.conf`` text; paths of the password file and ACL point into ``out``."""
    hours = f"{plan.outage_hours:g}"
    lines = [
        "# Mosquitto configuration written by `pilot broker-config` for",
        f"# {config.name}",
        "#",
        "# Queue sizing (see the README, 'What we guarantee'): the configured sensors send",
        f"# {plan.readings_per_s:.2f} readings/s; at {plan.per_message} readings per message",
        f"# that is {plan.messages_per_hour:,.0f} messages/h. A collector outage of {hours} h",
        "# therefore",
        f"# queues {plan.messages_per_hour * plan.outage_hours:,.0f} messages; with a "
        f"{QUEUE_MARGIN - 1:.0%} margin:",
        f"#   max_queued_messages {plan.max_queued_messages}",
        f"#   max_queued_bytes    {plan.max_queued_bytes} ({plan.max_queued_bytes / 2**20:.1f} MiB "
        f"= messages x {plan.message_bytes} B, the mean message)",
        "# Mosquitto's default of 1000 queued messages per client would drop the rest.",
        "# Devices that send fewer readings per message need more: rerun with",
        "# --readings-per-message. Database outages do not count: the collector spools them.",
        "",
        "per_listener_settings false",
        "persistence true",
        f"persistence_location {args.data_dir.rstrip('/')}/",
        "# Save the in-memory state every minute, so that a broker crash (not only a clean",
        "# stop) loses at most a minute of queued messages. Devices that wait for the",
        "# collector's confirmations (docs/payload.md) send those again; others lose them.",
        "autosave_interval 60",
        "max_inflight_messages 20",
        f"max_queued_messages {plan.max_queued_messages}",
        f"max_queued_bytes {plan.max_queued_bytes}",
        "queue_qos0_messages false",
        "",
        "allow_anonymous false",
        f"password_file {out / 'passwd'}",
        f"acl_file {out / 'acl'}",
    ]
    if args.run_as:
        lines.append(f"user {args.run_as}")
    lines += ["", f"listener {args.port} {args.bind}"]
    if args.tls:
        if not (args.cafile and args.certfile and args.keyfile):
            raise PilotError(
                "TLS needs --cafile, --certfile and --keyfile (the broker's certificate and key); "
                "give them, or --no-tls for a broker reachable on a trusted network only"
            )
        lines += [
            f"cafile {args.cafile}",
            f"certfile {args.certfile}",
            f"keyfile {args.keyfile}",
            "tls_version tlsv1.2",
            f"require_certificate {'true' if args.require_certificate else 'false'}",
        ]
    return "\n".join(lines) + "\n"


def render_password_steps(config: Config, out: Path) -> str:
    """The steps that create the password file, one user per device and the collector."""
    passwd = out / "passwd"
    users = [collector_user(config)] + [
        device_user(site.id, line.id) for site in config.sites for line in site.lines
    ]
    steps = [
        "# Creating the Mosquitto password file",
        "",
        "Passwords never go into a file of this project. Create the password file on the",
        "broker host; `mosquitto_passwd` asks for each password and stores only its hash:",
        "",
        "```sh",
        f"mosquitto_passwd -c {passwd} {users[0]}",
        *(f"mosquitto_passwd {passwd} {user}" for user in users[1:]),
        f"chown mosquitto: {passwd} && chmod 600 {passwd}",
        "```",
        "",
        "Then give each client its user name and password:",
        "",
        f'- collector: `[broker] username = "{users[0]}"` and `password_env` (or',
        "  `password_file`) naming where the password is;",
        "- device of SITE/LINE: user `SITE.LINE`, e.g. "
        f"`{users[1] if len(users) > 1 else 'site.line'}`; it may publish only on",
        "  its own sensors' topics (see `acl`).",
        "",
        "Reload the broker after a change (`systemctl reload mosquitto` or SIGHUP).",
    ]
    return "\n".join(steps) + "\n"


def cmd_broker_config(args: argparse.Namespace) -> int:
    from pilot.context import load_config_arg

    config = load_config_arg(args.config)
    per_message = args.readings_per_message or config.simulation.batch_size
    plan = queue_plan(config, outage_hours=args.outage_hours, per_message=per_message)
    out = Path(args.out).expanduser().resolve()
    files = {
        "mosquitto.conf": render_conf(config, plan, args, out),
        "acl": render_acl(config),
        "PASSWORDS.md": render_password_steps(config, out),
    }
    try:
        out.mkdir(parents=True, exist_ok=True)
        for name, text in files.items():
            (out / name).write_text(text, encoding="utf-8")
    except OSError as exc:
        raise PilotError(f"cannot write the broker configuration into {out}: {exc}") from exc
    for name in files:
        print(out / name)
    print(
        f"queue limits for a {plan.outage_hours:g} h collector outage: "
        f"max_queued_messages {plan.max_queued_messages}, max_queued_bytes "
        f"{plan.max_queued_bytes}; next: the steps in {out / 'PASSWORDS.md'}",
        file=sys.stderr,
    )
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add ``broker-config`` to the ``pilot`` command."""
    p = subparsers.add_parser(
        "broker-config",
        help="write a Mosquitto configuration, ACL and password steps for this deployment",
    )
    p.add_argument("--out", required=True, help="folder to write into (created if missing)")
    p.add_argument(
        "--outage-hours",
        type=float,
        default=24.0,
        help="collector outage the broker's queue must ride out [h] (default 24)",
    )
    p.add_argument(
        "--readings-per-message",
        type=int,
        help="readings per MQTT message assumed (default: [simulation] batch_size)",
    )
    p.add_argument("--port", type=int, default=8883, help="listener port (default 8883)")
    p.add_argument("--bind", default="0.0.0.0", help="listener address (default 0.0.0.0)")
    p.add_argument(
        "--data-dir",
        default="/var/lib/mosquitto/",
        help="persistence folder (default /var/lib/mosquitto/)",
    )
    p.add_argument("--run-as", help="user Mosquitto runs as when started as root")
    tls = p.add_mutually_exclusive_group()
    tls.add_argument("--tls", dest="tls", action="store_true", default=True, help="(default)")
    tls.add_argument(
        "--no-tls", dest="tls", action="store_false", help="plain MQTT (trusted networks only)"
    )
    p.add_argument("--cafile", help="CA certificate (PEM) that signed the client certificates")
    p.add_argument("--certfile", help="the broker's certificate (PEM)")
    p.add_argument("--keyfile", help="the broker's private key (PEM)")
    p.add_argument(
        "--require-certificate",
        action="store_true",
        help="clients must also present a certificate signed by --cafile",
    )
    p.set_defaults(func=cmd_broker_config)
