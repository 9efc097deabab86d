"""Where a forecast starts: the end of a run or a date inside it, a snapshot file, or recorded figures.

Each builder returns an `Origin`: the start the ensemble runs from (`model.prognosis`), on a world
long enough for the forecast, the origin's date, the inflow rates a persistence assumption would
use, the history to draw behind the fan, and a sentence saying what it is.

A start from recorded figures (`from_record`) is made like `hindcast-2020`'s: the scenario starts
on the date of the last count of persons in COA reception on or before the origin, with that count
as its stock (permit holders at their share in the last count of them, else the scenario's share),
the inflow known on the origin and, from where the known inflow ends, the persistence rates; the
published housing targets of the half-years begun by the origin, carried forward after the last
one, and where none is known yet (before 2015) the ministry's rule on the permits the model has
(`rulebook.start_half_year`); the scenario's `set`/`scale` events dated before the start folded into
its parameters (they were in force), and no scheduled event dated after the origin (a forecaster
would not know of it), nor a point of the IND's productivity ramp dated after it unless announced
by then (`RampPoint.announced`: the Taskforce of 2020 is not known on 1 January 2020; a later point
with no announcement day is not known either, `known_ramp`).
All of it is read through `RecordAsOf(origin)`, which refuses later figures.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import itertools
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from pydantic import ValidationError

from experiments.forecast.inflow import (FAMILY_RULE, FAMILY_RULES, Persistence, assume, persistence_from_record,
                                        persistence_from_world)
from experiments.calibrate import CALIBRATION_END
from experiments.forecast import MAX_MONTHS
from experiments.forecast.record import RecordAsOf, add_months, first_inflow_known, last_month, record_end
from experiments.history import RecordPoint
from model import prognosis, snapshot
from model.data import half_year
from model.lines import ramp_factor
from model.rulebook import run_day
from model.scenario import (MAX_DAYS, MAX_SEED, RampPoint, Scenario, ScenarioError, check_callback, choice_argument,
                            load_scenario, scenario_argument, shown, validate_scenario, validation_message,
                            whole_argument)
from model.simulate import prepare
from model.state import State
from model.world import World, build_world


@dataclass
class FromScenario:
    """Members start on day 0 of `scenario` (each with its own seed, so its own initial stock);
    the forecast begins on `origin_day` (days before it are the nowcast from the start date)."""

    scenario: Scenario
    world: World
    origin_day: int = 0

    def member(self, world: World, seq: np.random.SeedSequence) -> State:
        return prepare(self.scenario, seed=int(seq.generate_state(1, np.uint32)[0]), world=world)


@dataclass
class Origin:
    """A forecast's start (see the module text)."""

    start: prognosis.FromSnapshot | FromScenario
    date: dt.date                       # the first forecast day
    persistence: Persistence            # what a persistence inflow assumption would use
    description: str
    history: dict[str, tuple[list[dt.date], np.ndarray]]   # quantity -> (dates, values) before the origin
    record: RecordAsOf | None = None    # the record as known on the origin (starts from recorded figures)
    inflow: str = "scenario"            # the arrivals its world holds after the origin: scenario or persistence
    notes: list[str] = dataclasses.field(default_factory=list)   # caveats for assumptions.txt

    @property
    def world(self) -> World:
        return self.start.world

    @property
    def scenario(self) -> Scenario:
        """The scenario the members run (a snapshot's own)."""
        return self.start.snapshot.scenario if isinstance(self.start, prognosis.FromSnapshot) else self.start.scenario

    def with_persistence(self) -> Origin:
        """The same origin with arrivals from the origin on at the persistence rates."""
        if self.inflow == "persistence":
            return self
        world = assume(self.world, self.start.origin_day, self.persistence)
        return dataclasses.replace(self, start=dataclasses.replace(self.start, world=world), inflow="persistence")


def _months(months: object) -> int:
    return whole_argument("months", months, 1, MAX_MONTHS, " months")


def horizon_days(origin: dt.date, months: int) -> int:
    """Days from `origin` to `months` calendar months later."""
    return (add_months(origin, months) - origin).days


