"""The left column: the active scenario, its key parameters, what-if decisions during the run,
and the scenarios and runs saved in the browser session (and as files)."""

from __future__ import annotations

from collections.abc import Callable

import solara
from solara.alias import rv as v

from model.inputfile import parse_json
from model.scenario import (MAX_FILE_BYTES, Event, Scenario, ScenarioError, builtin_names, decode, from_yaml_text,
                            load_scenario)
from viz import export, params, trace
from viz.compare import parse_whole
from viz.components import TypedText
from viz.field_carrier import FieldCarrier
from viz.file_pick import FilePick
from viz.labels import days_simulated
from viz.session import MAX_RUN_FILE_BYTES, RunRecord, Session
from viz.store import Store

WHAT_IF_KINDS = ["emergency", "crisis", "regular", "process", "accelerated", "minors"]


def _json_object(start: bytes) -> bool:
    """Whether a file beginning with `start` is a JSON object ('{' after a byte-order mark and
    blanks): only such a file can be a saved run. Anything else is YAML, so a scenario."""
    return start.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"{")


def upload_too_large(name: str, size: int, start: bytes) -> str | None:
    """Why a dropped file is refused by its size alone, before the rest of it is read (None: read
    it), judged by what it begins with (`start`, its first bytes), as the file is then read, never
    by its name: a JSON object may be a run file, at most MAX_RUN_FILE_BYTES; anything else is a
    scenario, at most MAX_FILE_BYTES (a JSON scenario larger than that is refused once it is read).
    By the name, a run file of 2 MB that a browser saved as `run.json.txt` was refused as a scenario
    too large, and a YAML scenario of 12 MB named `.json` was carried to the server whole. The
    messages are the readers' own."""
    if _json_object(start):
        if size > MAX_RUN_FILE_BYTES:
            return f"{name}: more than {MAX_RUN_FILE_BYTES:,} bytes; not a noodplan run file"
    elif size > MAX_FILE_BYTES:
        return f"{name}: {size:,} bytes; a scenario is at most {MAX_FILE_BYTES:,} bytes"
    return None


def read_upload(name: str, data: bytes) -> RunRecord | Scenario:
    """A dropped file read as what it holds, whatever its name: a saved run (a JSON object with the
    key "noodplan_run"), or a scenario (YAML, which also reads a scenario written as JSON; a parent
    only among the built-ins, never a server file); raises ScenarioError naming the file.

    Judged by the name, a run file renamed `run.yaml` (or with its keys in another order, as another
    tool writes them) was read as a scenario and refused as 'noodplan_run: unknown field', and a
    scenario written as JSON and named `.json` was refused as 'not a noodplan run file'. A run file is
    parsed once: the JSON read to tell it from a scenario is the one the run is read from (it was
    parsed twice, 0.15-0.5 s of an 8 MB file's upload). A file too damaged to be read as JSON that
    still names "noodplan_run" is refused by the run file's reader, which says what is wrong."""
    if _json_object(data[:4096]):
        if len(data) > MAX_RUN_FILE_BYTES:
            raise ScenarioError(f"{name}: more than {MAX_RUN_FILE_BYTES:,} bytes; not a noodplan run file")
        named = b'"noodplan_run"' in data
        if named or len(data) <= MAX_FILE_BYTES:       # (a larger JSON scenario: refused by its size below)
            try:
                obj = parse_json(decode(data, name), name, "a noodplan run file", ScenarioError)
            except ScenarioError:
                if named:
                    raise
                obj = None                             # not JSON: the scenario's reader says what is wrong
            if isinstance(obj, dict) and "noodplan_run" in obj:
                return RunRecord.from_data(obj, source=name)
    return from_yaml_text(data, source=name, builtin_parents=True)


def param_class(key: str) -> str:
    """The CSS class of parameter `key`'s field (`np-param-seed`, `np-param-inflow-first_applications_per_year`)."""
    return f"np-param-{key.replace('.', '-')}"


