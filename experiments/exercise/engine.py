"""An exercise in play: turns, decisions collected per turn, injects, snapshots, rewind and fork, the log.

`ExerciseRun` owns one `ReceptionModel`. Players submit decisions during a turn (`submit`); they
act at the turn boundary (`advance`), in a defined order: by role (national coordination table,
COA, IND, provinces, safety regions, municipalities: `RoleKind.rank`), then in the order they were
submitted. Requests for places are settled at the same boundary: a request to a role nobody plays
is answered at once by the model (`experiments.exercise.answers`), a request to a played role waits one
turn for its answer and is then answered by the model. Then the turn's days are simulated: before
each day the injects due that day fire (those due on a turn's first day, day 0 included, fire when
that turn opens, so the tables read them before they decide); after each day the condition injects
are checked and fire (once) on the first day their condition holds. Exercises saved before that rule
(save format 2: such injects fired among the turn's days, after its decisions, a turn late) are
replayed and go on with the rule they were played under (`opening_injects=False`; `rule_note`).

Everything that changes the exercise is a *command* (`commands`: decide, withdraw, advance, inject,
adhoc, snapshot, rewind, forked, and seat: a table leaving the room or coming back, which only the log
keeps). The run is deterministic, so replaying the commands on the same exercise gives the same state
(`replay`): saving an exercise mid-way is saving its commands (`experiments.exercise.savefile`).

`log` is what happened on the current line of play (decisions with who, when, what and why;
injects; requests and answers; refusals; the turns with their key figures); a rewind sets the
entries after the snapshot aside in `set_aside` (kept for the debrief).
"""

from __future__ import annotations

import copy
import datetime as dt
import json
import pickle
import re
import threading
import zlib
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from pydantic import ValidationError

from agents.applicants import Stage
from agents.locations import Kind, Life
from experiments.exercise import answers
from experiments.exercise import roles as R
from experiments.exercise.msel import Exercise, Inject, effect_event
from experiments.kinds import kind_words
from model.events import check_reopen
from model.mesa_model import ReceptionModel
from model.metrics import Recorder
from model.scenario import (Event, Scenario, ScenarioError, check_decision, did_you_mean, is_whole,
                            validation_message)
from model.snapshot import Snapshot
from model.world import World

def parse_decision(data: dict | Any) -> Any:
    """A decision from a mapping ({"type": "open_places", …}); ScenarioError names the field."""
    if isinstance(data, tuple(R.DECISIONS.values())):
        return data
    if not isinstance(data, dict):
        raise ScenarioError("decision: must be a mapping with a type")
    cls = R.DECISIONS.get(data.get("type"))          # type: ignore[arg-type]
    if cls is None:
        raise ScenarioError(f"decision: type: one of {', '.join(R.DECISIONS)} (got {data.get('type')!r})")
    try:
        return cls.model_validate(data)
    except ValidationError as err:
        raise ScenarioError(validation_message(err, "decision")) from None


def recorder(model: ReceptionModel) -> Recorder:
    """The run's daily figures (a ReceptionModel's state always has its recorder: `model.simulate.prepare`)."""
    rec = model.state.recorder
    assert rec is not None, "an exercise's model records every day"
    return rec


def indicators(model: ReceptionModel) -> dict[str, float]:
    """The figures injects' conditions and the role panels read, at the end of the last simulated day."""
    s = model.state
    L = s.locs
    places = L.places()
    in_bed = int(L.occupancy.sum())
    central = (L.kind == Kind.CENTRAL) & (L.life == Life.OPEN)
    cap_c = int(L.capacity[central].sum())
    phase = recorder(model).extra["phase"][s.day - 1] if s.day and s.plan is not None else 0
    return {
        "occupancy": in_bed / places.sum() if places.sum() else 9.99,
        "central_occupancy": int(L.occupancy[L.kind == Kind.CENTRAL].sum()) / cap_c if cap_c else 9.99,
        "unsheltered": float(s.people.entitled() - in_bed),
        "registration_backlog": float(s.people.stage_persons[Stage.WAITING]),
        "permit_holders_waiting": float(s.people.stage_persons[Stage.PERMIT]),
        "plan_phase": float(phase),
        "in_bed": float(in_bed),
        "places": float(places.sum()),
        "central_places": float(cap_c),    # without any, central_occupancy reads 9.99: full (as the plan reads it)
    }


def turn_at(played: int, turns: int, day: int | None = None) -> str:
    """Where a run is, as the room's status line and the log's "in turn" column say it: the turn being played
    (turns played + 1: a snapshot before the first turn's decisions is in turn 1), or all turns played."""
    where = f"turn {played + 1} of {turns}" if played < turns else f"all {turns} turns played"
    return where if day is None else f"{where}, day {day}"


def unfired(run: ExerciseRun, inject) -> str:
    """What the facilitator is told of condition inject `inject` that has not fired (yet): how near its
    condition came, and when it was met only after the exercise's last day, that it is not fired then (no
    turn is left to answer it)."""
    c = inject.when
    limit = f"at or above {c.above:g}" if c.above is not None else f"below {c.below:g}"
    held = run.book.longest.get(inject.id, 0)
    if held >= c.days:
        return (f"{c.indicator} was {limit} on {held} days in a row ({c.days} needed) only as the exercise's last "
                "day ended; a condition met then is not fired (no turn is left to answer it)")
    return f"{c.indicator} was {limit} on at most {held} days in a row ({c.days} needed)"


# the run's own snapshot of each turn's start (`ExerciseRun._open_turn`): "start of turn 3"
TURN_START = "start of turn {}"
_TURN_START = re.compile(r"start of turn (\d+)")


def turn_start(name: str) -> int | None:
    """The turn whose start `name` names when it is the run's own snapshot of a turn's start, else None."""
    m = _TURN_START.fullmatch(name) if isinstance(name, str) else None
    return int(m.group(1)) if m else None