def from_state_snapshot(snap: snapshot.Snapshot, months: int, description: str, world: World | None = None,
                        history: dict | None = None, rekey: bool = True, policy: bool = True) -> Origin:
    """Members go on from a captured state, for `months` months (the world is built for it)."""
    sc = snap.scenario
    date = sc.start_date + dt.timedelta(days=snap.day)
    need = snap.day + horizon_days(date, months)
    if world is None or len(world.dates) < need:
        world = build_world(_long_enough(sc, snap.day, months))
    if history is None:
        s = snap.restore(world)
        x = s.recorder.scalars
        days = s.day
        history = {"population": (world.dates[:days], x["population"][:days].copy()),
                   "permit_holders": (world.dates[:days], x["permit_holders_waiting"][:days].copy())}
    start = prognosis.FromSnapshot(snap, world, rekey=rekey, policy=policy)
    return Origin(start, date, persistence_from_world(world, snap.day), description, history)


def _long_enough(sc: Scenario, day: int, months: int) -> Scenario:
    """`sc` with a horizon reaching `months` months after its day `day` (validated: the calendar
    and the sizes a run may have); raises ScenarioError."""
    date = sc.start_date + dt.timedelta(days=day)
    need = day + horizon_days(date, months)
    try:
        return validate_scenario(sc, max(need, sc.horizon_days))
    except ScenarioError as exc:
        raise ScenarioError(f"months: a forecast of {months} months from {date} needs a run of {need:,} days "
                            f"from {sc.start_date}, which a scenario cannot hold ({exc})") from None


def from_run(scenario: Scenario | str, months: int, at: dt.date | None = None, seed: int | None = None,
             progress=None) -> Origin:
    """Run `scenario` (on `seed`) to `at` (default: the end of its horizon) and start there."""
    sc = scenario_argument("scenario", scenario)
    _months(months)
    if at is not None and (not isinstance(at, dt.date) or isinstance(at, dt.datetime)):
        raise ScenarioError(f"at: a date (datetime.date) or None, not {type(at).__name__}")
    if seed is not None:
        whole_argument("seed", seed, 0, MAX_SEED)
    check_callback("progress", progress, "a function of (day, days)", 2)
    day = sc.horizon_days if at is None else (at - sc.start_date).days
    if not 0 <= day <= sc.horizon_days:
        raise ScenarioError(f"at: {at} is outside {sc.name!r} ({sc.start_date} to "
                            f"{sc.start_date + dt.timedelta(days=sc.horizon_days)}, its end: the start of the day "
                            f"after its last)")
    _long_enough(sc, day, months)        # before the run to the origin
    s = prepare(sc, seed=seed, days=max(day, 1))
    for _ in range(day):
        run_day(s)
        if progress is not None:
            progress(s.day, day)
    what = f"the state of a run of {sc.name!r} (seed {s.seed}) on {sc.start_date + dt.timedelta(days=day)}"
    return from_state_snapshot(snapshot.capture(s), months, what + (" (end of its horizon)" if at is None else ""))


RUN_OPTIONS_WITH_VALUE = ("--days", "--seed", "--out")    # `noodplan run`'s options that take a value
MAX_RUN_MANIFEST_BYTES = 1_000_000
MAX_RUN_DAILY_BYTES = 512 * 1024 * 1024


def is_run_folder(path: str | Path) -> bool:
    """Is `path` a folder that `noodplan run --out` wrote (its manifest names the `run` command)?"""
    manifest = Path(path) / "manifest.json"
    try:
        return Path(path).is_dir() and manifest.is_file() and _is_run(_manifest(manifest))
    except (OSError, ScenarioError):
        return False


def _manifest(manifest: Path) -> dict:
    """A results folder's manifest.json (a JSON object), or ScenarioError."""
    from model.inputfile import parse_json, read_bytes

    raw = read_bytes(manifest, str(manifest), "a manifest", MAX_RUN_MANIFEST_BYTES, ScenarioError)
    about = parse_json(raw, str(manifest), "a manifest", ScenarioError)
    if not isinstance(about, dict):
        raise ScenarioError(f"{manifest}: not a manifest (not a JSON object)")
    return about


def _is_run(about: dict) -> bool:
    return str(about.get("command", "")).startswith("noodplan run ") or about.get("command") == "noodplan run"


