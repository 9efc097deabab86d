"""Exercise rooms on one server: join codes, players bound to their role, the facilitator's controls.

A `Room` holds one `ExerciseRun` (experiments.exercise). The facilitator creates it and gets the
join code (80 random bits, `secrets`) and a facilitator key (128 bits) that only the facilitator's
page holds. A player joins with the code and a role and gets a player token bound to that role:
every decision is taken *as the token's role* (the role is never read from the request), so a
player cannot act for another role. Rooms share nothing mutable; each has its own model and lock.

A table's page says it is there every `HEARTBEAT_S` (`Room.alive`; `viz.exercise_app.Heartbeat`). A
seat whose page has given no sign of life for `AWAY_AFTER_S` (2 minutes; `exercise serve --away-after`
says otherwise) (a laptop gone flat or to sleep, a network lost: the browser sends no close signal, and
Solara keeps such a page until its cull, 24 hours) is
*away*: it still holds its seat and plays its role, and comes back as it was when its page is heard
again, until a new participant joining its role takes it over or the facilitator frees it. A table
leaving, freed or taken over is logged in the exercise's log (`ExerciseRun.seat`).

Nothing here knows Solara: the page (`viz.exercise_app`) calls these methods, and readers follow
`Room.version`, bumped after every change.
"""

from __future__ import annotations

import base64
import logging
import os
import math
import secrets
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from experiments.exercise import report, savefile
from experiments.exercise.engine import ExerciseRun, minutes_said, parse_decision, turn_at
from experiments.exercise.msel import library_names, load_exercise
from model.scenario import ScenarioError
from viz.session import world_for

log = logging.getLogger(__name__)

EXERCISE_FILES_ENV = "NOODPLAN_EXERCISE_FILES"     # `exercise serve --exercise FILE`s, os.pathsep between
MAX_ROOMS = 32                      # rooms one server keeps (a workshop has a handful)
MAX_TURN_MINUTES = 240              # a turn's time limit: at most a workshop's half-day
CODE_BYTES = 10                     # 80 bits: a join code cannot be guessed
HEARTBEAT_S = 20.0      # a table's page says it is there this often, seconds (a hidden tab at most once a minute)
AWAY_AFTER_S = 120.0    # a seat without a sign of its page this long is away (afwezig), seconds, unless
AWAY_ENV = "NOODPLAN_EXERCISE_AWAY_S"     # `exercise serve --away-after SECONDS` says otherwise
CLOSED_GRACE_S = 30.0   # a page closed without Leave and not open again after this is logged as left (a reload
                        # closes and opens its page within seconds: not a table leaving), seconds


class _ToStderr(logging.Handler):
    """Lines to the process's stderr as it is at each line (a test's capture replaces it)."""

    def emit(self, record: logging.LogRecord) -> None:
        try:
            sys.stderr.write(self.format(record) + "\n")
            sys.stderr.flush()
        except Exception:       # (logging's own rule: a line that cannot be written never stops the room)
            self.handleError(record)


def say_events() -> None:
    """The rooms' events on the server's terminal (stderr), a line each with its time: a table's page
    closed without Leave or back after a reload, a seat freed or taken over. Whoever runs `noodplan
    exercise serve` sees who was there (before, these lines went nowhere). Harmless when called again."""
    if not any(isinstance(h, _ToStderr) for h in log.handlers):
        handler = _ToStderr()
        handler.setFormatter(logging.Formatter("%(asctime)s %(message)s", "%H:%M:%S"))
        log.addHandler(handler)
    log.setLevel(logging.INFO)
    log.propagate = False


def away_after_s() -> float:
    """Seconds without a sign of a table's page before its seat is away: `exercise serve --away-after`
    (checked there), else `AWAY_AFTER_S`."""
    try:
        return float(os.environ.get(AWAY_ENV) or AWAY_AFTER_S)
    except ValueError:
        log.warning("%s: not a number of seconds (%r); seats are away after %g s", AWAY_ENV,
                    os.environ.get(AWAY_ENV), AWAY_AFTER_S)
        return AWAY_AFTER_S


def offered() -> list[str]:
    """The exercises a facilitator may create a room for on this server: the library's, then the
    files `noodplan exercise serve --exercise FILE` checked and named (their full paths). The page
    creates rooms only for these: what comes through a browser never names another file."""
    files = [f for f in os.environ.get(EXERCISE_FILES_ENV, "").split(os.pathsep) if f]
    return library_names() + [f for f in files if f not in library_names()]


