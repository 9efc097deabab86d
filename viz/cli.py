"""The `noodplan` command: the experiments' commands plus `noodplan ui`.

Layering: `experiments/` must not know about `viz/`, so the console entry point lives here, in
the top layer: it takes the experiments' argument parser and registers `ui` on it. Every other
command runs exactly as `experiments.cli` defines it. The UI packages (the `ui` extra) are only
needed when `ui` runs, and the server runs in its own process (`python -m solara run viz.app`).
"""

from __future__ import annotations

import argparse
import errno
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

from experiments import cli as base
from experiments import outputs

DEFAULT_PORT = 8765
# Nothing may leave the machine: no version check, no telemetry, and a miss in the local
# asset cache fails instead of being fetched from a CDN (`scripts/vendor_ui_assets` fills it).
OFFLINE_ENV = {
    "SOLARA_TELEMETRY_MIXPANEL_ENABLE": "False",
    "SOLARA_ASSETS_CDN": "http://127.0.0.1:9/",
    "MPLBACKEND": "Agg",
}


DEFAULT_ROOM_PORT = 8766
LOOPBACK = ("127.0.0.1", "localhost", "::1")


def server_command(host: str, port: int, app: str = "viz.app") -> list[str]:
    return [sys.executable, "-m", "solara", "run", app, "--host", host, "--port", str(port),
            "--production", "--no-open", "--no-check-version"]


# Solara warns on every first page load over plain http on an address other than localhost (the room on a
# workshop's network) that its session cookie falls back to SameSite=Lax: right for this server, which is never
# embedded in another site's frame, and eleven lines of noise in the facilitator's terminal.
QUIET_WARNINGS = "ignore:Cookies with samesite=none require https:UserWarning"


def server_env() -> dict[str, str]:
    """The server's environment: the user's, offline, without Solara's cookie warning."""
    warn = ",".join(w for w in (os.environ.get("PYTHONWARNINGS", ""), QUIET_WARNINGS) if w)
    return {**os.environ, **OFFLINE_ENV, "PYTHONWARNINGS": warn}


def _cannot_listen(host: str, port: int) -> str | None:
    """Why the server could not listen on `port` of `host` (1-65535: the arguments' parser checks it), as
    "--option: reason" (None: it can): `host` not an address of this machine, the port in use or not allowed
    (below 1024 without administrator rights)."""
    try:
        socket.getaddrinfo(host, port)
    except (socket.gaierror, UnicodeError):
        return f"--host: {host!r} is not an address of this machine"
    with socket.socket() as s:
        try:
            s.bind((host, port))
        except PermissionError:
            return f"--port: {port} needs administrator rights (a port below 1024); choose one from 1024 up"
        except OSError as exc:
            if exc.errno == errno.EADDRNOTAVAIL:
                return f"--host: {host!r} is not an address of this machine"
            return f"--port: {port} is in use on {host}; choose another"
    return None


def _ui_installed(command: str) -> bool:
    try:
        import solara  # noqa: F401
    except ImportError:
        print(f"noodplan {command}: the UI packages are not installed (pip install -e '.[ui]', or ./scripts/setup)",
              file=sys.stderr)
        return False
    return True


STOP_GRACE_S = 30.0   # a server asked to stop is killed when it has not stopped this long after