def _run_scenario_argument(command: str) -> str:
    """The scenario a `noodplan run` command line names (its one positional argument; baseline when none)."""
    import shlex

    try:
        words = shlex.split(command)[2:]
    except ValueError:
        words = []
    i = 0
    while i < len(words):
        w = words[i]
        if w in RUN_OPTIONS_WITH_VALUE:
            i += 2
            continue
        if not w.startswith("-"):
            return w
        i += 1
    return "baseline"


def from_run_folder(folder: str | Path, months: int, at: dt.date | None = None, progress=None) -> Origin:
    """Start from a run saved by `noodplan run ... --out FOLDER`: the run's scenario (as its command
    named it, checked against the manifest's SHA-256) and seed are run again to `at` (default: the
    end of the run) — a run is deterministic — and the run so made is checked day by day against the
    folder's daily.csv (persons in reception), so the state is the one the folder records. Raises
    ScenarioError (one line) for a folder that is not a run's, a scenario not found or changed since,
    a date outside the run, a daily.csv edited since, or a run this code does not reproduce."""
    from experiments.outputs import scenario_hash

    folder = Path(folder)
    manifest = folder / "manifest.json"
    if not folder.is_dir() or not manifest.is_file():
        raise ScenarioError(f"{folder}: not a run's output folder (no manifest.json; `noodplan run SCENARIO --out "
                            f"{folder}` writes one)")
    about = _manifest(manifest)
    if not _is_run(about):
        raise ScenarioError(f"{folder}: holds the results of {str(about.get('command'))[:60]!r}, not of `noodplan "
                            f"run`; give a run's output folder")
    seed, days, sha = about.get("seed"), about.get("days"), about.get("scenario_sha256")
    if type(seed) is not int or type(days) is not int or not isinstance(sha, str):
        raise ScenarioError(f"{folder}: its manifest.json lacks the run's seed, days or scenario_sha256")
    # an edited seed or days was answered "--seed: …" (an option not given) or "cannot be read from here"
    for field, value, low, top in (("seed", seed, 0, MAX_SEED), ("days", days, 1, MAX_DAYS)):
        if not low <= value <= top:
            raise ScenarioError(f"{manifest}: damaged ({field}: {value:,} is not a run's {field}); put back the "
                                f"manifest.json the run wrote")
    name = _run_scenario_argument(str(about["command"]))
    try:
        sc = load_scenario(name)
        if sc.horizon_days != days:
            sc = validate_scenario(sc, days)
    except ScenarioError as exc:
        raise ScenarioError(f"{folder}: the run's scenario {name!r} cannot be read from here ({exc}); forecast "
                            f"with --from-run SCENARIO --seed {seed}") from None
    if scenario_hash(sc) != sha:
        raise ScenarioError(f"{folder}: the run's scenario {name!r} has changed since the run (its SHA-256 differs "
                            f"from the manifest's); forecast with --from-run SCENARIO --seed {seed}")
    if at is not None and isinstance(at, dt.date) and not 0 <= (at - sc.start_date).days <= days:
        raise ScenarioError(f"at: {at} is outside the run in {folder} ({sc.start_date} to "
                            f"{sc.start_date + dt.timedelta(days=days)}, its end)")
    kept = _saved_population(folder / "daily.csv", sc.start_date, days, seed)   # checked before the run
    origin = from_run(sc, months, at, seed, progress)
    dates, now = origin.history["population"]
    n = len(now)
    if len(kept) < n or not np.array_equal(kept[:n], now):
        differ = next((i for i in range(min(n, len(kept))) if kept[i] != now[i]), min(n, len(kept)))
        where = (f"persons in reception on {dates[differ]}: {kept[differ]:,.0f} saved, {now[differ]:,.0f} now"
                 if differ < min(n, len(kept)) else f"{len(kept):,} days saved, {n:,} needed")
        raise ScenarioError(f"{folder}: this code does not reproduce the saved run ({where}; the run's code "
                            f"{about.get('code_version')}); run it again with this code")
    when = f"at its end, {origin.date}" if at is None else f"on {origin.date}"   # (not "at 2025-08-01, 2025-08-01")
    return dataclasses.replace(origin, description=f"the run saved in {folder} ({sc.name!r}, seed {seed}) {when}: "
                                                   f"run again and checked against its daily.csv")