class _Packed:
    """A snapshot kept compressed (the run's own turn starts: one a turn, ~5x smaller than as taken;
    it never leaves this process, so pickle is safe here). Never changed once made, so a copy of the
    book it is in shares it."""

    def __init__(self, snap: Snapshot) -> None:
        self.data = zlib.compress(pickle.dumps(snap, protocol=pickle.HIGHEST_PROTOCOL), 1)

    def unpack(self) -> Snapshot:
        return pickle.loads(zlib.decompress(self.data))

    def __deepcopy__(self, memo: dict) -> _Packed:
        return self


def _holds(cond, values: dict[str, float]) -> bool:
    v = values[cond.indicator]
    return v >= cond.above if cond.above is not None else v < cond.below


@dataclass
class _Book:
    """The exercise's own state beside the model's (copied whole into a snapshot)."""

    turn: int = 0                                     # turns completed
    pending: list[tuple[int, str, Any]] = field(default_factory=list)   # (seq, role, decision) this turn
    seq: int = 0
    fired: dict[str, int] = field(default_factory=dict)                  # inject id -> day it fired
    holding: dict[str, int] = field(default_factory=dict)                # inject id -> days its condition held
    longest: dict[str, int] = field(default_factory=dict)    # inject id -> most days in a row it held so far
    requests: list[R.Request] = field(default_factory=list)
    log: list[dict] = field(default_factory=list)
    commands_done: int = 0
    # the run's own snapshot of each turn's start on this line of play: turn -> (model, this book as it was
    # then without its turn starts, commands made by then); kept here so they go with a rewind or a fork
    turn_starts: dict[int, tuple[_Packed, _Book, int]] = field(default_factory=dict)