@solara.component
def ScenarioPanel(session: Session, run_id: solara.Reactive[int], store: Store, reset_to, replay,
                  notice: str = ""):
    """Pick a built-in or saved scenario, load a file (YAML scenario or saved run), or change the
    key parameters (then Apply). Reads `run_id`, so it shows the scenario of the run in use."""
    rid = run_id.value
    sc = session.scenario
    # the texts typed, a reactive read live by the handlers (a new one for each run): a use_state read
    # through the render's closure lost a key typed while another thread rendered (the player's frame),
    # and Apply clicked then restarted the run with the draft of the last render, not the one typed
    drafts = solara.use_memo(lambda: solara.reactive(params.current_values(sc)), [rid])
    draft = drafts.value
    upload_error, set_upload_error = solara.use_state("")
    plist = params.params_for(sc)
    _, errors = solara.use_memo(lambda: params.apply(sc, draft), [rid, tuple(sorted(draft.items()))])
    changed = draft != params.current_values(sc)
    saved = list(store.scenarios)

    def pick(name):
        set_upload_error("")
        reset_to(store.scenarios[name] if name in store.scenarios else load_scenario(name))

    def on_file(info):
        try:
            new = read_upload(info["name"], info["data"])
            if isinstance(new, RunRecord):
                # replayed before it is kept (a decision the run refuses on its day leaves the store and
                # the run as they were); kept before the page redraws, so the saved list shows it
                replay(new, store.save_run)
                set_upload_error("")
                return
        except ScenarioError as exc:
            set_upload_error(str(exc))
            return
        set_upload_error("")
        store.save_scenario(new.name, new)     # kept in the browser session: a reload finds it again
        reset_to(new)

    def edit(key: str) -> Callable[[str | None], None]:
        """What typing into the field of parameter `key` does: the draft takes the text."""
        return lambda text: drafts.set({**drafts.value, key: text or ""})

    def carried(data: dict) -> None:
        # the texts the browser showed when Apply was clicked, sent just before the click: a click reached a
        # busy server before the last keys typed (`viz.field_carrier`)
        texts = data.get("texts") or []
        trace.debug("handler carried %s", texts)
        typed = {p.key: t for p, t in zip(plist, texts, strict=False) if isinstance(t, str)}
        if typed and any(drafts.value.get(k) != t for k, t in typed.items()):
            drafts.set({**drafts.value, **typed})

    def apply_():
        new, _errs = params.apply(session.scenario, drafts.value)
        if new is not None:
            reset_to(new)

    with solara.Column(gap="6px", classes=["np-scenario"]):
        FieldCarrier.element(scope=".np-scenario", buttons=".np-apply",
                             fields=[f".{param_class(p.key)} input" for p in plist], on_carried=carried)
        if notice:
            solara.Warning(notice, classes=["np-notice"])
        solara.Text(f"Active scenario: {sc.name} — {sc.start_date} + {sc.horizon_days} days, seed "
                    f"{session.seed if session.seed is not None else sc.seed}", classes=["np-active-scenario"])
        names = builtin_names()
        choices = names + [n for n in saved if n not in names]
        solara.Select("Scenario (built-in or saved)", values=choices, value=sc.name if sc.name in choices else None,
                      on_value=pick, classes=["np-builtin"])
        FilePick("Drop a scenario (YAML) or a saved run (JSON) here, or click to choose a file", on_file=on_file,
                 check_start=upload_too_large, on_refused=set_upload_error)
        # what comes and goes sits in a box that stays (as the progress row of the fastest Play): a row put in
        # or taken out between controls made the browser draw the controls after it anew
        with solara.Div(classes=["np-upload-error-box"]):
            if upload_error:
                solara.Error(upload_error, classes=["np-upload-error"])
        group = None
        for p in plist:
            if p.group != group:
                group = p.group
                solara.Text(group, classes=["np-group"], style={"font-weight": "bold", "margin-top": "6px"})
            msg = errors.get(p.key, "")
            v.TextField(label=p.label, v_model=draft.get(p.key, ""), suffix=p.unit, hint=f"range {p.hint}",
                        persistent_hint=True, dense=True, error_messages=[msg] if msg else [],
                        class_=f"np-param {param_class(p.key)}",
                        style_="margin-bottom: 4px",
                        on_v_model=edit(p.key))
        # (keyed, the three parts after the fields: a scenario with another number of plan phases (saved or
        # dropped) has another number of fields and group lines above them, which moved them among their
        # siblings, and a part moved is made anew: Apply and Undo closed and drawn again in the browser)
        with solara.Div(classes=["np-param-error-box"]).key("param-error-box"):
            if errors.get(""):
                solara.Error(errors[""], classes=["np-param-error"])
        with solara.Row(style={"flex-wrap": "wrap"}, gap="4px").key("apply-row"):
            solara.Button("Apply (restarts the run)", on_click=apply_, color="primary",
                          disabled=bool(errors) or not changed, classes=["np-apply"])
            solara.Button("Undo changes", on_click=lambda: drafts.set(params.current_values(session.scenario)),
                          disabled=not changed, text=True, classes=["np-undo"])
        with solara.Div(classes=["np-apply-note-box"]).key("apply-note-box"):
            if errors:
                solara.Text("Invalid input: the run keeps the last valid scenario.", classes=["np-keep-note"],
                            style={"color": "#b00020"})
            elif changed:
                # typed and not applied: Play and Step go on with the active scenario (a planner who types
                # a value and presses Play is told the value is not in use yet)
                solara.Text(f"Not applied yet: the run goes on with {sc.name} until Apply.",
                            classes=["np-pending-note"], style={"color": "#8a5a00"})