class RoomError(ScenarioError):
    """A refused room action; one line saying why."""


class TakenAlready(RoomError):
    """The second click of a double click on Submit: its decision is taken already (the page treats it as
    the accepted submit it repeats)."""


def adhoc_effect(text: str) -> list[dict]:
    """The effect of an ad-hoc inject as the facilitator typed it (YAML, as in an exercise file: one event
    or a list of them; empty: a message only) as the list of events `ExerciseRun.adhoc` checks."""
    import yaml

    if not text.strip():
        return []
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at character {mark.column + 1}" if mark is not None and text.count("\n") == 0 else ""
        raise RoomError(f"inject: effect: not in the exercise files' form{where} (write it as "
                        "{action: close, kind: emergency, province: Groningen, places: 500})") from None
    events = data if isinstance(data, list) else [data]
    if not all(isinstance(e, dict) for e in events):
        raise RoomError("inject: effect: an event is a mapping of its fields (action, kind, places, …), as "
                        "{action: close, kind: emergency, province: Groningen, places: 500}")
    return events


def away_said(seconds: float) -> str:
    """The away time in words: "2 minutes", "90 seconds"."""
    return minutes_said(int(seconds // 60)) if seconds % 60 == 0 else f"{seconds:g} seconds"


def new_code() -> str:
    """A join code: 80 random bits as 16 base-32 letters and digits in groups of four."""
    raw = base64.b32encode(secrets.token_bytes(CODE_BYTES)).decode()
    return "-".join(raw[i:i + 4] for i in range(0, len(raw), 4))


def normal_code(text: str) -> str:
    """A code as typed (any case, with or without dashes or spaces) in its canonical form."""
    raw = "".join(ch for ch in str(text).upper() if ch.isalnum())
    return "-".join(raw[i:i + 4] for i in range(0, len(raw), 4))


@dataclass
class ClosedSeat:
    """A seat whose pages all closed without Leave (`Room.closed`)."""

    role: str
    at: float               # `Room.clock()` when its last page closed
    logged: bool = False    # its leaving is in the exercise's log (a page that opens again is then logged back)


@dataclass
class Seat:
    """A table's seat as the facilitator sees it (`Room.seats`)."""

    token: str
    role: str
    quiet_s: float          # seconds since its page's last sign of life
    away: bool              # no sign for `Room.away_s`: a laptop gone flat or to sleep, a network lost

    @property
    def minutes(self) -> int:
        """Whole minutes without a sign of its page (as the log says a takeover)."""
        return int(self.quiet_s // 60)


@dataclass
class Room:
    code: str
    run: ExerciseRun
    facilitator_key: str
    exercise_name: str
    status: str = "waiting"                         # waiting -> running <-> paused -> finished
    players: dict[str, str] = field(default_factory=dict)      # player token -> role id
    last_taken: dict[str, tuple] = field(default_factory=dict)   # player token -> (its last decision, steered)
    pages: dict[str, int] = field(default_factory=dict)          # player token -> its pages open now
    seen: dict[str, float] = field(default_factory=dict)         # player token -> `clock()` of its page's last sign
    # player token -> the seat of a table whose pages all closed without Leave (the tab closed, the browser
    # quit): out of the room as after Leave; the same tab reloaded comes back to its seat (`come_back`)
    closed_seats: dict[str, ClosedSeat] = field(default_factory=dict)
    # player token -> why it is no longer a player of this room, told to its page (freed, taken over)
    ended: dict[str, str] = field(default_factory=dict)
    shown_away: frozenset[str] = frozenset()          # the seats away when the room last looked (`look`)
    away_s: float = field(default_factory=away_after_s)   # seconds without a sign of its page: a seat is away
    version: int = 0
    # the changes of the room other than the tables' own (a decision submitted or withdrawn, a table joining
    # or leaving): the facilitator's. The same decision again from a page with none of these since is the
    # second click of a double click, whatever other tables did meanwhile
    steered: int = 0
    created: float = field(default_factory=time.time)
    lock: threading.RLock = field(default_factory=threading.RLock)
    # the turn clock: the time the tables have for a turn's decisions (0: no limit); it runs while
    # the room runs, stops when paused and starts again full at every turn
    turn_seconds: float = 0.0
    clock_left: float = 0.0                          # seconds left while the clock stands
    deadline: float | None = None                    # `clock()` time the turn's time is up, while it runs
    clock: Callable[[], float] = time.monotonic      # seconds (a test gives its own)

    @property
    def heartbeat_s(self) -> float:
        """How often a table's page says it is there: `HEARTBEAT_S`, at least four times in `away_s`."""
        return min(HEARTBEAT_S, self.away_s / 4)

    # -- everyone ------------------------------------------------------------------------------
    def changed(self, by_table: bool = False) -> None:
        """Readers redraw (`version`); `by_table`: a table's own change, not the facilitator's (`steered`)."""
        self.version += 1
        if not by_table:
            self.steered += 1

    def join(self, role_id: str) -> str:
        """A player token for `role_id` (several players may share a role at one table). A seat of that role
        away (`away_s` without a sign of its page) is taken over: the one away longest makes way for
        the new participant (its laptop died; the table goes on at another), and the log says so."""
        with self.lock:
            self.run.exercise.role(role_id)              # ScenarioError for an unknown role
            token = secrets.token_urlsafe(16)
            self.players[token] = role_id
            self.seen[token] = self.clock()
            away = [s for s in self.seats() if s.away and s.role == role_id]
            if away:
                old = max(away, key=lambda s: s.quiet_s)
                self._end(old, "taken_over", f"your seat ({role_id}) was taken over by a new participant after "
                                            f"{minutes_said(old.minutes)} without a sign of this page")
            self.changed(by_table=True)
            return token

    def leave(self, token: str) -> None:
        """The player's page leaves the room: its token no longer acts, and its role is no longer played
        when no other page of its table is in the room (a request to it is then answered by the model)."""
        with self.lock:
            self.pages.pop(token, None)
            self.closed_seats.pop(token, None)
            self.seen.pop(token, None)
            role = self.players.pop(token, None)
            if role is not None:
                self.last_taken.pop(token, None)
                self._log_seat(role, "left")
                self.changed(by_table=True)

    def opened(self, token: str) -> None:
        """A page of the player `token` is open (drawn in a browser tab); see `closed`."""
        with self.lock:
            if token in self.players:
                self.pages[token] = self.pages.get(token, 0) + 1
                self.seen[token] = self.clock()

    def closed(self, token: str) -> None:
        """A page of the player `token` is gone (Solara closes a tab's page when the tab closes or reloads,
        or the browser quits). When it was the token's last page, the table is out of the room as after
        Leave, and the facilitator's page and the server's log say so: without this a closed tab stayed a
        player for good, its role played, and requests to it waited a turn for an answer that could not
        come. A reload opens the new page before or after the old one closes: `come_back` takes it back.
        The exercise's log says it left once its page has stayed closed `CLOSED_GRACE_S` (`look`), or at
        the turn's end it was out at."""
        with self.lock:
            left = self.pages.get(token, 0) - 1
            if left > 0:
                self.pages[token] = left
                return
            self.pages.pop(token, None)
            role = self.players.pop(token, None)
            if role is None:                   # (Leave clicked: out already)
                return
            self.last_taken.pop(token, None)
            self.seen.pop(token, None)
            self.closed_seats[token] = ClosedSeat(role, self.clock())
            log.info("exercise room %s: a table of %s closed its page without Leave; out of the room "
                     "(%s)", self.code, role, "its role still played by another page" if role in
                     self.players.values() else "its role no longer played: the model answers its requests")
            self.changed(by_table=True)

    def come_back(self, token: str) -> str:
        """The role of `token` for a reloaded tab that kept it: a player still, or one whose page closed
        without Leave (`closed`), who is a player again. RoomError for a token this room did not give, that
        left (Leave), or whose seat was freed or taken over (saying so)."""
        with self.lock:
            seat = self.closed_seats.pop(token, None)
            if seat is not None:
                self.players[token] = seat.role
                log.info("exercise room %s: a table of %s is back (its page reloaded)", self.code, seat.role)
                if seat.logged:                     # its leaving is in the log: so is its coming back
                    self._log_seat(seat.role, "back")
                self.changed(by_table=True)
            if token in self.ended:
                raise RoomError(f"room: {self.ended[token]}; join again")
            role = self.role_of(token)
            self.seen[token] = self.clock()
            return role

    def gone(self) -> list[str]:
        """The roles of tables whose pages closed without Leave and that no page plays now, sorted."""
        with self.lock:
            return sorted({s.role for s in self.closed_seats.values()} - set(self.players.values()))

    def alive(self, token: str) -> None:
        """A sign of life from a page of the player `token` (its heartbeat, every `HEARTBEAT_S`): its seat is
        not away. Never waits for the room (a turn being played holds it for seconds): the time is kept at
        once, and the room looks at its seats (`look`) when it is free."""
        if token in self.players:
            self.seen[token] = self.clock()
        self.look()

    def seats(self) -> list[Seat]:
        """The tables in the room now, by role, with how long each page has been quiet (`Seat`)."""
        with self.lock:
            now = self.clock()
            out = [Seat(t, r, max(0.0, now - self.seen.get(t, now)), now - self.seen.get(t, now) >= self.away_s)
                   for t, r in self.players.items()]
            return sorted(out, key=lambda s: (s.role, -s.quiet_s))

    def look(self, wait: bool = False) -> None:
        """The room looks at its seats (the facilitator's page does so every few seconds, a heartbeat at
        each beat, a turn's end before it is played): a page closed without Leave for `CLOSED_GRACE_S` (for
        every one not open again with `wait`, at a turn's end: it is out of that turn's roster) is logged as
        left; a seat turning away or back makes the pages redraw. Without `wait`, when the room is busy (a
        turn being played) it looks next time."""
        if not self.lock.acquire(blocking=wait):
            return
        try:
            now = self.clock()
            for seat in self.closed_seats.values():
                if not seat.logged and (wait or now - seat.at >= CLOSED_GRACE_S):
                    seat.logged = True
                    self._log_seat(seat.role, "closed")
                    self.changed(by_table=True)
            away = frozenset(s.token for s in self.seats() if s.away)
            if away != self.shown_away:
                self.shown_away = away
                self.changed(by_table=True)
        finally:
            self.lock.release()

    def _end(self, seat: Seat, change: str, why: str) -> None:
        """The away `seat` is no longer a player (freed, taken over): its page, when heard again, is told
        `why`; the log says how, after how many minutes away."""
        self.players.pop(seat.token, None)
        self.pages.pop(seat.token, None)
        self.seen.pop(seat.token, None)
        self.last_taken.pop(seat.token, None)
        self.ended[seat.token] = why
        log.info("exercise room %s: %s", self.code, why.replace("your seat", "the seat"))
        self._log_seat(seat.role, change, seat.minutes)

    def _log_seat(self, role: str, change: str, minutes: int | None = None) -> None:
        """A seat's change in the exercise's log, with the seats of its role still in the room."""
        self.run.seat(role, change, minutes, sum(r == role for r in self.players.values()))

    def role_of(self, token: str) -> str:
        role = self.players.get(token)
        if role is None:
            raise RoomError("room: not a player of this room (join with the code and a role)")
        return role

    def time_left(self) -> float | None:
        """Seconds the tables have left for this turn's decisions; None without a time limit."""
        if not self.turn_seconds:
            return None
        if self.deadline is None:
            return self.clock_left
        return max(0.0, self.deadline - self.clock())

    def submit(self, token: str, decision: dict, turn: int | None = None) -> None:
        """A decision of the token's role for this turn. `turn`: the turns played as the page showed them
        when the table clicked; refused when the facilitator has ended that turn since (the click reached
        the room as the turn ended: taken, it would act a turn later than the table meant, unseen), the
        decision left in the form to submit again in the new turn. The same decision again from the same page
        with nothing else happened since (a double click on Submit: twice the places) is refused once;
        submitted once more, it is taken. "Nothing else": the facilitator changed nothing, the page
        withdrew nothing; other tables' decisions meanwhile do not count (at a turn's last minute every
        table submits: a double click's two clicks came either side of another table's submit)."""
        with self.lock:
            role = self.role_of(token)
            if turn is not None and turn != self.run.turn:
                now = (f"now turn {self.run.turn + 1}: submit it again to take it in this turn"
                       if not self.run.finished else "all turns are played")
                raise RoomError(f"decision: not taken: turn {turn + 1} ended before it reached the room ({now})")
            if self.status != "running":
                raise RoomError(f"room: the exercise is {self.status}; decisions are taken while it runs")
            if self.time_left() == 0.0:
                raise RoomError("room: the turn's time is up; the facilitator ends the turn")
            self.seen[token] = self.clock()              # (a sign of life: its page is there)
            d = parse_decision(decision)
            again = (d.model_dump(exclude={"why"}), self.steered)     # (the page empties `why` once taken)
            if self.last_taken.pop(token, None) == again:
                raise TakenAlready("decision: taken already (it is under your decisions); submit it again to take "
                                "it once more")
            self.run.submit(role, d)
            self.changed(by_table=True)
            self.last_taken[token] = again

    def withdraw(self, token: str, index: int, decision: object | None = None) -> None:
        """Take back the token's role's `index`-th decision of this turn, while decisions are taken
        (as `submit`). `decision`: the one the page showed at `index`; refused when it is no longer
        there (a second click on a row already withdrawn must not take back the next one)."""
        with self.lock:
            role = self.role_of(token)
            self.seen[token] = self.clock()
            if self.status != "running":
                raise RoomError(f"room: the exercise is {self.status}; decisions are withdrawn while it runs")
            if self.time_left() == 0.0:
                raise RoomError("room: the turn's time is up; the facilitator ends the turn")
            mine = self.run.pending(role)
            if decision is not None and not (isinstance(index, int) and 0 <= index < len(mine)
                                             and mine[index][1] is decision):
                raise RoomError("room: that decision is no longer waiting (withdrawn, or the turn has ended)")
            self.run.withdraw(role, index)
            self.last_taken.pop(token, None)            # the same decision again is meant: taken
            self.changed(by_table=True)

    # -- the facilitator -----------------------------------------------------------------------
    def is_facilitator(self, key: str) -> bool:
        return secrets.compare_digest(str(key), self.facilitator_key)

    def _facilitator(self, key: str) -> None:
        if not self.is_facilitator(key):
            raise RoomError("room: only the facilitator may do this")

    def _set_status(self, status: str, new_turn: bool = False) -> None:
        """Change the status and keep the turn clock in step: it runs while running, stands
        otherwise, and is full again at a new turn."""
        left = self.time_left()
        if new_turn:
            left = self.turn_seconds
        self.status = status
        if left is None:
            return
        self.clock_left = left
        self.deadline = self.clock() + left if status == "running" else None

    def free(self, key: str, token: str) -> None:
        """Free the seat of the player `token` while it is away (no sign of its page for `away_s`): its
        role is no longer played by it (at a turn's end the model answers requests to a role nobody plays),
        and its page, when heard again, is told so. A seat whose page is there is not freed."""
        with self.lock:
            self._facilitator(key)
            seat = next((s for s in self.seats() if s.token == token), None)
            if seat is None:
                raise RoomError("free seat: that table is no longer in the room (it left, or its seat was freed "
                                "or taken over)")
            if not seat.away:
                raise RoomError(f"free seat: the seat of {seat.role} is not away (its page was heard "
                                f"{seat.quiet_s:.0f} s ago); a seat is freed after {away_said(self.away_s)} "
                                f"without a sign of its page")
            self._end(seat, "freed", f"your seat ({seat.role}) was freed by the facilitator after "
                                     f"{minutes_said(seat.minutes)} without a sign of this page")
            self.changed()

    def set_turn_minutes(self, key: str, minutes: float) -> None:
        """Give each turn `minutes` for the tables' decisions (0: no limit); this turn's clock
        starts full."""
        with self.lock:
            self._facilitator(key)
            if isinstance(minutes, bool) or not isinstance(minutes, (int, float)) or not math.isfinite(minutes) \
                    or not 0 <= minutes <= MAX_TURN_MINUTES:
                raise RoomError(f"turn time: minutes must be a number from 0 (no limit) to {MAX_TURN_MINUTES} "
                                f"(got {minutes!r})")
            self.turn_seconds = 60.0 * minutes
            self.deadline = None
            self._set_status(self.status, new_turn=True)
            self.changed()

    def start(self, key: str) -> None:
        with self.lock:
            self._facilitator(key)
            if self.status != "finished":
                self._set_status("running")
            self.changed()

    def pause(self, key: str) -> None:
        with self.lock:
            self._facilitator(key)
            if self.status == "running":
                self._set_status("paused")
            self.changed()

    def advance(self, key: str, turn: int | None = None) -> None:
        """End the turn. `turn`: the turns played as the facilitator's page showed them; refused when
        the room has moved on since (a double click on End turn ended the next turn too, before any
        table could decide in it)."""
        with self.lock:
            self._facilitator(key)
            if turn is not None and turn != self.run.turn:
                raise RoomError(f"end turn: turn {turn + 1} has ended already (now turn {self.run.turn + 1}); "
                                f"click again to end this one")
            self.look(wait=True)           # a page closed without Leave is out of this turn's roster: logged
            self.run.advance(sorted(set(self.players.values())))     # the roles a table plays now
            status = "finished" if self.run.finished else "running" if self.status == "waiting" else self.status
            self._set_status(status, new_turn=True)
            self.changed()

    def fire(self, key: str, inject_id: str) -> None:
        with self.lock:
            self._facilitator(key)
            self.run.fire(inject_id)
            self.changed()

    def adhoc(self, key: str, title: str, synopsis: str, effect: str = "") -> None:
        """An inject the facilitator writes now. `effect`: optional, what it does to the model in the
        exercise files' words, one event or a list (`{action: close, kind: emergency, province: Groningen,
        places: 500}`); checked as an exercise file's effect: a mistake is refused and changes nothing."""
        with self.lock:
            self._facilitator(key)
            if not isinstance(title, str) or not isinstance(synopsis, str) or not isinstance(effect, str):
                raise RoomError("inject: title, text and effect: give them as text")
            if not title.strip():
                raise RoomError("inject: title: give a title")
            self.run.adhoc(title.strip(), synopsis.strip(), adhoc_effect(effect))
            self.changed()

    def snapshot(self, key: str, name: str) -> None:
        with self.lock:
            self._facilitator(key)
            if not isinstance(name, str) or not name.strip():
                raise RoomError("snapshot: name: give a name")
            taken = self.run.snapshots.get(name.strip())
            if taken is not None:       # a second click on the same name would replace it silently
                raise RoomError(f"snapshot: name: '{name.strip()}' is taken already "
                                f"({turn_at(taken[1].turn, self.run.exercise.turns)}); "
                                f"give this one another name")
            self.run.snapshot(name.strip())
            self.changed()

    def rewind(self, key: str, name: str) -> None:
        with self.lock:
            self._facilitator(key)
            self.run.rewind(name)
            # a snapshot taken after the last turn is a finished exercise again; one before it, of a
            # finished room, waits paused for the facilitator to start the turn
            status = ("finished" if self.run.finished else "paused" if self.status == "finished"
                      else self.status)
            self._set_status(status, new_turn=True)       # back at a turn's start: its clock full
            self.changed()

    def lesson(self, key: str, objective: str, text: str) -> None:
        with self.lock:
            self._facilitator(key)
            self.run.lesson(objective, text)
            self.changed()

    def report_html(self, key: str) -> str:
        with self.lock:
            self._facilitator(key)
            return report.render(self.run)

    def save_json(self, key: str) -> str:
        import json

        with self.lock:
            self._facilitator(key)
            return json.dumps(savefile.to_dict(self.run), indent=1)


class Rooms:
    """The rooms of one server process."""

    def __init__(self) -> None:
        self._rooms: dict[str, Room] = {}
        self._lock = threading.Lock()

    def _add(self, run: ExerciseRun, name: str) -> tuple[Room, str]:
        key = secrets.token_urlsafe(16)
        with self._lock:
            if len(self._rooms) >= MAX_ROOMS:
                oldest = min(self._rooms.values(), key=lambda r: r.created)
                del self._rooms[oldest.code]           # the oldest room makes way
            code = new_code()
            while code in self._rooms:
                code = new_code()
            room = Room(code, run, key, name)
            self._rooms[code] = room
        return room, key

    def create(self, exercise: str) -> tuple[Room, str]:
        """A new room for a library exercise (or a file); returns it and the facilitator key."""
        ex, sc = load_exercise(exercise)
        return self._add(ExerciseRun(ex, sc, world=world_for(sc)), ex.name)    # (names the downloads)

    def restore(self, data: bytes | str, source: str = "saved exercise") -> tuple[Room, str]:
        """A new room continuing a saved exercise (`experiments.exercise.savefile`), paused. It replays on
        the server's shared world of its scenario, as a room created for it plays (`world_for`)."""
        run = savefile.from_bytes(data, source, world_for)
        room, key = self._add(run, run.exercise.name)
        room.status = "finished" if run.finished else "paused"
        return room, key

    def fork(self, room: Room, key: str, snapshot: str) -> tuple[Room, str]:
        """A new room going on from a snapshot of `room` (which is left as it is)."""
        with room.lock:
            room._facilitator(key)
            run = room.run.fork(snapshot)
        new, new_key = self._add(run, room.exercise_name)
        new.status = "finished" if run.finished else "paused"      # (a snapshot taken after the last turn)
        return new, new_key

    def get(self, code: str) -> Room:
        room = self._rooms.get(normal_code(code))
        if room is None:
            raise RoomError("room: no room with this code (check the code with the facilitator)")
        return room

    def __len__(self) -> int:
        return len(self._rooms)


ROOMS = Rooms()          # the server's rooms (one process)