class ExerciseRun:
    """One exercise in play (see the module docstring). Thread-safe: every public method holds `lock`."""

    def __init__(self, exercise: Exercise, scenario: Scenario, world: World | None = None,
                 opening_injects: bool = True) -> None:
        self.exercise, self.scenario = exercise, scenario
        # the rule for an inject due on a turn's first day: told as the turn opens, before its decisions
        # (True), or, as exercises saved before that rule were played, among the turn's days after them
        self.opening_injects = opening_injects
        self.lock = threading.RLock()
        self.model = ReceptionModel(scenario, seed=exercise.seed, days=exercise.days, world=world)
        self.book = _Book()
        self.commands: list[dict] = []
        # the facilitator's snapshots by name: the model, the exercise's book and how many commands were
        # made then (the run's own of each turn's start are in the book: `all_snapshots`)
        self.snapshots: dict[str, tuple[Snapshot, _Book, int]] = {}
        self.set_aside: list[dict] = []
        self.lessons: dict[str, str] = {}        # objective id (or "general") -> lessons learned (debrief)
        # set when restored from a save whose state this code does not reproduce (`savefile.from_dict`): what
        # the tables saw was another state; the room and the report say so
        self.replay_note = ""
        self._open_turn()            # an inject due on day 0 is told before the first turn's decisions

    # -- what players and the facilitator read ------------------------------------------------
    @property
    def turn(self) -> int:
        return self.book.turn

    @property
    def day(self) -> int:
        return self.model.day

    @property
    def rule_note(self) -> str:
        """What the room and the report say when this run plays by the earlier rule for injects due on a
        turn's first day (a save of format 2 restored: it goes on as it was played); else ""."""
        if self.opening_injects:
            return ""
        return ("played by the rule of its save (format 2, before injects due on a turn's first day were "
                "told as the turn opens): such an inject is told after that turn's decisions and answered "
                "at the next turn's boundary, as the tables had it")

    @property
    def finished(self) -> bool:
        return self.book.turn >= self.exercise.turns

    @property
    def log(self) -> list[dict]:
        return self.book.log

    def date(self) -> str:
        """The date of `day`: the first day not simulated yet (the day decisions and injects now act
        on). After the last turn it is the day after the last one simulated (the model's own `date`
        stays on its last day there, which put the last turn's end a day early in the log)."""
        return self.date_of(self.model.day)

    def date_of(self, day: int) -> str:
        """The date of simulated day `day` (day 0: the scenario's first date)."""
        return str(self.model.state.world.dates[0] + dt.timedelta(days=day))

    def scenario_now(self) -> Scenario:
        """The run's scenario with its parameters as they are today (earlier decisions, injects and
        derogations included; `model.params`): what decisions are checked against and what lead
        times, costs and the IND's decisions per day are read from."""
        s = self.model.state
        return s.params.scenario_now(s.sc)

    def fingerprint(self) -> str:
        """A checksum (CRC-32) of the model's state: every household, location, move and event-log row
        and the random streams' positions. Equal states give equal fingerprints: a facilitator can
        see that a rewind or a restored save is where it was."""
        with self.lock:
            s = self.model.state
            crc = 0
            cols = s.people.cols            # the household columns in use
            for k in sorted(cols):
                crc = zlib.crc32(np.ascontiguousarray(cols[k]).tobytes(), crc)
            for k in ("kind", "life", "capacity", "extra", "occupancy", "children", "contract_end"):
                crc = zlib.crc32(np.ascontiguousarray(getattr(s.locs, k)).tobytes(), crc)
            for k, dtype in (("household", np.int32), ("origin", np.int32), ("destination", np.int32),
                             ("reason", np.int8), ("day", np.int32)):   # as stored before the int16 locations
                crc = zlib.crc32(np.ascontiguousarray(getattr(s.log, k)[: s.log.n], dtype).tobytes(), crc)
            extra = [s.day, s.event_log, s.arrivals_key, s.homes_key]
            crc = zlib.crc32(json.dumps(extra, sort_keys=True, default=str).encode(), crc)
            return f"{crc:08x}"

    def figures(self) -> dict[str, float]:
        """The key figures now (`indicators`), at the end of the last simulated day: read under the lock,
        never of a day half simulated while another thread ends the turn."""
        with self.lock:
            return indicators(self.model)

    def now(self) -> tuple[int, int, str]:
        """The turns played, the day (the first not simulated yet) and its date, read together under the
        lock: never a day of a turn being played (a page redrawn as the turn ended showed its third day)."""
        with self.lock:
            return self.turn, self.day, self.date()

    def pending(self, role_id: str | None = None) -> list[tuple[str, Any]]:
        """Decisions submitted this turn (of one role, or all), in submission order."""
        with self.lock:
            return [(r, d) for _, r, d in self.book.pending if role_id in (None, r)]

    def open_requests(self, role_id: str) -> list[R.Request]:
        """Requests addressed to this role that it has not answered."""
        role = self.exercise.role(role_id)
        with self.lock:
            return [q for q in self.book.requests
                    if not q.answered and q.to_type == role.type and q.province == role.province]

    def panel(self, role_id: str) -> dict:
        """What a role sees: the national figures; COA its places by kind, the IND its tracks
        (waiting persons, decisions per day), a regional role its province and its locations; its
        open requests; and the decisions it may take with their lead times and costs."""
        role = self.exercise.role(role_id)
        with self.lock:
            s, now = self.model.state, self.scenario_now()
            out: dict = {"role": role.id, "title": role.title, "type": role.type, "national": indicators(self.model)}
            if role.province is not None:
                p = s.world.provinces.index(role.province)
                in_prov = s.munis.province[s.locs.municipality] == p
                occ, cap = int(s.locs.occupancy[in_prov].sum()), int(s.locs.places()[in_prov].sum())
                out["province"] = {"name": role.province, "in_bed": occ, "places": cap,
                                   "occupancy": occ / cap if cap else float("nan"),
                                   "locations": int((in_prov & (s.locs.life == Life.OPEN)).sum())}
                live = np.flatnonzero(in_prov & np.isin(s.locs.life, (Life.OPEN, Life.PLANNED, Life.CLOSING)))
                # a planned location shows the places it opens with (its usable places are 0 until then)
                places = np.where(s.locs.life == Life.PLANNED, s.locs.capacity, s.locs.places())
                out["locations"] = [{"name": s.locs.names[j], "kind": Kind(s.locs.kind[j]).name.lower(),
                                     "state": Life(s.locs.life[j]).name.lower(), "in_bed": int(s.locs.occupancy[j]),
                                     "places": int(places[j]), "opens_day": int(s.locs.open_day[j])}
                                    for j in live]
            if role.type == "coa":
                by_kind = {}
                for k in Kind:
                    sel = (s.locs.kind == k) & (s.locs.life == Life.OPEN)
                    if sel.any():
                        by_kind[k.name.lower()] = {"in_bed": int(s.locs.occupancy[sel].sum()),
                                                   "places": int(s.locs.places()[sel].sum())}
                out["kinds"] = by_kind
            if role.type == "ind":
                backlog = recorder(self.model).track_backlog[s.day - 1] if s.day else np.zeros(len(R.TRACKS), np.int64)
                per_day = s.params.chain.decisions_per_day
                out["tracks"] = {t: {"waiting": int(backlog[i]), "decisions_per_day": per_day[t]}
                                 for i, t in enumerate(R.TRACKS)}
            out["requests"] = [vars(q).copy() for q in self.open_requests(role_id)]
            out["decisions"] = {
                d: {"kinds": {k: {"lead_time_days": R.lead_time_days(now, k),
                                  "cost_per_100_places_per_day_eur": round(R.cost_per_day_eur(now, k, 100)),
                                  "cost_per_100_empty_places_per_day_eur": round(R.empty_cost_per_day_eur(now, k, 100))}
                              for k in role.kind.kinds.get(d, ())}}
                for d in role.kind.decisions}
            if "request_regime" in out["decisions"]:        # the regimes the scenario describes (no other is taken)
                out["decisions"]["request_regime"]["regimes"] = [r.type for r in now.regimes]
            return out

    # -- commands ----------------------------------------------------------------------------
    def submit(self, role_id: str, decision) -> Any:
        """A role's decision for this turn (acts at the boundary). Refused at once, with one
        ScenarioError line, when the role may not take it or the model would refuse it now."""
        with self.lock:
            d = parse_decision(decision)
            role = self.exercise.role(role_id)
            if self.finished:
                raise ScenarioError("decision: the exercise is over")
            R.allowed(role, d)
            self._check_now(role, d)
            self._record({"op": "decide", "role": role_id, "decision": d.model_dump(mode="json")})
            self.book.seq += 1
            self.book.pending.append((self.book.seq, role_id, d))
            return d

    def withdraw(self, role_id: str, index: int) -> None:
        """Take back this role's `index`-th pending decision of the turn."""
        with self.lock:
            mine = [p for p in self.book.pending if p[1] == role_id]
            if not is_whole(index):          # a form's text or true/false is not a decision's number
                raise ScenarioError(f"withdraw: index: a whole number (0 for the first pending decision), "
                                    f"not {index!r}")
            if not 0 <= index < len(mine):
                raise ScenarioError(f"withdraw: {role_id} has no pending decision number {index + 1}")
            self._record({"op": "withdraw", "role": role_id, "index": index})
            self.book.pending.remove(mine[index])

    def advance(self, played: list[str] | None = None) -> None:
        """End the turn: apply the decisions (in the defined order) and settle requests, then
        simulate the turn's days with its injects. `played`: the roles a table plays at this turn's end
        (the room's: those joined); a request to a role of the exercise no table plays is answered by
        the model at once, as to a role the exercise does not have. None: every role of the exercise."""
        with self.lock:
            if self.finished:
                raise ScenarioError("advance: the exercise is over (all turns played)")
            if played is not None:
                if not isinstance(played, list | tuple | set) or not all(isinstance(r, str) for r in played):
                    raise ScenarioError("advance: played: a list of role ids")
                played = sorted(set(played))
                for r in played:
                    self.exercise.role(r)           # ScenarioError for a role the exercise does not have
            self._record({"op": "advance"} if played is None else {"op": "advance", "played": played})
            self._boundary(played)
            for _ in range(self.exercise.turn_days):
                for j in self.exercise.injects:
                    if j.at_day == self.model.day and j.id not in self.book.fired:
                        self._fire(j, "time")
                events = len(self.model.state.event_log)
                self.model.step()
                # a regime authorised, extended or ended that day: what came of a table's request (or the
                # model's own), in the exercise's log on its day (it was only in the model's event log)
                for x in self.model.state.event_log[events:]:
                    if x.get("source") == "regime":
                        self._log("model", None, f"regime: {x['what']}", x["detail"], day=x["day"], date=x["date"])
                # after the exercise's last day a condition is followed but not fired: no day is left for its
                # effect and no turn to answer it (`unfired`: `play` and the report say when one was met then)
                last = self.model.day >= self.model.horizon
                values = indicators(self.model)
                for j in self.exercise.injects:
                    if j.when is None or j.id in self.book.fired:
                        continue
                    held = self.book.holding.get(j.id, 0) + 1 if _holds(j.when, values) else 0
                    self.book.holding[j.id] = held
                    self.book.longest[j.id] = max(held, self.book.longest.get(j.id, 0))
                    if held >= j.when.days and not last:
                        self._fire(j, "condition")
            self.book.turn += 1
            v = indicators(self.model)
            # with the registration location's occupancy: the library's injects and the guide's table read it
            # (`play` showed "occupancy 96%" where the guide says Ter Apel is 31 % full)
            central = f"{v['central_occupancy']:.0%}" if v["central_places"] else "no places"
            # on the turn's last day, whose end the figures are (as the report's turn table: it was dated
            # the next day, the first of the next turn)
            last_day = self.model.day - 1
            self._log("turn", None, f"turn {self.book.turn} of {self.exercise.turns} ended",
                      f"occupancy {v['occupancy']:.0%}, Ter Apel (registration) {central}, "
                      f"without a bed {v['unsheltered']:,.0f}, "
                      f"registration backlog {v['registration_backlog']:,.0f}, plan phase {v['plan_phase']:.0f}",
                      day=last_day, date=self.date_of(last_day))
            self._open_turn()

    def fire(self, inject_id: str) -> None:
        """The facilitator fires an inject now (a contingency inject, or any not fired yet)."""
        with self.lock:
            j = self.exercise.inject(inject_id)
            if j.id in self.book.fired:
                raise ScenarioError(f"inject: {inject_id!r} has fired already (day {self.book.fired[j.id]})")
            self._need_days("inject")
            self._record({"op": "inject", "id": inject_id})
            self._fire(j, "facilitator")

    def adhoc(self, title: str, synopsis: str, effect: list[dict] | None = None) -> None:
        """An inject the facilitator writes during play; its effect (events without a date) is
        checked like an exercise file's."""
        for field_name, text in (("title", title), ("synopsis", synopsis)):
            if not isinstance(text, str):
                raise ScenarioError(f"inject: {field_name}: text, not {type(text).__name__}")
        with self.lock:
            self._need_days("inject")
            now = self.scenario_now()
            events = [effect_event(now, e, f"inject: effect.{k}") for k, e in enumerate(effect or [])]
            for e in events:
                check_decision(now, e)
                check_reopen(self.model.state, e)
            self._record({"op": "adhoc", "title": title, "synopsis": synopsis, "effect": list(effect or [])})
            log = self.model.state.event_log
            n = len(log)
            self._apply_events(events)
            self._log("inject", None, str(title)[:120], str(synopsis)[:4000], source="facilitator (ad hoc)")
            # what its effect did, as for an exercise file's inject (`_fire`): a close closes whole locations
            for e, x in zip(events, log[n:]):
                if e.action in ("close", "open", "reopen", "raise", "request_regime"):
                    self._log("model", None, f"ad-hoc inject {str(title)[:60]}: {x['what']}", x["detail"])

    def snapshot(self, name: str) -> None:
        """Keep the whole state now (model and exercise) under `name`, to rewind to or fork from."""
        if not isinstance(name, str):
            raise ScenarioError(f"snapshot: name: text, not {type(name).__name__}")
        if turn_start(name) is not None:
            raise ScenarioError(f"snapshot: name: '{name}' is the name of the snapshot the room takes by itself at "
                                f"each turn's start; give yours another name")
        with self.lock:
            self._record({"op": "snapshot", "name": name})
            self._log("snapshot", None, f"snapshot '{name}'", self._at())
            self.snapshots[name] = (self.model.snapshot(), copy.deepcopy(self.book), len(self.commands))

    def rewind(self, name: str) -> None:
        """Go back to snapshot `name`: the model and the exercise as they were (bit-identical);
        the log entries since are set aside for the debrief."""
        with self.lock:
            snap, book, _ = self._snapshot(name)
            self._record({"op": "rewind", "name": name})
            # the line of play the snapshot is on and this one share the log up to where they part: what
            # this line has after that is set aside; what the snapshot's line has after it (a snapshot
            # taken on play an earlier rewind set aside) is the line of play again, not set aside
            now, then = self.book.log, book.log
            common = 0
            while common < min(len(now), len(then)) and now[common] == then[common]:
                common += 1
            back = then[common:]
            for e in back:
                if e in self.set_aside:
                    self.set_aside.remove(e)
            dropped = now[common:]
            self.set_aside.extend(dropped)
            self.model = ReceptionModel.restore(_unpacked(snap), world=self.model.state.world)
            self.book = self._book_at(name, book)
            self._log("rewind", None, f"rewound to snapshot '{name}'",
                      f"{self._at()}; {len(dropped)} log entries set aside"
                      + (f", {len(back)} set aside earlier back in play" if back else ""))

    def fork(self, name: str) -> ExerciseRun:
        """A new exercise going on from snapshot `name` (this one is unchanged): its commands are
        this one's up to the snapshot and a note that it was forked, so it replays on its own."""
        with self.lock:
            snap, book, n = self._snapshot(name)
            other = ExerciseRun.__new__(ExerciseRun)
            other.exercise, other.scenario, other.lock = self.exercise, self.scenario, threading.RLock()
            other.opening_injects = self.opening_injects     # a fork goes on by the rule its play was under
            other.model = ReceptionModel.restore(_unpacked(snap), world=self.model.state.world)
            other.book = self._book_at(name, book)
            other.commands = copy.deepcopy(self.commands[:n])
            other.snapshots = {k: v for k, v in self.snapshots.items() if v[2] <= n}
            other.set_aside = []
            other.lessons = dict(self.lessons)
            other.replay_note = self.replay_note      # the fork goes on from the state this run is in
            other._forked(name)
            return other

    def _book_at(self, name: str, book: _Book) -> _Book:
        """The book a rewind or fork to snapshot `name` goes on with. A turn's start kept by the run has
        its book without the turn starts: those of its line are this line's up to it (itself included).
        A facilitator's snapshot has the turn starts of the line it was taken on."""
        out = copy.deepcopy(book)
        t = turn_start(name)
        if t is not None:
            out.turn_starts = {k: v for k, v in self.book.turn_starts.items() if k <= t}
        return out

    def _forked(self, name: str) -> None:
        self._record({"op": "forked", "name": name})
        self._log("fork", None, f"forked from snapshot '{name}'", self._at())

    def seat(self, role_id: str, change: str, minutes: int | None = None, others: int = 0) -> None:
        """A table's seat in the room changed (`SEAT_CHANGES`: it left, its page closed without Leave, the
        facilitator freed it or a new participant took it over after `minutes` without a sign of its page,
        or it came back): logged on the day it happened with the role and how, as a command so a save
        replays it. `others`: the seats of the role still in the room after the change (0: no table plays
        it now, and at a turn's end the model answers requests to it). After the last turn a table leaving
        changes nothing in the exercise: not logged."""
        with self.lock:
            self.exercise.role(role_id)              # ScenarioError for a role the exercise does not have
            if change not in SEAT_CHANGES:
                raise ScenarioError(f"seat: change: one of {', '.join(SEAT_CHANGES)} (got {change!r:.40})")
            if minutes is not None and (not is_whole(minutes) or minutes < 0):
                raise ScenarioError(f"seat: minutes: a whole number of minutes away, 0 or more (got {minutes!r:.40})")
            if not is_whole(others) or others < 0:
                raise ScenarioError(f"seat: others: a whole number of seats, 0 or more (got {others!r:.40})")
            if self.finished:
                return
            command: dict = {"op": "seat", "role": role_id, "change": change}
            if minutes is not None:
                command["minutes"] = minutes
            if others:
                command["others"] = others
            self._record(command)
            self._log("seat", role_id, seat_said(change, minutes), seat_detail(role_id, change, others),
                      change=change)

    def lesson(self, key: str, text: str) -> None:
        """Write the lessons learned for an objective (its id) or in general ("general")."""
        if not isinstance(text, str):
            raise ScenarioError(f"lesson: text, not {type(text).__name__}")
        with self.lock:
            if key != "general" and key not in {o.id for o in self.exercise.objectives}:
                raise ScenarioError(f"lesson: {key!r} is not an objective of this exercise (or 'general')")
            self.lessons[key] = str(text)[:20_000]

    # -- inside -------------------------------------------------------------------------------
    def _snapshot(self, name: str) -> tuple[Snapshot | _Packed, _Book, int]:
        """Snapshot `name`: the model, the book and the commands made by then."""
        t = turn_start(name)
        if t in self.book.turn_starts:
            return self.book.turn_starts[t]
        if name not in self.snapshots:
            raise ScenarioError(f"snapshot: no snapshot named {name!r} (have: {', '.join(self.all_snapshots())})")
        return self.snapshots[name]

    def _at(self) -> str:
        return turn_at(self.book.turn, self.exercise.turns, self.model.day)

    def _need_days(self, what: str) -> None:
        if self.model.day >= self.model.horizon:
            raise ScenarioError(f"{what}: the exercise has no day left to act on")

    def _record(self, command: dict) -> None:
        self.commands.append(command)

    def _log(self, kind: str, role: str | None, what: str, detail: str = "", why: str = "", **more) -> dict:
        entry = {"seq": len(self.book.log) + 1, "turn": self.book.turn + (kind != "turn"), "day": self.model.day,
                 "date": self.date(), "kind": kind, "role": role, "what": what, "detail": detail, "why": why, **more}
        self.book.log.append(entry)
        return entry

    def _check_now(self, role: R.Role, d) -> None:
        """The model's checks of the decision's events on the run's scenario as it is now."""
        self._need_days("decision")
        if isinstance(d, R.AnswerRequest):
            q = self._request(d.request)
            if q.answered or q.to_type != role.type or q.province != role.province:
                raise ScenarioError(f"decision: request: {d.request} is not an open request to {role.id}")
            if d.places > q.places:
                raise ScenarioError(f"decision: places: at most the {q.places:,} places asked (got {d.places:,})")
            return
        if isinstance(d, R.RequestPlaces):
            R.allowed(role, d)
            self._province(d.province, role)
            return
        province = getattr(d, "province", None)
        if province is not None:
            self._province(province, role)
        now = self.scenario_now()
        for e in R.to_events(role, d, now, self.model.date):
            check_decision(now, e)

    def _province(self, province: str, role: R.Role) -> None:
        inside = self.model.state.world.provinces
        if province not in inside:          # (typed by hand on the player's page)
            raise ScenarioError(f"decision: province: {province!r} is not a province of this world"
                                + (did_you_mean(province, inside) or f" ({', '.join(inside)})"))

    def _request(self, number: int) -> R.Request:
        for q in self.book.requests:
            if q.number == number:
                return q
        raise ScenarioError(f"decision: request: there is no request number {number}")

    def _boundary(self, played: list[str] | None = None) -> None:
        """Decisions in the defined order (role rank, then submission), then overdue requests."""
        order = sorted(self.book.pending, key=lambda p: (self.exercise.role(p[1]).kind.rank, p[0]))
        self.book.pending = []
        for seq, role_id, d in order:
            self._carry_out(self.exercise.role(role_id), d, seq, played)
        for q in self.book.requests:
            if not q.answered and q.turn < self.book.turn + 1:
                self._model_answers(q, "no answer within a turn")

    def _carry_out(self, role: R.Role, d, seq: int, played: list[str] | None = None) -> None:
        """Carry out decision `d` (the `seq`-th submitted on this line of play: its log entry's
        `submitted`, which tells the report whether it was submitted after an inject)."""
        try:
            if isinstance(d, R.RequestPlaces):
                to_type = "safety_region" if d.kind == "crisis" else "municipality"
                q = R.Request(len(self.book.requests) + 1, role.id, d.kind, d.places, d.province,
                              self.book.turn + 1, to_type)
                self.book.requests.append(q)
                addressee = [r for r in self.exercise.roles if r.type == to_type and r.province == d.province]
                unplayed = [r for r in addressee if played is not None and r.id not in played]
                self._log("decision", role.id, said(d),
                          f"request {q.number} to "
                          + (addressee[0].id if addressee and not unplayed else "the model"), d.why,
                          decision=d.model_dump(mode="json"), submitted=seq)
                if not addressee:
                    self._model_answers(q, "nobody plays the role asked")
                elif unplayed:                  # the exercise has the role; no table sits at it
                    self._model_answers(q, f"no table plays {addressee[0].id}")
                elif self.book.turn + 1 >= self.exercise.turns:     # the last turn: no turn left to answer in
                    self._model_answers(q, f"no turn left for {addressee[0].id} to answer")
                return
            if isinstance(d, R.AnswerRequest):
                q = self._request(d.request)
                if q.answered:                   # a second answer in the same turn (two players of one table)
                    raise ScenarioError(f"request {q.number} is answered already (by a decision before this "
                                        f"one); a request is answered once")
                opened = self._open_for(q, d.places, role.title) if d.places else None
                q.answered = True
                self._log("decision", role.id, f"answer request {q.number}: " +
                          (f"accept {d.places:,} of {q.places:,} places" if d.places else "refuse"),
                          f"{d.places:,} {q.kind} places opening in {opened.lead_time_days} days" if opened else "",
                          d.why, decision=d.model_dump(mode="json"), submitted=seq)
                return
            now = self.scenario_now()
            events = R.to_events(role, d, now, self.model.date)
            for e in events:                     # all or nothing: check every event before the first acts
                check_decision(now, e)
            log = self.model.state.event_log
            n = len(log)
            self._apply_events(events)
            effects = [f"{e.places:,} {e.kind} places opening in {e.lead_time_days} days" if e.action == "open"
                       else f"{x['what']} {x['detail']}" for e, x in zip(events, log[n:])]
            self._log("decision", role.id, said(d), "; ".join(effects), d.why,
                      decision=d.model_dump(mode="json"), submitted=seq)
        except ScenarioError as exc:              # the world changed since it was submitted
            self._log("refused", role.id, said(d), str(exc), d.why, decision=d.model_dump(mode="json"),
                      submitted=seq)

    def _model_answers(self, q: R.Request, reason: str) -> None:
        """The model's own municipal (or safety-region) response (`experiments.exercise.answers`)."""
        s = self.model.state
        q.answered = True
        places, how = answers.answer(s, q.kind, q.places, q.province, q.to_type, q.number,
                                     R.lead_time_days(self.scenario_now(), q.kind), f"request {q.number}")
        self._log("model", None, f"request {q.number} answered by the model: {places:,} of {q.places:,} places",
                  f"{reason}; {how}")
        s.event_log.append({"day": s.day, "date": self.date(), "source": "decision", "where": q.province,
                            "what": f"open {q.kind}", "detail": f"request {q.number}: {places:,} of {q.places:,} "
                                                                 f"places accepted ({how})"})

    def _open_for(self, q: R.Request, places: int, who: str) -> Event:
        sc = self.scenario_now()
        e = Event(date=self.model.date, action="open", kind=q.kind, places=places, province=q.province,
                  lead_time_days=R.lead_time_days(sc, q.kind), label=f"request {q.number} ({who})")
        check_decision(sc, e)
        self._apply_events([e])
        return e

    def _apply_events(self, events: list[Event]) -> None:
        for e in events:
            self.model.apply(e.model_copy(update={"date": self.model.date}))

    def _open_turn(self) -> None:
        """The injects due on the day the run now stands on (day 0, or the first day of the turn that
        opens): they fire now, before that day is simulated, so the tables read them with the turn's
        figures and answer at this turn's boundary (they fired after it, among the turn's days: an inject
        on day 0 reached the tables only after the first turn had been played)."""
        if self.finished:
            return
        for j in self.exercise.injects if self.opening_injects else ():   # (else they fire in `advance`)
            if j.at_day == self.model.day and j.id not in self.book.fired:
                self._fire(j, "time", opening=True)
        # the turn's start as the tables find it, to rewind to or fork from: a facilitator who wants to
        # play a turn again needs no snapshot taken by hand beforehand (replayed commands take it again)
        book = copy.copy(self.book)
        book.turn_starts = {}
        self.book.turn_starts[self.book.turn + 1] = (_Packed(self.model.snapshot()),
                                                     copy.deepcopy(book),
                                                     len(self.commands))

    def all_snapshots(self) -> list[str]:
        """The names to rewind to or fork from: the run's own snapshot of each turn's start on the current
        line of play (`TURN_START`), then the facilitator's."""
        with self.lock:
            return [TURN_START.format(t) for t in sorted(self.book.turn_starts)] + list(self.snapshots)

    def _fire(self, j: Inject, how: str, opening: bool = False) -> None:
        sc = self.scenario_now()
        events = [effect_event(sc, e, f"inject {j.id}: effect.{k}") for k, e in enumerate(j.effect)]
        refused = ""
        log = self.model.state.event_log
        n = len(log)
        try:
            for e in events:
                check_decision(sc, e)
                check_reopen(self.model.state, e)
            self._apply_events(events)
        except ScenarioError as exc:
            refused = f" (effect refused: {exc})"
        self.book.fired[j.id] = self.model.day
        # the first turn boundary whose decisions can answer it: an inject the facilitator fires while
        # a turn is open, or one due on the turn's first day (fired as the turn opens), is answered at
        # that turn's boundary; one due at a later day or on a condition fires among the turn's days,
        # after its boundary, and is answered at the next turn's
        first = self.book.turn + (1 if how == "facilitator" or opening else 2)
        # and only decisions submitted after it answer it (not those the tables had submitted before)
        self._log("inject", j.role, j.title, j.synopsis + refused, source=how, inject=j.id, answer_at=first,
                  submitted_before=self.book.seq)
        # what its effect did to places, as the model did it (the synopsis is the designer's words: "a location
        # of 400 places closes" closed 673 in two, whole locations closing), and to a regime it asks for (asked
        # already by a table or in force: nothing changed); changed parameters stay in its words
        for e, x in zip(events, log[n:]):
            if not refused and e.action in ("close", "open", "reopen", "raise", "request_regime"):
                self._log("model", None, f"inject {j.id}: {x['what']}", x["detail"])