@solara.component
def WhatIf(session: Session, version: solara.Reactive[int], run_id: solara.Reactive[int],
           at_end: solara.Reactive[bool] | None = None):
    """Decisions during the run, without restarting it: open places now, change inflow from today.
    Each is applied before the next day and logged as a decision. `at_end` (the page's: true once
    the run is at its horizon) disables the buttons then; without it they follow this render's run."""
    _ = run_id.value
    ended = at_end.value if at_end is not None else session.done
    kind = solara.use_reactive("emergency")
    places = solara.use_reactive("1000")
    province = solara.use_reactive("all provinces")
    lead = solara.use_reactive("0")
    inflow = solara.use_reactive(str(int(session.scenario.inflow.first_applications_per_year)))
    error = solara.use_reactive("")
    done = solara.use_reactive("")

    def whole(text: str, name: str, lo: int, hi: int) -> int:
        return parse_whole(text, name, lo, hi)

    def decide(make):
        trace.debug("handler what-if (error shown: %r)", error.value[:40])
        try:
            event = make()
            session.decide(event)
        except (ScenarioError, ValueError) as exc:
            error.set(str(exc).splitlines()[0])
            trace.debug("done what-if refused: %s", error.value)
            return
        error.set("")
        done.set(f"Decided before day {session.day} ({session.date}), acting from that day: {event.label}")
        version.set(version.value + 1)
        trace.debug("done what-if decided: %s", done.value)

    def open_places():
        n = whole(places.value, "places", 1, 100_000)
        days = whole(lead.value, "lead time (days)", 0, 365)
        prov = None if province.value == "all provinces" else province.value
        return Event(date=session.date, action="open", kind=kind.value, places=n, province=prov, lead_time_days=days,
                     label=f"what-if: open {n:,} {kind.value} places" + (f" in {prov}" if prov else "")
                           + (f" in {days} days" if days else " now"))

    def change_inflow():
        n = whole(inflow.value, "first applications per year", 0, 1_000_000)
        return Event(date=session.date, action="set", parameter="inflow.first_applications_per_year", value=n,
                     label=f"what-if: first applications {n:,} a year from today")

    typed = (places, lead, inflow)

    def carried(data: dict) -> None:
        # the texts the browser showed when a button was clicked, sent just before the click: a click
        # reached a busy server before the last keys typed (`viz.field_carrier`)
        trace.debug("handler carried %s", data.get("texts"))
        for field, text in zip(typed, data.get("texts") or [], strict=False):
            if isinstance(text, str):
                field.set(text)

    provinces = ["all provinces", *list(session.state.world.provinces)]
    with solara.Column(gap="4px", classes=["np-whatif"]):
        FieldCarrier.element(scope=".np-whatif", buttons=".np-whatif-open, .np-whatif-inflow-apply",
                             fields=[".np-whatif-places input", ".np-whatif-lead input", ".np-whatif-inflow input"],
                             on_carried=carried)
        solara.Text("Decide now, the run goes on (logged as a decision)", style={"font-size": "13px"})
        with solara.Row(gap="4px", style={"flex-wrap": "wrap"}):
            TypedText("Places", places, classes=["np-whatif-places"], style="width: 90px")
            solara.Select("Kind", values=WHAT_IF_KINDS, value=kind, dense=True, style={"width": "130px"})
            solara.Select("Where", values=provinces, value=province, dense=True, style={"width": "150px"})
            TypedText("Opens in (days)", lead, classes=["np-whatif-lead"], style="width: 110px")
        solara.Button("Open places", on_click=lambda: decide(open_places), disabled=ended,
                      classes=["np-whatif-open"])
        with solara.Row(gap="4px", style={"flex-wrap": "wrap", "align-items": "center"}):
            TypedText("First applications per year from today", inflow, classes=["np-whatif-inflow"],
                      style="width: 260px")
            solara.Button("Change inflow", on_click=lambda: decide(change_inflow), disabled=ended,
                          classes=["np-whatif-inflow-apply"])
        with solara.Div(classes=["np-whatif-msg-box"]):      # stays: the answer comes and goes inside it
            if error.value:
                solara.Error(error.value, classes=["np-whatif-error"])
            elif done.value:
                solara.Success(done.value, classes=["np-whatif-done"])


