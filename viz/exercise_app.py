"""The exercise room in the browser (`noodplan exercise serve`; docs/exercises.md).

One page for both: the facilitator creates a room from the library (or a file `exercise serve
--exercise` offers) and gets the join code; players join with the code and a role. The
facilitator's page holds the room's facilitator key, a player's page its player token (bound to
its role): nothing in the browser can name another role. Every page follows its room's `version`
(a light poll, twice a second) and redraws when the facilitator or a player changed something, so
everyone sees the consequences.
"""

from __future__ import annotations

import json
import math
import threading
from collections.abc import Callable

import ipyvue  # type: ignore[import-untyped]
import solara
import traitlets
from solara.alias import rv as v

from experiments.exercise import report, savefile
from experiments.exercise import roles as R
from experiments.exercise.engine import minutes_said, said, turn_at
from model.scenario import ScenarioError
from viz import trace, workers
from viz.exercise_room import HEARTBEAT_S, ROOMS, Room, TakenAlready, away_said, offered, say_events
from viz.field_carrier import FieldCarrier
from viz.file_pick import FilePick
from viz.labels import DECISION_LABELS, KIND_LABELS, REGIME_LABELS, TRACK_LABELS
from viz.redraw import from_thread

trace.install()     # NOODPLAN_UI_TRACE=1: the clicks and answers on stderr (`viz.trace`)
say_events()        # a table's page closed, back, a seat freed or taken over: a line each on stderr

# the after-action report draws with matplotlib: import it now, not on the first report's click (the
# import is half that report's work; under load it took the download past half a minute)
report.load_matplotlib()

POLL_S = 0.5
CLOCK_S = 1.0            # the turn clock's redraw without a limit to count down, seconds
CLOCK_LATE_S = 0.02      # redraw this long after the shown second changes (so it has changed)
SEATS_S = 5.0            # the facilitator's page looks at the seats this often, seconds (`Room.look`)
KINDS = list(R.HOUSING_KINDS)
TRACKS = ["regular", "accelerated", "border", "dublin"]


class SeatStore(ipyvue.VueTemplate):
    """This tab's seats kept in its sessionStorage (`exercise_seat.vue`): `stored` is what the tab
    held when the page was drawn (None until the browser has said), `keep` what it holds now."""

    template_file = (__file__, "exercise_seat.vue")
    stored = traitlets.Unicode(None, allow_none=True).tag(sync=True)
    keep = traitlets.Unicode(None, allow_none=True).tag(sync=True)


HEARTBEAT = """
<template><span class="np-ex-heartbeat" style="display: none"></span></template>
<script>
module.exports = {
  mounted() {
    this.send = () => { try { this.beat({t: Date.now()}); } catch (e) { /* the page is going */ } };
    this.timer = setInterval(this.send, this.every_ms);
    // a tab shown again, a window focused or a network back: a sign at once (a hidden tab's timers may
    // run only once a minute)
    this.shown = () => { if (document.visibilityState === 'visible') this.send(); };
    document.addEventListener('visibilitychange', this.shown);
    window.addEventListener('focus', this.send);
    window.addEventListener('online', this.send);
    this.send();
  },
  beforeDestroy() {
    clearInterval(this.timer);
    document.removeEventListener('visibilitychange', this.shown);
    window.removeEventListener('focus', this.send);
    window.removeEventListener('online', this.send);
  },
};
</script>
"""


class Heartbeat(ipyvue.VueTemplate):
    """A table's page saying it is there (`Room.alive`) every `every_ms`, and at once when its tab is shown
    again, its window focused or its network back. Rendering says nothing: the server draws a page whether
    or not a browser still shows it; only a message from the browser is a sign of life."""

    template = traitlets.Unicode(HEARTBEAT).tag(sync=True)
    every_ms = traitlets.Int(int(HEARTBEAT_S * 1000)).tag(sync=True)
    beats = traitlets.Int(0)                           # signs received (server side only)

    def vue_beat(self, data: dict) -> None:
        self.beats += 1


def seats_text(mine: list[tuple[Room, str]], current: int | None, seat: tuple[Room, str] | None) -> str:
    """What a tab keeps: the facilitator's rooms (code, key) and the one shown, a player's (code, token)."""
    return json.dumps({"facilitator": [[r.code, k] for r, k in mine],
                       "current": mine[current][0].code if current is not None and current < len(mine) else None,
                       "player": [seat[0].code, seat[1]] if seat is not None else None})


def seats_back(text: str | None) -> tuple[list[tuple[Room, str]], int | None, tuple[Room, str] | None]:
    """The seats a reloaded tab had that this server still has (a room gone with a restarted server,
    or replaced as the 33rd, is left out; anything unreadable is nothing), and the room it showed."""
    try:
        data = json.loads(text or "{}")
        rooms, player, current = data.get("facilitator") or [], data.get("player"), data.get("current")
    except (ValueError, AttributeError):
        return [], None, None
    mine: list[tuple[Room, str]] = []
    for pair in rooms if isinstance(rooms, list) else []:
        try:
            room = ROOMS.get(str(pair[0]))
            if room.is_facilitator(str(pair[1])):
                mine.append((room, str(pair[1])))
        except (ScenarioError, IndexError, KeyError, TypeError):
            continue
    seat = None
    try:
        room = ROOMS.get(str(player[0]))
        room.come_back(str(player[1]))          # (its page closed on the reload: a player again)
        seat = (room, str(player[1]))
    except (ScenarioError, IndexError, KeyError, TypeError):
        pass
    codes = [r.code for r, _ in mine]
    shown = codes.index(current) if current in codes else None      # (None: the start page, as after Leave)
    return mine, shown, seat