def _unpacked(snap: Snapshot | _Packed) -> Snapshot:
    return snap.unpack() if isinstance(snap, _Packed) else snap


def said(d) -> str:
    """A decision in the planners' words, as the log, the report and the room show it: "open 2,000
    emergency (noodopvang) places in Groningen", "move 20 % of the regular track's decisions a day to the
    accelerated track" (it read "open places: places 2,000, kind emergency", the form's field names)."""
    where = f" in {d.province}" if getattr(d, "province", None) else ""
    kind = kind_words(getattr(d, "kind", ""))   # the words the room's tables and form use (`experiments.kinds`)
    if isinstance(d, R.OpenPlaces | R.ClosePlaces):
        return f"{'open' if isinstance(d, R.OpenPlaces) else 'close'} {d.places:,} {kind} places{where}"
    if isinstance(d, R.RaiseOccupancy):
        return f"raise occupancy of {kind} places to {d.factor:g} x normal{where}"
    if isinstance(d, R.RequestPlaces):
        return f"request {d.places:,} {kind} places{where}"
    if isinstance(d, R.AnswerRequest):
        return f"answer request {d.request}: " + (f"accept {d.places:,} places" if d.places else "refuse")
    if isinstance(d, R.RequestRegime):
        return f"request the {d.regime.replace('_', ' ')} regime"
    if isinstance(d, R.Reprioritise):
        return f"move {d.share * 100:.3g} % of the {d.from_track} track's decisions a day to the {d.to_track} track"
    return d.type.replace("_", " ")