@solara.component
def Saved(session: Session, store: Store, run_id: solara.Reactive[int], reset_to, replay, tick: int = 0):
    """Save the scenario or the run under a name; reopen them (also after a reload)."""
    _ = run_id.value
    name = solara.use_reactive("")
    msg = solara.use_reactive("")
    refresh = solara.use_reactive(0)
    _ = refresh.value

    def save_scenario():
        n = store.save_scenario(name.value, session.scenario)
        msg.set(f"Scenario saved as {n!r}")
        refresh.set(refresh.value + 1)

    def save_run():
        rec = session.record(name.value.strip() or None)
        store.save_run(rec)
        msg.set(f"Run saved as {rec.name!r} ({days_simulated(rec.day)})")
        refresh.set(refresh.value + 1)

    # made once: a download asked for is dropped when its function changes (`solara.FileDownload`); it reads
    # the name when the download is asked for
    run_file = solara.use_memo(lambda: (lambda: session.record(name.value.strip() or None).to_json().encode("utf-8")),
                               [])

    def carried(data: dict) -> None:
        # the name the browser showed when a button was clicked, sent just before the click (`viz.field_carrier`)
        (text, *_) = data.get("texts") or [None]
        if isinstance(text, str):
            name.set(text)

    with solara.Column(gap="4px", classes=["np-saved"]):
        FieldCarrier.element(scope=".np-saved", buttons=".np-save-scenario, .np-save-run, .np-save-run-file",
                             fields=[".np-save-name input"], on_carried=carried)
        TypedText("Name", name, classes=["np-save-name"])
        with solara.Row(gap="4px", style={"flex-wrap": "wrap"}):
            solara.Button("Save scenario", on_click=save_scenario, text=True, classes=["np-save-scenario"])
            solara.Button("Save run", on_click=save_run, text=True, classes=["np-save-run"])
            with solara.FileDownload(run_file, filename=f"{export.file_stem(session.scenario.name)}-run.json",
                                     mime_type="application/json"):
                solara.Button("Run file (JSON)", icon_name="mdi-cloud-download-outline",
                              classes=["np-save-run-file"])
        with solara.Div(classes=["np-save-msg-box"]):        # stays: the saved runs' Reopen buttons keep their place
            if msg.value:
                solara.Text(msg.value, style={"font-size": "12px"}, classes=["np-save-msg"])
        for n, rec in reversed(list(store.runs.items())):
            with solara.Row(gap="4px", style={"align-items": "center"}, classes=["np-saved-run"]):
                solara.Text(f"{n} — {days_simulated(rec.day)}, {len(rec.decisions)} decision(s)",
                            style={"font-size": "13px"})
                solara.Button("Reopen", on_click=lambda rec=rec: replay(rec), text=True, small=True,
                              classes=["np-reopen-run"])
        if store.scenarios:
            solara.Text("Saved scenarios are in the scenario list above.", style={"font-size": "12px"})