def ended_seat(text: str | None) -> str:
    """Why the player's seat a reloaded tab kept is no longer its own (freed by the facilitator or taken
    over while its page was away), in a line for the start page; "" when it is not such a seat."""
    try:
        code, token = json.loads(text or "{}")["player"]
        why = ROOMS.get(str(code)).ended.get(str(token), "")
    except (ValueError, KeyError, TypeError, ScenarioError):
        return ""
    return f"{why[:1].upper()}{why[1:]}: join again with the room's code to play on" if why else ""


def saved_exercise_too_large(name: str, size: int) -> str | None:
    """Why a dropped file is refused by its size alone, before a byte of it is read (None: read it):
    a saved exercise is at most `savefile.MAX_BYTES` (the loader's own limit and words)."""
    if size > savefile.MAX_BYTES:
        return f"{name}: more than {savefile.MAX_BYTES:,} bytes; not a saved exercise"
    return None


def named_room(code: str | None) -> Room | None:
    """The room a join code names on this server, as typed (any case, dashes or none); None: no room."""
    if not code or not code.strip():
        return None
    try:
        return ROOMS.get(code)
    except ScenarioError:
        return None


def _follow(room: Room | None, seen: solara.Reactive[int]) -> None:
    """Redraw when the room changes (polls its version; stops when the page goes)."""

    def setup():
        if room is None:
            return None
        stop = threading.Event()

        def poll():
            while not stop.wait(POLL_S):
                if room.version != seen.value:
                    from_thread(lambda: seen.set(room.version))
        workers.start(poll, "noodplan-room-poll", stop)
        return stop.set
    solara.use_effect(setup, [room.code if room else None])


def number(text: str) -> float:
    """A number as a form field takes it (solara's `InputFloat`: a decimal comma reads as a point)."""
    try:
        return float(text.replace(",", "."))
    except ValueError:
        raise ValueError("a number") from None


def whole(text: str) -> int:
    """A whole number as a form field takes it (solara's `InputInt`)."""
    try:
        return int(text)
    except ValueError:
        raise ValueError("a whole number") from None


@solara.component
def Carried(scope: str, buttons: str, fields: list[tuple[str, str, solara.Reactive, Callable[[str], object]]],
            unread: solara.Reactive[str] | None = None, on_typed: Callable[[list], None] | None = None):
    """The texts a form's fields show, sent just before a click on one of its `buttons` reaches the server
    (`viz.field_carrier`: the browser holds a field's last keys back while the server is busy, but not a
    click, so on a busy server a click acted on the text before the last keys). Placed inside the part of
    the page `scope` (a CSS selector) that holds the fields and the buttons; `fields` are (CSS selector of
    the field's input, its name, its value, how the value reads the text: `str`, `number`, `whole`). A text a
    number field cannot read sets `unread` to one line naming the field and the reason (else empty): the
    button's handler says it and does nothing, rather than act on the number shown before. `on_typed`: given,
    it gets the fields' texts (None: a field not on the page) at every key typed, ahead of a field's keys held
    back, for what the page shows while it is typed in; it must not set the fields' values (that would send
    them back to a field being typed in, over the keys typed since)."""

    def carried(data: dict) -> None:
        wrong = ""
        for (_, name, value, read), text in zip(fields, data.get("texts") or [], strict=False):
            if not isinstance(text, str):          # (a field not on the page now)
                continue
            try:
                value.set(read(text))
            except ValueError as exc:
                wrong = wrong or f"{name}: {exc} (got {text!r})"
        if unread is not None:
            unread.set(wrong)

    def typed(data: dict) -> None:
        texts = data.get("texts")
        if on_typed is not None and isinstance(texts, list):
            on_typed([t if isinstance(t, str) else None for t in texts])

    FieldCarrier.element(scope=scope, buttons=buttons, fields=[f[0] for f in fields], on_carried=carried,
                         typing=on_typed is not None, on_typed=typed)


@solara.component
def Worded(label: str, values: list[str], words: dict[str, str], value, on_value=None,
           classes: list[str] | None = None):
    """A select offering `values` (the model's ids: what it sets, and what the decision carries) in the
    planners' words `words` (the labels the tables use; an id without words shows as it is)."""
    picked = solara.use_reactive(value, on_value)
    return v.Select(v_model=picked.value, on_v_model=picked.set, label=label,
                    items=[{"text": words.get(x, x), "value": x} for x in values],
                    class_=" ".join(classes or []))


def kind_facts_text(info: dict) -> str:
    """What a player is told of a kind of place before deciding on it: the lead time, and what 100
    places cost a day full and while open but empty (the run's costs: `roles.cost_per_day_eur` and
    `roles.empty_cost_per_day_eur`, the latter `costs.vacant_place_share` of a resident's cost)."""
    return (f"lead time {info['lead_time_days']} days · €{info['cost_per_100_places_per_day_eur']:,} "
            f"per 100 places a day when full, €{info['cost_per_100_empty_places_per_day_eur']:,} while empty")