# how a table's seat in the room changed (`ExerciseRun.seat`), as the log says it; {away}: how long its page
# gave no sign of life ("6 minutes")
SEAT_CHANGES = {
    "left": "left the room (Leave)",
    "closed": "left without Leave (its page closed)",
    "freed": "seat freed by the facilitator after {away} away (no sign of its page)",
    "taken_over": "seat taken over by a new participant after {away} away (no sign of its page)",
    "back": "back in its seat (its page opened again)",
}


def minutes_said(minutes: int) -> str:
    return f"{minutes} minute{'' if minutes == 1 else 's'}"


def seat_said(change: str, minutes: int | None = None) -> str:
    """A seat's change in the log's words: "seat taken over by a new participant after 6 minutes away (…)"."""
    return SEAT_CHANGES[change].format(away=minutes_said(minutes or 0))


def seat_detail(role_id: str, change: str, others: int) -> str:
    """What a seat's change means for its role: whether a table still plays it."""
    if change == "taken_over":
        return f"the new participant plays {role_id} on"
    if change == "back":
        return f"a table plays {role_id} again"
    if others:
        return f"{others} other seat{'' if others == 1 else 's'} of {role_id} play{'s' if others == 1 else ''} on"
    return f"no table plays {role_id} now: at a turn's end the model answers requests to it"


