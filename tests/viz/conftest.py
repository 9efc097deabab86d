"""Fixtures for the UI tests: a real `noodplan ui` server and Debian's chromium, offline.

The server runs the same command as `noodplan ui` (viz.cli.server_command) with every outbound
route dead (a miss in the local asset cache, the version check and telemetry would fail loudly);
the browser blocks every request that does not go to 127.0.0.1 and records it.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import socket
import subprocess
import time
import urllib.request
from pathlib import Path
from typing import TextIO

import pytest

ROOT = Path(__file__).resolve().parents[2]
DOCS_IMG = ROOT / "docs" / "img"
DEAD = "http://127.0.0.1:9"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]
READY_TIMEOUT_MS = int(os.environ.get("READY_TIMEOUT_MS", "60000"))


def chromium_path() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


def _need_browser():
    missing: str | None
    try:
        import playwright  # noqa: F401
        import solara  # noqa: F401
    except ImportError as exc:
        missing = f"UI packages missing ({exc.name}); run ./scripts/setup"
    else:
        missing = None if chromium_path() else ("Debian's chromium is not on PATH "
                                                "(apt-get install chromium; .ci/run does)")
    if missing:
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail(f"browser tests must run under CI: {missing}")
        pytest.skip(missing)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# A server on a port another process took between `_free_port` closing it and the server binding it logs
# "address already in use" and exits with uvicorn's STARTUP_FAILURE (3). It was also seen killed by SIGABRT
# (-6) as its interpreter shut down (1 in 10 tries here, once on CI: a daemon thread inside pydantic-core, the
# app's spare session, since built on a thread the interpreter waits for); a daemon thread of a library could
# do it again. Either is the port lost, not a broken server.
BIND_FAILED_EXITS = (3, -6)
BIND_FAILED_LOG = "address already in use"
START_ATTEMPTS = 5


def _listens_on(pid: int, port: int) -> bool | None:
    """Whether process `pid` holds the socket listening on 127.0.0.1:`port`, read from Linux's /proc;
    None where /proc cannot say (another system): the caller then trusts whoever answers on the port."""
    try:
        rows = [line.split() for line in Path("/proc/net/tcp").read_text().splitlines()[1:]]
        fd_dir = Path(f"/proc/{pid}/fd")
        fds = list(fd_dir.iterdir())
    except OSError:
        return None
    # local address 127.0.0.1:port as /proc/net/tcp writes it (little-endian hex), state 0A = LISTEN
    local = f"0100007F:{port:04X}"
    listening = {f"socket:[{row[9]}]" for row in rows if row[1] == local and row[3] == "0A"}
    held = set()
    for fd in fds:
        with contextlib.suppress(OSError):    # an fd closed while we read the list
            held.add(os.readlink(fd))
    return bool(listening & held)


def _start_server(log_path: Path, app: str, env: dict[str, str], port: int,
                  deadline: float) -> tuple[subprocess.Popen, TextIO] | None:
    """One try on `port`: the server process once it answers on the port it bound itself, with its log
    (open until it stops), or None when the port was taken before it could bind it."""
    from viz.cli import server_command

    url = f"http://127.0.0.1:{port}/"
    log = open(log_path, "w")  # noqa: SIM115 (the server writes to it until the fixture ends)
    proc = subprocess.Popen(server_command("127.0.0.1", port, app), cwd=ROOT, env=env, stdout=log,
                            stderr=subprocess.STDOUT)
    try:
        while True:
            if proc.poll() is not None:
                said = log_path.read_text()
                if proc.returncode in BIND_FAILED_EXITS and BIND_FAILED_LOG in said:
                    log.close()
                    return None
                raise RuntimeError(f"server exited early ({proc.returncode}):\n{said}")
            try:
                with urllib.request.urlopen(url, timeout=2) as r:
                    # a 200 from another process that took the port is not our server: wait on
                    # until ours holds the port, or exits having failed to bind it
                    if r.status == 200 and _listens_on(proc.pid, port) is not False:
                        return proc, log
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise TimeoutError(f"server did not answer on {url}:\n{log_path.read_text()}")
            time.sleep(0.2)
    except BaseException:
        _stop(proc)
        log.close()
        raise


def _stop(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


@contextlib.contextmanager
def run_server(log_dir: Path, app: str = "viz.app"):
    """A `noodplan ui` server of `app` on a free port of 127.0.0.1, offline; yields its URL once it answers.

    A free port found here is closed before the server binds it, and another process may take it in
    between: the server then fails to bind and exits, and it is started again on a new port (up to
    START_ATTEMPTS times). Each try's output is in `log_dir`/noodplan-ui-PORT.log."""
    from viz.cli import server_env

    env = {**server_env(), "HTTP_PROXY": DEAD, "HTTPS_PROXY": DEAD, "http_proxy": DEAD, "https_proxy": DEAD,
           "NO_PROXY": "127.0.0.1,localhost", "no_proxy": "127.0.0.1,localhost", "PYTHONUNBUFFERED": "1"}
    t0 = time.perf_counter()
    deadline = time.monotonic() + 300      # a busy CI machine: the bench saw > 90 s at a load of 22
    taken: list[int] = []
    started = None
    while started is None:
        if len(taken) == START_ATTEMPTS:
            raise RuntimeError(f"server could not bind a free port in {START_ATTEMPTS} tries: {taken} were taken")
        port = _free_port()
        started = _start_server(log_dir / f"noodplan-ui-{port}.log", app, env, port, deadline)
        if started is None:
            taken.append(port)
    proc, log = started
    SERVER_LOGS.append(log_dir / f"noodplan-ui-{port}.log")
    url = f"http://127.0.0.1:{port}/"
    retried = f" (ports taken before the server bound them: {taken})" if taken else ""
    print(f"\n[ui] server answered after {time.perf_counter() - t0:.2f} s at {url}{retried}")
    try:
        yield url
    finally:
        SERVER_LOGS.remove(log_dir / f"noodplan-ui-{port}.log")
        _stop(proc)
        log.close()