def _saved_population(daily: Path, start: dt.date, days: int, seed: int) -> np.ndarray:
    """A run's daily.csv as `from_run_folder` checks the run against it: a row a day from `start`, `days`
    of them, each with a whole, non-negative number of persons in reception (`population`). A file edited
    or damaged since (a cell emptied or made text, a date changed, rows lost) is named at its line, before
    anything is run, not taken for a run this code does not reproduce (or a traceback, for text)."""
    import io

    import pandas as pd

    from model.inputfile import read_bytes

    raw = read_bytes(daily, str(daily), "a run's daily.csv", MAX_RUN_DAILY_BYTES, ScenarioError)
    remedy = f"put back the daily.csv the run wrote, or forecast from its scenario: --from-run SCENARIO --seed {seed}"
    try:
        saved = pd.read_csv(io.BytesIO(raw), dtype=str, keep_default_na=False)
    except pd.errors.EmptyDataError:
        raise ScenarioError(f"{daily}: damaged (empty); {remedy}") from None
    except (ValueError, pd.errors.ParserError) as exc:
        raise ScenarioError(f"{daily}: not a run's daily.csv ({str(exc).splitlines()[0]})") from None
    missing = [c for c in ("date", "population") if c not in saved.columns]
    if missing:
        raise ScenarioError(f"{daily}: damaged (no column {' or '.join(missing)} in its first line); {remedy}")
    kept = np.zeros(len(saved))
    for i, (d, v) in enumerate(zip(saved["date"], saved["population"])):
        want = start + dt.timedelta(days=i)
        line = f"{daily}: line {i + 2}: damaged (the run wrote "
        if d != want.isoformat():
            raise ScenarioError(f"{line}the date {want} here, not {d[:40]!r}); {remedy}")
        if not (v.isascii() and v.isdigit()):
            raise ScenarioError(f"{line}a whole number of persons as population, not {v[:40]!r}); {remedy}")
        kept[i] = int(v)
    if len(saved) != days:
        raise ScenarioError(f"{daily}: damaged (the run wrote {days:,} days, here {len(saved):,}); {remedy}")
    return kept


def from_snapshot_file(path: str | Path, months: int) -> Origin:
    """Start from a snapshot file (`noodplan` snapshots, `model.snapshot`)."""
    if not isinstance(path, str | Path):
        raise ScenarioError(f"path: a snapshot file's path, not {type(path).__name__}")
    _months(months)
    snap = snapshot.load(path)
    return from_state_snapshot(snap, months, f"the snapshot {Path(path).name} (day {snap.day} of "
                                             f"{snap.scenario.name!r}, seed {snap.header.get('seed')})")


