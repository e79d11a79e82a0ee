"""``pilot serve``: the engineers' dashboard in the browser (:mod:`pilot.serve`).

Read-only: it reads the configured store and the alarm log, and writes only the reports
asked for on its reports page (into ``[serve] reports_dir``). It binds to
``[serve] host`` (127.0.0.1 by default); on any other address it refuses to start
without a password from ``[serve] password_env`` or ``password_file``.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys

from pilot.errors import EXIT_OK, PilotError

__all__ = ["register"]

log = logging.getLogger(__name__)


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add ``serve`` to the ``pilot`` command."""
    serve = subparsers.add_parser(
        "serve", help="the dashboard in the browser: lines live, history, alarms, reports"
    )
    serve.add_argument("--host", help="address to listen on (default: [serve] host, 127.0.0.1)")
    serve.add_argument("--port", type=int, help="TCP port (default: [serve] port, 8470)")
    serve.set_defaults(func=cmd_serve)


def cmd_serve(args: argparse.Namespace) -> int:
    # Imported here: the web stack is only needed by this command.
    import uvicorn

    from pilot.config import serve_password
    from pilot.context import config_path_arg, load_config_arg
    from pilot.serve.app import make_app
    from pilot.serve.auth import Guard, is_loopback
    from pilot.serve.hub import Dashboard
    from pilot.wiring import make_store

    config = load_config_arg(args.config)
    settings = config.serve
    host = args.host or settings.host
    port = args.port or settings.port
    source = str(config.path or config_path_arg(args.config))
    password = serve_password(settings, os.environ, source=source)
    if password is None and not is_loopback(host):
        raise PilotError(
            f"serving on {host} needs a login: set [serve] password_env (an environment "
            "variable holding the password) or password_file in the configuration, or "
            "serve on 127.0.0.1"
        )
    sqlite_path = config.store.sqlite_path if config.store.kind == "sqlite" else None
    if sqlite_path is not None and not sqlite_path.is_file():
        # Opening would create an empty store: the dashboard writes nothing.
        raise PilotError(f"no store at {sqlite_path}: run `pilot collect` (or `pilot demo`) first")
    store = make_store(config.store)
    dashboard = Dashboard(config, store, config_bytes=_config_bytes(config.path))
    try:
        dashboard.prime()
        app = make_app(dashboard, Guard(password))
        shown = f"[{host}]" if ":" in host else host
        print(f"pilot serve: http://{shown}:{port}/  (Ctrl-C stops)", file=sys.stderr, flush=True)
        uvicorn.run(
            app,
            host=host,
            port=port,
            log_level="warning" if args.quiet else "info",
            # Open live streams are closed rather than waited for on Ctrl-C.
            timeout_graceful_shutdown=2,
            server_header=False,
        )
    finally:
        dashboard.close()
        store.close()
    return EXIT_OK


def _config_bytes(path: object) -> bytes:
    """The configuration file's content (hashed into the evaluation report's footer)."""
    try:
        return path.read_bytes() if path is not None else b""  # type: ignore[attr-defined]
    except OSError:
        return b""