def _table(head: list[str], rows: list[list], cls: str):
    return v.SimpleTable(dense=True, class_=cls, children=[
        v.Html(tag="thead", children=[v.Html(tag="tr", children=[v.Html(tag="th", children=[h]) for h in head])]),
        v.Html(tag="tbody", children=[v.Html(tag="tr", children=[v.Html(tag="td", children=[str(c)]) for c in r])
                                      for r in rows])])


def _rate(value: float, places: float, digits: int = 1) -> str:
    """An occupancy as a percentage; "no places" without any (the indicators read 9.99 or NaN there,
    which showed as 999.0 % or nan %)."""
    return f"{value:.{digits}%}" if places > 0 else "no places"


def _figures(run) -> list[list]:
    x = run.figures()           # (under the run's lock: a page drawn while the turn is played waits for its end)
    return [["occupancy", _rate(x["occupancy"], x["places"])],
            ["central occupancy (Ter Apel)", _rate(x["central_occupancy"], x["central_places"])],
            ["without a bed", f"{x['unsheltered']:,.0f}"],
            ["waiting for registration", f"{x['registration_backlog']:,.0f}"],
            ["permit holders waiting", f"{x['permit_holders_waiting']:,.0f}"], ["plan phase", f"{x['plan_phase']:.0f}"],
            ["in a bed / places", f"{x['in_bed']:,.0f} / {x['places']:,.0f}"]]


def room_chart(run) -> bytes:
    """The room's chart: the report's (`report.chart`), its figures the injects read (`ROOM_FIGURES`), 8 inches
    wide at 80 dots an inch, 1.2 inches a panel, its key below it four marks a row; a PNG."""
    return report.chart(run, report.ROOM_FIGURES, width=8.0, panel=1.2, dpi=80, key_columns=4)


def chart_key(run) -> tuple:
    """What the room's chart shows: the state (its fingerprint) and the decisions and injects it marks. The
    chart is drawn again only when this changes (a turn played, an inject, a rewind), not at every submit."""
    marks = tuple((e["kind"], e["day"], e["role"], e["what"]) for e in run.log if e["kind"] in ("decision", "inject"))
    return run.fingerprint(), marks


@solara.component
def Chart(room: Room, tick: int = 0):
    """The figures the injects read (`report.ROOM_FIGURES`) day by day, decisions and injects marked: the
    report's chart, smaller. `tick` (the room's version) makes it look again when the room changed."""
    run = room.run
    key = chart_key(run)
    png = solara.use_memo(lambda: room_chart(run) if run.day else None, [key])
    if png is None:
        solara.Text("The figures are drawn day by day once the first turn is played.", classes=["np-ex-chart"])
    else:
        solara.Image(png, classes=["np-ex-chart"])


def status_lines(room: Room) -> tuple[str, str]:
    """The room's status line and the turn being played (as the log's "in turn" column names it), the turn,
    day and date read together under the run's lock (`ExerciseRun.now`): a page redrawn as the turn ended
    read them while the turn was played, a day of it with the turns played before it."""
    run = room.run
    turn, day, date = run.now()
    turns = run.exercise.turns
    # turns played, and the turn being played (the log's "in turn": a decision, snapshot or inject
    # of the first turn is in turn 1 while 0 turns are played)
    now = f"now turn {turn + 1}" if turn < turns else "all played"
    where = turn_at(turn, turns, day)
    return (f"**{run.exercise.title}** — room status: **{room.status}** · turns played: {turn} of {turns}, "
            f"{now} · day {day} · {date}", where[0].upper() + where[1:])


@solara.component
def Status(room: Room, tick: int = 0):
    """`tick` (the room's version) makes it redraw when the room changed."""
    line, where = status_lines(room)
    solara.Markdown(line, style={"font-size": "15px"})
    solara.Text(where, classes=["np-ex-turn"])


def clock_text(left: float | None, status: str) -> str:
    """The turn clock as the tables read it: minutes and seconds left, rounded up (so '0:00' only
    when the time is up); empty without a time limit."""
    if left is None:
        return ""
    if left <= 0:
        return "Time is up: the facilitator ends the turn"
    whole = math.ceil(left)
    text = f"Time left this turn: {whole // 60}:{whole % 60:02d}"
    return text if status == "running" else f"{text} (clock stopped: {status})"


def next_redraw(left: float | None) -> float:
    """Seconds until the clock's shown second changes (it shows `left` rounded up), a little after.
    Timing each redraw to that moment keeps the clock on the second however long a redraw takes on a
    busy server (a fixed 1 s wait after each redraw drifted and skipped seconds under load)."""
    if left is None or left <= 0:
        return CLOCK_S
    fraction = left - math.floor(left)
    return (fraction if fraction > 0 else 1.0) + CLOCK_LATE_S


@solara.component
def Clock(room: Room, tick: int = 0):
    """The turn clock; redraws every second while it runs (its own small thread, only while a
    time limit is set and the room runs) and, through `tick` (the room's version), when the room
    changed."""
    now = solara.use_reactive(0)
    ticking = room.status == "running" and room.time_left() is not None

    def setup():
        if not ticking:
            return None
        stop = threading.Event()

        def tick():
            while not stop.wait(next_redraw(room.time_left())):
                from_thread(lambda: now.set(now.value + 1))
        workers.start(tick, "noodplan-turn-clock", stop)
        return stop.set
    solara.use_effect(setup, [room.code, ticking])
    _ = now.value
    text = clock_text(room.time_left(), room.status)
    if text:
        up = room.time_left() == 0.0
        solara.Text(text, classes=["np-ex-clock"],    # a line of its own (it ran into the fingerprint after it)
                    style={"display": "block", "font-weight": "bold", "color": "#b71c1c" if up else "#1a237e"})