def from_record(origin: dt.date, months: int, base: Scenario | str = "hindcast-2020",
                record: RecordAsOf | None = None, scenario_inflow: bool = False, keep_events: bool = False,
                targets: str = "rule", stock: str = "procedure", family: str = FAMILY_RULE) -> Origin:
    """Start from the recorded figures known on `origin` (see the module text). With
    `scenario_inflow` the arrivals are the base scenario's own (e.g. a recorded series: a forecast
    conditional on the inflow that came), not the record known on the origin and persistence;
    `family` is the rule for family members after the record (`inflow.FAMILY_RULES`)."""
    if not isinstance(origin, dt.date) or isinstance(origin, dt.datetime):
        raise ScenarioError(f"origin: a date (datetime.date), not {type(origin).__name__}")
    _months(months)
    choice_argument("targets", targets, TARGETS)
    choice_argument("stock", stock, STOCKS)
    choice_argument("family", family, FAMILY_RULES)
    for name, flag in (("scenario_inflow", scenario_inflow), ("keep_events", keep_events)):
        if not isinstance(flag, bool | np.bool_):
            raise ScenarioError(f"{name}: true or false, not {type(flag).__name__} {shown(flag)}")
    if record is not None and not isinstance(record, RecordAsOf):
        raise ScenarioError(f"record: a RecordAsOf or None, not {type(record).__name__}")
    if record is None and origin > record_end():
        raise ScenarioError(f"origin: {origin} is after the packaged record, which ends "
                            f"{record_end() - dt.timedelta(days=1)}; start from a date up to then, or from a run")
    rec = record or RecordAsOf(origin)
    # a count but no inflow known (without a count record_scenario says so): persistence has nothing to
    # persist (it raised a bare ValueError)
    if rec.latest("population") is not None and not rec.known_inflow("first"):
        raise ScenarioError(f"origin: no first asylum applications were known on {origin}: the packaged record's "
                            f"first figure is known from {first_inflow_known(rec.country)}; start from that date "
                            f"or later, or from a run")
    base_sc = scenario_argument("base", base)
    sc, description = record_scenario(base_sc, rec, add_months(origin, months), keep_events=keep_events,
                                      targets=targets, stock=stock)
    pers = persistence_from_record(rec, base_sc.inflow.family_reunification_per_year, family_rule=family)
    if scenario_inflow:
        sc = sc.model_copy(update={"inflow": base_sc.inflow.model_copy(deep=True)})
        world = known_targets(build_world(sc), sc)
    else:
        world = record_world(sc, rec, pers)
    origin_day = (origin - sc.start_date).days
    history = {q: ([p.date for p in rec.points(q)], np.array([p.value for p in rec.points(q)]))
               for q in ("population", "permit_holders")}
    notes = []
    gap = (origin - sc.start_date).days
    if gap > 0:        # the record's last count is older than the origin: the members' state on it is a nowcast
        notes.append(f"Start: the last count of persons in reception is of {sc.start_date}, {gap:,} "
                     f"day{'s' * (gap != 1)} before the origin; each member runs from it to the origin on "
                     + ("the scenario's arrivals" if scenario_inflow else "the arrivals known on the origin")
                     + ", so its state on the origin is the model's nowcast, not a count.")
    if origin < CALIBRATION_END and _fitted(base_sc):
        notes.append(f"Caution: {base_sc.name!r} holds parameters fitted to counts up to {CALIBRATION_END} "
                     f"(noodplan calibrate); from an origin before that date they have seen later counts. "
                     f"`noodplan backtest --rolling` refits on earlier counts only.")
    return Origin(FromScenario(sc, world, origin_day), origin, pers, description, history, rec,
                  "scenario" if scenario_inflow else "persistence", notes)


def _fitted(sc: Scenario) -> bool:
    """Does `sc` hold a value the calibration fits (other than the baseline's)?"""
    from experiments.forecast.refit import uncalibrated

    clean = uncalibrated(sc)
    return clean.model_dump(exclude={"housing": {"default_target_per_half_year"}}) != \
        sc.model_dump(exclude={"housing": {"default_target_per_half_year"}})


TARGETS = ("rule", "carried")
STOCKS = ("queue", "procedure")


def ind_queue(first: dict[tuple[int, int], float], end: dt.date) -> float | None:
    """Persons waiting for the IND's first decision at the end of `end`, as the budget rule
    (`chain.decision_capacity_rule: budget`) leaves them on the monthly first applications `first`:
    a queue empty on 1 January of the first year whose year before is in `first` in full, then
    each day the day's arrivals (the month's spread evenly over its days) join it and the IND takes
    off the first applications per day of the calendar year before (that year's months summed over
    its days), first come first served. None when `first` holds no whole year before `end`'s, or
    misses a month up to `end` or of the year before one (the start then keeps everyone in
    procedure)."""
    years: dict[int, list[float]] = {}
    for (y, _m), v in first.items():
        years.setdefault(y, []).append(v)
    whole = sorted(y for y, v in years.items() if len(v) == 12)
    begin = next((y + 1 for y in whole if y + 1 <= end.year), None)
    if begin is None:
        return None
    queue, day = 0.0, dt.date(begin, 1, 1)
    while day <= end:
        before = day.year - 1
        if len(years.get(before, [])) < 12 or (day.year, day.month) not in first:
            return None
        capacity = sum(years[before]) / (dt.date(day.year, 1, 1) - dt.date(before, 1, 1)).days
        queue = max(queue + first[day.year, day.month] / _days((day.year, day.month)) - capacity, 0.0)
        day += dt.timedelta(days=1)
    return queue