def _serve(command: list[str], env: dict[str, str], name: str, said: list[str]) -> int:
    """Run the server (`name`: the command, for its lines; `said`: the lines it prints as the server starts)
    until it stops; returns its exit code, 0 when the user stopped it, 128 + N when signal N ended it otherwise
    (said in a line). The command's own Ctrl+C and SIGTERM handlers are put back when it returns.

    The command stops the server, the server does not answer Ctrl+C itself (it starts with Ctrl+C ignored:
    during its first seconds of imports a Ctrl+C printed a traceback, or was swallowed and the server came up
    and ran on). A Ctrl+C or SIGTERM to the command, at any time, asks the server to stop with SIGTERM: quiet
    while it starts, a graceful shutdown once it serves; a second one, or STOP_GRACE_S without its end, kills it.
    One that came while the command started (held by `experiments.entry`) stops it before the server starts:
    one line, exit code 130."""
    asked: list[float] = []          # when the user asked to stop (a second time: at once)
    proc: subprocess.Popen | None = None

    def stop(_signum, _frame) -> None:
        asked.append(time.monotonic())
        if proc is not None and proc.poll() is None:
            if len(asked) == 1:
                print(f"noodplan {name}: stopping the server (Ctrl+C again stops it at once)", file=sys.stderr,
                      flush=True)
            proc.send_signal(signal.SIGTERM if len(asked) == 1 else signal.SIGKILL)
    before = {sig: signal.signal(sig, stop) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        if asked or outputs.interrupts_held():
            print(f"noodplan {name}: interrupted before the server started", file=sys.stderr, flush=True)
            return base.EXIT_INTERRUPTED
        print("\n".join(said), flush=True)
        proc = subprocess.Popen(command, env=env, preexec_fn=_ignore_ctrl_c)   # (no Python threads here yet)
        if asked:                                # (asked while it was being started)
            proc.send_signal(signal.SIGTERM)
        while True:
            try:
                code = proc.wait(timeout=0.5)
                break
            except subprocess.TimeoutExpired:
                if asked and time.monotonic() - asked[0] > STOP_GRACE_S:
                    proc.kill()
    finally:
        for sig, handler in before.items():
            signal.signal(sig, handler)
    if asked or code in (0, -signal.SIGINT, -signal.SIGTERM):
        return 0
    if code < 0:                             # killed by a signal nobody here sent (out of memory, a crash)
        print(f"noodplan {name}: the server was ended by {_signal_name(-code)}; its last lines above say what "
              f"it was doing", file=sys.stderr, flush=True)
        return 128 - code                    # as a shell reports a process a signal ended
    return code


def _signal_name(number: int) -> str:
    """SIGKILL (9) and the like, in words where a planner may meet them."""
    try:
        sig = signal.Signals(number)
    except ValueError:
        return f"signal {number}"
    what = {signal.SIGKILL: "killed, often by the system when memory runs out",
            signal.SIGSEGV: "a crash", signal.SIGABRT: "a crash"}.get(sig)
    return f"{sig.name} ({what})" if what else sig.name


def _ignore_ctrl_c() -> None:
    """In the server's process before it starts: Ctrl+C ignored (the command stops it, `_serve`); Python keeps
    an ignored SIGINT ignored, and uvicorn handles it again once it serves."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def cmd_ui(args: argparse.Namespace) -> int:
    if not _ui_installed("ui"):
        return base.EXIT_BAD_INPUT
    host = "127.0.0.1"
    cannot = _cannot_listen(host, args.port)
    if cannot:
        print(f"noodplan ui: {cannot}", file=sys.stderr)
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
    return _serve(server_command(host, args.port), env, "ui",
                  [f"noodplan UI at http://{host}:{args.port}/  (offline; Ctrl+C stops it)"])


def cmd_exercise_serve(args: argparse.Namespace) -> int:
    """The exercise room (`viz.exercise_app`): on 127.0.0.1 unless `--host` says otherwise."""
    if not _ui_installed("exercise serve"):
        return base.EXIT_BAD_INPUT
    host = args.host
    cannot = _cannot_listen(host, args.port)
    if cannot:
        print(f"noodplan exercise serve: {cannot}", file=sys.stderr)
        return base.EXIT_BAD_INPUT
    env = server_env()
    from viz.exercise_room import AWAY_ENV

    env[AWAY_ENV] = str(args.away_after)       # (a seat without a sign of its page this long is away)
    files = []
    for name in args.exercise or []:
        from experiments.exercise.msel import load_exercise
        from model.scenario import ScenarioError
        from viz.exercise_room import EXERCISE_FILES_ENV

        try:      # the same checks as `noodplan exercise validate`, before a server starts
            load_exercise(name)
        except ScenarioError as exc:
            print(f"noodplan exercise serve: --exercise: {exc}", file=sys.stderr)
            return base.EXIT_BAD_INPUT
        files.append(str(Path(name).resolve()) if Path(name).exists() else name)
    if files:     # offered on the start page beside the library (`viz.exercise_room.offered`)
        env[EXERCISE_FILES_ENV] = os.pathsep.join(files)    # (set when files is: the loop imported it)
    shown = "127.0.0.1" if host in LOOPBACK else host
    said = [f"noodplan exercise room at http://{shown}:{args.port}/  (offline; Ctrl+C stops it)"]
    if host not in LOOPBACK:
        said.append(f"  listening on {host}: anyone who can reach this address can open the page; only those with a "
                    f"room's join code can enter it")
    return _serve(server_command(host, args.port, "viz.exercise_app"), env, "exercise serve", said)


def build_parser() -> argparse.ArgumentParser:
    ap = base.build_parser()
    sub = next(a for a in ap._actions if isinstance(a, argparse._SubParsersAction))
    ui = sub.add_parser("ui", help="start the planner dashboard in the browser (offline)")
    ui.add_argument("--port", type=base.PORT, default=DEFAULT_PORT, help="port on 127.0.0.1 (default: %(default)s)")
    ui.add_argument("--scenario", type=base.path_arg,
                    help="scenario to open with: built-in name or YAML file (default: baseline)")
    ui.add_argument("--sweep", type=base.path_arg, metavar="STORE",
                    help="a sweep's result store to show in the Sweeps tab "
                         "(noodplan sweep --out STORE; docs/sweeps.md) (default: none: the tab asks for a store's "
                         "folder and lists those under out/)")
    ui.set_defaults(func=cmd_ui)
    exercise = next(a for a in sub.choices["exercise"]._actions if isinstance(a, argparse._SubParsersAction))
    serve = exercise.add_parser("serve", help="start the exercise room in the browser (offline)")
    serve.add_argument("--host", default="127.0.0.1",
                       help="address to listen on (default: %(default)s, this machine only; for a workshop LAN give "
                            "this machine's LAN address, or 0.0.0.0 for all)")
    serve.add_argument("--port", type=base.PORT, default=DEFAULT_ROOM_PORT, help="port (default: %(default)s)")
    serve.add_argument("--exercise", action="append", type=base.path_arg, metavar="FILE",
                       help="an exercise file of your own to offer beside the library (checked as `exercise "
                            "validate` checks it, before the server starts); give it again for more (default: "
                            "none: the library's exercises only)")
    serve.add_argument("--away-after", type=base.whole_arg(10, 3_600, " seconds"), default=120, metavar="SECONDS",
                       help="a table's seat is away (afwezig) when its page gives no sign of life this long: a new "
                            "participant of its role takes it over, or you free it (default: %(default)s)")
    serve.set_defaults(func=cmd_exercise_serve)
    return ap


def main(argv: list[str] | None = None) -> int:
    """`noodplan ...`: `ui` runs here; every other command is handed to `experiments.cli.main`."""
    args = base.parse(build_parser(), argv)
    if isinstance(args, int):         # --help, or a usage error already reported in one line
        return args
    if args.command == "ui":
        return cmd_ui(args)
    if args.command == "exercise" and args.exercise_command == "serve":
        return cmd_exercise_serve(args)
    return base.run_command(args)


if __name__ == "__main__":
    sys.exit(main())