@solara.component
def Log(room: Room, tick: int = 0):
    rows = [[e["turn"], e["day"], e["kind"], e["role"] or "", e["what"], e["why"], e["detail"][:160]]
            for e in reversed(room.run.log)]
    # a new table per change (keyed on the room's version): it reaches the browser whole
    _table(["in turn", "day", "kind", "role", "what", "why", "detail"], rows, "np-ex-log").key(f"log-{tick}")


@solara.component
def Facilitator(room: Room, key: str, on_leave, on_fork):
    seen = solara.use_reactive(room.version)
    _follow(room, seen)
    _ = seen.value
    message = solara.use_reactive("")
    snap_name = solara.use_reactive("t0")
    rewind_to: solara.Reactive[str | None] = solara.use_reactive(None)    # a snapshot's name
    inject: solara.Reactive[str | None] = solara.use_reactive(None)       # an inject's id
    adhoc_title = solara.use_reactive("")
    adhoc_text = solara.use_reactive("")
    adhoc_effect = solara.use_reactive("")
    minutes = solara.use_reactive(room.turn_seconds / 60.0)
    unread = solara.use_reactive("")      # a number field's text the click could not read (`Carried`)
    run = room.run

    def act(f, *args):
        def go():
            try:
                f(key, *args)
                message.set("")
            except ScenarioError as exc:
                message.set(str(exc))
        return go

    def set_minutes():
        if unread.value:                  # the minutes typed are not a number: say so, keep the turn time
            message.set(unread.value)
            return
        act(room.set_turn_minutes, minutes.value)()

    def fork():
        try:
            new, new_key = ROOMS.fork(room, key, rewind_to.value or "")
            message.set("")
            on_fork(new, new_key)
        except ScenarioError as exc:
            message.set(str(exc))

    with solara.Card("Facilitator"):
        with solara.Row(style={"align-items": "baseline"}):
            solara.Text("Join code:")
            solara.Text(room.code, classes=["np-join-code"], style={"font-size": "22px", "font-weight": "bold",
                                                                     "letter-spacing": "2px"})
            solara.Button("Leave", on_click=on_leave, text=True)
        Status(room, room.version)
        Clock(room, room.version)
        solara.Text(f"state fingerprint {run.fingerprint()}", classes=["np-ex-fingerprint"],
                    style={"color": "#666", "font-size": "12px"})
        if run.replay_note:
            solara.Warning(run.replay_note, classes=["np-ex-replay-note"])
        if run.rule_note:
            solara.Info(f"Injects on a turn's first day: {run.rule_note}", classes=["np-ex-rule-note"])
        with solara.Row(style={"flex-wrap": "wrap"}):
            solara.Button("Start", on_click=act(room.start), classes=["np-ex-start"], color="primary")
            solara.Button("Pause", on_click=act(room.pause), classes=["np-ex-pause"])
            solara.Button("End turn (apply decisions, simulate)", on_click=act(room.advance, run.turn),
                          classes=["np-ex-advance"], color="primary", disabled=run.finished)
        with solara.Row(style={"flex-wrap": "wrap", "align-items": "center"}, classes=["np-ex-minutes-form"]):
            Carried(".np-ex-minutes-form", ".np-ex-set-minutes",
                    [(".np-ex-minutes input", "minutes per turn", minutes, number)], unread)
            solara.InputFloat("Minutes per turn for decisions (0: no limit)", value=minutes, continuous_update=True,
                              classes=["np-ex-minutes"])
            solara.Button("Set turn time", on_click=set_minutes,
                          classes=["np-ex-set-minutes"])
        with solara.Row(style={"flex-wrap": "wrap", "align-items": "center"}, classes=["np-ex-snapshot-form"]):
            Carried(".np-ex-snapshot-form", ".np-ex-snapshot",
                    [(".np-ex-snap-name input", "snapshot name", snap_name, str)])
            solara.InputText("Snapshot name", value=snap_name, continuous_update=True, classes=["np-ex-snap-name"])
            solara.Button("Snapshot", on_click=lambda: act(room.snapshot, snap_name.value)(),
                          classes=["np-ex-snapshot"])
            solara.Select("Snapshot to rewind to or fork from", values=run.all_snapshots(), value=rewind_to,
                          classes=["np-ex-snap-pick"])
            solara.Button("Rewind", on_click=lambda: act(room.rewind, rewind_to.value or "")(),
                          classes=["np-ex-rewind"])
            solara.Button("Fork into a new room", on_click=fork, classes=["np-ex-fork"])
        unfired = [j.id for j in run.exercise.injects if j.id not in run.book.fired]
        with solara.Row(style={"flex-wrap": "wrap", "align-items": "center"}):
            solara.Select("Inject", values=unfired, value=inject, classes=["np-ex-inject-pick"])
            solara.Button("Fire inject", on_click=lambda: act(room.fire, inject.value or "")(), classes=["np-ex-fire"])
        with solara.Row(style={"flex-wrap": "wrap", "align-items": "center"}, classes=["np-ex-adhoc-form"]):
            Carried(".np-ex-adhoc-form", ".np-ex-adhoc-send",
                    [(".np-ex-adhoc-title input", "title", adhoc_title, str),
                     (".np-ex-adhoc-text input", "text", adhoc_text, str),
                     (".np-ex-adhoc-effect input", "effect", adhoc_effect, str)])
            solara.InputText("Ad-hoc inject title", value=adhoc_title, continuous_update=True,
                             classes=["np-ex-adhoc-title"])
            solara.InputText("Ad-hoc inject text", value=adhoc_text, continuous_update=True,
                             classes=["np-ex-adhoc-text"])
            solara.InputText("Its effect on the model (optional), e.g. {action: close, kind: emergency, "
                             "province: Groningen, places: 500}", value=adhoc_effect, continuous_update=True,
                             classes=["np-ex-adhoc-effect"])
            solara.Button("Send ad-hoc inject", on_click=lambda: act(room.adhoc, adhoc_title.value, adhoc_text.value,
                                                                     adhoc_effect.value)(),
                          classes=["np-ex-adhoc-send"])
        if message.value:
            solara.Error(message.value, classes=["np-ex-error"])
        solara.Markdown("**Decisions submitted this turn** (they act when the turn ends)")
        _table(["role", "decision", "why"], [[r, said(d), d.why] for r, d in run.pending()],
               "np-ex-pending")
        players = sorted(set(room.players.values()))
        solara.Text(f"Players joined: {', '.join(players) or 'none yet'}", classes=["np-ex-players"])
        gone = room.gone()
        if gone:          # their tabs closed without Leave: out of the room, the model answers their requests
            solara.Warning(f"Left without Leave (their page closed): {', '.join(gone)}; no table plays "
                           f"{'this role' if len(gone) == 1 else 'these roles'} now", classes=["np-ex-gone"])
        # (keyed: an error line or a seat's warning above them would move them among their siblings, and a
        # part moved is made anew: the chart drawn again, a lesson typed but not yet sent lost)
        Seats(room, key, message.set, room.version).key("seats")
        _table(["figure", "now"], _figures(run), "np-ex-figures")
        Chart(room, room.version).key("chart")
        with solara.Row(style={"flex-wrap": "wrap"}).key("downloads"):
            name = room.exercise_name
            with solara.FileDownload(lambda: room.report_html(key).encode("utf-8"), filename=f"{name}-report.html",
                                     mime_type="text/html"):
                solara.Button("After-action report (HTML)", icon_name="mdi-file-document", classes=["np-ex-report"])
            with solara.FileDownload(lambda: room.save_json(key).encode("utf-8"), filename=f"{name}.exercise.json",
                                     mime_type="application/json"):
                solara.Button("Save exercise (JSON)", icon_name="mdi-content-save", classes=["np-ex-save"])
        Lessons(room, key).key("lessons")
    Log(room, room.version)