def record_scenario(base: Scenario, rec: RecordAsOf, end: dt.date, start_point: RecordPoint | None = None,
                    keep_events: bool = False, targets: str = "rule", stock: str = "procedure",
                    permit_share: float | None = None) -> tuple[Scenario, str]:
    """`base` started from the last recorded count on or before the origin (or `start_point`), with
    the targets, events and IND measures (ramp points by `announced`) known on the origin, running
    to `end`. `keep_events` keeps the base's events dated after the origin and the ramp points
    announced after it (only for a reference run that may know them). The housing
    targets of half-years not begun by the origin: `rule` — set at each half-year's start from the
    permits of the half-year before (`housing.target_rule: recent_permits`, as the ministry sets
    them); `carried` — the last known target carried forward (the model before the rule). The
    stock in procedure: `procedure` — all of it waits for the IND's first decision (the default);
    `queue` — only the IND's queue as the budget rule leaves it on the inflow known (`ind_queue`)
    waits, the older rest has been refused (`initial.procedure_persons`; measured on the rolling
    backtest and not kept as the default: docs/forecast.md). The permit holders' share of the stock:
    `permit_share` where given, else their share in the last count of them on or before the start,
    else (no count yet) the chain's nowcast (`permit_share_nowcast`)."""
    if targets not in TARGETS:
        raise ValueError(f"targets: {targets!r} (choose {' or '.join(TARGETS)})")
    if stock not in STOCKS:
        raise ValueError(f"stock: {stock!r} (choose {' or '.join(STOCKS)})")
    last = start_point or rec.latest("population")
    if last is None:
        raise ScenarioError(f"origin: no count of persons in reception recorded on or before {rec.origin}")
    rec.check(last.date)
    start = last.date                      # the count is the stock the scenario starts with (as hindcast-2020)
    ph = max((p for p in rec.points("permit_holders") if p.date <= start), key=lambda p: p.date, default=None)
    if permit_share is not None:
        share, share_note = permit_share, f"permit holders at {permit_share:.0%} of them (an assumption)"
    elif ph is not None:
        try:
            share = ph.value / rec.value(ph.date, "population")
        except KeyError:
            share = ph.value / last.value
        share_note = f"permit holders at their share on {ph.date} ({share:.1%})"
    else:
        share, share_note = permit_share_nowcast(base, rec, last, targets=targets, stock=stock)
    sc = base.model_copy(deep=True)
    sc.name = f"{base.name} from the record of {rec.origin}"
    sc.start_date = start
    sc.horizon_days = (end - start).days
    sc.initial.entitled_persons = round(last.value)
    sc.initial.permit_holder_share = float(min(max(share, 0.0), 1.0))
    queue_note = ""
    if stock == "queue":
        queue = ind_queue(rec.monthly_inflow("first"), start)
        if queue is not None:
            sc.initial.procedure_persons = round(queue)
            queue_note = (f"; {queue:,.0f} persons in the IND's queue (the budget rule on the inflow known), the older "
                          f"rest of the stock in procedure decided and refused")
    sc.inflow.monthly_series = None
    sc.inflow.shocks = []
    _fold(sc, start)
    sc.events = _events_from(sc.events, start, rec.origin, keep_events)
    sc.chain.decision_capacity_ramp = known_ramp(sc.chain.decision_capacity_ramp, start, rec.origin, keep_events)
    known = rec.housing_targets()
    given: dict[str, float] = {}
    carried = None
    for period in _half_years(start, end):
        begun = _half_year_start(period) <= rec.origin
        if not begun and targets == "rule":
            break
        value = known.get(period, base.housing.targets.get(period) if begun else None)
        if value is not None:
            carried = value
        if carried is not None:
            given[period] = float(carried)
        elif targets == "carried":          # (the model before the rule: the base's default, a later figure)
            given[period] = float(base.housing.default_target_per_half_year)
        # else no figure known yet: the rule sets it from the permits the model has (`rulebook.start_half_year`)
    sc.housing.targets = given
    sc.housing.target_rule = "recent_permits" if targets == "rule" else "given"
    try:
        sc = Scenario.model_validate(sc.model_dump())
    except ValidationError as err:
        raise ScenarioError(validation_message(err, f"{base.name} from the record of {rec.origin}")) from None
    unknown = [p for p in _half_years(start, end) if _half_year_start(p) <= rec.origin and p not in given]
    target_note = "" if not unknown else (
        f"; no housing target known for {_periods(unknown)}: set as the ministry sets one, from the permits of the "
        f"half-year before as the model has them (on its first day, at the rate its IND starts at)")
    description = (f"recorded figures known on {rec.origin}: {last.value:,.0f} persons in COA reception on "
                   f"{last.date}; {share_note}{queue_note}{target_note}")
    return sc, description


