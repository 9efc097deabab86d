"""The sweep view (viz/sweep_view.py) rendered without a browser: a store's summary, KPI table,
sensitivity plot and KPI-against-inputs plot; the analysis report when there is one; a clear
message for a folder that is not a store. Read-only: the store is unchanged."""

from __future__ import annotations

import pytest

solara = pytest.importorskip("solara")
widgets = pytest.importorskip("ipywidgets")
v = pytest.importorskip("ipyvuetify")

from experiments.sweep import Store, run_sweep  # noqa: E402
from experiments.sweep.analyze import analyze, parse_condition  # noqa: E402
from experiments.sweep.design import design_from_dict  # noqa: E402
from tests.experiments.test_sweep_support import Linear, toy_design  # noqa: E402
from viz.sweep_view import SweepView, stores_under  # noqa: E402


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    out = tmp_path_factory.mktemp("view") / "store"
    d = design_from_dict(toy_design(sampler={"method": "saltelli", "samples": 16, "seed": 1}))
    run_sweep(d, out, executor="serial", model=Linear())
    return out


def _text(rc, cls: str) -> str:
    return str(rc.find(v.Html, class_=cls).widget.children[0])


def test_a_store_shows_its_runs_and_sensitivity(store):
    from solara.components.datatable import DataTableWidget

    before = sorted((p.name, p.stat().st_mtime_ns) for p in store.rglob("*"))
    _box, rc = solara.render(SweepView(store=str(store)), handle_error=False)
    try:
        # 16 x (3 + 2) = 80 Saltelli points, one seed each, all ok
        assert _text(rc, "np-sweep-summary") == ("Sweep toy: saltelli design, 80 points x 1 seed(s); "
                                                 "80 runs ok, 0 failed, 0 missing")
        table = rc.find(DataTableWidget).widget
        assert table.total_length == 80 and {"a", "b", "c", "status", "y"} <= {h["value"] for h in table.headers}
        images = rc.find(widgets.Image).widgets
        assert len(images) == 2 and all(im.value[:4] == b"\x89PNG" for im in images)   # sensitivity, y vs inputs
        select = rc.find(v.Select).widget
        assert select.items == ["y"] and select.v_model == "y"
        assert not rc.find(v.Html, class_="np-sweep-report").widgets                   # no analysis yet
    finally:
        rc.close()
    assert sorted((p.name, p.stat().st_mtime_ns) for p in store.rglob("*")) == before   # read-only


def test_the_analysis_report_is_shown_when_there_is_one(store):
    analyze(Store.open(store), store / "analysis", prim=[parse_condition("y>4")])
    _box, rc = solara.render(SweepView(store=str(store)), handle_error=False)
    try:
        report = _text(rc, "np-sweep-report")
        assert report.startswith("Sweep 'toy': saltelli design") and "Sobol indices: first order S1" in report
        assert "y > 4: " in report
        assert len(rc.find(widgets.Image).widgets) == 3                  # + the PRIM box
    finally:
        rc.close()


def _half_written_store(tmp_path):
    """A toy sweep's design (8 points) and its store as a sweep still running leaves it: one batch of 4 written."""
    out = tmp_path / "store"
    d = design_from_dict(toy_design(sampler={"method": "lhs", "samples": 8, "seed": 1}))

    def stop_after_first(done, total):
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        run_sweep(d, out, executor="serial", model=Linear(), batch_size=4, on_batch=stop_after_first,
                  log=lambda m: None)
    return d, out


def test_a_store_a_sweep_is_still_writing_is_read_again_when_it_changed(tmp_path, monkeypatch):
    """The view read a store once per folder: a planner watching a sweep run saw the runs of the moment the
    tab opened until a reload. It looks at the store's modification times (`store_stamp`) and reads it again
    when a batch came; a store left alone is not read again."""
    from viz import sweep_view

    monkeypatch.setattr(sweep_view, "STORE_CHECK_S", 0.05, raising=False)
    d, out = _half_written_store(tmp_path)
    reads, looks = [], []
    real_open, real_stamp = sweep_view.open_store, getattr(sweep_view, "store_stamp", None)
    monkeypatch.setattr(sweep_view, "open_store", lambda path: reads.append(path) or real_open(path))
    monkeypatch.setattr(sweep_view, "store_stamp", lambda path: looks.append(path) or real_stamp(path),
                        raising=False)
    _box, rc = solara.render(SweepView(store=str(out)), handle_error=False)
    try:
        assert _text(rc, "np-sweep-summary") == ("Sweep toy: lhs design, 8 points x 1 seed(s); "
                                                 "4 runs ok, 0 failed, 4 missing")
        run_sweep(d, out, executor="serial", model=Linear(), batch_size=4, log=lambda m: None)   # the rest
        _wait_until(lambda: "8 runs ok" in _text(rc, "np-sweep-summary"))
        assert _text(rc, "np-sweep-summary") == ("Sweep toy: lhs design, 8 points x 1 seed(s); "
                                                 "8 runs ok, 0 failed, 0 missing")
        looked = len(looks)
        _wait_until(lambda: len(looks) >= looked + 3)      # (it may have read the store half written: again)
        read, looked = len(reads), len(looks)
        _wait_until(lambda: len(looks) >= looked + 5)
        assert len(reads) == read               # looked at again and again, unchanged: not read again
    finally:
        rc.close()


