"""``pilot watch``: a live view of the lines in the terminal, refreshed every second.

It subscribes to the broker itself (clean session, QoS 0, a client id of its own), so
it works whatever store the collector writes to and never takes the collector's
messages; the alarm state comes from the retained ``<prefix>/<site>/<line>/alarms``
topics the collector publishes. Plain ANSI escapes, no curses: it works over SSH and in
any terminal width from 40 columns. Ctrl-C leaves it with exit code 0 and the terminal
as it was.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import threading
import time
import uuid
from typing import TYPE_CHECKING, TextIO

from pilot.errors import PilotError
from sensors.errors import SensorsError
from sensors.topics import RESERVED_SENSOR_IDS

if TYPE_CHECKING:
    import paho.mqtt.client as mqtt

# Alternate screen and hidden cursor while running; both undone on exit.
_ENTER = "\x1b[?1049h\x1b[?25l"
_LEAVE = "\x1b[?25h\x1b[?1049l"
_HOME = "\x1b[H"
_CLEAR_LINE = "\x1b[K"
_CLEAR_BELOW = "\x1b[J"


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add ``watch`` to the ``pilot`` command."""
    watch = subparsers.add_parser(
        "watch", help="live view of the lines in the terminal (Ctrl-C quits)"
    )
    watch.add_argument("--site", help="only this site")
    watch.add_argument("--line", help="only this line")
    watch.add_argument(
        "--stale-s",
        type=float,
        default=15.0,
        help="mark a sensor stale after this long without data [s] (default 15)",
    )
    watch.add_argument(
        "--refresh-s", type=float, default=1.0, help="screen refresh interval [s] (default 1)"
    )
    watch.add_argument("--no-colour", action="store_true", help="no ANSI colours")
    watch.set_defaults(func=cmd_watch)


def cmd_watch(args: argparse.Namespace) -> int:
    from monitoring.collector.decode import Decoder
    from monitoring.live import LiveView
    from pilot.context import load_config_arg
    from pilot.wiring import line_infos, line_state_tracker
    from sensors.mqtt import make_client

    config = load_config_arg(args.config)
    lines = [
        info
        for info in line_infos(config)
        if args.site in (None, info.site) and args.line in (None, info.line)
    ]
    if not lines:
        raise PilotError(f"no configured line matches --site {args.site} --line {args.line}")
    view = LiveView(
        lines,
        state_tracker=line_state_tracker(config),
        timezone=config.timezone,
        stale_after_s=args.stale_s,
    )
    lock = threading.Lock()
    status = {"text": f"connecting to {config.broker.host}:{config.broker.port}"}
    prefix = config.topic_prefix
    # The collector's decoder without its catalogue: the view shows what arrives, and
    # ignores sensors it does not know.
    decoder = Decoder(prefix=prefix)

    def on_connect(client, userdata, flags, reason_code, properties) -> None:  # type: ignore[no-untyped-def]
        if reason_code.is_failure:
            status["text"] = f"broker refused the connection: {reason_code}"
            return
        status["text"] = f"broker {config.broker.host}:{config.broker.port}"
        client.subscribe(
            [
                (f"{prefix}/{args.site or '+'}/{args.line or '+'}/+", 0),
            ]
        )

    def on_disconnect(client, userdata, flags, reason_code, properties) -> None:  # type: ignore[no-untyped-def]
        status["text"] = f"disconnected from the broker ({reason_code}); reconnecting"

    def on_message(client, userdata, message: mqtt.MQTTMessage) -> None:  # type: ignore[no-untyped-def]
        now = time.time()
        try:
            parts = decoder.topic(message.topic)
            if parts.sensor in RESERVED_SENSOR_IDS:
                state = json.loads(message.payload)
                with lock:
                    view.set_alarms(parts.site, parts.line, state, received_s=now)
                return
        except (SensorsError, ValueError):
            with lock:
                view.ignored += 1
            return
        readings, rejected = decoder.decode(
            message.topic, bytes(message.payload), received_us=int(now * 1e6)
        )
        with lock:
            view.ignored += 1 if rejected else 0
            view.add(readings, received_s=now)

    settings = config.broker.with_client_id(
        f"{config.broker.client_id}-watch-{uuid.uuid4().hex[:8]}"
    )
    client = make_client(settings, clean_session=True)
    client.on_connect = on_connect
    client.on_disconnect = on_disconnect
    client.on_message = on_message
    try:
        client.connect_async(settings.host, settings.port, settings.keepalive_s)
    except (OSError, ValueError) as exc:
        raise PilotError(f"cannot connect to the broker at {settings.host}: {exc}") from exc
    client.loop_start()
    out = sys.stdout
    tty = out.isatty()
    colour = tty and not args.no_colour and "NO_COLOR" not in os.environ
    # Ctrl-C and SIGTERM (e.g. the SSH session closing) only set an event. Raising
    # KeyboardInterrupt from the handler could land between acquiring the view's lock
    # and entering its `with` block, leaving the lock held: the network thread then
    # waits for it forever and loop_stop() never returns (seen under CPU load).
    stop = threading.Event()
    previous_int = signal.signal(signal.SIGINT, lambda *_: stop.set())
    previous_term = signal.signal(signal.SIGTERM, lambda *_: stop.set())
    if tty:
        out.write(_ENTER)
    try:
        while not stop.is_set():
            with lock:
                frame = view.render(now_s=time.time(), width=_width(out), colour=colour)
            frame.insert(1, f"  {status['text']}")
            _draw(out, frame, tty)
            stop.wait(args.refresh_s)
    finally:
        signal.signal(signal.SIGINT, previous_int)
        signal.signal(signal.SIGTERM, previous_term)
        if tty:
            out.write(_LEAVE)
            out.flush()
        client.disconnect()
        client.loop_stop()
    print("pilot watch: stopped", file=sys.stderr)
    return 0


def _width(out: TextIO) -> int:
    try:
        return os.get_terminal_size(out.fileno()).columns
    except (OSError, ValueError):
        return 80


def _draw(out: TextIO, frame: list[str], tty: bool) -> None:
    if tty:
        # Overwrite in place rather than clearing first: no flicker over slow links.
        out.write(_HOME + "".join(f"{line}{_CLEAR_LINE}\r\n" for line in frame) + _CLEAR_BELOW)
    else:
        out.write("\n".join(frame) + "\n\n")
    out.flush()