def known_ramp(ramp: list[RampPoint], start: dt.date, origin: dt.date, keep_later: bool = False) -> list[RampPoint]:
    """The points of the IND's productivity ramp (`chain.decision_capacity_ramp`) known on `origin`:
    those dated on or before it (in force) and later ones announced by then (`RampPoint.announced`);
    a later point without an announcement day is not known (a forecaster cannot have read it). Where
    a point is left out, the factor in force on the origin (the full ramp's, an observed capacity) is
    held from the origin on unless a known point says otherwise: a point on the origin is added when
    leaving one out would change it. `keep_later` keeps every point (a reference run that may know
    them). `start` is the run's first day (the day the factors are read from)."""
    if keep_later:
        return list(ramp)
    kept = [p for p in ramp if p.date <= origin or (p.announced is not None and p.announced <= origin)]
    day = (origin - start).days
    in_force = ramp_factor(ramp, start, day)
    if len(kept) < len(ramp) and ramp_factor(kept, start, day) != in_force:
        kept = sorted([p for p in kept if p.date != origin] + [RampPoint(date=origin, factor=in_force)],
                      key=lambda p: p.date)
    return kept


NOWCAST_START_SHARE = 0.0    # assumed at the nowcast's first count (2011): none, no count of them before 2015
NOWCAST_SEED = 1


def permit_share_nowcast(base: Scenario, rec: RecordAsOf, at: RecordPoint, start_share: float = NOWCAST_START_SHARE,
                         targets: str = "rule", stock: str = "procedure") -> tuple[float, str]:
    """The permit holders' share of the persons in reception on the count `at`, where no count of
    them is recorded on or before it, as the model's own chain has it: from the last count of
    persons before the known inflow begins, with `start_share` of them permit holders (an
    assumption), `base` runs (seed `NOWCAST_SEED`) on the inflow known on the origin to the next
    count, restarts there from the counted persons at the share it reached, and so on to `at`. The
    assumed share washes out only as the housing targets house the stock: the half-years 2012-2014
    have no known target and follow the ministry's rule on the model's permits, so from the 2014
    origins the assumption still moves the share by 16-24 points, from 2015 by 3 (docs/forecast.md).
    Everything is read through `rec` (the record as known on the origin).
    Without a count before the known inflow, `start_share` itself, said as an assumption. Returns
    the share and a line on it."""
    inflow = rec.monthly_inflow("first")
    begins = dt.date(*min(inflow), 1) - dt.timedelta(days=1) if inflow else None
    counts = rec.points("population")
    first = max((p for p in counts if begins is not None and p.date <= min(begins, at.date)), key=lambda p: p.date,
                default=None)
    if first is None or first.date == at.date:
        return start_share, (f"no permit-holder count yet and no earlier count of persons with the inflow known "
                             f"after it to run the chain from: {start_share:.0%} (an assumption)")
    pers = persistence_from_record(rec, base.inflow.family_reunification_per_year)
    share = start_share
    chain = [first] + [p for p in counts if first.date < p.date <= at.date]
    for a, b in itertools.pairwise(chain):
        sc, _ = record_scenario(base, rec, b.date + dt.timedelta(days=1), start_point=a, targets=targets,
                                stock=stock, permit_share=share)
        s = prepare(sc, seed=NOWCAST_SEED, world=record_world(sc, rec, pers))
        day = (b.date - a.date).days
        while s.day <= day:
            run_day(s)
        assert s.recorder is not None, "prepare() gives the state its recorder"
        x = s.recorder.scalars
        share = float(x["permit_holders_waiting"][day] / max(x["population"][day], 1.0))
    return share, (f"no permit-holder count yet: their share as the model's chain has it on {at.date} ({share:.1%}), "
                   f"run through the {len(chain) - 1} counts of persons from {first.date} ({start_share:.0%} of them "
                   f"assumed permit holders then) on the inflow known on {rec.origin}")


