"""`noodplan ui` lives in viz (the top layer); every other command is experiments' own."""

from __future__ import annotations

import os
import socket

import pytest

from viz import cli


def test_ui_is_registered_and_other_commands_pass_through(capsys):
    ap = cli.build_parser()
    args = ap.parse_args(["ui", "--port", "9999"])
    assert args.command == "ui" and args.port == 9999
    assert cli.main(["scenarios"]) == 0
    assert "baseline" in capsys.readouterr().out


def test_server_command_is_offline():
    cmd = cli.server_command("127.0.0.1", 8765)
    assert cmd[1:5] == ["-m", "solara", "run", "viz.app"]
    assert {"--no-open", "--no-check-version", "--production"} <= set(cmd)
    env = cli.server_env()
    assert env["SOLARA_TELEMETRY_MIXPANEL_ENABLE"] == "False"
    assert env["SOLARA_ASSETS_CDN"].startswith("http://127.0.0.1")


def test_port_in_use_is_a_clear_error(capsys):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        port = s.getsockname()[1]
        assert cli.main(["ui", "--port", str(port)]) == 2
    assert "in use" in capsys.readouterr().err


def test_a_port_the_user_may_not_take_is_said_so_not_called_in_use(monkeypatch, capsys):
    """A port below 1024 without administrator rights was refused as "in use"; a host that is not this machine's
    as "in use (or not an address of this machine)". Each is now said as what it is (the bind's error, faked here:
    the tests may run as root)."""
    def bind_refused(error):
        def bind(self, address):
            raise error
        return bind

    monkeypatch.setattr(socket.socket, "bind", bind_refused(PermissionError(13, "Permission denied")))
    assert cli.main(["ui", "--port", "80"]) == 2
    assert capsys.readouterr().err.strip() == (
        "noodplan ui: --port: 80 needs administrator rights (a port below 1024); choose one from 1024 up")
    monkeypatch.setattr(socket.socket, "bind", bind_refused(OSError(99, "Cannot assign requested address")))
    assert cli.main(["exercise", "serve", "--host", "10.99.99.99", "--port", "8800"]) == 2
    assert capsys.readouterr().err.strip() == (
        "noodplan exercise serve: --host: '10.99.99.99' is not an address of this machine")
    monkeypatch.setattr(socket.socket, "bind", bind_refused(OSError(98, "Address already in use")))
    assert cli.main(["exercise", "serve", "--port", "8800"]) == 2
    assert capsys.readouterr().err.strip() == (
        "noodplan exercise serve: --port: 8800 is in use on 127.0.0.1; choose another")


def test_the_server_does_not_print_solaras_cookie_warning_and_keeps_the_users_filters(monkeypatch):
    """`noodplan ui` or `exercise serve --host 0.0.0.0` opened from another machine printed Solara's eleven-line
    'Cookies with samesite=none require https' warning on the first page load (found in the docs audit, round 19).
    The server's environment silences that one warning, and keeps a filter the user set."""
    import subprocess
    import sys

    monkeypatch.setenv("PYTHONWARNINGS", "ignore::DeprecationWarning")
    env = cli.server_env()
    assert env["PYTHONWARNINGS"].split(",")[0] == "ignore::DeprecationWarning"
    code = ("import warnings; warnings.warn('Cookies with samesite=none require https, but according to the asgi "
            "framework, the scheme is http', UserWarning); warnings.warn('other', UserWarning)")
    err = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True).stderr
    assert "samesite" not in err and "UserWarning: other" in err


def _ui_command(port: int):
    """`noodplan ui --port PORT` as a user starts it, in a process group of its own (the server joins it)."""
    import subprocess
    import sys

    from tests.viz.conftest import ROOT

    return subprocess.Popen([sys.executable, "-m", "viz.entry", "ui", "--port", str(port)], cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)


def _serving(port: int, deadline: float) -> bool:
    import time
    import urllib.request

    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    while time.monotonic() < deadline:
        try:
            with opener.open(f"http://127.0.0.1:{port}/", timeout=5) as r:
                if r.status == 200:
                    return True
        except OSError:
            time.sleep(0.3)
    return False


def _group_gone(pgid: int) -> bool:
    import os

    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return True
    return False


