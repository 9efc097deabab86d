"""The `noodplan` command: the experiments' commands plus `noodplan ui`.

Layering: `experiments/` must not know about `viz/`, so the console entry point lives here, in
the top layer: it takes the experiments' argument parser and registers `ui` on it. Every other
command runs exactly as `experiments.cli` defines it. The UI packages (the `ui` extra) are only
needed when `ui` runs, and the server runs in its own process (`python -m solara run viz.app`).
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import subprocess
import sys

from experiments import cli as base

DEFAULT_PORT = 8765
# Nothing may leave the machine: no version check, no telemetry, and a miss in the local
# asset cache fails instead of being fetched from a CDN (`scripts/vendor_ui_assets` fills it).
OFFLINE_ENV = {
    "SOLARA_TELEMETRY_MIXPANEL_ENABLE": "False",
    "SOLARA_ASSETS_CDN": "http://127.0.0.1:9/",
    "MPLBACKEND": "Agg",
}


def server_command(host: str, port: int) -> list[str]:
    return [sys.executable, "-m", "solara", "run", "viz.app", "--host", host, "--port", str(port),
            "--production", "--no-open", "--no-check-version"]


def server_env() -> dict[str, str]:
    return {**os.environ, **OFFLINE_ENV}


def _port_free(host: str, port: int) -> bool:
    with socket.socket() as s:
        try:
            s.bind((host, port))
        except OSError:
            return False
    return True


def cmd_ui(args: argparse.Namespace) -> int:
    try:
        import solara  # noqa: F401
    except ImportError:
        print("noodplan ui: the UI packages are not installed (pip install -e '.[ui]', or ./scripts/setup)",
              file=sys.stderr)
        return base.EXIT_BAD_INPUT
    host = "127.0.0.1"
    if not 0 < args.port < 65536:
        print(f"noodplan ui: --port: must be 1 to 65535 (got {args.port})", file=sys.stderr)
        return base.EXIT_BAD_INPUT
    if not _port_free(host, args.port):
        print(f"noodplan ui: --port: {args.port} is in use on {host}; choose another with --port",
              file=sys.stderr)
        return base.EXIT_BAD_INPUT
    env = server_env()
    if args.scenario:
        from model.scenario import ScenarioError, load_scenario

        try:      # the same checks as `noodplan validate`, before a server starts
            load_scenario(args.scenario)
        except ScenarioError as exc:
            print(f"noodplan ui: --scenario: {exc}", file=sys.stderr)
            return base.EXIT_BAD_INPUT
        env["NOODPLAN_UI_SCENARIO"] = args.scenario
    if args.sweep:
        from experiments.sweep.store import Store, StoreError

        try:      # a folder that is not a sweep store is said here, before a server starts
            Store.open(args.sweep)
        except StoreError as exc:
            print(f"noodplan ui: --sweep: {exc}", file=sys.stderr)
            return base.EXIT_BAD_INPUT
        env["NOODPLAN_UI_SWEEP"] = args.sweep
    print(f"noodplan UI at http://{host}:{args.port}/  (offline; Ctrl+C stops it)", flush=True)
    proc = subprocess.Popen(server_command(host, args.port), env=env)

    def forward(signum, _frame):          # stopping `noodplan ui` stops the server with it
        if proc.poll() is None:
            proc.send_signal(signum)
    signal.signal(signal.SIGTERM, forward)
    signal.signal(signal.SIGINT, forward)
    code = proc.wait()
    return 0 if code in (0, -signal.SIGINT, -signal.SIGTERM) else code


def build_parser() -> argparse.ArgumentParser:
    ap = base.build_parser()
    sub = next(a for a in ap._actions if isinstance(a, argparse._SubParsersAction))
    ui = sub.add_parser("ui", help="start the planner dashboard in the browser (offline)")
    ui.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"port on 127.0.0.1 (default {DEFAULT_PORT})")
    ui.add_argument("--scenario", help="scenario to open with: built-in name or YAML file (default: baseline)")
    ui.add_argument("--sweep", metavar="STORE", help="a sweep's result store to show in the Sweeps tab "
                                                     "(noodplan sweep --out STORE; docs/sweeps.md)")
    ui.set_defaults(func=cmd_ui)
    return ap


def main(argv: list[str] | None = None) -> int:
    """`noodplan ...`: `ui` runs here; every other command is handed to `experiments.cli.main`."""
    args = base.parse(build_parser(), argv)
    if isinstance(args, int):         # --help, or a usage error already reported in one line
        return args
    if args.command == "ui":
        return cmd_ui(args)
    return base.run_command(args)


if __name__ == "__main__":
    sys.exit(main())