# A saved command's fields (what `ExerciseRun._record` writes) and their types; `effect` may be
# absent or null in older files.
_COMMANDS: dict[str, dict[str, type | tuple[type, ...]]] = {
    "decide": {"role": str, "decision": dict}, "withdraw": {"role": str, "index": int},
    "advance": {"played": list},
    "inject": {"id": str}, "adhoc": {"title": str, "synopsis": str, "effect": (list, type(None))},
    "snapshot": {"name": str}, "rewind": {"name": str}, "forked": {"name": str},
    "seat": {"role": str, "change": str, "minutes": int, "others": int}}
_OPTIONAL = {("adhoc", "effect"), ("advance", "played"),   # (the first saves' advance had no roster)
             ("seat", "minutes"), ("seat", "others")}


def check_commands(exercise: Exercise, commands: list) -> None:
    """Every saved command's shape before any is replayed (nothing is computed for a file that would
    be refused): a known `op`, its fields each once and of their type, no other field (a newer
    noodplan's, which this one would ignore), a decision that parses, a role and an inject of the
    exercise. What depends on the state (the exercise over, a request no longer open) is checked
    when the command is replayed. Raises ScenarioError naming `commands.N`."""
    roles = {r.id for r in exercise.roles}
    injects = {j.id for j in exercise.injects}
    taken: set[str] = set()         # snapshots taken by the commands so far
    for i, c in enumerate(commands):
        try:
            op = c.get("op") if isinstance(c, dict) else None
            if not isinstance(op, str) or op not in _COMMANDS:     # the field named when given (`op: .inf`)
                named = "op: " if isinstance(c, dict) and "op" in c else ""
                raise ScenarioError(f"{named}unknown command {op!r} (one of: {', '.join(_COMMANDS)})"
                                    if isinstance(c, dict) else f"a command is a mapping with an op, not {c!r:.40}")
            fields = _COMMANDS[op]
            other = next((k for k in c if k != "op" and k not in fields), None)
            if other is not None:
                raise ScenarioError(f"{other}: not a field of a {op!r} command"
                                    + (f" (its fields: {', '.join(fields)})" if fields else " (it has none)"))
            for key, kind in fields.items():
                if key not in c:
                    if (op, key) in _OPTIONAL:
                        continue
                    raise ScenarioError(f"missing {key!r}")
                value = c[key]
                if isinstance(value, bool) or not isinstance(value, kind):
                    names = "/".join({"str": "text", "int": "a whole number", "dict": "a mapping", "list": "a list",
                                      "NoneType": "null"}[t.__name__] for t in (kind if isinstance(kind, tuple)
                                                                               else (kind,)))
                    raise ScenarioError(f"{key}: must be {names} (got {value!r:.40})")
            if "role" in fields and c["role"] not in roles:
                raise ScenarioError(f"role: {c['role']!r} is not a role of this exercise ({', '.join(sorted(roles))})")
            if op == "inject" and c["id"] not in injects:
                raise ScenarioError(f"id: {c['id']!r} is not an inject of this exercise")
            if op == "decide":
                parse_decision(c["decision"])
            for r in c.get("played") or [] if op == "advance" else []:
                if not isinstance(r, str) or r not in roles:
                    raise ScenarioError(f"played: {r!r:.40} is not a role of this exercise "
                                        f"({', '.join(sorted(roles))})")
            if op == "seat" and c["change"] not in SEAT_CHANGES:
                raise ScenarioError(f"change: one of {', '.join(SEAT_CHANGES)} (got {c['change']!r:.40})")
            for key in ("minutes", "others") if op == "seat" else ():
                if c.get(key, 0) < 0:
                    raise ScenarioError(f"{key}: 0 or more (got {c[key]})")
            if op == "withdraw" and c["index"] < 0:
                raise ScenarioError(f"index: 0 or more (0 for the first pending decision; got {c['index']})")
            if op == "snapshot":
                taken.add(c["name"])
            elif op in ("rewind", "forked") and c["name"] not in taken and not (
                    1 <= (turn_start(c["name"]) or 0) <= exercise.turns):     # (the run's own: checked on replay)
                raise ScenarioError(f"name: no snapshot {c['name']!r} is taken before this {op!r} command"
                                    + (f" (taken: {', '.join(sorted(taken))})" if taken else " (none is)"))
        except ScenarioError as exc:
            raise ScenarioError(f"commands.{i}: {exc}") from None