@pytest.mark.slow
@pytest.mark.parametrize("after", [0.3, 1.5, 4.0])
def test_ctrl_c_while_the_ui_starts_stops_it_cleanly(after):
    """Ctrl+C while `noodplan ui` starts (the command's imports, the server's): the command ends within seconds,
    with one line and no traceback, and leaves no server behind. Before, a Ctrl+C in its first 1.5 s was held
    and never answered (the server came up and ran on, the command waited on it), and one a few seconds in printed
    the server's KeyboardInterrupt traceback from an import, or click's "Aborted." with exit code 1."""
    import signal
    import time

    from tests.viz.conftest import _free_port

    proc = _ui_command(_free_port())
    time.sleep(after)
    proc.send_signal(signal.SIGINT)
    try:
        out, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    assert "Traceback" not in err and "Aborted" not in err, err
    if proc.returncode == 130:        # asked before the server started: it never did
        assert err.strip() == "noodplan ui: interrupted before the server started" and out == ""
    else:
        assert proc.returncode == 0 and "noodplan ui: stopping the server" in err, (proc.returncode, err)
        assert out.startswith("noodplan UI at http://127.0.0.1:")
    time.sleep(0.5)
    assert _group_gone(proc.pid)


@pytest.mark.slow
@pytest.mark.parametrize("signals", [("SIGINT",), ("SIGTERM",), ("SIGINT", "SIGINT")])
def test_the_serving_ui_stops_on_ctrl_c_or_sigterm_with_exit_code_0(signals):
    """Once it serves, Ctrl+C (or SIGTERM from a supervisor) stops the server and the command exits 0, its port
    free again; a second Ctrl+C stops it at once. Before, it exited 1 with click's "Aborted." (the server re-raised
    the SIGINT it had handled)."""
    import signal
    import socket
    import time

    from tests.viz.conftest import _free_port

    port = _free_port()
    proc = _ui_command(port)
    try:
        assert _serving(port, time.monotonic() + 300), proc.stderr
        for name in signals:
            proc.send_signal(getattr(signal, name))
            time.sleep(0.05)
        out, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    assert proc.returncode == 0, err
    assert out.startswith("noodplan UI at http://127.0.0.1:")
    assert "Traceback" not in err and "Aborted" not in err, err
    assert "noodplan ui: stopping the server (Ctrl+C again stops it at once)" in err
    time.sleep(0.5)
    assert _group_gone(proc.pid)
    with socket.socket() as s:
        s.bind(("127.0.0.1", port))


@pytest.mark.parametrize("server, code, line", [
    ("import os, signal; os.kill(os.getpid(), signal.SIGKILL)", 137,
     "noodplan ui: the server was ended by SIGKILL (killed, often by the system when memory runs out); its last "
     "lines above say what it was doing"),
    ("import os, resource, signal; resource.setrlimit(resource.RLIMIT_CORE, (0, 0)); os.abort()", 134,
     "noodplan ui: the server was ended by SIGABRT (a crash); its last lines above say what it was doing"),
    ("raise SystemExit(3)", 3, None),
    ("pass", 0, None),
])
def test_a_server_that_ends_by_itself_gives_its_end_in_the_exit_code_and_in_words(capfd, server, code, line):
    """A server killed by a signal the command did not send (memory run out, a crash) is said in a line and
    exits 128 + the signal, as a shell reports it (before: the negative code, which the shell saw as 256 - N);
    its own exit code passes through; the command's Ctrl+C handling is put back when it returns."""
    import signal
    import sys

    handlers = signal.getsignal(signal.SIGINT), signal.getsignal(signal.SIGTERM)
    got = cli._serve([sys.executable, "-c", server], dict(os.environ), "ui", ["noodplan UI at http://x/"])
    out, err = capfd.readouterr()
    assert got == code
    assert out == "noodplan UI at http://x/\n"
    assert err.strip() == (line or "")
    assert (signal.getsignal(signal.SIGINT), signal.getsignal(signal.SIGTERM)) == handlers


@pytest.mark.parametrize("argv, line", [
    (["ui", "--port", "0"], "noodplan: ui: argument --port: must be 1 to 65,535 (got 0) (see --help)"),
    (["exercise", "serve", "--port", "70000"],
     "noodplan: exercise serve: argument --port: must be 1 to 65,535 (got 70,000) (see --help)"),
    (["exercise", "serve", "--host", "no-such-host.invalid"],
     "noodplan exercise serve: --host: 'no-such-host.invalid' is not an address of this machine"),
])
def test_a_port_or_host_that_cannot_be_is_said_in_one_line(capsys, argv, line):
    assert cli.main(argv) == 2
    assert capsys.readouterr().err.strip() == line