# the logs of the servers running now (`run_server`): a browser test that fails shows their last lines
SERVER_LOGS: list[Path] = []
LOG_TAIL_LINES = 60


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """A browser test that failed shows the last lines of the servers' logs beside its error (in CI, the
    only place the server's side of a failure can be read: a room's events, the trace when asked for)."""
    outcome = yield
    report = outcome.get_result()
    if report.failed and report.when == "call":
        for path in SERVER_LOGS:
            lines = path.read_text(errors="replace").splitlines()[-LOG_TAIL_LINES:]
            report.sections.append((f"server log {path.name} (last {len(lines)} lines)", "\n".join(lines)))


@pytest.fixture(scope="session")
def ui_server(tmp_path_factory):
    _need_browser()
    with run_server(tmp_path_factory.mktemp("ui-server")) as url:
        yield url


@pytest.fixture(scope="session")
def browser():
    _need_browser()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        yield b
        b.close()


# a URL of another host than the test's server (nor data: or blob:, which stay in the page). A regular
# expression, not a function: the browser's driver matches it itself, so a request to the server goes out
# at once and never waits for the test's Python to let it through (`OfflinePage`)
OTHER_HOSTS = re.compile(r"^(?!(?:https?|wss?)://127\.0\.0\.1(?:[:/]|$)|data:|blob:)")


class OfflinePage:
    """A page in its own context (own cookies, so its own Solara session); every request that
    does not go to 127.0.0.1 is aborted and recorded, and so are failures and HTTP errors.

    Only requests to other hosts are intercepted (`OTHER_HOSTS`). Intercepting all of them made each
    request of the page wait until the test's Python, busy elsewhere or between Playwright calls, let it
    through; Solara's close signal as a tab closes (a beacon) then went out only when the test next
    called Playwright, or never: the exercise room's test of a tab closed without Leave failed in CI,
    the table never out of the room."""

    def __init__(self, browser) -> None:
        self.blocked: list[str] = []
        self.failed: list[str] = []
        self.bad: list[str] = []
        self.errors: list[str] = []
        self.context = browser.new_context(viewport={"width": 1600, "height": 1300}, accept_downloads=True)
        self.context.route(OTHER_HOSTS, self._block)
        self.page = self.context.new_page()
        self.page.on("response", self._response)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on("requestfailed", lambda r: self.failed.append(f"{r.url} {r.failure}"))

    def _response(self, r) -> None:
        if r.status >= 400:
            self.bad.append(f"{r.status} {r.url}")

    def _block(self, route) -> None:
        self.blocked.append(route.request.url)
        route.abort("blockedbyclient")

    def open(self, url: str) -> float:
        """Load the dashboard; seconds until it is ready (day shown, map and charts drawn)."""
        t0 = time.perf_counter()
        self.page.goto(url)
        try:
            self.page.locator(".np-day").wait_for(timeout=READY_TIMEOUT_MS)
            self.page.locator("img.np-map-img[src^='data:image/png']").wait_for(timeout=READY_TIMEOUT_MS)
            self.page.locator(".np-charts .js-plotly-plot").wait_for(timeout=READY_TIMEOUT_MS)
        except Exception as exc:
            raise AssertionError(f"page not ready; blocked={self.blocked} failed={self.failed} "
                                 f"bad={self.bad} errors={self.errors}") from exc
        return time.perf_counter() - t0

    def assert_offline_clean(self) -> None:
        assert self.blocked == [], f"requests to other hosts: {self.blocked}"
        assert self.failed == [], self.failed
        assert self.bad == [], self.bad
        assert self.errors == [], self.errors

    def close(self) -> None:
        self.context.close()


@pytest.fixture
def make_page(browser):
    pages: list[OfflinePage] = []

    def make() -> OfflinePage:
        op = OfflinePage(browser)
        pages.append(op)
        return op

    yield make
    for op in pages:
        op.close()


@pytest.fixture
def page():
    """The dashboard rendered in process (`solara.render` of `viz.app.Page`, as a browser tab would
    get it), closed after the test: the component tests drive its widgets."""
    solara = pytest.importorskip("solara")
    from viz import app

    from tests.viz.settle import steady

    _box, rc = solara.render(app.Page(), handle_error=False)
    yield steady(rc)
    rc.close()
