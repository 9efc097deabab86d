"""`noodplan ui` lives in viz (the top layer); every other command is experiments' own."""

from __future__ import annotations

import socket

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
