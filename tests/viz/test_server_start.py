"""`run_server` (the UI tests' real `noodplan ui` server) starts on a port another process took between
`_free_port` closing it and the server binding it: the server fails to bind, exits, and is started again on
a new port; the URL it yields is served by the server it started. No browser: the page is fetched with urllib."""

from __future__ import annotations

import contextlib
import http.server
import socket
import threading
import urllib.request
from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest

from tests.viz import conftest

pytest.importorskip("solara")


class _NotOurs(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b"another program on this port")

    def log_message(self, *args) -> None:
        pass


@contextlib.contextmanager
def _holder(kind: str) -> Iterator[int]:
    """A port of 127.0.0.1 held by this test: a socket that listens and never answers, or a web server of
    its own that answers every GET with 200 (which a server starting on the port must not be taken for)."""
    if kind == "silent socket":
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            s.listen()
            yield s.getsockname()[1]
        return
    httpd = http.server.HTTPServer(("127.0.0.1", 0), _NotOurs)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield httpd.server_address[1]
    finally:
        httpd.shutdown()
        httpd.server_close()


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["silent socket", "web server answering 200"])
def test_a_port_taken_before_the_server_binds_it_is_left_for_a_new_one(tmp_path, monkeypatch, kind):
    with _holder(kind) as taken:
        offered = iter([taken])
        real_free_port = conftest._free_port
        # the race made certain: the first "free" port is one another process holds by the time the server binds
        monkeypatch.setattr(conftest, "_free_port", lambda: next(offered, None) or real_free_port())
        with conftest.run_server(tmp_path) as url:
            port = urlsplit(url).port
            with urllib.request.urlopen(url, timeout=30) as r:
                status, page = r.status, r.read().decode()
        assert port != taken
        assert status == 200 and "solara" in page.lower() and "another program" not in page
        # the first try said why it stopped, in its own log
        assert conftest.BIND_FAILED_LOG in (tmp_path / f"noodplan-ui-{taken}.log").read_text()
        assert (tmp_path / f"noodplan-ui-{port}.log").is_file()


_DIES_BY_ABORT_AFTER_BIND_ERROR = (
    "import os, resource; resource.setrlimit(resource.RLIMIT_CORE, (0, 0)); "
    "print('ERROR:    [Errno 98] error while attempting to bind on address: address already in use', flush=True); "
    "os.abort()")


@pytest.mark.slow
def test_a_server_killed_by_sigabrt_after_its_bind_error_is_started_again(tmp_path, monkeypatch):
    """The other way a server on a taken port ends (seen on CI): the bind error in its log, then SIGABRT as its
    interpreter shuts down. The port is left for a new one, as after uvicorn's own exit."""
    import sys

    import viz.cli

    real_command = viz.cli.server_command
    ports: list[int] = []

    def command(host: str, port: int, app: str = "viz.app") -> list[str]:
        ports.append(port)
        return [sys.executable, "-c", _DIES_BY_ABORT_AFTER_BIND_ERROR] if len(ports) == 1 \
            else real_command(host, port, app)

    monkeypatch.setattr(viz.cli, "server_command", command)
    with conftest.run_server(tmp_path) as url, urllib.request.urlopen(url, timeout=30) as r:
        assert r.status == 200 and "solara" in r.read().decode().lower()
    assert len(ports) == 2 and urlsplit(url).port == ports[1]
    assert conftest.BIND_FAILED_LOG in (tmp_path / f"noodplan-ui-{ports[0]}.log").read_text()


@pytest.mark.slow
@pytest.mark.parametrize("after", [0.2, 0.5, 0.8, 1.1])
def test_a_process_that_ends_while_the_spare_kit_is_built_ends_cleanly(after):
    """Importing the app starts building a spare session (`viz.app._refill`); a server stopped in its first
    second, or failing to bind its port, ends while it is built. Its interpreter waits for it and exits 0
    (with the spare built on a daemon thread, 5 of 8 such processes died by SIGSEGV or SIGABRT)."""
    import subprocess
    import sys

    script = ("import resource, threading, time; resource.setrlimit(resource.RLIMIT_CORE, (0, 0)); import viz.app; "
              "assert not any(t.daemon for t in threading.enumerate() if t.name == 'noodplan-spare'); "
              f"time.sleep({after})")
    done = subprocess.run([sys.executable, "-c", script], cwd=conftest.ROOT, capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