def seat_rows(room: Room) -> list[list[str]]:
    """The tables in the room as the facilitator reads them: role, and whether its page is there or away."""
    return [[s.role, f"away (afwezig): no sign of its page for {minutes_said(s.minutes)}" if s.away else "here"]
            for s in room.seats()]


@solara.component
def Seats(room: Room, key: str, on_message: Callable[[str], None], tick: int = 0):
    """The seats of the room, each table's page there or *away* (afwezig), with Free for a seat away. It looks
    at the seats every `SEATS_S` (`Room.look`: a seat turning away redraws the pages, a page closed without
    Leave is logged as left once it stays closed) and redraws itself while a seat is away (its minutes);
    `tick` (the room's version) redraws it when the room changed."""
    now = solara.use_reactive(0)

    def setup():
        stop = threading.Event()

        def look():
            while not stop.wait(min(SEATS_S, room.away_s / 4)):
                room.look()
                if room.shown_away:
                    from_thread(lambda: now.set(now.value + 1))
        workers.start(look, "noodplan-room-seats", stop)
        return stop.set
    solara.use_effect(setup, [room.code])
    _ = now.value
    seats = room.seats()
    if not seats:
        return
    _table(["role", "seat"], seat_rows(room), "np-ex-seats")

    def free(token: str) -> None:
        try:
            room.free(key, token)
            on_message("")
            now.set(now.value + 1)        # (the seats drawn again at once, not at the room's next poll)
        except ScenarioError as exc:
            on_message(str(exc))
    away = [s for s in seats if s.away]
    if away:
        with solara.Row(style={"flex-wrap": "wrap"}, gap="4px"):
            for s in away:
                solara.Button(f"Free the seat of {s.role} (away {minutes_said(s.minutes)})",
                              on_click=lambda t=s.token: free(t), text=True, small=True, classes=["np-ex-free"])
        solara.Text(f"A seat is away (afwezig) when its page has given no sign for {away_said(room.away_s)} "
                    "(a laptop gone flat or to sleep, a network lost): it keeps its role, and its page gets it "
                    "back when heard again, until a new participant joining that role takes it over or you "
                    "free it.", classes=["np-ex-seats-note"], style={"font-size": "13px", "color": "#555"})