def test_the_stores_watch_redraws_the_view_only_between_the_messages_of_its_browser(tmp_path, monkeypatch):
    """The watch redrew the view from its own thread, which read the KPI chosen while the server could be
    handling the message choosing another, and sent the one from before back to the browser (the race the
    exercise room had, `viz.redraw`). It now redraws under the page's lock, the one a message is handled
    under: while a message is handled, a store that changed is shown only once it is."""
    import time

    from solara.server import kernel, kernel_context

    from viz import sweep_view

    monkeypatch.setattr(sweep_view, "STORE_CHECK_S", 0.05, raising=False)
    d, out = _half_written_store(tmp_path)
    page = kernel_context.VirtualKernelContext(id="np-test-sweep", kernel=kernel.Kernel(), session_id="np-test")
    monkeypatch.setattr(kernel_context, "has_current_context", lambda: True)
    monkeypatch.setattr(kernel_context, "get_current_context", lambda: page)
    _box, rc = solara.render(SweepView(store=str(out)), handle_error=False)
    try:
        assert "4 runs ok" in _text(rc, "np-sweep-summary")
        with page.lock:                         # a message from the browser being handled
            run_sweep(d, out, executor="serial", model=Linear(), batch_size=4, log=lambda m: None)   # the rest
            time.sleep(1.0)                     # (20 looks: the watch saw the change)
            assert "4 runs ok" in _text(rc, "np-sweep-summary")
        _wait_until(lambda: "8 runs ok" in _text(rc, "np-sweep-summary"))
    finally:
        rc.close()


def _wait_until(cond, seconds: float = 60) -> None:
    import time

    deadline = time.monotonic() + seconds
    while not cond() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert cond(), "timed out"


def test_a_folder_that_is_not_a_store(tmp_path):
    _box, rc = solara.render(SweepView(store=str(tmp_path)), handle_error=False)
    try:
        alert = rc.find(v.Alert).widget
        assert alert.children == [f"{tmp_path}: not a sweep store (no manifest.json); run `noodplan sweep` first"]
    finally:
        rc.close()


def test_stores_under_finds_sweep_stores_only(store, tmp_path):
    (tmp_path / "a" / "run").mkdir(parents=True)
    (tmp_path / "a" / "run" / "manifest.json").write_text('{"command": "noodplan run"}')   # a run's folder
    (tmp_path / "a" / "broken").mkdir()
    (tmp_path / "a" / "broken" / "manifest.json").write_text("{not json")
    (tmp_path / "link").symlink_to(store)                                                 # a store, one level down
    assert stores_under(tmp_path) == [str(tmp_path / "link")]
    assert stores_under(tmp_path / "missing") == []


def test_the_dashboard_has_a_sweeps_tab_that_opens_a_store(store, monkeypatch):
    from viz import app

    monkeypatch.setattr("viz.sweep_view.SEARCH_ROOT", str(store.parent))
    from tests.viz.settle import steady

    rc = steady(solara.render(app.Page(), handle_error=False)[1])
    try:
        tabs = rc.find(v.Tabs).widget
        titles = [str(t.children[0]) for t in rc.find(v.Tab).widgets]
        assert titles[-1] == "Sweeps"
        tabs.v_model = len(titles) - 1
        assert any("Open the folder of a sweep's result store" in str(a.children) for a in rc.find(v.Alert).widgets)
        found = rc.find(v.Select, label="Sweep stores in out/").widget
        assert found.items == [str(store)]                # found under the search root
        found.v_model = str(store)
        assert _text(rc, "np-sweep-summary").startswith("Sweep toy: saltelli design, 80 points")
        assert rc.find(v.TextField, label="Result store (the folder of noodplan sweep --out)").widget.v_model \
            == str(store)
        tabs.v_model = 0                                  # away and back: the store stays open
        tabs.v_model = len(titles) - 1
        assert _text(rc, "np-sweep-summary").startswith("Sweep toy: saltelli design, 80 points")
    finally:
        rc.close()


def test_ui_sweep_option_checks_the_store_before_a_server_starts(tmp_path, capsys):
    import socket

    from viz import cli

    with socket.socket() as s:                 # a free port, so the check that fails is --sweep's
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    assert cli.main(["ui", "--sweep", str(tmp_path), "--port", str(port)]) == 2
    err = capsys.readouterr().err
    assert err.strip() == f"noodplan ui: --sweep: {tmp_path}: not a sweep store (no manifest.json); " \
                          f"run `noodplan sweep` first"
