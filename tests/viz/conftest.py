"""Fixtures for the UI tests: a real `noodplan ui` server and Debian's chromium, offline.

The server runs the same command as `noodplan ui` (viz.cli.server_command) with every outbound
route dead (a miss in the local asset cache, the version check and telemetry would fail loudly);
the browser blocks every request that does not go to 127.0.0.1 and records it.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit

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


@contextlib.contextmanager
def run_server(log_dir: Path, app: str = "viz.app"):
    from viz.cli import server_command, server_env

    port = _free_port()
    url = f"http://127.0.0.1:{port}/"
    env = {**server_env(), "HTTP_PROXY": DEAD, "HTTPS_PROXY": DEAD, "http_proxy": DEAD, "https_proxy": DEAD,
           "NO_PROXY": "127.0.0.1,localhost", "no_proxy": "127.0.0.1,localhost", "PYTHONUNBUFFERED": "1"}
    log_path = log_dir / f"noodplan-ui-{port}.log"
    log = open(log_path, "w")  # noqa: SIM115 (the server writes to it until the fixture ends)
    t0 = time.perf_counter()
    proc = subprocess.Popen(server_command("127.0.0.1", port, app), cwd=ROOT, env=env, stdout=log,
                            stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 300      # a busy CI machine: the bench saw > 90 s at a load of 22
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"server exited early ({proc.returncode}):\n{log_path.read_text()}")
            try:
                with urllib.request.urlopen(url, timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise TimeoutError(f"server did not answer on {url}:\n{log_path.read_text()}")
            time.sleep(0.2)
        print(f"\n[ui] server answered after {time.perf_counter() - t0:.2f} s at {url}")
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()


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


class OfflinePage:
    """A page in its own context (own cookies, so its own Solara session); every request that
    does not go to 127.0.0.1 is aborted and recorded, and so are failures and HTTP errors."""

    def __init__(self, browser) -> None:
        self.blocked: list[str] = []
        self.failed: list[str] = []
        self.bad: list[str] = []
        self.errors: list[str] = []
        self.context = browser.new_context(viewport={"width": 1600, "height": 1300}, accept_downloads=True)
        self.page = self.context.new_page()
        self.page.route("**/*", self._route)
        self.page.on("response", self._response)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on("requestfailed", lambda r: self.failed.append(f"{r.url} {r.failure}"))

    def _response(self, r) -> None:
        if r.status >= 400:
            self.bad.append(f"{r.status} {r.url}")

    def _route(self, route) -> None:
        url = route.request.url
        if urlsplit(url).hostname == "127.0.0.1" or url.startswith(("data:", "blob:")):
            route.continue_()
        else:
            self.blocked.append(url)
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