def _events_from(events: list, start: dt.date, origin: dt.date, keep_later: bool) -> list:
    """The events of a record start: a `set`/`scale` dated before `start` was in force on it, so its
    value is folded into the parameters (by `_fold`); an `open`/`close` before it is history (the count
    is the stock; the portfolio is synthetic); events after the origin only with `keep_later`."""
    return [e for e in events if start <= e.date and (keep_later or e.date <= origin)]


def _fold(sc: Scenario, start: dt.date) -> None:
    """Apply `sc`'s `set`/`scale` events dated before `start` to its parameters, in date order."""
    from model.events import set_path
    from model.scenario import get_path

    for e in sorted((e for e in sc.events if e.date < start and e.action in ("set", "scale")), key=lambda e: e.date):
        assert e.parameter is not None and e.value is not None   # checked at load (Event)
        set_path(sc, e.parameter, e.value if e.action == "set" else get_path(sc, e.parameter) * e.value)


def record_world(sc: Scenario, rec: RecordAsOf, pers: Persistence) -> World:
    """The world of a record start: the inflow known on the origin, then the persistence rates —
    from the end of the last known month, also where that lies before the start (a period just
    ended and not yet published): the days before the start that the IND's budget reads
    (`World.first_before`) take the persistence rate there, not the scenario's yearly figure."""
    first, family = rec.monthly_inflow("first"), rec.monthly_inflow("family")
    monthly = {k: (v, family.get(k, pers.family_per_day * _days(k))) for k, v in first.items()}
    world = build_world(sc, monthly_inflow=monthly)
    inflow = world.inflow
    f, fam = inflow.first.copy(), inflow.family.copy()
    for rates, target, known in ((first, f, pers.first_per_day), (family, fam, pers.family_per_day)):
        end = last_month(rates)
        day = 0 if end is None else max(0, (end - sc.start_date).days)
        target[day:] = known
    for (y, m), rate in pers.family_by_month.items():       # the follows rule (inflow.family_follows)
        a, b = (dt.date(y, m, 1) - sc.start_date).days, (dt.date(y + m // 12, m % 12 + 1, 1) - sc.start_date).days
        fam[max(a, 0):max(b, 0)] = rate
    before = world.first_before.copy()
    end = last_month(first)
    lead = 0 if end is None else (end - dt.date(sc.start_date.year - 1, 1, 1)).days
    before[max(lead, 0):] = pers.first_per_day
    return known_targets(dataclasses.replace(world, inflow=dataclasses.replace(inflow, first=f, family=fam),
                                             first_before=before), sc)


def known_targets(world: World, sc: Scenario) -> World:
    """`world` with the housing targets of a record start only (`sc.housing.targets`, those known on
    its origin): `build_world` adds every packaged published target, also those published after the
    origin, which the half-year a run starts in would otherwise read (`rulebook.start_half_year`)."""
    return dataclasses.replace(world, housing_targets={k: int(v) for k, v in sc.housing.targets.items()})


def _periods(periods: list[str]) -> str:
    return periods[0] if len(periods) == 1 else f"{periods[0]} to {periods[-1]}"


def _days(month: tuple[int, int]) -> int:
    y, m = month
    return (dt.date(y + m // 12, m % 12 + 1, 1) - dt.date(y, m, 1)).days


def _half_year_start(period: str) -> dt.date:
    return dt.date(int(period[:4]), 1 if period[5] == "1" else 7, 1)


def _half_years(start: dt.date, end: dt.date) -> list[str]:
    out, d = [], dt.date(start.year, 1 if start.month <= 6 else 7, 1)
    while d <= end:
        out.append(half_year(d))
        d = dt.date(d.year + (d.month == 7), 7 if d.month == 1 else 1, 1)
    return out