@solara.component
def Lessons(room: Room, key: str):
    objective = solara.use_reactive("general")
    text = solara.use_reactive("")
    keys = ["general"] + [o.id for o in room.run.exercise.objectives]
    with solara.Row(style={"align-items": "center", "flex-wrap": "wrap"}, classes=["np-ex-lesson-form"]):
        Carried(".np-ex-lesson-form", ".np-ex-keep-lesson", [(".np-ex-lesson textarea", "lesson", text, str)])
        solara.Select("Lessons learned for", values=keys, value=objective)
        # (solara's text area takes no classes; the box grows in the row as the text area did)
        with solara.Div(classes=["np-ex-lesson"], style={"flex": "1 1 auto"}):
            solara.InputTextArea("Lessons learned", value=text, rows=2, continuous_update=True)
        solara.Button("Keep", on_click=lambda: room.lesson(key, objective.value, text.value),
                      classes=["np-ex-keep-lesson"])


@solara.component
def Player(room: Room, token: str, on_leave):
    """A table's page: its seat while it has one; when the facilitator freed it or a new participant took it
    over while this page was away, why, and the way back to the start page."""
    seen = solara.use_reactive(room.version)
    _follow(room, seen)
    _ = seen.value
    role_id = room.players.get(token)
    if role_id is not None:
        Seated(room, token, role_id, on_leave, room.version)
        return
    why = room.ended.get(token) or "you are no longer a player of this room"
    with solara.Card("Not in the room"):
        solara.Warning(f"{why[:1].upper()}{why[1:]}. Join again with the room's code to play on.",
                       classes=["np-ex-ended"])
        solara.Button("Back to the start page", on_click=on_leave, classes=["np-ex-ended-back"])