def replay(exercise: Exercise, scenario: Scenario, commands: list[dict], world: World | None = None,
           opening_injects: bool = True) -> ExerciseRun:
    """The exercise rebuilt from its commands (same exercise and scenario and the same rule for injects
    due on a turn's first day -> the same state); each command's shape is checked before the run is
    made (`check_commands`)."""
    check_commands(exercise, commands)
    run = ExerciseRun(exercise, scenario, world, opening_injects)
    for i, c in enumerate(commands):
        op = c["op"]
        try:
            if op == "decide":
                run.submit(c["role"], c["decision"])
            elif op == "withdraw":
                run.withdraw(c["role"], c["index"])
            elif op == "advance":
                run.advance(c.get("played"))
            elif op == "inject":
                run.fire(c["id"])
            elif op == "adhoc":
                run.adhoc(c["title"], c["synopsis"], c.get("effect") or [])
            elif op == "snapshot":
                run.snapshot(c["name"])
            elif op == "seat":
                run.seat(c["role"], c["change"], c.get("minutes"), c.get("others", 0))
            elif op == "rewind":
                run.rewind(c["name"])
            else:                       # "forked" (check_commands knows no other)
                run._forked(c["name"])
        except ScenarioError as exc:
            raise ScenarioError(f"commands.{i}: {exc}") from None
    return run


def series(run: ExerciseRun) -> dict[str, np.ndarray]:
    """The key figures per simulated day so far (for the report and the room's charts)."""
    with run.lock:
        rec = recorder(run.model)
        d = run.model.day
        x = rec.scalars
        out = {k: x[k][:d].copy() for k in ("population", "in_bed", "unsheltered", "capacity", "occupancy_rate",
                                             "permit_holders_waiting", "moves", "cost_eur", "arrivals")}
        out["registration_backlog"] = rec.stage[:d, int(Stage.WAITING)].astype(float)
        out["plan_phase"] = rec.extra["phase"][:d].astype(float)
        # the registration location's occupancy (Ter Apel), as the injects' `central_occupancy` reads it:
        # persons there / its usable places; NaN on a day with none open
        c = int(Kind.CENTRAL)
        persons, places = rec.kind_occupancy[:d, c].astype(float), rec.kind_capacity[:d, c].astype(float)
        out["central_occupancy"] = np.divide(persons, places, out=np.full(d, np.nan), where=places > 0)
        out["dates"] = np.asarray(run.model.state.world.dates[:d], dtype="datetime64[D]")
        return out