@solara.component
def Seated(room: Room, token: str, role_id: str, on_leave, tick: int = 0):
    """The page of a table in its seat (role `role_id`); `tick` (the room's version) redraws it."""
    role = room.run.exercise.role(role_id)
    rk = role.kind
    run = room.run
    kind_of = solara.use_reactive(rk.decisions[0])
    kind: solara.Reactive[str | None] = solara.use_reactive(None)         # None: the decision's first kind
    places = solara.use_reactive(100)
    factor = solara.use_reactive(1.1)
    province = solara.use_reactive(role.province or "")
    panel = run.panel(role.id)
    regimes = panel["decisions"].get("request_regime", {}).get("regimes", [])
    regime = solara.use_reactive(regimes[0] if regimes else "crisis")
    from_track = solara.use_reactive("regular")
    to_track = solara.use_reactive("accelerated")
    share = solara.use_reactive(0.2)
    request = solara.use_reactive(1)
    why = solara.use_reactive("")
    message = solara.use_reactive("")
    unread = solara.use_reactive("")      # a number field's text the click could not read (`Carried`)
    shown_turn = run.now()[0]              # the turn this page shows: a decision is meant for it

    def present():
        """This page is open while it is drawn; it closes with its tab (the kernel's render context closes,
        running this cleanup) or on Leave: the room then takes the table out (`Room.closed`)."""
        room.opened(token)
        trace.debug("room %s: page %s of %s open", room.code, trace.page(), role_id)

        def closed() -> None:
            trace.debug("room %s: page %s of %s closed", room.code, trace.page(), role_id)
            room.closed(token)
        return closed
    solara.use_effect(present, [room.code, token])
    # the browser says this page is there
    Heartbeat.element(every_ms=round(room.heartbeat_s * 1000), on_beats=lambda _n: room.alive(token))

    def kind_for(t: str) -> str:
        """The location kind decision `t` acts on: the one picked when `t` may use it, else its first
        (a kind picked for another decision is not carried over: `t` may not use it)."""
        allowed = rk.kinds.get(t) or KINDS
        picked = kind.value
        return picked if picked is not None and picked in allowed else allowed[0]

    def submit():
        if unread.value:
            message.set(unread.value)
            return
        t = kind_of.value
        d: dict = {"type": t, "why": why.value}
        if t in ("open_places", "close_places", "raise_occupancy", "request_places"):
            d["kind"] = kind_for(t)
        if t in ("open_places", "close_places", "request_places", "answer_request"):
            d["places"] = places.value
        if t == "raise_occupancy":
            d["factor"] = factor.value
        if t == "request_places" or (province.value and t in ("open_places", "close_places", "raise_occupancy")):
            d["province"] = province.value or None
        if t == "request_regime":
            d["regime"] = regime.value
        if t == "reprioritise":
            d.update(from_track=from_track.value, to_track=to_track.value, share=share.value)
        if t == "answer_request":
            d["request"] = request.value
        try:
            room.submit(token, d, shown_turn)
            message.set("")
            why.set("")
        except TakenAlready as exc:       # a double click's second: the decision is taken, as at an accepted
            message.set(str(exc))         # submit its why is no longer in the form (the first emptied it)
            why.set("")
        except ScenarioError as exc:      # not taken: the form keeps it all, to correct or submit again
            message.set(str(exc))

    with solara.Card(f"{role.title} ({role.id})"):
        with solara.Row(style={"align-items": "baseline"}):
            Status(room, room.version)
            solara.Button("Leave", on_click=on_leave, text=True)
        Clock(room, room.version)
        solara.Markdown(run.exercise.synopsis)
        mine = [e for e in run.log if e["kind"] == "inject" and e["role"] in (None, role.id)]
        if mine:
            solara.Markdown("**Injects**")
            _table(["day", "inject", "what you are told"],
                   [[e["day"], e["what"], e["detail"]] for e in reversed(mine)], "np-ex-injects")
        rows = _figures(run)
        if "province" in panel:
            p = panel["province"]
            rows.append([f"{p['name']}: in a bed / places",
                         f"{p['in_bed']:,} / {p['places']:,} ({_rate(p['occupancy'], p['places'], 0)})"])
        _table(["figure", "now"], rows, "np-ex-figures")
        if "kinds" in panel:
            _table(["location kind", "in a bed", "places"],
                   [[KIND_LABELS.get(k, k), f"{x['in_bed']:,}", f"{x['places']:,}"] for k, x in panel["kinds"].items()],
                   "np-ex-kinds")
        if "tracks" in panel:
            _table(["IND track", "waiting (persons)", "decisions per day"],
                   [[TRACK_LABELS.get(t, t), f"{x['waiting']:,}", f"{x['decisions_per_day']:g}"]
                    for t, x in panel["tracks"].items()],
                   "np-ex-tracks")
        if panel.get("locations"):
            _table(["location", "kind", "state", "in a bed", "places"],
                   [[x["name"], KIND_LABELS.get(x["kind"], x["kind"]),
                     x["state"] + (f" (opens day {x['opens_day']})" if x["state"] == "planned" else ""),
                     f"{x['in_bed']:,}", f"{x['places']:,}"] for x in panel["locations"]], "np-ex-locations")
        if panel["requests"]:
            _table(["request", "from", "kind", "places"],
                   [[q["number"], q["by"], KIND_LABELS.get(q["kind"], q["kind"]), q["places"]]
                    for q in panel["requests"]], "np-ex-requests")
        solara.Markdown("**Your decision** (acts when the facilitator ends the turn)")
        t = kind_of.value
        # (keyed: the tables above it come and go, an inject's, a request's; a part that moves to another
        # place among its siblings is made anew, its fields too, and a text typed but not yet sent was lost)
        with solara.Div(classes=["np-ex-decide"]).key("decide"):
            Carried(".np-ex-decide", ".np-ex-submit",
                    [(".np-ex-places input", "places", places, whole),
                     (".np-ex-factor input", "factor", factor, number),
                     (".np-ex-province input", "province", province, str),
                     (".np-ex-share input", "share moved", share, number),
                     (".np-ex-request input", "request number", request, whole),
                     (".np-ex-why textarea", "why", why, str)], unread)
            with solara.Row(style={"flex-wrap": "wrap", "align-items": "center"}, classes=["np-ex-form"]):
                Worded("Decision", list(rk.decisions), DECISION_LABELS, kind_of, classes=["np-ex-decision"])
                kinds = rk.kinds.get(t)
                if kinds:
                    kind_names: list[str] = list(kinds)
                    Worded("Kind", kind_names, KIND_LABELS, kind_for(t), on_value=kind.set, classes=["np-ex-kind"])
                    info = panel["decisions"][t]["kinds"].get(kind_for(t), {})
                    if info:
                        solara.Text(kind_facts_text(info))
                if t in ("open_places", "close_places", "request_places", "answer_request"):
                    solara.InputInt("Places", value=places, continuous_update=True, classes=["np-ex-places"])
                if t == "raise_occupancy":
                    solara.InputFloat("Factor (1-2)", value=factor, continuous_update=True, classes=["np-ex-factor"])
                if t == "request_places" or (not rk.regional
                                             and t in ("open_places", "close_places", "raise_occupancy")):
                    solara.InputText("Province (empty: all)" if t != "request_places" else "Province", value=province,
                                     continuous_update=True, classes=["np-ex-province"])
                if t == "request_regime":
                    Worded("Regime", panel["decisions"][t]["regimes"], REGIME_LABELS, regime)   # the scenario's
                if t == "reprioritise":
                    Worded("From track", TRACKS, TRACK_LABELS, from_track)
                    Worded("To track", TRACKS, TRACK_LABELS, to_track)
                    solara.InputFloat("Share moved", value=share, continuous_update=True,
                                      classes=["np-ex-share"])
                if t == "answer_request":
                    solara.InputInt("Request number", value=request, continuous_update=True,
                                    classes=["np-ex-request"])
            with solara.Div(classes=["np-ex-why"]):          # (solara's text area takes no classes)
                solara.InputTextArea("Why (kept in the log)", value=why, rows=2, continuous_update=True)
            solara.Button("Submit decision", on_click=submit, color="primary", classes=["np-ex-submit"],
                          disabled=room.status != "running")
        if room.status != "running":
            solara.Text(f"The exercise is {room.status}: decisions open when the facilitator starts it.")
        if message.value:
            solara.Error(message.value, classes=["np-ex-error"])
        waiting = [d for _, d in run.pending(role.id)]
        _table(["decision", "why"], [[said(d), d.why] for d in waiting], "np-ex-my-pending")

        def withdraw(i: int, d) -> None:
            try:
                room.withdraw(token, i, d)
                message.set("")
            except ScenarioError as exc:
                message.set(str(exc))
        if waiting and room.status == "running":
            with solara.Row(style={"flex-wrap": "wrap"}, gap="4px").key("withdraw"):
                for i, d in enumerate(waiting):
                    solara.Button(f"Withdraw: {said(d)}", on_click=lambda i=i, d=d: withdraw(i, d),
                                  text=True, small=True, classes=["np-ex-withdraw"])
    Log(room, room.version)


@solara.component
def Page():
    code = solara.use_reactive("")
    shown: solara.Reactive[str | None] = solara.use_reactive(None)    # the join code as typed (None: not yet said)
    role: solara.Reactive[str | None] = solara.use_reactive(None)
    exercise = solara.use_reactive(offered()[0])
    message = solara.use_reactive("")
    mine: solara.Reactive[list[tuple[Room, str]]] = solara.use_reactive([])  # the facilitator's rooms here
    current: solara.Reactive[int | None] = solara.use_reactive(None)       # index into `mine` shown, or None
    seat: solara.Reactive[tuple[Room, str] | None] = solara.use_reactive(None)   # a player's (room, token)
    solara.Title("noodplan — exercise room")
    solara.Style(CSS)
    read = solara.use_reactive(False)          # this tab's kept seats are back (after a reload)

    def seats_stored(text: str | None) -> None:
        if text is None or read.value:
            return
        read.set(True)
        trace.debug("page %s: this tab's seats %s", trace.page(), text)
        back, shown, player = seats_back(text)
        if back:
            mine.set(back)
            current.set(shown)
        if player is not None:
            seat.set(player)
        else:
            message.set(ended_seat(text))       # (its seat was freed or taken over while it was away)

    SeatStore.element(keep=seats_text(mine.value, current.value, seat.value) if read.value else None,
                      on_stored=seats_stored)

    def keep(room: Room, key: str) -> None:
        mine.set([*mine.value, (room, key)])
        current.set(len(mine.value) - 1)

    with solara.Row(style={"padding": "6px 12px", "background": "#0b3d91", "color": "white",
                           "align-items": "center", "flex-wrap": "wrap"}):
        solara.Text("noodplan exercise room", style={"font-size": "20px", "font-weight": "bold"})
        for i, (r, _) in enumerate(mine.value):
            solara.Button(f"room {r.code}", on_click=lambda i=i: current.set(i), text=True,
                          style={"color": "white"}, classes=["np-ex-room-tab"])
        if mine.value:
            solara.Button("new room", on_click=lambda: current.set(None), text=True, style={"color": "white"},
                          classes=["np-ex-new-room"])
    if seat.value is not None:
        room, token = seat.value

        def leave() -> None:            # the table leaves: the room no longer counts it as playing its role
            room.leave(token)
            seat.set(None)

        Player(room, token, leave)
        return
    if current.value is not None:
        room, key = mine.value[current.value]
        Facilitator(room, key, lambda: current.set(None), keep)
        return

    def create():
        try:
            if exercise.value not in offered():     # (a page sends only what it was offered)
                raise ScenarioError(f"exercise: {exercise.value!r} is not one this server offers")
            keep(*ROOMS.create(exercise.value))
        except ScenarioError as exc:
            message.set(str(exc))

    def restore(file: dict):
        try:
            keep(*ROOMS.restore(file["data"], file.get("name") or "saved exercise"))
        except ScenarioError as exc:
            message.set(str(exc))

    def join():
        try:
            room = ROOMS.get(code.value)
            if role.value is None:
                raise ScenarioError("join: role: choose your role")
            seat.set((room, room.join(role.value)))
        except ScenarioError as exc:
            message.set(str(exc))

    # the room the code names, as the field shows it: the text the carrier sent at the last key typed (ahead
    # of the field's own update, which the browser holds back while the server is busy), else the field's
    room_typed = named_room(shown.value if shown.value is not None else code.value)
    roles = [r.id for r in room_typed.run.exercise.roles] if room_typed is not None else []
    with solara.Row(style={"padding": "12px", "flex-wrap": "wrap", "align-items": "flex-start"}):
        with solara.Card("Facilitator: create a room", style={"min-width": "320px"}):
            solara.Select("Exercise", values=offered(), value=exercise, classes=["np-ex-pick"])
            solara.Button("Create room", on_click=create, color="primary", classes=["np-ex-create"])
            FilePick("…or drop a saved exercise (JSON) here, or click to choose it, to continue it in a new room",
                     on_file=restore, check=saved_exercise_too_large, on_refused=message.set)
        with solara.Card("Player: join a room", style={"min-width": "320px"}), \
                solara.Div(classes=["np-ex-join-form"]):
            Carried(".np-ex-join-form", ".np-ex-join", [(".np-ex-code input", "join code", code, str)],
                    on_typed=lambda texts: shown.set(texts[0]))
            solara.InputText("Join code", value=code, continuous_update=True, classes=["np-ex-code"])
            if room_typed is not None:            # the code is right: the table sees whose room it joins
                solara.Text(f"The room of the exercise {room_typed.run.exercise.title}: choose your role",
                            classes=["np-ex-code-room"])
            # (keyed, as the Join button: the line naming the room comes when the code is right, and would
            # move them among their siblings, which makes them anew)
            solara.Select("Role", values=roles, value=role, classes=["np-ex-role"]).key("role")
            away = [s for s in room_typed.seats() if s.away and s.role == role.value] if room_typed else []
            if away:            # a laptop of this table died: joining takes its seat over (`Room.join`)
                longest = max(away, key=lambda s: s.quiet_s)
                solara.Text(f"A seat of {role.value} is away (afwezig): no sign of its page for "
                            f"{minutes_said(longest.minutes)}. Joining takes it over.", classes=["np-ex-takeover"])
            solara.Button("Join", on_click=join, color="primary", classes=["np-ex-join"]).key("join")
        if message.value:
            solara.Error(message.value, classes=["np-ex-error"])


CSS = """
.np-ex-log td, .np-ex-figures td, .np-ex-pending td { font-size: 13px; }
div:has(> b > a[href="https://solara.dev"]) { display: none !important; }
"""
