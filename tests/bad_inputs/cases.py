"""A catalogue of malformed input, as data: what a user may get wrong on every entry point.

Every case is one command line (`argv`, with `{d}` for the case's own folder) and the files to
put in that folder first. Every case in `BAD` must meet the input contract (docs/input-contract.md):
exit code 2, exactly one line on stderr naming the file or option, the field and the reason, no
traceback, nothing computed and nothing written to `--out`. `GOOD` holds inputs close to the bad
ones that must still be accepted, so the refusals do not overreach.

Most scenario files extend `tiny.yaml` (a small, short world that every case folder holds), so an
input that is wrongly accepted costs a fraction of a second, not a full run.
`tests/bad_inputs/test_bad_inputs.py` runs the catalogue in process; `tests/bad_inputs/measure.py`
runs it in subprocesses against any checkout and counts the outcomes (the before/after table).
"""

from __future__ import annotations

import codecs
import sys
from dataclasses import dataclass, field
from pathlib import Path

FIFO = "<fifo>"          # a named pipe (reading it would wait forever)
FOLDER = "<folder>"      # an empty folder
SYMLINK = "<symlink>"    # "<symlink>target": a symbolic link to target

TINY = """\
extends: baseline
name: tiny
provinces: [Zeeland]
horizon_days: 20
initial: {entitled_persons: 2000, at_registration_persons: 100}
inflow: {first_applications_per_year: 3000, family_reunification_per_year: 1000}
"""

# a folder that holds another run's results (a stale events.csv among them)
OLD_RESULTS = {"out/daily.csv": "date,arrivals\n2020-01-01,1\n", "out/events.csv": "day,what\n0,old\n"}


@dataclass(frozen=True)
class Case:
    id: str
    category: str
    argv: tuple[str, ...]
    files: dict[str, str | bytes] = field(default_factory=dict)
    note: str = ""
    says: tuple[str, ...] = ()     # what the one line must say (the field and the reason), when given

    def __hash__(self) -> int:
        return hash(self.id)


BAD: list[Case] = []
GOOD: list[Case] = []


def _files(body: str | bytes | None, extra: dict | None = None) -> dict:
    files: dict = {"tiny.yaml": TINY}
    if body is not None:
        files["s.yaml"] = body if isinstance(body, bytes) else "extends: tiny.yaml\n" + body
    files.update(extra or {})
    return files


def bad(category: str, name: str, body: str | bytes | None, note: str = "",
        commands: tuple[str, ...] = ("run", "validate"), extra: dict | None = None,
        says: tuple[str, ...] = ()) -> None:
    """A scenario file `s.yaml` (extending tiny.yaml unless `body` is bytes) through `commands`."""
    for cmd in commands:
        argv = {"run": ("run", "{d}/s.yaml", "--out", "{d}/out"),
                "validate": ("validate", "{d}/s.yaml"),
                "compare": ("compare", "{d}/tiny.yaml", "{d}/s.yaml", "--runs", "1", "--workers", "1"),
                "backtest": ("backtest", "{d}/s.yaml", "--seeds", "1", "--jobs", "1", "--out", "{d}/out"),
                "calibrate": ("calibrate", "--scenario", "{d}/s.yaml", "--budget", "2", "--seeds", "1",
                              "--dry-run", "--jobs", "1", "--out", "{d}/out"),
                "ui": ("ui", "--scenario", "{d}/s.yaml", "--port", "8799")}[cmd]
        BAD.append(Case(f"{category}/{name}/{cmd}", category, argv, _files(body, extra), note, says))


def bad_argv(category: str, name: str, argv: tuple[str, ...], files: dict | None = None, note: str = "",
             says: tuple[str, ...] = ()) -> None:
    BAD.append(Case(f"{category}/{name}", category, argv, _files(None, files), note, says))


def with_options(base: tuple[str, ...], extra: tuple[str, ...]) -> tuple[str, ...]:
    """`base` with `extra`'s options: an option `base` gives already takes `extra`'s value in its place
    (an option given twice is refused by its own check, which would hide the one the case is for)."""
    out, rest = list(base), list(extra)
    while rest:
        arg = rest.pop(0)
        if arg.startswith("--") and arg in out and rest and not rest[0].startswith("--"):
            out[out.index(arg) + 1] = rest.pop(0)
        else:
            out.append(arg)
    return tuple(out)


def good(category: str, name: str, argv: tuple[str, ...], files: dict, note: str = "") -> None:
    GOOD.append(Case(f"{category}/{name}", category, argv, {"tiny.yaml": TINY, **files}, note))


# --- syntax -----------------------------------------------------------------------------------
bad("syntax", "unclosed-bracket", "inflow: {first_applications_per_year: 3000\n")
bad("syntax", "unclosed-list", "provinces: [Zeeland\n")
bad("syntax", "tab-indent", "inflow:\n\tfirst_applications_per_year: 3000\n")
bad("syntax", "bad-indent", "inflow:\n  first_applications_per_year: 3000\n   vulnerable_share: 0.1\n")
bad("syntax", "unterminated-quote", 'name: "tiny\n')
bad("syntax", "colon-in-plain-value", "name: a: b\n")
bad("syntax", "top-level-list", b"- extends: baseline\n- name: x\n")
bad("syntax", "top-level-scalar", b"baseline\n")
bad("syntax", "top-level-number", b"42\n")
bad("syntax", "empty-file", b"")
bad("syntax", "only-comments", b"# nothing here\n")
bad("syntax", "two-documents", "name: a\n---\nname: b\n")
bad("syntax", "python-tag", "name: !!python/object:os.system [ls]\n")
bad("syntax", "unknown-tag", "name: !secret x\n")
bad("syntax", "duplicate-top-key", "horizon_days: 10\nhorizon_days: 30\n", "the last one would win silently")
bad("syntax", "duplicate-nested-key", "chain:\n  screening_days: 7\n  screening_days: 70\n")
bad("syntax", "duplicate-flow-key", "inflow: {vulnerable_share: 0.1, vulnerable_share: 0.9}\n")
bad("syntax", "undefined-alias", "inflow: *nothing\n")
bad("syntax", "null-byte", b"extends: tiny.yaml\nname: a\x00b\n")
bad("syntax", "merge-key-non-mapping", "chain:\n  <<: 5\n")
bad("syntax", "bare-key-no-value", "extends: tiny.yaml\nchain\n")

# --- types ------------------------------------------------------------------------------------
bad("types", "name-number", "name: 5\n")
bad("types", "name-list", "name: [a, b]\n")
bad("types", "horizon-text", "horizon_days: ten\n")
bad("types", "horizon-fraction", "horizon_days: 10.5\n")
bad("types", "horizon-yes", "horizon_days: yes\n", "YAML 1.1 reads yes as true; true is not a number of days")
bad("types", "rate-yes", "inflow: {first_applications_per_year: yes}\n", "read as 1.0 before")
bad("types", "share-on", "inflow: {vulnerable_share: on}\n", "YAML 1.1 'on' is true")
bad("types", "share-text", "inflow: {vulnerable_share: ten percent}\n")
bad("types", "share-list", "inflow: {vulnerable_share: [0.1]}\n")
bad("types", "section-number", "inflow: 5\n")
bad("types", "section-list", "chain: [1, 2]\n")
bad("types", "groups-mapping", "groups: {a: 1}\n")
bad("types", "provinces-string", "provinces: Zeeland\n")
bad("types", "bool-number", "plan: {enabled: 2}\n")
bad("types", "bool-text", "plan: {enabled: 'sometimes'}\n")
bad("types", "bool-as-one", "chain: {registration_priority: 1}\n", "a number where true/false is asked")
bad("types", "decisions-text", "chain: {decisions_per_day: {regular: many}}\n")
bad("types", "seed-yes", "seed: yes\n")
bad("types", "seed-fraction", "seed: 1.5\n")
bad("types", "events-mapping", "events: {date: 2025-08-01}\n")
bad("types", "unknown-field", "inflow: {first_aplications_per_year: 3000}\n", "misspelt field")
bad("types", "unknown-top-field", "horizon: 30\n")
bad("types", "country-unknown", "country: be\n")

# --- ranges -----------------------------------------------------------------------------------
bad("ranges", "negative-rate", "inflow: {first_applications_per_year: -5}\n")
bad("ranges", "share-above-one", "inflow: {vulnerable_share: 1.5}\n")
bad("ranges", "shares-not-summing", "inflow: {household_size_shares: [0.5, 0.2]}\n")
bad("ranges", "horizon-zero", "horizon_days: 0\n")
bad("ranges", "horizon-huge", "horizon_days: 10000000\n", "dates for every day of 27,000 years")
bad("ranges", "seed-negative", "seed: -1\n")
bad("ranges", "seed-huge", "seed: 1000000000000000000000000000000\n")
bad("ranges", "portfolio-seed-negative", "portfolio: {seed: -5}\n", "default_rng(-4) fails mid-build")
bad("ranges", "places-negative", "portfolio: {places: {regular: -100}}\n")
bad("ranges", "places-huge", "portfolio: {places: {regular: 100000000000}}\n", "int32 capacity column")
bad("ranges", "mean-size-zero", "portfolio: {mean_location_places: {regular: 0}}\n")
bad("ranges", "locations-too-many", "portfolio: {places: {emergency: 5000000}, mean_location_places: {emergency: 1}}\n",
    "five million locations")
bad("ranges", "contract-years-huge", "portfolio: {contract_years: {regular: [1, 100000000]}}\n", "int32 days")
bad("ranges", "contract-years-reversed", "portfolio: {contract_years: {regular: [10, 1]}}\n")
bad("ranges", "occupancy-factor", "portfolio: {max_occupancy_factor: 5}\n")
bad("ranges", "stock-age-huge", "initial: {stock_age_days: 5000000000}\n", "int32 arrival days")
bad("ranges", "initial-huge", "initial: {entitled_persons: 1000000000000}\n")
bad("ranges", "initial-negative", "initial: {entitled_persons: -10}\n")
bad("ranges", "household-size-int16", "inflow: {household_size_shares: [" + "0, " * 40000 + "1]}\n",
    "households of 40,001 persons overflow int16")
bad("ranges", "peak-day-400", "inflow: {seasonality_peak_day_of_year: 400}\n")
bad("ranges", "decisions-unknown-track", "chain: {decisions_per_day: {regular: 5, express: 1}}\n")
bad("ranges", "departure-shares-sum", "chain: {departure_shares: {independent: 0.5, forced: 0.5, unsupervised: 0.5}}\n")
bad("ranges", "screening-zero", "chain: {screening_days: 0}\n")
bad("ranges", "screening-huge", "chain: {screening_days: 10000000000}\n")
bad("ranges", "trigger-both-bounds",
    "plan:\n  phases:\n    - {name: p, activate: [{indicator: occupancy, above: 0.9, below: 0.5}],"
    " deactivate: [{indicator: occupancy, below: 0.8}], min_dwell_days: 1}\n")
bad("ranges", "five-phases", "plan:\n  phases: [" + ", ".join(
    ["{name: p, activate: [{indicator: occupancy, above: 0.9}], deactivate: [{indicator: occupancy, below: 0.8}],"
     " min_dwell_days: 1}"] * 5) + "]\n")
bad("ranges", "group-shares-sum", "groups: [{name: a, share: 0.5, recognition: 0.5}]\n")
bad("ranges", "group-recognition", "groups: [{name: a, share: 1.0, recognition: 1.5}]\n")
bad("ranges", "vacant-share-above-one", "costs: {vacant_place_share: 1.5}\n", "a share of a resident's cost")
bad("ranges", "vacant-share-negative", "costs: {vacant_place_share: -0.1}\n")
bad("ranges", "vacant-share-text", "costs: {vacant_place_share: most}\n", "wrong type")
bad("ranges", "housing-target-key", "housing: {targets: {2025H3: 1000}}\n")
bad("ranges", "supply-spread-huge", "housing: {supply_spread: 1000000}\n")
bad("ranges", "name-empty", "name: ''\n")
bad("ranges", "name-path", "name: ../../etc/x\n", "the name becomes part of file names")
bad("ranges", "name-long", "name: " + "x" * 5000 + "\n")
bad("ranges", "provinces-empty", "provinces: []\n", "an empty world")

# --- non-finite and huge numbers --------------------------------------------------------------
bad("nonfinite", "rate-nan", "inflow: {first_applications_per_year: .nan}\n")
bad("nonfinite", "rate-inf", "inflow: {first_applications_per_year: .inf}\n")
bad("nonfinite", "rate-1e400", "inflow: {first_applications_per_year: 1.0e+400}\n", "parses as inf")
bad("nonfinite", "rate-1e300", "inflow: {first_applications_per_year: 1.0e+300}\n", "Poisson draw fails")
bad("nonfinite", "family-1e18", "inflow: {family_reunification_per_year: 1.0e+18}\n")
bad("nonfinite", "share-nan", "inflow: {vulnerable_share: .nan}\n")
bad("nonfinite", "cost-inf", "costs: {crisis_per_person_night: .inf}\n", "cost infinite")
bad("nonfinite", "cost-nan", "costs: {per_resident_per_year: {regular: .nan}}\n", "cost NaN")
bad("nonfinite", "cost-negative", "costs: {reserve_per_place_per_night: -76.9}\n", "cost negative")
bad("nonfinite", "cost-1e308", "costs: {per_resident_per_year: {regular: 1.0e+308}}\n", "cost overflows to inf")
bad("nonfinite", "registration-inf", "chain: {registration_capacity_per_day: .inf}\n")
bad("nonfinite", "decisions-nan", "chain: {decisions_per_day: {regular: .nan}}\n")
bad("nonfinite", "supply-inf", "housing: {supply_persons_per_year: .inf}\n")
bad("nonfinite", "supply-1e300", "housing: {supply_persons_per_year: 1.0e+300}\n", "Poisson draw fails")
bad("nonfinite", "willingness-nan", "municipalities: {willingness_mean: .nan}\n")
bad("nonfinite", "trigger-inf", "plan:\n  phases:\n    - {name: p, activate: [{indicator: occupancy, above: .inf}],"
    " deactivate: [{indicator: occupancy, below: 0.8}], min_dwell_days: 1}\n")
bad("nonfinite", "moves-up-nan", "chain: {moves_up_per_day: .nan}\n")
bad("nonfinite", "huge-int-places", "portfolio: {reserve_places: 99999999999999999999}\n")

# --- dates ------------------------------------------------------------------------------------
bad("dates", "feb-30", "start_date: 2026-02-30\n", "YAML constructs the date and fails")
bad("dates", "month-13", "start_date: 2026-13-01\n")
bad("dates", "text-date", "start_date: next monday\n")
bad("dates", "year-1600", "start_date: 1600-01-01\n", "before pandas' calendar: NetCDF cannot be opened")
bad("dates", "year-2300", "start_date: 2300-01-01\n")
bad("dates", "year-9999-end", "start_date: 9999-12-01\nhorizon_days: 60\n", "end date past year 9999")
bad("dates", "end-past-2262", "start_date: 2200-01-01\nhorizon_days: 36000\n")
bad("dates", "quoted-bad-date", "start_date: '2026-02-30'\n")
bad("dates", "shock-end-before-start", "inflow:\n  shocks: [{start: 2025-09-01, end: 2025-08-01, extra_persons_per_day: 10}]\n")
bad("dates", "shock-feb-30", "inflow:\n  shocks: [{start: 2025-02-30, end: 2025-08-01, extra_persons_per_day: 10}]\n")
bad("dates", "shock-before-start", "inflow:\n  shocks: [{start: 2020-01-01, end: 2020-02-01, extra_persons_per_day: 10}]\n",
    "silently does nothing")
bad("dates", "event-before-start", "events: [{date: 2020-01-01, action: set, parameter: chain.screening_days, value: 9}]\n",
    "silently dropped")
bad("dates", "event-feb-30", "events: [{date: 2025-02-30, action: set, parameter: chain.screening_days, value: 9}]\n")
bad("dates", "event-datetime", "events: [{date: '2025-08-01T10:30', action: set, parameter: chain.screening_days, value: 9}]\n")
bad("dates", "regime-feb-30", "regimes: [{type: crisis, requested: 2025-02-30, authorisation_delay_days: 1}]\n")
bad("dates", "pact-feb-30", "pact: {start: 2026-02-30, border_procedure_for_low_recognition: true,"
    " dublin_reception_ends_at_decision: true, new_procedure_share: 0.5}\n")
bad("dates", "housing-target-1600", "housing: {targets: {1600H1: 10}}\n")

# --- encodings --------------------------------------------------------------------------------
_BODY = "extends: tiny.yaml\nname: caf\u00e9\n"
bad("encodings", "utf16-bom", codecs.BOM_UTF16_LE + _BODY.encode("utf-16-le"))
bad("encodings", "utf16-no-bom", _BODY.encode("utf-16-le"))
bad("encodings", "utf32", _BODY.encode("utf-32"))
bad("encodings", "latin1", _BODY.encode("latin-1"), "a byte 0xe9 that is not UTF-8")
bad("encodings", "cp1252-quotes", "extends: tiny.yaml\ndescription: \u201cquoted\u201d\n".encode("cp1252"))
bad("encodings", "png-bytes", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)))
bad("encodings", "gzip-bytes", b"\x1f\x8b\x08\x00" + bytes(200))
bad("encodings", "control-chars", b"extends: tiny.yaml\nname: a\x07b\n")

# --- sizes and special files ------------------------------------------------------------------
bad("sizes", "five-megabytes", ("extends: tiny.yaml\n" + "# padding line\n" * 400_000).encode())
bad("sizes", "long-line", ("extends: tiny.yaml\ndescription: " + "x" * 3_000_000 + "\n").encode())
bad("sizes", "alias-bomb", ("extends: tiny.yaml\nx0: &a0 [1,1,1,1,1,1,1,1,1,1]\n"
                            + "".join(f"x{i}: &a{i} [*a{i - 1},*a{i - 1},*a{i - 1},*a{i - 1},*a{i - 1},"
                                      f"*a{i - 1},*a{i - 1},*a{i - 1},*a{i - 1},*a{i - 1}]\n" for i in range(1, 9))
                            ).encode(), "a billion laughs")
bad("sizes", "deep-nesting", ("extends: tiny.yaml\ndescription: " + "[" * 5000 + "]" * 5000 + "\n").encode(),
    "RecursionError in the parser")
bad("sizes", "many-events", "events:\n" + "".join(
    f"  - {{date: 2025-07-0{1 + i % 9}, action: open, kind: emergency, places: 1}}\n" for i in range(2000)),
    "more events than the documented maximum")
bad_argv("sizes", "dev-zero/run", ("run", "/dev/zero"), note="reads until memory runs out")
bad_argv("sizes", "dev-zero/validate", ("validate", "/dev/zero"))
bad_argv("sizes", "fifo/run", ("run", "{d}/pipe.yaml"), {"pipe.yaml": FIFO}, "waits forever for a writer")
bad_argv("sizes", "fifo/validate", ("validate", "{d}/pipe.yaml"), {"pipe.yaml": FIFO})
bad_argv("sizes", "folder/run", ("run", "{d}/folder.yaml"), {"folder.yaml": FOLDER})
bad_argv("sizes", "folder/validate", ("validate", "{d}"))
bad_argv("sizes", "dev-null", ("validate", "/dev/null"))
bad_argv("sizes", "proc-file", ("validate", "/proc/self/status"))

# --- extends ----------------------------------------------------------------------------------
bad("extends", "number", b"extends: 5\nname: x\n")
bad("extends", "list", b"extends: [baseline]\nname: x\n")
bad("extends", "mapping", b"extends: {name: baseline}\nname: x\n")
bad("extends", "null", b"extends:\nname: x\n")
bad("extends", "empty-string", b"extends: ''\nname: x\n")
bad("extends", "missing-file", b"extends: nowhere.yaml\nname: x\n")
bad("extends", "misspelt-builtin", b"extends: basline\nname: x\n")
bad("extends", "self", b"extends: s.yaml\nname: x\n")
bad("extends", "cycle-of-two", b"extends: b.yaml\nname: x\n", extra={"b.yaml": "extends: s.yaml\n"})
bad("extends", "parent-invalid", b"extends: b.yaml\nname: x\n", extra={"b.yaml": "extends: baseline\nhorizon_days: -1\n"})
bad("extends", "parent-bad-yaml", b"extends: b.yaml\nname: x\n", extra={"b.yaml": "extends: [baseline\n"})
bad("extends", "parent-latin1", b"extends: b.yaml\nname: x\n", extra={"b.yaml": "extends: baseline\nname: caf\xe9\n".encode("latin-1")})
bad("extends", "folder", b"extends: sub\nname: x\n", extra={"sub": FOLDER})
bad("extends", "dev-zero", b"extends: /dev/zero\nname: x\n")
bad("extends", "fifo", b"extends: pipe.yaml\nname: x\n", extra={"pipe.yaml": FIFO})
bad("extends", "absolute-missing", b"extends: /no/such/folder/x.yaml\nname: x\n")
bad("extends", "deep-chain", b"extends: c0.yaml\nname: x\n",
    extra={**{f"c{i}.yaml": f"extends: c{i + 1}.yaml\n" for i in range(60)}, "c60.yaml": "extends: tiny.yaml\n"},
    note="a chain longer than the documented maximum")

# --- events -----------------------------------------------------------------------------------
bad("events", "unknown-parameter", "events: [{date: 2025-07-05, action: set, parameter: chain.speed, value: 9}]\n")
bad("events", "fixed-parameter", "events: [{date: 2025-07-05, action: set, parameter: portfolio.seed, value: 9}]\n")
bad("events", "set-out-of-range", "events: [{date: 2025-07-05, action: set, parameter: chain.dublin_share, value: 2}]\n",
    "the schema refuses 2 at load; the event set it mid-run")
bad("events", "set-zero-days", "events: [{date: 2025-07-05, action: set, parameter: chain.screening_days, value: 0}]\n")
bad("events", "set-fraction-days", "events: [{date: 2025-07-05, action: set, parameter: chain.screening_days, value: 1.5}]\n")
bad("events", "scale-out-of-range", "events: [{date: 2025-07-05, action: scale, parameter: chain.dublin_share, value: 10}]\n")
bad("events", "scale-negative", "events: [{date: 2025-07-05, action: scale, parameter: chain.decisions_per_day.regular, value: -1}]\n")
bad("events", "scale-fraction-days", "events: [{date: 2025-07-05, action: scale, parameter: chain.screening_days, value: 1.5}]\n")
bad("events", "set-nan", "events: [{date: 2025-07-05, action: set, parameter: chain.moves_up_per_day, value: .nan}]\n")
bad("events", "set-inf", "events: [{date: 2025-07-05, action: set, parameter: housing.supply_persons_per_year, value: .inf}]\n")
bad("events", "set-huge-supply", "events: [{date: 2025-07-05, action: set, parameter: housing.supply_persons_per_year, value: 1.0e+300}]\n")
bad("events", "shares-no-longer-sum", "events: [{date: 2025-07-05, action: set, parameter: chain.departure_shares.forced, value: 0.9}]\n")
bad("events", "bool-set-to-2", "events: [{date: 2025-07-05, action: set, parameter: chain.registration_priority, value: 2}]\n")
bad("events", "set-mapping", "events: [{date: 2025-07-05, action: set, parameter: chain.decisions_per_day, value: 3}]\n")
bad("events", "set-unknown-track", "events: [{date: 2025-07-05, action: set, parameter: chain.decisions_per_day.express, value: 3}]\n")
bad("events", "set-without-value", "events: [{date: 2025-07-05, action: set, parameter: chain.screening_days}]\n")
bad("events", "value-yes", "events: [{date: 2025-07-05, action: set, parameter: chain.moves_up_per_day, value: yes}]\n")
bad("events", "unknown-action", "events: [{date: 2025-07-05, action: delete, kind: emergency, places: 10}]\n")
bad("events", "unknown-kind", "events: [{date: 2025-07-05, action: open, kind: hotel, places: 10}]\n")
bad("events", "unknown-province", "events: [{date: 2025-07-05, action: close, kind: emergency, places: 10, province: Atlantis}]\n",
    "found only when the event comes")
bad("events", "province-outside-world", "events: [{date: 2025-07-05, action: open, kind: emergency, places: 10, province: Utrecht}]\n",
    "a real province, but not in this world (provinces: [Zeeland])")
bad("events", "places-negative", "events: [{date: 2025-07-05, action: close, kind: emergency, places: -5}]\n")
bad("events", "places-huge", "events: [{date: 2025-07-05, action: open, kind: emergency, places: 100000000000}]\n")
bad("events", "lead-time-huge", "events: [{date: 2025-07-05, action: open, kind: emergency, places: 10, lead_time_days: 100000000000}]\n")
bad("events", "duration-huge", "events: [{date: 2025-07-05, action: open, kind: emergency, places: 10, duration_days: 100000000000}]\n")
bad("events", "extra-field", "events: [{date: 2025-07-05, action: open, kind: emergency, places: 10, colour: red}]\n")
bad("events", "open-without-places", "events: [{date: 2025-07-05, action: open, kind: emergency}]\n")
bad("events", "reopen-misspelt-closure", "events: [{date: 2025-07-05, action: close, kind: regular, places: 10, id: flood}, {date: 2025-07-10, action: reopen, closure: flod}]\n",
    says=("events.1.closure", "flod", "did you mean 'flood'"))
bad("events", "reopen-before-closure", "events: [{date: 2025-07-05, action: close, kind: regular, places: 10, id: flood}, {date: 2025-07-01, action: reopen, closure: flood}]\n",
    says=("events.1", "flood"))
bad("events", "reopen-same-day", "events: [{date: 2025-07-05, action: close, kind: regular, places: 10, id: flood}, {date: 2025-07-05, action: reopen, closure: flood}]\n",
    says=("events.1", "flood"))
bad("events", "reopen-twice", "events: [{date: 2025-07-05, action: close, kind: regular, places: 10, id: flood}, {date: 2025-07-10, action: reopen, closure: flood}, "
    "{date: 2025-07-12, action: reopen, closure: flood}]\n", says=("events.2", "flood"))
bad("events", "closure-id-twice", "events: [{date: 2025-07-05, action: close, kind: regular, places: 10, id: flood}, {date: 2025-07-08, action: close, kind: emergency, places: 5, "
    "id: flood}]\n", says=("events.1", "flood"))
bad("events", "reopen-without-closure", "events: [{date: 2025-07-05, action: close, kind: regular, places: 10, id: flood}, {date: 2025-07-10, action: reopen}]\n",
    says=("events.1", "closure"))
bad("events", "id-on-open", "events: [{date: 2025-07-05, action: open, kind: emergency, places: 10, id: x}]\n",
    says=("events.0", "id"))

# --- derogations and regimes ------------------------------------------------------------------
_REGIME = "regimes: [{{type: crisis, requested: 2025-07-02, authorisation_delay_days: 1, derogations: {{{}}}}}]\n"
bad("derogations", "unknown-path", _REGIME.format("chain.speed: 3"))
bad("derogations", "fixed-path", _REGIME.format("portfolio.max_occupancy_factor: 1.5"))
bad("derogations", "out-of-range", _REGIME.format("chain.dublin_share: 5"), "accepted at load, set mid-run")
bad("derogations", "zero-days", _REGIME.format("chain.registration_deadline_days: 0"))
bad("derogations", "fraction-days", _REGIME.format("chain.screening_days: 0.5"))
bad("derogations", "nan", _REGIME.format("chain.moves_up_per_day: .nan"))
bad("derogations", "bool-to-3", _REGIME.format("chain.registration_priority: 3"))
bad("derogations", "shares-break", _REGIME.format("chain.departure_shares.independent: 0.9"))
bad("derogations", "value-text", _REGIME.format("chain.screening_days: lots"))
bad("derogations", "not-mapping", "regimes: [{type: crisis, requested: 2025-07-02, authorisation_delay_days: 1, derogations: [a]}]\n")
bad("derogations", "after-event", _REGIME.format("chain.decisions_per_day.regular: 1.0e+11")
    + "events: [{date: 2025-07-03, action: scale, parameter: chain.decisions_per_day.regular, value: 100}]\n",
    "in range alone, out of range once the event scales it")
bad("regimes", "unknown-type", "regimes: [{type: war, requested: 2025-07-02, authorisation_delay_days: 1}]\n")
bad("regimes", "no-trigger", "regimes: [{type: crisis, authorisation_delay_days: 1}]\n")
bad("regimes", "phase-9", "regimes: [{type: crisis, request_at_phase: 9, authorisation_delay_days: 1}]\n")
bad("regimes", "duration-zero", "regimes: [{type: crisis, requested: 2025-07-02, authorisation_delay_days: 1, duration_days: 0}]\n")
bad("regimes", "extensions-negative", "regimes: [{type: crisis, requested: 2025-07-02, authorisation_delay_days: 1, max_extensions: -1}]\n")
bad("regimes", "delay-huge", "regimes: [{type: crisis, requested: 2025-07-02, authorisation_delay_days: 100000000000}]\n")

# --- shocks -----------------------------------------------------------------------------------
_SHOCK = "inflow:\n  shocks: [{{start: 2025-07-05, end: 2025-07-15, {}}}]\n"
bad("shocks", "negative", _SHOCK.format("extra_persons_per_day: -10"))
bad("shocks", "nan", _SHOCK.format("extra_persons_per_day: .nan"))
bad("shocks", "huge", _SHOCK.format("extra_persons_per_day: 1.0e+300"), "Poisson draw fails")
bad("shocks", "too-many-persons", _SHOCK.format("extra_persons_per_day: 1.0e+9"), "ten billion arrivals")
bad("shocks", "border-share", _SHOCK.format("extra_persons_per_day: 10, border_entry_share: 2"))
bad("shocks", "unknown-entry", _SHOCK.format("extra_persons_per_day: 10, entry_municipality: Atlantis"))
bad("shocks", "entry-outside-world", _SHOCK.format("extra_persons_per_day: 10, entry_municipality: Enschede"),
    "a real municipality, not in this world (provinces: [Zeeland])")
bad("shocks", "entry-after-horizon",
    "inflow:\n  shocks: [{start: 2030-01-01, end: 2030-02-01, extra_persons_per_day: 5, entry_municipality: Atlantis}]\n",
    "checked only when the shock falls inside the horizon")
bad("shocks", "missing-extra", "inflow:\n  shocks: [{start: 2025-07-05, end: 2025-07-15}]\n")

# --- plan -------------------------------------------------------------------------------------
_PHASE = ("plan:\n  phases:\n    - {{name: p, activate: [{{indicator: occupancy, above: 0.5}}],"
          " deactivate: [{{indicator: occupancy, below: 0.1}}], min_dwell_days: 1, actions: [{}]}}\n")
bad("plan", "action-unknown", _PHASE.format("{type: pray}"))
bad("plan", "factor-3", _PHASE.format("{type: raise_occupancy, kinds: [regular], factor: 3}"))
bad("plan", "places-huge", _PHASE.format("{type: request_places, kind: emergency, places: 100000000000}"))
bad("plan", "lead-time-huge", _PHASE.format("{type: request_places, kind: emergency, places: 10, lead_time_days: 100000000000}"))
bad("plan", "duration-huge", _PHASE.format("{type: request_places, kind: emergency, places: 10, duration_days: 100000000000}"))
bad("plan", "success-rate", _PHASE.format("{type: request_places, kind: emergency, places: 10, success_rate: 1.5}"))
bad("plan", "repeat-zero", _PHASE.format("{type: request_places, kind: emergency, places: 10, repeat_days: 0}"))
bad("plan", "request-without-kind", _PHASE.format("{type: request_places, places: 10}"),
    "request_places needs the kind of the new places")
bad("plan", "indicator-unknown", "plan:\n  phases:\n    - {name: p, activate: [{indicator: mood, above: 0.5}],"
    " deactivate: [{indicator: occupancy, below: 0.1}], min_dwell_days: 1}\n")
bad("plan", "no-phases", "plan: {phases: []}\n")
bad("plan", "action-province-outside-world", _PHASE.format("{type: request_places, kind: emergency, places: 10, province: Utrecht}"),
    "a real province, not in this world (provinces: [Zeeland])")
_FRONT = ("plan:\n  front:\n    - {{name: f, activate: [{{indicator: central_occupancy, above: 0.9}}],"
          " deactivate: [{{indicator: central_occupancy, below: 0.3}}], min_dwell_days: 1, actions: [{}]}}\n")
bad("plan", "front-province-empty", _FRONT.format("{type: onward_placement, after_days: 3, province: ''}"),
    "an empty province name on the front ladder (found by the loader fuzz test)")
bad("plan", "assessment-without-per-day", _FRONT.format("{type: raise_assessment, lead_time_days: 3}"),
    says=("per_day",))
bad("plan", "assessment-with-places", _FRONT.format("{type: raise_assessment, per_day: 50, places: 10}"),
    says=("places",))
bad("plan", "assessment-negative", _FRONT.format("{type: raise_assessment, per_day: -50}"), says=("per_day",))

# --- names ------------------------------------------------------------------------------------
bad("names", "province-unknown", "provinces: [Atlantis]\n", "found when the world is built, not by validate")
bad("names", "province-lowercase", "provinces: [zeeland]\n")
bad("names", "province-twice", "provinces: [Zeeland, Zeeland]\n")
bad("names", "monthly-series-unknown", "inflow: {monthly_series: inflow_monthly_mars}\n", "found when the world is built")
bad("names", "kind-unknown", "portfolio: {places: {hotel: 10}}\n")
bad("names", "placement-unknown", "placement: {policy: random}\n")

# --- the command line: seeds, days and counts -------------------------------------------------
for name, argv in {
    "seed-negative": ("run", "{d}/tiny.yaml", "--seed", "-1"),
    "seed-2**64": ("run", "{d}/tiny.yaml", "--seed", str(2 ** 64)),
    "seed-text": ("run", "{d}/tiny.yaml", "--seed", "abc"),
    "seed-fraction": ("run", "{d}/tiny.yaml", "--seed", "1.5"),
    "seed-empty": ("run", "{d}/tiny.yaml", "--seed", ""),
    "compare-seed-negative": ("compare", "{d}/tiny.yaml", "{d}/tiny.yaml", "--seed", "-3", "--runs", "1"),
}.items():
    bad_argv("seeds", name, argv)
for name, argv in {
    "zero": ("run", "{d}/tiny.yaml", "--days", "0"),
    "negative": ("run", "{d}/tiny.yaml", "--days", "-5"),
    "two-million": ("run", "{d}/tiny.yaml", "--days", "2000000"),
    "just-above-max": ("run", "{d}/tiny.yaml", "--days", "36501"),
    "text": ("run", "{d}/tiny.yaml", "--days", "abc"),
    "exponent": ("run", "{d}/tiny.yaml", "--days", "1e3"),
    "compare-huge": ("compare", "{d}/tiny.yaml", "{d}/tiny.yaml", "--days", "99999999", "--runs", "1"),
}.items():
    bad_argv("days", name, argv)
for name, argv in {
    "compare-runs-zero": ("compare", "{d}/tiny.yaml", "{d}/tiny.yaml", "--runs", "0"),
    "compare-runs-huge": ("compare", "{d}/tiny.yaml", "{d}/tiny.yaml", "--runs", "1000000000"),
    "compare-workers-zero": ("compare", "{d}/tiny.yaml", "{d}/tiny.yaml", "--runs", "1", "--workers", "0"),
    "compare-workers-negative": ("compare", "{d}/tiny.yaml", "{d}/tiny.yaml", "--runs", "1", "--workers", "-2"),
    "backtest-seeds-zero": ("backtest", "{d}/tiny.yaml", "--seeds", "0", "--out", "{d}/out"),
    "backtest-seeds-huge": ("backtest", "{d}/tiny.yaml", "--seeds", "100000000", "--out", "{d}/out"),
    "backtest-jobs-zero": ("backtest", "{d}/tiny.yaml", "--seeds", "1", "--jobs", "0", "--out", "{d}/out"),
    "calibrate-budget-zero": ("calibrate", "--budget", "0", "--dry-run"),
    "calibrate-budget-huge": ("calibrate", "--budget", "1000000000", "--dry-run"),
    "calibrate-seeds-negative": ("calibrate", "--seeds", "-1", "--dry-run"),
    "calibrate-jobs-zero": ("calibrate", "--budget", "2", "--jobs", "0", "--dry-run"),
    "calibrate-params-unknown": ("calibrate", "--params", "speed", "--dry-run"),
    "calibrate-params-empty": ("calibrate", "--params", "", "--dry-run"),
    "calibrate-into-missing": ("calibrate", "--budget", "2", "--seeds", "1", "--jobs", "1",
                               "--into", "{d}/nowhere.yaml"),
    "calibrate-into-twice": ("calibrate", "--budget", "2", "--seeds", "1", "--jobs", "1",
                             "--into", "hindcast-2015, hindcast-2015"),
    "calibrate-params-idle-under-budget": ("calibrate", "--ind-capacity", "budget", "--params", "ind_decisions",
                                           "--dry-run"),
    "calibrate-into-other-ind-rule": ("calibrate", "--budget", "2", "--seeds", "1", "--jobs", "1",
                                      "--into", "hindcast-2020"),
    "calibrate-ind-capacity-unknown": ("calibrate", "--ind-capacity", "elastic", "--dry-run"),
    "calibrate-profile-points-two": ("calibrate", "--profile-points", "2", "--dry-run"),
    "bench-repeats-zero": ("bench", "--repeats", "0", "--quick", "--no-eu", "--no-reference", "--no-memory"),
    "bench-repeats-negative": ("bench", "--repeats", "-1", "--quick", "--no-eu", "--no-reference", "--no-memory"),
    "bench-instructions-bad": ("bench", "--instructions", "baseline:zero", "--quick"),
    "bench-instructions-zero-days": ("bench", "--instructions", "baseline:0", "--quick"),
    "bench-json-no-folder": ("bench", "--quick", "--no-eu", "--no-reference", "--no-memory", "--repeats", "1",
                             "--json", "{d}/missing/b.json"),
    "bench-plot-wrong-suffix": ("bench", "--quick", "--no-eu", "--no-reference", "--no-memory", "--repeats", "1",
                                "--plot", "{d}/plot.txt"),
    "ui-port-zero": ("ui", "--port", "0"),
    "unknown-command": ("simulate", "baseline"),
    "unknown-option": ("run", "{d}/tiny.yaml", "--dayz", "5"),
    "no-command": (),
}.items():
    bad_argv("counts", name, argv)

# --- --out ------------------------------------------------------------------------------------
for name, (argv, files) in {
    "holds-other-results": (("run", "{d}/tiny.yaml", "--out", "{d}/out"), OLD_RESULTS),
    "holds-user-files": (("run", "{d}/tiny.yaml", "--out", "{d}/out"), {"out/notes.txt": "mine"}),
    "force-on-user-files": (("run", "{d}/tiny.yaml", "--out", "{d}/out", "--force"), {"out/notes.txt": "mine"}),
    "is-a-file": (("run", "{d}/tiny.yaml", "--out", "{d}/out"), {"out": "a file"}),
    "under-a-file": (("run", "{d}/tiny.yaml", "--out", "{d}/file/out"), {"file": "a file"}),
    "current-folder": (("run", "{d}/tiny.yaml", "--out", "."), {}),
    "root": (("run", "{d}/tiny.yaml", "--out", "/"), {}),
    "unwritable": (("run", "{d}/tiny.yaml", "--out", "/proc/noodplan-out"), {}),
    "empty-string": (("run", "{d}/tiny.yaml", "--out", ""), {}),
    "backtest-holds-results": (("backtest", "{d}/tiny.yaml", "--seeds", "1", "--jobs", "1", "--out", "{d}/out"),
                               OLD_RESULTS),
    "calibrate-holds-results": (("calibrate", "--budget", "2", "--seeds", "1",
                                 "--jobs", "1", "--dry-run", "--out", "{d}/out"), OLD_RESULTS),
    "compare-csv-is-folder": (("compare", "{d}/tiny.yaml", "{d}/tiny.yaml", "--runs", "1", "--workers", "1",
                               "--out", "{d}/out"), {"out": FOLDER}),
    "compare-not-csv": (("compare", "{d}/tiny.yaml", "{d}/tiny.yaml", "--runs", "1", "--workers", "1",
                         "--out", "{d}/tiny.yaml"), {}),
    "schema-no-folder": (("schema", "--out", "{d}/missing/schema.json"), {}),
    "schema-is-folder": (("schema", "--out", "{d}/out"), {"out": FOLDER}),
}.items():
    bad_argv("out", name, argv, files)

# --- the wrong file or folder -----------------------------------------------------------------
bad_argv("wrong-file", "csv", ("run", "{d}/points.csv"), {"points.csv": "date,value\n2025-01-01,3\n"})
bad_argv("wrong-file", "python", ("validate", "{d}/x.py"), {"x.py": "import os\nprint(os.getcwd())\n"})
bad_argv("wrong-file", "png", ("validate", "{d}/x.png"), {"x.png": b"\x89PNG\r\n\x1a\n" + bytes(64)})
bad_argv("wrong-file", "missing", ("run", "{d}/nowhere.yaml"))
bad_argv("wrong-file", "misspelt-builtin", ("run", "basline"))
bad_argv("wrong-file", "results-csv-as-scenario", ("validate", "{d}/daily.csv"), {"daily.csv": "date,arrivals\n"})
bad_argv("wrong-file", "json-not-scenario", ("validate", "{d}/x.json"), {"x.json": '{"a": 1}'})
bad_argv("wrong-file", "record-missing", ("backtest", "{d}/tiny.yaml", "--seeds", "1", "--record", "{d}/nope.csv",
                                          "--out", "{d}/out"))
bad_argv("wrong-file", "record-bad-date", ("backtest", "{d}/tiny.yaml", "--seeds", "1", "--record", "{d}/r.csv",
                                           "--out", "{d}/out"), {"r.csv": "date,quantity,value\n2025-02-30,population,5\n"})
bad_argv("wrong-file", "record-columns", ("backtest", "{d}/tiny.yaml", "--seeds", "1", "--record", "{d}/r.csv",
                                          "--out", "{d}/out"), {"r.csv": "when,what\n2025-07-05,5\n"})
bad_argv("wrong-file", "record-nan", ("backtest", "{d}/tiny.yaml", "--seeds", "1", "--jobs", "1", "--record", "{d}/r.csv",
                                      "--out", "{d}/out"), {"r.csv": "date,quantity,value\n2025-07-05,population,nan\n"})
bad_argv("wrong-file", "record-zero", ("backtest", "{d}/tiny.yaml", "--seeds", "1", "--jobs", "1", "--record", "{d}/r.csv",
                                       "--out", "{d}/out"), {"r.csv": "date,quantity,value\n2025-07-05,population,0\n"},
         "a relative error over zero")
bad_argv("wrong-file", "record-negative", ("backtest", "{d}/tiny.yaml", "--seeds", "1", "--jobs", "1", "--record",
                                           "{d}/r.csv", "--out", "{d}/out"),
         {"r.csv": "date,quantity,value\n2025-07-05,population,-40\n"})
bad_argv("wrong-file", "record-latin1", ("backtest", "{d}/tiny.yaml", "--seeds", "1", "--record", "{d}/r.csv",
                                         "--out", "{d}/out"),
         {"r.csv": "date,quantity,value,source\n2025-07-05,population,5,caf\xe9\n".encode("latin-1")})
bad_argv("wrong-folder", "scenario-folder", ("run", "{d}/sub"), {"sub": FOLDER})
bad_argv("wrong-folder", "record-folder", ("backtest", "{d}/tiny.yaml", "--seeds", "1", "--record", "{d}/sub",
                                           "--out", "{d}/out"), {"sub": FOLDER})
bad_argv("wrong-folder", "relative-extends-from-elsewhere", ("validate", "{d}/sub/s.yaml"),
         {"sub/s.yaml": "extends: ../nowhere/tiny.yaml\n"}, "relative to the file's folder: ../nowhere does not exist")

# --- the other commands on a bad scenario -----------------------------------------------------
bad("commands", "compare-bad-b", "horizon_days: -1\n", commands=("compare",))
bad("commands", "compare-event-province", "events: [{date: 2025-07-05, action: close, kind: emergency, places: 10,"
    " province: Atlantis}]\n", commands=("compare",))
bad("commands", "backtest-bad", "inflow: {first_applications_per_year: .nan}\n", commands=("backtest",))
bad("commands", "backtest-start-1600", "start_date: 1600-01-01\n", commands=("backtest",))
bad("commands", "calibrate-bad", "chain: {screening_days: 0}\n", commands=("calibrate",))
bad("commands", "ui-bad-scenario", "horizon_days: -1\n", commands=("ui",), note="the server started anyway")
bad_argv("commands", "ui-missing-scenario", ("ui", "--scenario", "nowhere", "--port", "8799"))
bad_argv("commands", "compare-missing-a", ("compare", "{d}/nowhere.yaml", "{d}/tiny.yaml", "--runs", "1"))


# --- close to the bad ones, but fine ----------------------------------------------------------
good("encodings", "utf8-bom", ("validate", "{d}/s.yaml"), {"s.yaml": codecs.BOM_UTF8 + _BODY.encode()})
good("encodings", "crlf", ("validate", "{d}/s.yaml"), {"s.yaml": _BODY.replace("\n", "\r\n").encode()})
good("extends", "relative-to-file", ("validate", "{d}/sub/s.yaml"), {"sub/s.yaml": "extends: ../tiny.yaml\n"},
     "resolved from the file's folder, whatever the working folder")
good("extends", "builtin-by-name", ("validate", "{d}/s.yaml"), {"s.yaml": "extends: mass-arrival\nname: m\n"})
good("types", "json-scenario", ("validate", "{d}/s.json"),
     {"s.json": '{"extends": "tiny.yaml", "name": "j", "horizon_days": 10}'})
good("types", "whole-float-days", ("validate", "{d}/s.yaml"), {"s.yaml": "extends: tiny.yaml\nhorizon_days: 10.0\n"})
good("types", "bool-derogation-one", ("validate", "{d}/s.yaml"), {"s.yaml": "extends: tiny.yaml\n" + _REGIME.format(
    "chain.registration_priority: 1")}, "a derogation may switch a flag with 1 (true) or 0 (false)")
good("events", "event-after-horizon", ("run", "{d}/s.yaml", "--days", "40", "--out", "{d}/out"),
     {"s.yaml": "extends: tiny.yaml\nevents: [{date: 2025-08-05, action: set, parameter: chain.screening_days, "
                "value: 9}]\n"}, "--days reaches it (validate, and run without --days, refuse it since round 16)")
good("events", "scale-whole-days", ("validate", "{d}/s.yaml"), {"s.yaml": "extends: tiny.yaml\n"
     "events: [{date: 2025-07-05, action: scale, parameter: chain.screening_days, value: 2}]\n"})
good("out", "force-replaces-results", ("run", "{d}/tiny.yaml", "--days", "3", "--out", "{d}/out", "--force"), OLD_RESULTS)
good("out", "empty-folder", ("run", "{d}/tiny.yaml", "--days", "3", "--out", "{d}/out"), {"out": FOLDER})
good("days", "max-days-validate", ("validate", "{d}/s.yaml"), {"s.yaml": "extends: tiny.yaml\nhorizon_days: 36500\n"})
good("seeds", "seed-max", ("run", "{d}/tiny.yaml", "--days", "2", "--seed", str(2 ** 32 - 1)), {})


# ==============================================================================================
# The commands added after the first catalogue: forecast, backtest --rolling, sweep, analyze,
# exercise, snapshots, and more of the --record CSV (the second hardening round).
# ==============================================================================================

FC = ("forecast", "--from-run", "{d}/tiny.yaml", "--members", "1", "--no-inflow-errors", "--out", "{d}/out")
for name, extra in {
    "months-zero": ("--months", "0"),
    "months-negative": ("--months", "-3"),
    "months-huge": ("--months", "10000000"),
    "months-text": ("--months", "two"),
    "members-zero": ("--members", "0"),
    "members-huge": ("--members", "1000000"),
    "ensemble-seed-negative": ("--ensemble-seed", "-1"),
    "ensemble-seed-huge": ("--ensemble-seed", str(2 ** 64)),
    "seed-negative": ("--seed", "-1"),
    "seed-huge": ("--seed", str(2 ** 64)),
    "occupancy-nan": ("--occupancy", "nan"),
    "occupancy-inf": ("--occupancy", "inf"),
    "occupancy-zero": ("--occupancy", "0"),
    "occupancy-above-one": ("--occupancy", "1.5"),
    "at-feb-30": ("--at", "2025-02-30"),
    "at-text": ("--at", "yesterday"),
    "at-before-run": ("--at", "2000-01-01"),
    "at-after-run": ("--at", "2090-01-01"),
    "inflow-unknown": ("--inflow", "guess"),
}.items():
    bad_argv("forecast", name, with_options(FC, extra))
# a planner's band: read before the run to the origin (it was read after it: `x:y` ran the scenario first)
for name, band in {
    "inflow-band-text": "x:y",
    "inflow-band-one-number": "30000",
    "inflow-band-grouping": "3,0000:50000",             # float() read it as 30,000 once the commas were dropped
    "inflow-band-fullwidth": "\uff13\uff10000:50000",
    "inflow-band-reversed": "50000:30000",
    "inflow-band-huge": "0:2e7",
}.items():
    bad_argv("forecast", name, (*FC[:5], "--out", "{d}/out", f"--inflow-band={band}"), says=("--inflow-band: ",))
_FR = ("forecast", "--months", "6", "--members", "1", "--no-inflow-errors", "--out", "{d}/out")
for name, (argv, files) in {
    "record-feb-30": (("--from-record", "2019-02-30"), {}),
    "record-text": (("--from-record", "june"), {}),
    "record-before-data": (("--from-record", "1900-01-01"), {}),
    "record-far-future": (("--from-record", "2150-01-01"), {}, ),
    "record-base-missing": (("--from-record", "2019-01-01", "--base", "{d}/nowhere.yaml"), {}),
    "record-base-bad": (("--from-record", "2019-01-01", "--base", "{d}/s.yaml"),
                        {"s.yaml": "extends: tiny.yaml\nhorizon_days: -1\n"}),
    "record-with-at": (("--from-record", "2019-01-01", "--at", "2019-06-01"), {}),
    "snapshot-missing": (("--from-snapshot", "{d}/nowhere.npz"), {}),
    "snapshot-folder": (("--from-snapshot", "{d}/sub"), {"sub": FOLDER}),
    "snapshot-empty": (("--from-snapshot", "{d}/s.snap"), {"s.snap": b""}),
    "snapshot-garbage": (("--from-snapshot", "{d}/s.snap"), {"s.snap": bytes(range(256)) * 4}),
    "snapshot-is-scenario": (("--from-snapshot", "{d}/tiny.yaml"), {}),
    "snapshot-zip-not-ours": (("--from-snapshot", "{d}/s.zip"),
                              {"s.zip": b"PK\x05\x06" + bytes(18)}),   # an empty ZIP archive
    "snapshot-dev-zero": (("--from-snapshot", "/dev/zero"), {}),
    "snapshot-fifo": (("--from-snapshot", "{d}/pipe"), {"pipe": FIFO}),
    "save-snapshot-no-folder": (("--from-run", "{d}/tiny.yaml", "--save-snapshot", "{d}/missing/x.snap"), {}),
    "save-snapshot-is-folder": (("--from-run", "{d}/tiny.yaml", "--save-snapshot", "{d}/sub"), {"sub": FOLDER}),
    "save-snapshot-over-scenario": (("--from-run", "{d}/tiny.yaml", "--save-snapshot", "{d}/tiny.yaml"), {}),
    "save-snapshot-unwritable": (("--from-run", "{d}/tiny.yaml", "--save-snapshot", "/proc/x.snap"), {}),
    "out-holds-results": (("--from-run", "{d}/tiny.yaml"), OLD_RESULTS),
    "out-unwritable": (("--from-run", "{d}/tiny.yaml", "--out", "/proc/noodplan-out"), {}),
    "from-run-missing": (("--from-run", "{d}/nowhere.yaml"), {}),
    "from-run-bad": (("--from-run", "{d}/s.yaml"), {"s.yaml": "extends: tiny.yaml\nchain: {screening_days: 0}\n"}),
}.items():
    bad_argv("forecast", name, with_options(_FR, argv), files)

_RB = ("backtest", "--rolling", "--members", "1", "--origins", "2016-01-01..2016-01-01", "--jobs", "1",
       "--out", "{d}/out")
for name, extra in {
    "members-zero": ("--members", "0"),
    "members-huge": ("--members", "100000000"),
    "ensemble-seed-negative": ("--ensemble-seed", "-1"),
    "origins-reversed": ("--origins", "2019-01-01..2015-01-01"),
    "origins-text": ("--origins", "soon"),
    "origins-feb-30": ("--origins", "2016-02-30..2017-01-01"),
    "origins-before-data": ("--origins", "1900-01-01..1901-01-01"),
    "origins-after-data": ("--origins", "2150-01-01..2151-01-01"),
    "origins-not-half-year": ("--origins", "2016-03-05..2016-03-05"),
    "origins-three-dots": ("--origins", "2016-01-01...2017-01-01"),
    "jobs-zero": ("--jobs", "0"),
    "base-missing": ("{d}/nowhere.yaml",),
    "capacity-with-calibrated": ("--params", "calibrated", "--ind-capacity", "constant"),
    "seeds-with-rolling": ("--seeds", "3"),
}.items():
    bad_argv("rolling", name, with_options(_RB, extra))
bad_argv("rolling", "out-holds-results", _RB, OLD_RESULTS)

# --- sweep designs ----------------------------------------------------------------------------
DESIGN = """\
name: d
scenario: tiny.yaml
parameters:
  - {path: housing.supply_persons_per_year, uniform: [1000, 2000]}
sampler: {method: lhs, samples: 2, seed: 1}
outputs: {kpis: [peak_population]}
"""
_SW = ("sweep", "{d}/d.yaml", "--out", "{d}/store", "--executor", "serial")


def bad_design(name: str, body: str | bytes, argv: tuple[str, ...] = (), files: dict | None = None,
               note: str = "") -> None:
    """A design file d.yaml (`body`: text replacing lines of DESIGN by key, or whole bytes)."""
    bad_argv("sweep", name, with_options(_SW, argv), {"d.yaml": body, **(files or {})}, note)


def _design(**changes: str) -> str:
    lines = {ln.split(":")[0]: ln for ln in DESIGN.splitlines() if not ln.startswith(" ")}
    body = DESIGN
    for key, text in changes.items():
        if key in lines:
            block = lines[key] + ("\n  - {path: housing.supply_persons_per_year, uniform: [1000, 2000]}"
                                  if key == "parameters" else "")
            body = body.replace(block + "\n", text + "\n" if text else "")
        else:
            body += text + "\n"
    return body


bad_design("syntax-error", "name: d\nparameters: [\n")
bad_design("empty", b"")
bad_design("top-level-list", "- name: d\n")
bad_design("duplicate-key", DESIGN + "replicates: 2\nreplicates: 5\n", note="the last one would win silently")
bad_design("yes-as-bool", _design(sampler="sampler: {method: lhs, samples: 2, seed: 1, second_order: yes}"),
           note="YAML 1.1 yes")
bad_design("utf16", codecs.BOM_UTF16_LE + DESIGN.encode("utf-16-le"))
bad_design("latin1", (DESIGN + "description: caf\u00e9\n").encode("latin-1"))
bad_design("binary", bytes(range(256)) * 8)
bad_design("alias-bomb", DESIGN + "x0: &a0 [1,1,1,1,1,1,1,1,1,1]\n" + "".join(
    f"x{i}: &a{i} [*a{i - 1},*a{i - 1},*a{i - 1},*a{i - 1},*a{i - 1},*a{i - 1},*a{i - 1},*a{i - 1},*a{i - 1},"
    f"*a{i - 1}]\n" for i in range(1, 9)))
bad_design("deep-nesting", "name: d\ndescription: " + "[" * 5000 + "]" * 5000 + "\n")
bad_design("huge-file", "name: d\n" + "# padding line\n" * 400_000)
bad_design("unknown-field", DESIGN + "replicate: 2\n", note="misspelt replicates")
bad_design("no-parameters", _design(parameters=""))
bad_design("samples-zero", _design(sampler="sampler: {method: lhs, samples: 0}"))
bad_design("samples-huge", _design(sampler="sampler: {method: lhs, samples: 1000000000}"),
           note="a billion points: the plan alone exhausts memory")
bad_design("replicates-huge", DESIGN + "replicates: 1000000000\n")
bad_design("grid-levels-huge", _design(sampler="sampler: {method: grid, levels: 100000000}"))
bad_design("grid-explodes", _design(parameters="parameters:\n" + "".join(
    f"  - {{path: chain.{p}, uniform: [1, 5], levels: 20}}\n" for p in
    ("screening_days", "registration_deadline_days", "dublin_transfer_days", "moves_up_per_day",
     "registration_capacity_per_day", "decisions_per_day.regular", "decisions_per_day.accelerated",
     "decisions_per_day.border")).rstrip("\n"), sampler="sampler: {method: grid}"),
           note="20^8 = 25.6 billion combinations")
bad_design("first-seed-huge", DESIGN + "first_seed: 100000000000\n", note="seeds are 32-bit")
bad_design("sampler-seed-negative", _design(sampler="sampler: {method: lhs, samples: 2, seed: -1}"))
bad_design("sampler-seed-huge", _design(sampler="sampler: {method: lhs, samples: 2, seed: 1.0e+40}"))
bad_design("uniform-reversed", _design(parameters="parameters:\n  - {path: housing.supply_persons_per_year, "
                                                  "uniform: [2000, 1000]}"))
bad_design("uniform-nan", _design(parameters="parameters:\n  - {path: housing.supply_persons_per_year, "
                                             "uniform: [.nan, 1000]}"))
bad_design("uniform-inf", _design(parameters="parameters:\n  - {path: housing.supply_persons_per_year, "
                                             "uniform: [0, .inf]}"))
bad_design("uniform-out-of-range", _design(parameters="parameters:\n  - {path: chain.dublin_share, "
                                                      "uniform: [0.5, 2]}"))
bad_design("path-unknown", _design(parameters="parameters:\n  - {path: housing.suply, uniform: [1, 2]}"))
bad_design("values-wrong-type", _design(parameters="parameters:\n  - {path: placement.policy, values: [1, 2]}"))
bad_design("kpi-unknown", _design(outputs="outputs: {kpis: [peak_happiness]}"))
bad_design("daily-unknown", _design(outputs="outputs: {kpis: [peak_population], daily: [mood]}"))
bad_design("scenario-missing", _design(scenario="scenario: nowhere.yaml"))
bad_design("scenario-bad", _design(scenario="scenario: s.yaml"), files={"s.yaml": "extends: tiny.yaml\n"
                                                                         "horizon_days: -1\n"})
bad_design("variants-bad", DESIGN.replace("parameters:\n", "parameters:\n  - {scenarios: [tiny.yaml, nowhere]}\n"))
bad_design("set-unknown", DESIGN + "set: {chain.speed: 3}\n")
bad_design("set-out-of-range", DESIGN + "set: {chain.dublin_share: 3}\n")
bad_design("horizon-huge", DESIGN + "horizon_days: 10000000\n")
bad_design("prim-unknown-kpi", DESIGN + "analysis: {prim: [{kpi: peak_happiness, above: 1}]}\n")
bad_design("prim-nan", DESIGN + "analysis: {prim: [{kpi: peak_population, above: .nan}]}\n")
bad_design("is-a-scenario", TINY)
bad_argv("sweep", "design-missing", ("sweep", "{d}/nowhere.yaml", "--out", "{d}/store"))
bad_argv("sweep", "design-folder", ("sweep", "{d}/sub", "--out", "{d}/store"), {"sub": FOLDER})
bad_argv("sweep", "design-dev-zero", ("sweep", "/dev/zero", "--out", "{d}/store"))
bad_argv("sweep", "design-fifo", ("sweep", "{d}/pipe", "--out", "{d}/store"), {"pipe": FIFO})
bad_argv("sweep", "design-csv", ("sweep", "{d}/d.csv", "--out", "{d}/store"), {"d.csv": "a,b\n1,2\n"})
bad_argv("sweep", "no-out", ("sweep", "{d}/d.yaml"), {"d.yaml": DESIGN})
bad_design("workers-zero", DESIGN, ("--executor", "processes", "--workers", "0"))
bad_design("workers-huge", DESIGN, ("--executor", "processes", "--workers", "1000000"))
bad_design("batch-size-zero", DESIGN, ("--batch-size", "0"))
bad_design("batch-size-huge", DESIGN, ("--batch-size", "1000000000000"))
bad_design("out-user-files", DESIGN, files={"store/notes.txt": "mine"})
bad_design("out-is-file", DESIGN, files={"store": "a file"})
bad_argv("sweep", "out-unwritable", ("sweep", "{d}/d.yaml", "--out", "/proc/noodplan-store", "--executor", "serial"),
         {"d.yaml": DESIGN})
bad_argv("sweep", "out-other-sweep", _SW, {"d.yaml": DESIGN, "store/manifest.json":
                                           '{"format": "noodplan-sweep-store/1", "fingerprint": "x", "design": {}}'})
bad_argv("sweep", "schema-out-wrong-suffix", ("sweep", "--schema", "--out", "{d}/tiny.yaml"))

# --- analyze ----------------------------------------------------------------------------------
for name, (argv, files) in {
    "store-missing": (("analyze", "{d}/nowhere"), {}),
    "store-a-file": (("analyze", "{d}/tiny.yaml"), {}),
    "store-empty-folder": (("analyze", "{d}/sub"), {"sub": FOLDER}),
    "store-manifest-garbage": (("analyze", "{d}/store"), {"store/manifest.json": b"\x00\x01garbage"}),
    "store-manifest-not-json": (("analyze", "{d}/store"), {"store/manifest.json": "not json"}),
    "store-manifest-list": (("analyze", "{d}/store"), {"store/manifest.json": "[1, 2]"}),
    "store-manifest-incomplete": (("analyze", "{d}/store"), {"store/manifest.json": '{"format": "x"}'}),
    "store-run-folder": (("analyze", "{d}/out"), OLD_RESULTS),
}.items():
    bad_argv("analyze", name, argv, files)

# --- exercises --------------------------------------------------------------------------------
EXERCISE = """\
name: e
title: E
synopsis: S
scenario: tiny.yaml
turn_days: 2
turns: 3
roles:
  - {id: coa, type: coa}
"""
for name, (argv, files) in {
    "validate-missing": (("exercise", "validate", "{d}/nowhere.yaml"), {}),
    "validate-folder": (("exercise", "validate", "{d}/sub"), {"sub": FOLDER}),
    "validate-dev-zero": (("exercise", "validate", "/dev/zero"), {}),
    "validate-latin1": (("exercise", "validate", "{d}/e.yaml"), {"e.yaml": (EXERCISE + "# caf\u00e9\n")
                                                                  .encode("latin-1")}),
    "validate-scenario": (("exercise", "validate", "{d}/tiny.yaml"), {}),
    "validate-duplicate-key": (("exercise", "validate", "{d}/e.yaml"), {"e.yaml": EXERCISE + "turns: 5\n"}),
    "validate-turns-huge": (("exercise", "validate", "{d}/e.yaml"), {"e.yaml": EXERCISE.replace("turns: 3",
                                                                                                 "turns: 100000")}),
    "play-turns-zero": (("exercise", "play", "{d}/e.yaml", "--turns", "0"), {"e.yaml": EXERCISE}),
    "play-turns-negative": (("exercise", "play", "{d}/e.yaml", "--turns", "-1"), {"e.yaml": EXERCISE}),
    "play-turns-huge": (("exercise", "play", "{d}/e.yaml", "--turns", "1000000000"), {"e.yaml": EXERCISE}),
    "play-save-no-folder": (("exercise", "play", "{d}/e.yaml", "--save", "{d}/missing/s.json"), {"e.yaml": EXERCISE}),
    "play-save-folder": (("exercise", "play", "{d}/e.yaml", "--save", "{d}/sub"), {"e.yaml": EXERCISE, "sub": FOLDER}),
    "play-save-over-exercise": (("exercise", "play", "{d}/e.yaml", "--save", "{d}/e.yaml"), {"e.yaml": EXERCISE}),
    "play-report-unwritable": (("exercise", "play", "{d}/e.yaml", "--report", "/proc/r.html"), {"e.yaml": EXERCISE}),
    "play-report-over-scenario": (("exercise", "play", "{d}/e.yaml", "--report", "{d}/tiny.yaml"),
                                  {"e.yaml": EXERCISE}),
    "report-missing": (("exercise", "report", "{d}/nowhere.json", "--out", "{d}/r.html"), {}),
    "report-garbage": (("exercise", "report", "{d}/s.json", "--out", "{d}/r.html"), {"s.json": bytes(range(256))}),
    "report-not-a-save": (("exercise", "report", "{d}/s.json", "--out", "{d}/r.html"), {"s.json": '{"a": 1}'}),
    "report-scenario": (("exercise", "report", "{d}/tiny.yaml", "--out", "{d}/r.html"), {}),
    "report-dev-zero": (("exercise", "report", "/dev/zero", "--out", "{d}/r.html"), {}),
    "report-folder": (("exercise", "report", "{d}/sub", "--out", "{d}/r.html"), {"sub": FOLDER}),
    "serve-port-huge": (("exercise", "serve", "--port", "70000"), {}),
    "serve-host-bad": (("exercise", "serve", "--host", "no such host!", "--port", "8797"), {}),
}.items():
    bad_argv("exercise", name, argv, files)

# --- the --record CSV of backtest -------------------------------------------------------------
_BT = ("backtest", "{d}/tiny.yaml", "--seeds", "1", "--jobs", "1", "--record", "{d}/r.csv", "--out", "{d}/out")
for name, (text, note) in {
    "empty": (b"", ""),
    "header-only": ("date,quantity,value\n", "no points: nothing to compare with"),
    "duplicate-point": ("date,quantity,value\n2025-07-05,population,2000\n2025-07-05,population,9000\n",
                        "two values for one day"),
    "outside-run": ("date,quantity,value\n2010-01-01,population,2000\n",
                    "a point the run never reaches: silently left out"),
    "unknown-quantity": ("date,quantity,value\n2025-07-05,beds,2000\n", ""),
    "extra-cell": ("date,quantity,value\n2025-07-05,population,2000,x,y\n", "more cells than columns"),
    "missing-cell": ("date,quantity,value\n2025-07-05,population\n", ""),
    "value-inf": ("date,quantity,value\n2025-07-05,population,inf\n", ""),
    "value-thousands": ("date,quantity,value\n2025-07-05,population,\"2,000\"\n", ""),
    "utf16": (codecs.BOM_UTF16_LE + "date,quantity,value\n2025-07-05,population,2000\n".encode("utf-16-le"), ""),
    "binary": (bytes(range(256)) * 4, ""),
    "datetime": ("date,quantity,value\n2025-07-05T10:00,population,2000\n", ""),
}.items():
    bad_argv("record", name, _BT, {"r.csv": text}, note)
bad_argv("record", "dev-zero", (*_BT[:-4], "--record", "/dev/zero", "--out", "{d}/out"))
bad_argv("record", "fifo", (*_BT[:-4], "--record", "{d}/pipe", "--out", "{d}/out"), {"pipe": FIFO})

good("record", "bom", _BT, {"r.csv": codecs.BOM_UTF8 + b"date,quantity,value\n2025-07-05,population,2000\n"})
good("record", "unsorted-with-source", _BT, {"r.csv": "date,quantity,value,source\n2025-07-10,population,2100,a\n"
                                                        "2025-07-05,population,2000,b\n"})

# options of one mode given to another: silently ignored before
bad_argv("rolling", "members-without-rolling", ("backtest", "{d}/tiny.yaml", "--members", "3", "--out", "{d}/out"))
bad_argv("rolling", "origins-without-rolling", ("backtest", "{d}/tiny.yaml", "--origins=2016-01-01..2017-01-01",
                                                "--out", "{d}/out"))
bad_argv("forecast", "base-with-from-run", (*FC, "--base", "baseline"))
_BENCH = ("bench", "--quick", "--no-eu", "--no-reference", "--no-memory", "--repeats", "1")
bad_argv("counts", "bench-history-a-scenario", (*_BENCH, "--history", "{d}/tiny.yaml"),
         note="appended a JSON line to a scenario file, after the benchmark ran")
bad_argv("counts", "bench-history-latin1", (*_BENCH, "--history", "{d}/h.jsonl"), {"h.jsonl": b'{"a": "caf\xe9"}\n'})
bad_argv("counts", "bench-history-fifo", (*_BENCH, "--history", "{d}/h.jsonl"), {"h.jsonl": FIFO})

# numbers taken for dates (seconds since 1970) and invisible marks in names (second round)
bad("dates", "start-as-seconds", "start_date: 1735689600\n", "accepted as 2025-01-01, from seconds since 1970")
bad("dates", "event-date-as-number", "events: [{date: 20250705, action: close, kind: emergency, places: 1}]\n",
    "a misleading 'should have zero time' before")
bad("dates", "shock-start-as-seconds",
    "inflow:\n  shocks: [{start: 1751760000, end: 2025-07-15, extra_persons_per_day: 10}]\n")
bad("ranges", "name-bidi-override", 'name: "report\\u202efdp.csv"\n', "a right-to-left override in file names")
bad_design("daily-too-many", DESIGN.replace("sampler: {method: lhs, samples: 2, seed: 1}",
                                            "sampler: {method: lhs, samples: 200000, seed: 1}")
           .replace("outputs: {kpis: [peak_population]}", "outputs: {kpis: [peak_population], daily: [population]}")
           + "horizon_days: 36500\n", note="7.3 billion daily values gathered in memory when the store is consolidated")
bad_design("set-key-number", DESIGN + "set: {5: 3}\n")
bad_argv("forecast", "past-the-calendar", (*FC[:2], "{d}/late.yaml", *FC[3:], "--months", "600"),
         {"late.yaml": "extends: tiny.yaml\nstart_date: 2199-01-01\nhorizon_days: 300\n"})
bad_design("daily-too-many-horizon-varied", DESIGN.replace(
    "  - {path: housing.supply_persons_per_year, uniform: [1000, 2000]}",
    "  - {path: horizon_days, values: [10, 36500]}").replace("samples: 2,", "samples: 10000,")
    .replace("outputs: {kpis: [peak_population]}", "outputs: {kpis: [peak_population], daily: [population]}"),
    note="the horizon itself sampled: 10,000 runs of up to 36,500 days")

# abbreviated options (third round): argparse took `--memb` for `--members`, past the check that
# refuses an option of another mode; now every parser refuses abbreviations
bad_argv("abbreviations", "members-without-rolling", ("backtest", "{d}/tiny.yaml", "--memb", "3", "--out", "{d}/out"),
         note="taken for --members, and not seen by the other-mode check (it looks for --members)")
bad_argv("abbreviations", "origins-without-rolling", ("backtest", "{d}/tiny.yaml", "--orig=2016-01-01..2017-01-01",
                                                      "--out", "{d}/out"))
bad_argv("abbreviations", "run-days", ("run", "{d}/tiny.yaml", "--da", "3", "--out", "{d}/out"))
bad_argv("abbreviations", "forecast-base-with-from-run", (*FC, "--bas", "baseline"))
bad_argv("abbreviations", "exercise-play-turns", ("exercise", "play", "{d}/e.yaml", "--tur", "1"), {"e.yaml": EXERCISE})
bad_argv("abbreviations", "ui-scenario", ("ui", "--scen", "{d}/tiny.yaml", "--port", "8799"))
bad_argv("abbreviations", "sweep-out", ("sweep", "{d}/design.yaml", "--ou", "{d}/store"), {"design.yaml": DESIGN})

# quoted numbers (third round): pydantic's lax mode read "3000" as 3000; a number is written
# without quotes (YAML 1.2 numbers such as 3e3 and 30_000 stay numbers)
bad("types", "quoted-rate", 'housing: {supply_persons_per_year: "3000"}\n', "accepted as 3000 before")
bad("types", "quoted-horizon", "horizon_days: '10'\n", "accepted as 10 before")
bad("types", "quoted-share", "inflow: {vulnerable_share: '0.1'}\n")
bad("types", "quoted-seed", 'seed: "7"\n')
bad("types", "quoted-in-mapping", 'chain: {decisions_per_day: {regular: "3"}}\n', "a mapping's value")
bad("types", "quoted-event-places", "events: [{date: 2025-07-05, action: close, kind: emergency, places: '10'}]\n")
bad("types", "quoted-shock", "inflow:\n  shocks: [{start: 2025-07-05, end: 2025-07-15, extra_persons_per_day: '10'}]\n")
for _name, _body in {"exponent": "housing: {supply_persons_per_year: 3e3}\n",
                     "underscores": "housing: {supply_persons_per_year: 30_000}\n",
                     "whole-as-float": "horizon_days: 10.0\n",
                     "quoted-date": "start_date: '2025-07-01'\n",
                     "quoted-name-digits": "name: '2025'\n"}.items():
    good("types", _name, ("validate", "{d}/s.yaml"), {"s.yaml": "extends: tiny.yaml\n" + _body})

# ==============================================================================================
# The fourth round (an adversarial pass over every input): what still ended in a traceback or
# passed silently. Each case says what its one line must name.
# ==============================================================================================

bad("syntax", "int-of-5000-digits", "horizon_days: " + "9" * 5000 + "\n",
    "Python's int() stops at 4,300 digits: a ValueError traceback before",
    says=("line 2", "a whole number of 5,000 digits is too long"))
for _tag, _value in {"binary": "name: !!binary aGVsbG8=", "set": "provinces: !!set {Zeeland}",
                     "omap": "inflow: !!omap [{first_applications_per_year: 10}]"}.items():
    bad("syntax", f"tag-{_tag}", _value + "\n", "accepted before (a set's order changes from one process to the next)",
        says=("line 2", f"the tag !!{_tag} is not used"))
bad("extends", "nul-in-name", b'extends: "base\\0line"\n', "ValueError: embedded null byte before",
    says=("extends 'base\\x00line'", "NUL character"), commands=("validate",))
bad("extends", "symlink-loop", b"extends: loop.yaml\n", "RuntimeError: Symlink loop before", commands=("validate",),
    extra={"loop.yaml": SYMLINK + "loop.yaml"}, says=("extends 'loop.yaml'", "leads back to itself"))
# an empty option value was read as 'not given' (`if args.x:`): the default ran instead
for _name, _argv, _flag in (
        ("origins-empty", ("backtest", "--rolling", "--origins", "", "--out", "{d}/out"), "--origins"),
        ("at-empty", (*FC, "--at", ""), "--at"),
        ("save-snapshot-empty", (*FC, "--save-snapshot", ""), "--save-snapshot"),
        ("from-record-empty", ("forecast", "--from-record", "", "--out", "{d}/out"), "--from-record"),
        ("days-empty", ("run", "{d}/tiny.yaml", "--days", "", "--out", "{d}/out"), "--days")):
    bad_argv("empty-values", _name, _argv, says=(f"argument {_flag}", "an empty value"))
for _name, _text in {"underscore": "1_0", "fullwidth": "\uff15"}.items():
    bad_argv("days", f"int-reads-{_name}", ("run", "{d}/tiny.yaml", "--days", _text, "--out", "{d}/out"),
             note="int() reads it", says=("argument --days", "must be a whole number"))
for _name, _value in {"underscore": "2_000", "fullwidth": "\uff12\uff10", "huge": "1e30"}.items():
    bad_argv("record", f"value-{_name}", _BT, {"r.csv": f"date,quantity,value\n2025-07-05,population,{_value}\n"},
             note="float() reads it; accepted before",
             says=("r.csv: line 2", "value must be at most" if _name == "huge" else "value must be a number"))
for _name, _changes, _says in (
        ("same-path-twice", {"parameters": "parameters:\n  - {path: housing.supply_persons_per_year, uniform: [1000, "
                                           "2000]}\n  - {name: x, path: housing.supply_persons_per_year, uniform: "
                                           "[1000, 2000]}"},
         ("parameters.1.path", "is varied by parameters.0 already")),
        ("negative-list-index", {"parameters": "parameters:\n  - {path: plan.phases.-1.activate.0.above, "
                                               "uniform: [1, 2]}"},
         ("parameters.0.path", "no item '-1' in plan.phases")),
        ("levels-not-grid", {"parameters": "parameters:\n  - {path: housing.supply_persons_per_year, "
                                           "uniform: [1000, 2000], levels: 5}"},
         ("parameters.0.levels", "for the grid sampler only")),
        ("sampler-levels-lhs", {"sampler": "sampler: {method: lhs, samples: 2, levels: 5}"},
         ("sampler", "levels: for grid and morris only")),
        ("second-order-lhs", {"sampler": "sampler: {method: lhs, samples: 2, second_order: true}"},
         ("sampler", "second_order: for saltelli only")),
        ("name-empty", {"parameters": "parameters:\n  - {name: '', path: housing.supply_persons_per_year, "
                                      "uniform: [1000, 2000]}"},
         ("parameters.0", "name: '' is not a label"))):
    bad_design(f"r4-{_name}", _design(**_changes), note="ignored or taken silently before")
    BAD[-1] = Case(BAD[-1].id, BAD[-1].category, BAD[-1].argv, BAD[-1].files, BAD[-1].note, _says)
for _name, _body, _says in (
        ("kpis-twice", _design(outputs="outputs: {kpis: [peak_population, peak_population]}"),
         ("outputs: kpis.1", "'peak_population' is listed twice")),
        ("daily-twice", _design(outputs="outputs: {kpis: [peak_population], daily: [population, population]}"),
         ("outputs: daily.1", "'population' is listed twice")),
        ("set-and-varied", DESIGN + "set: {housing.supply_persons_per_year: 5}\n",
         ("parameters.0.path", "is also fixed by set"))):
    bad_argv("sweep", f"r4-{_name}", _SW, {"d.yaml": _body}, note="accepted before", says=_says)
bad_argv("exercise", "r4-objectives-twice", ("exercise", "validate", "{d}/e.yaml"),
         {"e.yaml": EXERCISE + "objectives:\n  - {id: a, text: x}\n  - {id: a, text: y}\n"},
         note="accepted before: an inject's objective was ambiguous", says=("objectives.1.id", "'a' is used twice"))
for _name, _manifest, _says in (("deep", "[" * 100_000 + "]" * 100_000, "nested too deeply"),
                                ("int-of-5000-digits", '{"format": 1' + "1" * 5000 + "}", "Exceeds the limit")):
    bad_argv("analyze", f"r4-manifest-{_name}", ("analyze", "{d}/st"), {"st/manifest.json": _manifest},
             note="RecursionError / ValueError traceback before", says=("st: manifest.json", _says))

# ==============================================================================================
# The fifth round (a fuzz of every leaf of the built-in scenarios, and of events, regimes, shocks,
# designs, exercises, --record CSVs and forecast options): what still passed silently. Each case
# says what its one line must name.
# ==============================================================================================

# a field the event's action does not read was ignored: a `set` with a province changed the
# parameter everywhere (and the event log said the province), a `close` with a lead time closed at once
for _name, _event, _says in (
        ("set-with-province", "{date: 2025-07-05, action: set, parameter: chain.moves_up_per_day, value: 0, "
                              "province: Zeeland}", "province: a 'set' event does not use province"),
        ("close-with-lead-time", "{date: 2025-07-05, action: close, kind: emergency, places: 10, lead_time_days: 30}",
         "lead_time_days: a 'close' event does not use lead_time_days"),
        ("raise-with-duration", "{date: 2025-07-05, action: raise, kind: regular, value: 1.2, duration_days: 30}",
         "duration_days: a 'raise' event does not use duration_days"),
        ("raise-with-places", "{date: 2025-07-05, action: raise, kind: regular, value: 1.2, places: 100}",
         "places: a 'raise' event does not use places"),
        ("scale-with-kind", "{date: 2025-07-05, action: scale, parameter: chain.moves_up_per_day, value: 2, "
                            "kind: emergency}", "kind: a 'scale' event does not use kind")):
    bad("events", f"r5-{_name}", f"events: [{_event}]\n", "accepted before: the field was ignored",
        says=("events.0", _says))
bad_argv("exercise", "r5-effect-set-with-province", ("exercise", "validate", "{d}/e.yaml"),
         {"e.yaml": EXERCISE + "injects:\n  - {id: i, title: t, synopsis: s, at_day: 1, effect: [{action: set, "
                               "parameter: chain.moves_up_per_day, value: 0, province: Zeeland}]}\n"},
         note="accepted before: the province was ignored",
         says=("injects.0.effect.0", "a 'set' event does not use province"))
bad("ranges", "r5-housing-target-fullwidth-year", 'housing: {targets: {"\uff12\uff10\uff12\uff16H1": 1000}}\n',
    "str.isdigit() and int() read full-width digits: a target for a half-year no run has",
    says=("housing.targets", "must look like 2025H1 or 2025H2"))
bad("ranges", "r5-at-registration-above-entitled", "initial: {at_registration_persons: 5000}\n",
    "tiny has 2,000 entitled persons: all were put at registration, the 5,000 cut silently",
    says=("initial.at_registration_persons", "more than the 2,000 entitled persons"))
bad("regimes", "r5-request-at-phase-beyond-plan",
    "plan:\n  phases:\n    - {name: p, activate: [{indicator: occupancy, above: 0.5}], deactivate: [{indicator: "
    "occupancy, below: 0.1}], min_dwell_days: 1}\nregimes: [{type: crisis, request_at_phase: 2, "
    "authorisation_delay_days: 1}]\n", "a plan of one phase never reaches phase 2: the regime never came",
    says=("regimes.0.request_at_phase", "the plan has 1 phase"))
for _name, _body in {"empty-start": "initial: {entitled_persons: 0}\n",
                     "regime-by-phase-plan-off": "plan: {enabled: false}\nregimes: [{type: crisis, request_at_phase: 4, "
                                                 "authorisation_delay_days: 1}]\n",
                     "event-default-fields-written": "events: [{date: 2025-07-05, action: set, parameter: "
                                                     "chain.moves_up_per_day, value: 9, lead_time_days: 0}]\n"}.items():
    good("r5", _name, ("validate", "{d}/s.yaml"), {"s.yaml": "extends: tiny.yaml\n" + _body})
for _name, _body, _says in (
        ("values-one-and-one-point-zero", _design(parameters="parameters:\n  - {path: chain.screening_days, "
                                                             "values: [1, 1.0]}"),
         ("parameters.0", "values: each value once")),
        ("levels-on-values", _design(parameters="parameters:\n  - {path: placement.policy, values: [standard, "
                                                "min_moves], levels: 4}", sampler="sampler: {method: grid}"),
         ("parameters.0", "levels: for a continuous range")),
        ("set-horizon-and-horizon", DESIGN + "horizon_days: 5\nset: {horizon_days: 9}\n",
         ("set.horizon_days", "keep one")),
        ("varied-horizon-and-horizon", _design(parameters="parameters:\n  - {path: horizon_days, values: [3, 4]}")
         + "horizon_days: 5\n", ("parameters.0.path", "horizon_days is varied"))):
    bad_argv("sweep", f"r5-{_name}", _SW, {"d.yaml": _body}, note="one of them was ignored silently before",
             says=_says)
bad_argv("record", "r5-column-twice", _BT, {"r.csv": "date,quantity,value,value\n2025-07-05,population,2000,3000\n"},
         note="csv.DictReader kept the last 'value' column silently", says=("r.csv: line 1", "'value' is named twice"))
bad_argv("record", "r5-line-after-blank-lines", _BT, {"r.csv": "date,quantity,value\n\n\n2025-07-05,population,-5\n"},
         note="named line 2 before (blank lines not counted)", says=("r.csv: line 4", "positive number"))

# ==============================================================================================
# The sixth round (a malformed-input sweep of every entry point): what still ended in a traceback
# or passed silently. Each case says what its one line must name.
# ==============================================================================================

# a parameter path through a number's attributes (`getattr` walked into them): a TypeError
# traceback when the run-time value was applied to a copy of the scenario
for _attr in ("real", "numerator"):
    bad("events", f"r6-path-through-{_attr}", "events: [{date: 2025-07-05, action: set, parameter: "
        f"chain.screening_days.{_attr}, value: 3}}]\n", "TypeError: 'int' object is not iterable before",
        says=("events.0.parameter", f"unknown parameter 'chain.screening_days.{_attr}'"))
bad("derogations", "r6-path-through-imag", "regimes: [{type: crisis, requested: 2025-07-05, authorisation_delay_days: "
    "1, derogations: {housing.supply_persons_per_year.imag: 3}}]\n", "TypeError traceback before",
    says=("regimes.0.derogations", "unknown parameter 'housing.supply_persons_per_year.imag'"))
bad_argv("exercise", "r6-effect-path-through-real", ("exercise", "validate", "{d}/e.yaml"),
         {"e.yaml": EXERCISE + "injects:\n  - {id: i, title: t, synopsis: s, at_day: 1, effect: [{action: set, "
                               "parameter: chain.screening_days.real, value: 3}]}\n"},
         note="TypeError traceback before", says=("injects.0.effect.0", "unknown parameter"))
# explicit YAML tags on values they cannot read: bare ValueError/KeyError/AttributeError before
for _name, _value, _says in (("float-tag-text", "horizon_days: !!float ten", "'ten' is not a number"),
                             ("bool-tag-text", "plan: {enabled: !!bool maybe}", "'maybe' is not true or false"),
                             ("bool-tag-yes", "plan: {enabled: !!bool yes}", "'yes' is not true or false"),
                             ("timestamp-tag-text", "start_date: !!timestamp soon", "'soon' is not a date"),
                             ("int-tag-fraction", "horizon_days: !!int 1.5", "'1.5' is not a whole number")):
    bad("syntax", f"r6-{_name}", _value + "\n", "a traceback before (bool-tag-yes: read as true; int-tag-fraction: "
        "'too long to be a count')", says=("line 2", _says))
# a plan action's field its type does not read was ignored (as events' were before the fifth round)
_PHASE = ("plan:\n  phases:\n    - {name: p, activate: [{indicator: occupancy, above: 0.5}], deactivate: "
          "[{indicator: occupancy, below: 0.1}], min_dwell_days: 1, actions: [%s]}\n")
for _name, _action, _says in (
        ("reserve-with-kind", "{type: activate_reserve, places: 100, kind: emergency}",
         "kind: a 'activate_reserve' action does not use kind"),
        ("raise-occupancy-with-lead-time", "{type: raise_occupancy, kinds: [regular], factor: 1.1, lead_time_days: 30}",
         "lead_time_days: a 'raise_occupancy' action does not use lead_time_days"),
        ("raise-occupancy-with-places", "{type: raise_occupancy, kinds: [regular], factor: 1.1, places: 500}",
         "places: a 'raise_occupancy' action does not use places"),
        ("request-with-factor", "{type: request_places, kind: emergency, places: 100, factor: 1.5}",
         "factor: a 'request_places' action does not use factor"),
        ("request-with-province", "{type: request_places, kind: emergency, places: 100, province: Zeeland}",
         "province: a 'request_places' action does not use province"),
        ("reserve-with-repeat", "{type: activate_reserve, places: 100, repeat_days: 7}",
         "repeat_days: a 'activate_reserve' action does not use repeat_days"),
        ("relief-with-cost", "{type: relief_places, places: 100, cost_per_day_eur: 500}",
         "cost_per_day_eur: a 'relief_places' action does not use cost_per_day_eur")):
    bad("plan", f"r6-{_name}", _PHASE % _action, "accepted before: the field was ignored",
        says=("plan.phases.0.actions.0", _says))
# command-line numbers Python reads too kindly (the fourth round fixed --days and --record)
for _name, _argv, _flag in (
        ("ui-port-underscore", ("ui", "--port", "8_799", "--scenario", "{d}/tiny.yaml"), "--port"),
        ("serve-port-fullwidth", ("exercise", "serve", "--port", "\uff18\uff17\uff19\uff17"), "--port"),
        ("occupancy-fullwidth", ("forecast", "--from-run", "{d}/tiny.yaml", "--occupancy", "\uff10.9", "--out",
                                 "{d}/out"), "--occupancy")):
    bad_argv("counts", f"r6-{_name}", _argv, note="int()/float() read it", says=(f"argument {_flag}", "must be a"))
# a sweep varying or fixing a field no run reads
for _name, _body, _says in (
        ("vary-seed", _design(parameters="parameters:\n  - {name: s, path: seed, uniform: [1, 5]}"),
         ("parameters.0.path", "seed is each run's replicate seed")),
        ("vary-name", _design(parameters="parameters:\n  - {path: name, values: [a, b]}"),
         ("parameters.0.path", "name only labels the scenario")),
        ("set-description", DESIGN + "set: {description: x}\n", ("set.description", "changes no run"))):
    bad_argv("sweep", f"r6-{_name}", _SW, {"d.yaml": _body}, note="accepted before: every point ran the same",
             says=_says)
for _name, _body in {"action-fields-used": _PHASE % "{type: request_places, kind: emergency, places: 100, via: coa, "
                                                     "success_rate: 0.5, lead_time_days: 7, repeat_days: 28, "
                                                     "duration_days: 90}",
                     "action-default-written": _PHASE % "{type: activate_reserve, places: 100, factor: 1.0, kinds: []}",
                     "float-tag-number": "horizon_days: !!float 20\n",
                     "bool-tag-true": "plan: {enabled: !!bool True}\n"}.items():
    good("r6", _name, ("validate", "{d}/s.yaml"), {"s.yaml": "extends: tiny.yaml\n" + _body})

# ==============================================================================================
# The seventh round (the entry points the earlier rounds swept least: the --record CSV's cells and
# columns, a saved run uploaded to the dashboard, its parameter fields, the exercise room's
# handlers, the experiments' Python API): what still ended in a traceback or passed silently.
# ==============================================================================================

for _name, _text, _says, _note in (
        ("cell-too-long", "date,quantity,value\n2025-07-05,population," + "9" * 200_000 + "\n",
         ("r.csv: line 2", "not a CSV line", "field larger than field limit"), "_csv.Error traceback before"),
        ("quote-left-open", 'date,quantity,value\n2025-07-05,population,"2000\n',
         ("r.csv: line 2", "not a CSV line", "unexpected end of data"),
         "accepted before: the open quote took the rest of the file as the value"),
        ("unknown-column", "date,quantity,value,unit\n2025-07-05,population,2,thousands\n",
         ("r.csv: line 1", "unknown column 'unit'"), "accepted before: the unit was ignored (2 persons)"),
        ("value-in-unnamed-column", "date,quantity,value,\n2025-07-05,population,2000,3000\n",
         ("r.csv: line 2", "a value in a column without a name"), "accepted before: the 3000 was ignored"),
        ("two-approximate-marks", "date,quantity,value\n2025-07-05,population,~~2000\n",
         ("r.csv: line 2", "value must be a number of persons", "(got '~~2000')"), "accepted before as ~2000")):
    bad_argv("record", f"r7-{_name}", _BT, {"r.csv": _text}, note=_note, says=_says)
for _name, _text in {"trailing-commas": "date,quantity,value,\n2025-07-05,population,2000,\n",
                     "approximate": "date,quantity,value\n2025-07-05,population,~2000\n",
                     "quoted-source": 'date,quantity,value,source\n2025-07-05,population,2000,"CBS, table 3"\n',
                     "quoted-value": 'date,quantity,value\n2025-07-05,population,"2000"\n'}.items():
    good("r7", f"record-{_name}", _BT, {"r.csv": _text})

# --- eighth round: options of another mode given anyway, and targets inside noodplan's own code ---
# Each was accepted before (the option ignored, or the results written into the program's folders).
_REPO = Path(__file__).resolve().parents[2]
_DESIGN = """name: d
scenario: tiny.yaml
horizon_days: 2
parameters:
  - {path: housing.supply_persons_per_year, uniform: [1000, 5000]}
sampler: {method: lhs, samples: 2}
replicates: 1
"""
for _name, _argv, _says in (
        ("sweep-schema-with-executor", ("sweep", "--schema", "--executor", "dask"), ("--executor", "not with --schema")),
        ("sweep-schema-with-workers", ("sweep", "--schema", "--workers", "4"), ("--workers", "not with --schema")),
        ("sweep-list-with-batch-size", ("sweep", "--list", "--batch-size", "3"), ("--batch-size", "not with --list")),
        ("sweep-list-with-out", ("sweep", "--list", "--out", "{d}/st"), ("--out", "not with --list")),
        ("sweep-schema-and-list", ("sweep", "--schema", "--list"), ("--list", "not with --schema")),
        ("run-force-without-out", ("run", "{d}/tiny.yaml", "--days", "2", "--force"), ("--force", "only with --out")),
        ("calibrate-dry-run-into", ("calibrate", "--budget", "2", "--seeds", "1", "--dry-run", "--jobs", "1",
                                    "--into", "{d}/tiny.yaml"), ("--into", "--dry-run")),
        ("bench-sweep-no-eu", ("bench", "--sweep", "--quick", "--no-eu"), ("--no-eu", "not with --sweep")),
        ("bench-sweep-plot", ("bench", "--sweep", "--quick", "--plot", "{d}/p.png"), ("--plot", "not with --sweep")),
        ("bench-sweep-history", ("bench", "--sweep", "--quick", "--history", "{d}/h.jsonl"),
         ("--history", "not with --sweep")),
        ("run-out-in-model", ("run", "{d}/tiny.yaml", "--days", "2", "--out", str(_REPO / "model" / "noodplan-bad-out")),
         ("--out", "inside noodplan's own code")),
        ("schema-out-in-model", ("schema", "--out", str(_REPO / "model" / "noodplan-bad.json")),
         ("--out", "inside noodplan's own code")),
        ("sweep-out-in-experiments", ("sweep", "{d}/d.yaml", "--out", str(_REPO / "experiments" / "noodplan-bad-st"),
                                      "--executor", "serial"), ("--out", "inside noodplan's own code"))):
    bad_argv("commands", f"r8-{_name}", _argv, {"d.yaml": _DESIGN}, says=_says)
if sys.prefix != sys.base_prefix:     # a virtual environment (./scripts/setup makes .venv)
    bad_argv("commands", "r8-run-out-in-venv", ("run", "{d}/tiny.yaml", "--days", "2", "--out",
                                                str(Path(sys.prefix) / "noodplan-bad-out")),
             says=("--out", "inside noodplan's own Python environment"))
for _name, _argv in {"version": ("--version",),
                     "sweep-schema-out": ("sweep", "--schema", "--out", "{d}/s.json"),
                     "run-out-force": ("run", "{d}/tiny.yaml", "--days", "2", "--out", "{d}/o", "--force")}.items():
    good("r8", _name, _argv, {})


# --- ninth round: a saved exercise (`exercise report`, the room's restore) ---------------------
# A saved exercise as `savefile.save` writes it (format 2, the scenario written out as a mapping that
# extends a built-in one), changed one field at a time. Each refused case is refused before the run
# is made: the commands' shapes and the lessons are checked before the replay.
def _saved(**changes) -> str:
    import json

    scenario = {"extends": "baseline", "name": "tiny", "provinces": ["Zeeland"], "horizon_days": 20,
                "initial": {"entitled_persons": 2000, "at_registration_persons": 100},
                "inflow": {"first_applications_per_year": 3000, "family_reunification_per_year": 1000}}
    data = {"format": "noodplan-exercise", "format_version": 2, "code_version": "noodplan 0.1.0",
            "exercise": {"name": "e", "title": "E", "synopsis": "S", "scenario": scenario, "turn_days": 2,
                         "turns": 3, "roles": [{"id": "coa", "type": "coa"}],
                         "objectives": [{"id": "beds", "text": "a bed for everyone"}]},
            "commands": [{"op": "advance"}], "lessons": {"general": "sooner"}}
    data.update(changes)
    return json.dumps(data)


_REPORT = ("exercise", "report", "{d}/s.json", "--out", "{d}/r.html")
for _name, _file, _says in (
        # str() made null and numbers lessons: "None", "5"
        ("lesson-null", _saved(lessons={"general": None}), ("s.json: lessons.general", "must be text")),
        ("lesson-number", _saved(lessons={"beds": 5}), ("s.json: lessons.beds", "must be text")),
        # refused after the whole replay, without the file's name
        ("lesson-unknown-objective", _saved(lessons={"bedz": "x"}), ("s.json: lessons.bedz", "objectives: beds")),
        # refused after the world was built, as "commands.0: commands.0: unknown command None"
        ("command-without-op", _saved(commands=[{}]), ("s.json: commands.0: unknown command None",)),
        ("command-not-a-mapping", _saved(commands=[5]), ("s.json: commands.0", "a mapping")),
        # accepted: a field this noodplan does not know was ignored
        ("command-unknown-field", _saved(commands=[{"op": "advance", "turns": 2}]),
         ("s.json: commands.0: turns", "not a field of a 'advance' command")),
        ("command-role-unknown", _saved(commands=[{"op": "decide", "role": "ind", "decision": {
            "type": "open_places", "kind": "regular", "places": 5}}]), ("s.json: commands.0: role", "'ind'")),
        ("command-decision-bad", _saved(commands=[{"op": "decide", "role": "coa", "decision": {
            "type": "open_places", "kind": "regular", "places": -5}}]), ("s.json: commands.0: decision: places",)),
        ("command-index-negative", _saved(commands=[{"op": "withdraw", "role": "coa", "index": -1}]),
         ("s.json: commands.0: index", "0 or more")),
        ("command-inject-unknown", _saved(commands=[{"op": "inject", "id": "nope"}]), ("s.json: commands.0: id",)),
        # json.loads read UTF-16 bytes and kept the last of two keys
        ("utf16", codecs.BOM_UTF16_LE + _saved().encode("utf-16-le"), ("s.json", "UTF-16")),
        ("key-twice", _saved().replace('"format_version": 2', '"format_version": 1, "format_version": 2'),
         ("s.json", "'format_version' is given twice")),
        # the scenario's problem was named twice: "s.json: exercise: scenario: s.json: exercise: scenario: …"
        ("scenario-field-unknown", _saved().replace('"horizon_days": 20', '"horizon_dayz": 20'),
         ("noodplan: s.json: exercise: scenario: horizon_dayz: unknown field",))):
    bad_argv("exercise", f"r9-save-{_name}", _REPORT, {"s.json": _file}, says=_says)
good("r9", "save-with-lessons-and-an-adhoc-inject-without-effect", _REPORT,
     {"s.json": _saved(commands=[{"op": "adhoc", "title": "t", "synopsis": "s"}, {"op": "advance"}],
                       lessons={"beds": "sooner", "general": ""})})
good("r9", "save-with-a-bom", _REPORT, {"s.json": codecs.BOM_UTF8 + _saved().encode()})


# --- ninth round: a misspelt name is answered with the name meant ------------------------------
# Each was refused before, but with "unknown field (check the spelling)", every province, every
# built-in scenario or "use the CBS name, e.g. 'Enschede'": the planner had to find the typo.
_SHOCK9 = "inflow:\n  shocks: [{{start: 2025-07-05, end: 2025-07-15, {}}}]\n"
for _name, _body, _says in (
        ("field-misspelt", "housing: {supply_persons_per_yer: 15000}\n",
         ("housing.supply_persons_per_yer: unknown field (did you mean 'housing.supply_persons_per_year'?)",)),
        ("field-started", "horizon: 30\n", ("horizon: unknown field (did you mean 'horizon_days'?)",)),
        # a required field misspelt was reported as missing
        ("required-field-misspelt", _SHOCK9.format("extra_persons_per_dy: 10"),
         ("inflow.shocks.0.extra_persons_per_dy: unknown field (did you mean 'inflow.shocks.0.extra_persons_per_day'?)",)),
        ("province-misspelt", "provinces: [Zeland]\n", ("provinces: unknown province 'Zeland' (did you mean 'Zeeland'?)",)),
        ("province-without-hyphen", "provinces: [Noord Holland]\n", ("did you mean 'Noord-Holland'?",)),
        ("event-province-misspelt", "events: [{date: 2025-07-05, action: close, kind: emergency, places: 1, "
                                    "province: Zeelnd}]\n", ("events.0.province", "did you mean 'Zeeland'?")),
        ("municipality-misspelt", _SHOCK9.format("extra_persons_per_day: 10, entry_municipality: Vlisingen"),
         ("entry_municipality: unknown municipality 'Vlisingen' (did you mean 'Vlissingen'?)",)),
        ("event-parameter-misspelt", "events: [{date: 2025-07-05, action: set, parameter: "
                                     "chain.decisions_per_day.regulr, value: 5}]\n",
         ("events.0.parameter", "did you mean 'chain.decisions_per_day.regular'?")),
        ("extends-builtin-misspelt", b"extends: baselin\n", ("did you mean 'baseline'?",))):
    bad("names", f"r9-{_name}", _body, commands=("validate",), says=_says)
bad_argv("names", "r9-run-builtin-misspelt", ("run", "mass-arival", "--days", "2"),
         says=("mass-arival: no such scenario file or built-in name (did you mean 'mass-arrival'?)",))
bad_design("r9-path-misspelt", DESIGN.replace("housing.supply_persons_per_year", "housing.supply_persons_per_yer"))
BAD[-1] = Case(BAD[-1].id, BAD[-1].category, BAD[-1].argv, BAD[-1].files, says=("did you mean 'housing.supply_persons_per_year'?",))


# --- tenth round: a record file's cells named in the line; spaces after the commas read --------------
for _name, _text, _says in (
        ("date-named", "date,quantity,value\n2025-07-32,population,2000\n",
         ("r.csv: line 2: date must be a day written YYYY-MM-DD (got '2025-07-32')",)),
        ("value-named", "date,quantity,value\n2025-07-05,population,2.000 persons\n",
         ("r.csv: line 2: value must be a number of persons", "(got '2.000 persons')")),
        ("quantity-misspelt", "date,quantity,value\n2025-07-05,permit_holder,2000\n",
         ("r.csv: line 2: quantity must be population or permit_holders (got 'permit_holder') "
          "(did you mean 'permit_holders'?)",))):
    bad_argv("record", f"r10-{_name}", _BT, {"r.csv": _text}, says=_says)
# a header and cells written with a space after each comma (a spreadsheet's "comma and space"):
# read as meant (before: "missing column(s) quantity, value", and ' source' an unknown column)
good("record", "r10-spaces-after-commas", _BT, {"r.csv": "date, quantity, value, source\n"
                                                          "2025-07-05, population, 2000, CBS\n"})

# a saved exercise whose rewind or fork names a snapshot its commands never took: accepted before for a
# fork (the log said "forked from snapshot 'x'"), found only mid-replay for a rewind
for _name, _commands, _says in (
        ("forked-from-nothing", [{"op": "forked", "name": "x"}, {"op": "advance"}],
         ("s.json: commands.0: name: no snapshot 'x' is taken before this 'forked' command (none is)",)),
        ("rewind-to-another", [{"op": "snapshot", "name": "start"}, {"op": "advance"}, {"op": "rewind", "name": "strat"}],
         ("s.json: commands.2: name: no snapshot 'strat' is taken before this 'rewind' command (taken: start)",))):
    bad_argv("exercise", f"r10-save-{_name}", _REPORT, {"s.json": _saved(commands=_commands)}, says=_says)
good("r10", "save-forked-and-rewound", _REPORT,
     {"s.json": _saved(commands=[{"op": "snapshot", "name": "start"}, {"op": "forked", "name": "start"},
                                 {"op": "advance"}, {"op": "rewind", "name": "start"}, {"op": "advance"}])})
# JSON's NaN and Infinity (read as text by the YAML reader): "write it without quotes" was the wrong advice
for _name, _body, _says in (
        ("json-nan", b'{"extends": "tiny.yaml", "horizon_days": NaN}', ("horizon_days: must be a finite number (got 'NaN')",)),
        ("json-minus-infinity", b'{"extends": "tiny.yaml", "inflow": {"first_applications_per_year": -Infinity}}',
         ("inflow.first_applications_per_year: must be a finite number (got '-Infinity')",))):
    bad("numbers", f"r10-{_name}", _body, commands=("validate",), says=_says)


# --- eleventh round: a path into a scenario, however it is given, answered with the path meant ----
# A design's `set` given as a mapping went to the scenario's schema and came back as "Extra inputs are
# not permitted" (no suggestion); a design's paths got the part meant, not the path ("did you mean
# 'supply_persons_per_year'"), a typo before the last part only "no 'hosuing' in the scenario"; a
# mapping's key that is not a track or kind was "chain.decisions_per_day.reguler.'[key]': Input should
# be 'regular', …". Now every way names the field by its whole path and the whole path meant, with
# the words of a scenario file's misspelt field (`model.scenario.path_problem`, `first_problem`).
_MEANT = "(did you mean 'housing.supply_persons_per_year'?)"
for _name, _body, _says in (
        ("set-mapping-misspelt", DESIGN + "set: {housing: {supply_persons_per_yaer: 1000}}\n",
         ("d.yaml: set", "housing.supply_persons_per_yaer: unknown field " + _MEANT)),
        ("set-path-misspelt", DESIGN + "set: {housing.supply_persons_per_yaer: 1000}\n",
         ("d.yaml: set: housing.supply_persons_per_yaer: unknown field " + _MEANT,)),
        ("set-path-misspelt-before-the-last-part", DESIGN + "set: {hosuing.supply_persons_per_year: 1000}\n",
         ("d.yaml: set: hosuing.supply_persons_per_year: unknown field " + _MEANT,)),
        ("set-mapping-track-misspelt", DESIGN + "set: {chain: {decisions_per_day: {reguler: 3}}}\n",
         ("chain.decisions_per_day.reguler: unknown key", "(did you mean 'chain.decisions_per_day.regular'?)")),
        ("parameter-path-misspelt-twice", DESIGN.replace("housing.supply_persons_per_year",
                                                         "hosuing.supply_persons_per_yaer"),
         ("d.yaml: parameters.0.path: hosuing.supply_persons_per_yaer: unknown field " + _MEANT,)),
        ("parameter-path-past-a-value", DESIGN.replace("housing.supply_persons_per_year",
                                                       "housing.supply_persons_per_year.low"),
         ("parameters.0.path", "housing.supply_persons_per_year is a value, with no field 'low'")),
        ("parameter-path-item-missing", DESIGN.replace("housing.supply_persons_per_year", "plan.phases.9.min_dwell_days"),
         ("parameters.0.path", "no item '9' in plan.phases, which has 4 (0 … 3)")),
        ("sampler-field-misspelt", DESIGN.replace("method: lhs", "metod: lhs"),
         ("d.yaml: sampler.metod: unknown field (did you mean 'sampler.method'?)",))):
    bad_argv("sweep", f"r11-{_name}", _SW, {"d.yaml": _body}, says=_says)
for _name, _body, _says in (
        ("track-misspelt", "chain: {decisions_per_day: {reguler: 3}}\n",
         ("chain.decisions_per_day.reguler: unknown key, not one of 'regular', 'accelerated', 'border' or 'dublin' "
          "(did you mean 'chain.decisions_per_day.regular'?)",)),
        ("kind-misspelt", "portfolio: {mean_location_places: {regulr: 300}}\n",
         ("portfolio.mean_location_places.regulr: unknown key", "(did you mean 'portfolio.mean_location_places.regular'?)")),
        ("nested-field-misspelt", "plan: {phases: [{name: p, activate: [{indicator: occupancy, abov: 0.5}]}]}\n",
         ("plan.phases.0.activate.0.abov: unknown field (did you mean 'plan.phases.0.activate.0.above'?)",))):
    bad("names", f"r11-{_name}", _body, commands=("validate",), says=_says)
good("r11", "set-mapping-and-path-meant", _SW, {"d.yaml": _DESIGN + "set: {housing: {supply_spread: 0.5},"
                                                                    " chain.decisions_per_day.regular: 3}\n"})

# --- twelfth round: a design's union fields in one plain line ------------------------------------
# `values` items are a number, true/false or text (a union): a mapping, a list or null there was
# refused with pydantic's report of each type it tried ("parameters.0.values.0.bool: Input should be
# a valid boolean [+3 more]"), and a range of the wrong length named an item ("triangular.1: required
# field is missing [+1 more]"). Now one line naming the parameter and what it takes (`Parameter._plain_values`,
# `_ends`).
_POLICY = "  - {path: placement.policy, values: %s}\n"
for _name, _values, _says in (
        ("values-mapping", "[{a: 1}]", "d.yaml: parameters.1.values: the values of placement.policy are numbers, "
                                       'true/false or text (one each); item 0 is a mapping: {"a": 1}'),
        ("values-list", "[standard, [min_moves]]", "parameters.1.values: the values of placement.policy are numbers, "
                                                   'true/false or text (one each); item 1 is a list: ["min_moves"]'),
        ("values-null", "[standard, null]", "parameters.1.values: the values of placement.policy are numbers, "
                                            "true/false or text (one each); item 1 is empty (null)")):
    bad_argv("sweep", f"r12-{_name}", _SW, {"d.yaml": DESIGN.replace("sampler:", _POLICY % _values + "sampler:")},
             says=(_says,))
for _name, _range, _says in (
        ("uniform-one-end", "uniform: [1000]", "d.yaml: parameters.0.uniform: two numbers, [low, high] (got 1 value)"),
        ("uniform-three-ends", "uniform: [1000, 2000, 3000]",
         "d.yaml: parameters.0.uniform: two numbers, [low, high] (got 3 values)"),
        ("triangular-two-numbers", "triangular: [1000, 2000]",
         "d.yaml: parameters.0.triangular: three numbers, [low, mode, high] (got 2 values)")):
    bad_argv("sweep", f"r12-{_name}", _SW, {"d.yaml": DESIGN.replace("uniform: [1000, 2000]", _range)}, says=(_says,))
good("r12", "values-of-each-kind", _SW, {"d.yaml": DESIGN.replace(
    "sampler:", "  - {path: placement.policy, values: [standard, min_moves]}\n"
                "  - {path: chain.decisions_per_day.regular, values: [3, 4.5]}\nsampler:")})

# --- thirteenth round: the newest ways in, as a demanding user tries them -------------------------
# A design's range, values or scenarios not given as a list (or an empty list) got pydantic's wording:
# "parameters.0.values: Input should be a valid list", "… a valid tuple", "List should have at least
# 1 item after validation, not 0". Now one line naming the parameter and what it takes (`Parameter._a_list`).
_SUPPLY = "housing.supply_persons_per_year"
for _name, _range, _says in (
        ("values-a-mapping", "values: {a: 1}",
         f'parameters.0.values: {_SUPPLY} takes a list of values, e.g. [3, 4.5] or [standard, min_moves] '
         '(got a mapping: {"a": 1})'),
        ("values-one-value", "values: 1500", f"parameters.0.values: {_SUPPLY} takes a list of values, e.g. "
                                             "[3, 4.5] or [standard, min_moves] (got one value: 1500)"),
        ("values-empty", "values: []", f"parameters.0.values: {_SUPPLY} takes a list of values, e.g. [3, 4.5] "
                                       "or [standard, min_moves] (got an empty list, [])"),
        ("uniform-a-mapping", "uniform: {low: 1000, high: 2000}",
         f'parameters.0.uniform: {_SUPPLY} takes two numbers, [low, high] (got a mapping: '
         '{"low": 1000, "high": 2000})'),
        ("triangular-one-value", "triangular: 1500",
         f"parameters.0.triangular: {_SUPPLY} takes three numbers, [low, mode, high] (got one value: 1500)")):
    bad_argv("sweep", f"r13-{_name}", _SW, {"d.yaml": DESIGN.replace("uniform: [1000, 2000]", _range)},
             says=("d.yaml: " + _says,))
for _name, _variants, _says in (
        ("scenarios-a-mapping", "{a: tiny.yaml}", 'a list of scenarios, e.g. [baseline, mass-arrival] (got a mapping: '
                                                  '{"a": "tiny.yaml"})'),
        ("scenarios-empty", "[]", "a list of scenarios, e.g. [baseline, mass-arrival] (got an empty list, [])")):
    bad_argv("sweep", f"r13-{_name}", _SW, {"d.yaml": DESIGN.replace(
        "sampler:", f"  - {{scenarios: {_variants}}}\nsampler:")}, says=(f"d.yaml: parameters.1.scenarios: {_says}",))

# A store's manifest edited by hand (or cut short by a tool): each field a sweep or analyze reads is
# checked when the store is opened (`store._check_manifest`); before, a KeyError ('days', 'sessions'),
# a TypeError ('planned' text), an AttributeError ('consolidated' text) or a run length of "20" days
# and KPIs read letter by letter ('kpis' text) deep in the sweep or analyze.
import json as _json  # noqa: E402

_MANIFEST = {"format": "noodplan-sweep/1", "fingerprint": "0123456789abcdef",
             "design": {"name": "d", "scenario": "tiny.yaml",
                        "parameters": [{"path": "housing.supply_persons_per_year", "uniform": [1000, 2000]}],
                        "sampler": {"method": "lhs", "samples": 2, "seed": 1}, "outputs": {"kpis": ["peak_population"]}},
             "bases": {"tiny.yaml": {"name": "tiny", "horizon_days": 20}}, "kpis": ["peak_population"],
             "planned": {"samples": 2, "replicates": 1, "rows": 2, "runs": 2}, "days": 20, "sessions": []}
for _name, _change, _says in (
        ("days-text", {"days": "20"}, "damaged (days: the longest run's days, 20 (a varied horizon_days' "
                                      "highest value, else the base scenarios' longest horizon), got \"20\")"),
        ("days-other", {"days": 400}, "damaged (days: the longest run's days, 20 (a varied horizon_days' "
                                      "highest value, else the base scenarios' longest horizon), got 400)"),
        ("days-removed", {"days": None}, "damaged (no days); put back the manifest.json the sweep wrote"),
        ("sessions-mapping", {"sessions": {}}, "damaged (sessions: a list of the sweep sessions, got {})"),
        ("planned-text", {"planned": "x"}, "damaged (planned: the plan's samples, replicates, rows and runs"),
        ("kpis-text", {"kpis": "peak_population"}, "damaged (kpis: a list of the key figures each run keeps"),
        ("consolidated-text", {"consolidated": "yes"}, "damaged (consolidated: "),
        ("bases-horizon-text", {"bases": {"tiny.yaml": {"horizon_days": "20"}}},
         "damaged (bases.tiny.yaml.horizon_days: a whole number of days from 1 to 36,500, got \"20\")")):
    _m = {k: v for k, v in {**_MANIFEST, **_change}.items() if v is not None}
    bad_argv("analyze", f"r13-manifest-{_name}", ("analyze", "{d}/store"),
             {"store/manifest.json": _json.dumps(_m), "store/parts": FOLDER}, says=("store: manifest.json: " + _says,))
bad_argv("analyze", "r13-parts-a-file", ("analyze", "{d}/store"),
         {"store/manifest.json": _json.dumps(_MANIFEST), "store/parts": "x"},
         says=("store/parts: not a folder (a store keeps its runs there)",))
bad_argv("analyze", "r13-views-copy-runs-damaged", ("analyze", "{d}/store"),    # a store shared without parts/
         {"store/manifest.json": _json.dumps({**_MANIFEST, "consolidated": {"parts": 2}}), "store/runs.parquet": "x"},
         says=("store/runs.parquet: damaged store file (",))

# A --record CSV as a Dutch spreadsheet writes it: `2.100` (two thousand one hundred, with the Dutch
# thousands point) was read as 2.1 persons and scored, its error in the hundreds of thousands of percent;
# a decimal comma, tabs between the columns and the names capitalised got no word of what to change.
_R = "date,quantity,value\n2025-07-05,population,%s\n"
for _name, _text, _says in (
        ("value-dutch-thousands", _R % "2.100", "r.csv: line 2: value '2.100' reads as 2.1 persons; write a number "
                                                "of persons without a thousands separator (2100), or 2.1 if that is meant"),
        ("value-dutch-thousands-approximate", _R % "~27.300", "r.csv: line 2: value '~27.300' reads as 27.3 persons; "
                                                              "write a number "
                                                              "of persons without a thousands separator (~27300)"),
        ("value-decimal-comma", _R % '"2000,5"', "r.csv: line 2: value must be a number of persons, e.g. 27305 or "
                                                 "~27000, decimals with a point (got '2000,5')"),
        ("tabs", "date\tquantity\tvalue\n2025-07-05\tpopulation\t2000\n",
         "r.csv: missing column(s) date, quantity, value (columns separated by tabs? use ',')"),
        ("names-capitalised", "Date,Quantity,Value\n2025-07-05,population,2000\n",
         "r.csv: missing column(s) date, quantity, value (the names are lower case: date, quantity, value)")):
    bad_argv("record", f"r13-{_name}", _BT, {"r.csv": _text}, says=("--record: " + _says,))
good("r13", "record-fraction-and-dates-out-of-order", _BT, {"r.csv": "date,quantity,value\n2025-07-10,population,2100.5\n"
                                                                    "2025-07-05,population,0.500\n"})

# compare of two files of different periods: B's 30 days against A's 20 (or from another start) were
# compared figure by figure as the effect of B's choices ("first day in phase 2+: +10 days", the cost
# of ten more days). Refused before anything runs (`experiments.compare._one_period`); --days makes one
# horizon of two, as before.
_OTHER = "extends: tiny.yaml\nname: other\nhorizon_days: 30\n"
for _name, _body, _says in (
        ("compare-other-horizon", _OTHER, "b: 'other' runs 30 days from 2025-07-01, a: 'tiny' 20 days from 2025-07-01; "
                                          "a paired comparison is of one period: give both the same horizon_days"),
        ("compare-other-start", _OTHER.replace("horizon_days: 30", "start_date: 2024-01-01\nhorizon_days: 20"),
         "b: 'other' runs 20 days from 2024-01-01, a: 'tiny' 20 days from 2025-07-01; a paired comparison is of one "
         "period: give both the same start_date")):
    bad_argv("compare", f"r13-{_name}", ("compare", "{d}/tiny.yaml", "{d}/b.yaml", "--runs", "1", "--workers", "1"),
             {"b.yaml": _body}, says=(_says,))
good("r13", "compare-other-horizon-with-days", ("compare", "{d}/tiny.yaml", "{d}/b.yaml", "--runs", "1", "--workers",
                                                "1", "--days", "2"), {"b.yaml": _OTHER})

# --- round 14 ---------------------------------------------------------------------------------
# A `close` of 0 places closed the largest location of the kind (1,024 regular places in tiny's world:
# whole locations close until the places asked are gone, and the first is always taken); an `open` of
# 0 places logged "0 places". Both are refused now (`Event._complete`), as an exercise's decisions and
# the dashboard's what-ifs already refused them.
for _action, _says in (("close", "events.0: places: a 'close' event closes at least 1 place (got 0)"),
                       ("open", "events.0: places: an 'open' event opens at least 1 place (got 0)")):
    bad("events", f"r14-{_action}-zero-places",
        f"events:\n  - {{date: 2025-07-10, action: {_action}, kind: regular, places: 0}}\n", says=(_says,))
# Two `set`s of one parameter on one day (or a `set` and a `scale`): only the later in the list counted,
# the other silently. Refused, naming both (`check_same_day_sets`); two `scale`s multiply, and a `set`
# on the next day is a change, not a contradiction.
_SET = "  - {date: 2025-07-10, action: set, parameter: chain.dublin_share, value: %s}\n"
_SCALE = "  - {date: 2025-07-10, action: scale, parameter: chain.dublin_share, value: %s}\n"
for _name, _body, _says in (
        ("set-twice-one-day", _SET % 0.2 + _SET % 0.3,
         "events.1: sets chain.dublin_share on 2025-07-10, the day events.0 sets it too; only the later in the list "
         "would count: give one value"),
        ("scale-then-set-one-day", _SCALE % 2 + _SET % 0.3,
         "events.1: sets chain.dublin_share on 2025-07-10, the day events.0 scales it too"),
        ("set-then-scale-one-day-out-of-order", _SET.replace("07-10", "07-12") % 0.1 + _SET % 0.3 + _SCALE % 1.5,
         "events.2: scales chain.dublin_share on 2025-07-10, the day events.1 sets it too")):
    bad("events", f"r14-{_name}", "events:\n" + _body, says=(_says,))
good("r14", "scale-twice-one-day-and-set-the-next", ("run", "{d}/s.yaml", "--out", "{d}/out"),
     {"s.yaml": "extends: tiny.yaml\nevents:\n" + _SCALE % 2 + _SCALE % 1.1 + _SET.replace("07-10", "07-11") % 0.1})

# `bench --instructions SCENARIO:DAYS` took any number of days (baseline:99999999 ran the whole benchmark,
# then callgrind on a run of 100 million days: a hang) and full-width digits (str.isdigit); '²' ended in
# "invalid literal for int() with base 10". DAYS is 1 to 36,500 in ASCII digits, as --days is.
for _name, _value in (("instructions-days-huge", "baseline:99999999"), ("instructions-days-fullwidth", "baseline:\uff15"),
                      ("instructions-days-superscript", "baseline:²")):
    bad_argv("counts", f"r14-{_name}", ("bench", "--instructions", _value, "--repeats", "1", "--quick"),
             says=(f"--instructions: '{_value}' is not SCENARIO:DAYS with DAYS 1 to 36,500",))

# A parent that is not there was named by its last part only: `extends: elsewhere/tiny.yaml` said
# "extends tiny.yaml: no such scenario file" beside a tiny.yaml that exists, and so did a web address
# or a name with a space before it. The parent is named as written now, with what to change when the
# cause is plain (`_resolve`): a web address, spaces around the name, a Windows backslash, no `.yaml`.
for _name, _written, _says in (
        ("extends-other-folder", "elsewhere/tiny.yaml", "extends elsewhere/tiny.yaml: no such scenario file"),
        ("extends-web-address", "https://example.org/tiny.yaml",
         "extends 'https://example.org/tiny.yaml': no such scenario file (a web address is not read: save the file "
         "and give its path)"),
        ("extends-space-before", "' tiny.yaml'",
         "extends ' tiny.yaml': no such scenario file (the spaces at its start or end are part of the name)"),
        ("extends-backslash", "scenarios\\tiny.yaml",
         "extends 'scenarios\\tiny.yaml': no such scenario file (folders are separated by / here: scenarios/tiny.yaml)"),
        ("extends-without-suffix", "tiny", "extends 'tiny': no such scenario file (did you mean tiny.yaml?)")):
    bad("extends", f"r14-{_name}", f"extends: {_written}\n".encode(), says=("s.yaml: " + _says,))

# A date with a time of day was refused in pydantic's words, with a Python repr: "start_date: Datetimes
# provided to dates should have zero time - e.g. be exact dates (got datetime.datetime(2025, 7, 1, 12, 0))";
# a date where a number is asked showed "(got datetime.date(2025, 1, 1))". Dates are shown as written now
# (`shown`), and a time of day is named as such (`_Strict`); a midnight timestamp is still the date.
bad("dates", "r14-start-with-a-time-of-day", "start_date: 2025-07-01 12:00:00\n",
    says=("s.yaml: start_date: must be a date written YYYY-MM-DD, without a time of day (got 2025-07-01 12:00:00)",))
bad("dates", "r14-shock-with-a-time-of-day",
    "inflow:\n  shocks:\n    - {start: 2025-07-05T08:30:00, end: 2025-07-15, extra_persons_per_day: 5}\n",
    says=("s.yaml: inflow.shocks.0.start: must be a date written YYYY-MM-DD, without a time of day "
          "(got 2025-07-05 08:30:00)",))
bad("events", "r14-set-a-date-shown-as-written",
    "events:\n  - {date: 2025-07-10, action: set, parameter: chain.dublin_share, value: 2025-01-01}\n",
    says=("events.0.value: Input should be a valid number (got 2025-01-01)",))
# the same causes in a file named on the command line (`_read`, `_missing_hint`)
bad_argv("wrong-file", "r14-run-without-suffix", ("run", "{d}/tiny", "--out", "{d}/out"),
         says=("tiny': no such scenario file (did you mean ", "tiny.yaml?)"))
bad_argv("wrong-file", "r14-validate-web-address", ("validate", "https://example.org/s.yaml"),
         says=("noodplan: 'https://example.org/s.yaml': no such scenario file (a web address is not read",))

# A sweep design or an exercise given to `run`/`validate` (or `compare`, `backtest`, `forecast --from-run`,
# an `extends`) was refused as a scenario with a misspelt field: "d.yaml: scenario: unknown field (check
# the spelling) [+18 more]". It is named for what it is, with the command that reads it
# (`_not_another_kind_of_file`).
_DESIGN_FILE = ("scenario: tiny.yaml\nparameters:\n  - {name: inflow, path: inflow.first_applications_per_year, "
                "uniform: [1000, 2000]}\nsampler: {method: lhs, samples: 4}\n")
_EXERCISE_FILE = ("name: ex\ntitle: An exercise\nscenario: tiny.yaml\nturn_days: 7\nturns: 2\n"
                  "roles:\n  - {id: coa, kind: coa}\nobjectives: []\ninjects: []\n")
for _name, _body, _says in (
        ("a-sweep-design", _DESIGN_FILE, "s.yaml: a sweep design, not a scenario (it has parameters and sampler); "
                                         "run it with `noodplan sweep FILE --out STORE`"),
        ("an-exercise", _EXERCISE_FILE, "s.yaml: an exercise, not a scenario (it has roles and injects); check it "
                                        "with `noodplan exercise validate FILE`")):
    bad("wrong-file", f"r14-{_name}", _body.encode(), says=(_says,), commands=("run", "validate", "compare"))
bad("wrong-file", "r14-extends-a-sweep-design", b"extends: d.yaml\n", extra={"d.yaml": _DESIGN_FILE},
    says=("s.yaml: extends d.yaml: a sweep design, not a scenario",))

# A binary file picked by mistake was blamed on its encoding: a snapshot (a ZIP archive, as a spreadsheet's
# .xlsx is) given as a scenario said "holds NUL bytes: not a text file (UTF-16 without a byte-order mark?)",
# and as a --record "is not UTF-8 text (byte at position 11)"; the --record reader decoded on its own
# (a UTF-16 file: "byte at position 0"). `decode` names the common binary formats by their first bytes,
# and read_points decodes with it (one reader of encodings).
_ZIP = b"PK\x03\x04\x14\x00\x00\x00\x08\x00" + bytes(range(256))
bad("encodings", "r14-zip-archive", _ZIP, says=("s.yaml: is a ZIP archive (a noodplan snapshot, or a spreadsheet",))
bad("encodings", "r14-netcdf", b"\x89HDF\r\n\x1a\n" + bytes(64), says=("s.yaml: is a NetCDF/HDF5 file",))
bad_argv("record", "r14-a-spreadsheet", _BT, {"r.csv": _ZIP}, says=("--record: r.csv: is a ZIP archive",))
bad_argv("record", "r14-utf16", _BT, {"r.csv": "date,quantity,value\n2025-07-05,population,2000\n".encode("utf-16")},
         says=("--record: r.csv: is UTF-16 text; save it as UTF-8",))
# and a run's manifest.json, a saved exercise (a JSON file, as a scenario may be): "command: unknown field [+22 more]"
bad("wrong-file", "r14-a-run-manifest",
    b'{"command": "noodplan run tiny.yaml", "scenario": "tiny", "scenario_sha256": "ab", "files": {}}',
    says=("s.yaml: a run's manifest (what a run wrote with its results), not a scenario (it has command, "
          "scenario_sha256 and files); give the scenario file the run was made from",))
bad("wrong-file", "r14-a-saved-exercise", b'{"format": "noodplan-exercise", "format_version": 2, "commands": []}',
    says=("s.yaml: a file of the format 'noodplan-exercise' (a saved exercise or a sweep store's manifest), "
          "not a scenario",))
bad_argv("wrong-file", "r14-validate-standard-input", ("validate", "-"),
         says=("noodplan: '-': no such scenario file (a scenario is not read from standard input",))

# --- round 15 ---------------------------------------------------------------------------------
# A ladder whose thresholds cross (a rung's up-threshold looser than the rung before's, or a down-threshold
# beyond the rung's own up-threshold) is accepted on purpose: the packaged design `plan-thresholds` samples
# exactly such ladders (raise_occupancy_at from 0.90 under phase 1's deactivation at 0.96, reserve_at_occupancy
# up to 1.00 over phase 3's 0.99), and the plan follows them (a rung comes down only once its activation
# triggers have been clear for its window, `model.plan.Ladder._reasons_gone`; a looser rung is climbed next).
_RUNG = ("  - {name: %s, min_dwell_days: 7, activate: [{indicator: %s, above: %s}], "
          "deactivate: [{indicator: %s, below: %s}]}\n")
good("r15", "ladder-crossing-thresholds", ("validate", "{d}/s.yaml"), {"s.yaml": (
    "extends: tiny.yaml\nplan:\n  phases:\n" + (_RUNG % ("one", "occupancy", 0.9, "occupancy", 0.95)
                                              + _RUNG % ("two", "occupancy", 0.85, "occupancy", 0.8)
                                              ).replace("  - ", "    - "))})

# Labels with control characters passed, and garbled the one-line messages, the event log and the terminal
# (an ANSI escape recoloured it); a NUL written as YAML's "\0" passed in any text. A label (a group's or a
# phase's name, an event's label, id or closure) is one line now (`Label`); no text takes a control character
# but a tab or a line break (`_Strict`), so a description may still run over several lines.
for _name, _body, _says in (
        ("group-name-with-a-line-break", 'groups: [{name: "Syria\\nEritrea", share: 1, recognition: 0.5}]\n',
         "groups.0.name: a label is one line of text, without a line break"),
        ("event-label-with-an-escape", 'events:\n  - {date: 2025-07-10, action: open, kind: regular, places: 5, '
                                       'label: "\\e[31mred"}\n',
         "events.0.label: text with an escape code (ESC) in it"),
        ("event-id-with-a-tab", 'events:\n  - {date: 2025-07-10, action: close, kind: regular, places: 5, '
                                'id: "flood\\t1"}\n', "events.0.id: a label is one line of text, without a tab"),
        ("description-with-a-nul", 'description: "one\\0two"\n', "description: text with a NUL byte in it"),
        ("phase-dutch-with-a-line-separator", 'plan:\n  phases:\n' + (_RUNG % ("one", "occupancy", 0.9, "occupancy",
                                                                                0.8)).replace("  - ", "    - ")
         .replace("name: one", 'name: one, dutch: "fase\\L1"'),
         "plan.phases.0.dutch: a label is one line of text, without a line separator")):
    bad("names", f"r15-{_name}", _body, says=(_says,))
good("r15", "description-over-lines-and-labels-in-any-script", ("validate", "{d}/s.yaml"), {"s.yaml": (
    "extends: tiny.yaml\ndescription: |\n  Two lines,\n  \twith a tab.\ngroups: [{name: Eritrea (ኤርትራ), share: 1, "
    "recognition: 0.5}]\nevents:\n  - {date: 2025-07-10, action: open, kind: regular, places: 5, label: Zoë's "
    "locatie ⚑}\n")})

# `compare --out` onto an existing file replaced it silently (a user's own CSV too), where `run --out` onto a
# folder of results asks for --force; so did `schema --out` and `bench --json/--plot`. Every file target now
# asks for --force as a folder does (`outputs.check_file(force=…)`); --force without the option is refused.
_CMP = ("compare", "{d}/tiny.yaml", "{d}/tiny.yaml", "--runs", "1", "--workers", "1", "--days", "2")
bad_argv("out", "r15-compare-onto-an-existing-file", (*_CMP, "--out", "{d}/t.csv"), {"t.csv": "my,own\n1,2\n"},
         says=("--out: ", "t.csv already exists; use --force to replace it, or choose another file name"))
bad_argv("out", "r15-schema-onto-an-existing-file", ("schema", "--out", "{d}/s.json"), {"s.json": "{}"},
         says=("--out: ", "s.json already exists; use --force to replace it"))
bad_argv("out", "r15-bench-json-onto-an-existing-file",
         ("bench", "--quick", "--no-eu", "--no-reference", "--no-memory", "--repeats", "1", "--json", "{d}/b.json"),
         {"b.json": "{}"}, says=("--json: ", "b.json already exists; use --force"))
bad_argv("out", "r15-compare-force-without-out", (*_CMP, "--force"),
         says=("--force: only with --out",))
bad_argv("out", "r15-bench-sweep-force-without-json", ("bench", "--sweep", "--quick", "--force"),
         says=("--force: only with --json",))
bad_argv("out", "r15-bench-sweep-json-onto-an-existing-file", ("bench", "--sweep", "--quick", "--json", "{d}/b.json"),
         {"b.json": "{}"}, says=("--json: ", "b.json already exists; use --force"))
good("r15", "compare-onto-an-existing-file-with-force", (*_CMP, "--out", "{d}/t.csv", "--force"),
     {"t.csv": "my,own\n1,2\n"})

# A key given as null (`inflow: ~`, `horizon_days:` with nothing after it) was "Input should be a valid
# dictionary or instance of Inflow (got None)"; a `set` of a field that is no number was "'start_date' is not a
# number"; a `set` event's value given as null "a 'set' event needs parameter and value". Each line now says the
# field, what was given and what is asked.
for _name, _body, _says in (
        ("section-null", "inflow: ~\n", "inflow: given empty (null, `~` or nothing after the colon), where a mapping "
                                        "of fields is asked"),
        ("days-nothing-after-the-colon", "horizon_days:\n", "horizon_days: given empty (null, `~` or nothing after "
                                                            "the colon), where a whole number is asked"),
        ("set-start-date", "events:\n  - {date: 2025-07-10, action: set, parameter: start_date, value: 3}\n",
         "events.0.parameter: 'start_date' is a date (2025-07-01), not a number; an event or a derogation changes a "
         "number during the run; the start date is fixed"),
        ("set-a-section", "events:\n  - {date: 2025-07-10, action: set, parameter: chain.decisions_per_day, value: 3}\n",
         "'chain.decisions_per_day' is a section of fields (name one of them, e.g. chain.decisions_per_day.regular)"),
        ("set-value-null", "events:\n  - {date: 2025-07-10, action: set, parameter: chain.dublin_share, value: ~}\n",
         "events.0: value: a 'set' event needs value (the new value) and it is not given (or given empty")):
    bad("types", f"r15-{_name}", _body, says=(_says,))

# A scenario given to `sweep` or `exercise validate/play` was "tiny.yaml: extends: unknown field (check the
# spelling) [+10 more]", and a design given to `exercise validate` (or an exercise to `sweep`) likewise: each is
# named for what it is, with the command that takes it (`not_another_kind_of_file`, also in `design_from_dict`
# and `exercise_from_dict`).
for _name, _argv, _extra, _says in (
        ("scenario-to-sweep", ("sweep", "{d}/tiny.yaml", "--out", "{d}/st"), {},
         "tiny.yaml: a scenario, not a sweep design (it has extends, provinces, initial); run it with `noodplan run"),
        ("scenario-to-exercise-validate", ("exercise", "validate", "{d}/tiny.yaml"), {},
         "tiny.yaml: a scenario, not an exercise (it has extends"),
        ("scenario-to-exercise-play", ("exercise", "play", "{d}/tiny.yaml"), {},
         "tiny.yaml: a scenario, not an exercise"),
        ("design-to-exercise-validate", ("exercise", "validate", "{d}/d.yaml"), {"d.yaml": _DESIGN_FILE},
         "d.yaml: a sweep design, not an exercise (it has parameters and sampler); run it with `noodplan sweep"),
        ("exercise-to-sweep", ("sweep", "{d}/e.yaml", "--out", "{d}/st"), {"e.yaml": _EXERCISE_FILE},
         "e.yaml: an exercise, not a sweep design (it has roles and injects)")):
    bad_argv("wrong-file", f"r15-{_name}", _argv, _extra, says=(_says,))

# --- round 16 ---------------------------------------------------------------------------------
# An event a scenario file writes after its run's last day, or a shock it writes starting after it, was
# loaded without a word, and the run ignored it (`validate` said "valid scenario … 1 events"). Refused where
# a user's file is read by path (`_check_written_dates`); what a file inherits through `extends` is its
# parent's (a file that shortens mass-arrival's horizon takes a first look), and the library's own are not
# (hindcast-2015 schedules 2018 for `calibrate`, which runs it to June 2020). Named p.yaml: uploads
# (`from_yaml_text`, which the API test runs on every s.yaml) take a scenario the dashboard exported whole.
_LATE = "the run's last day (2025-07-20: 20 days from start_date 2025-07-01, its horizon_days)"
for _name, _body, _says in (
        ("event-after-the-horizon", "events:\n  - {date: 2030-01-01, action: open, kind: regular, places: 5}\n",
         f"p.yaml: events.0.date: 2030-01-01 is after {_LATE}, so the event would never happen"),
        ("event-the-day-after-the-last", "events:\n  - {date: 2025-07-10, action: close, kind: regular, places: 5}\n"
                                         "  - {date: 2025-07-21, action: open, kind: regular, places: 5}\n",
         f"p.yaml: events.1.date: 2025-07-21 is after {_LATE}"),
        ("shock-after-the-horizon", "inflow:\n  shocks: [{start: 2026-01-01, end: 2026-03-01, "
                                    "extra_persons_per_day: 50}]\n",
         f"p.yaml: inflow.shocks.0.start: 2026-01-01 is after {_LATE}, so the shock would add nobody")):
    for _cmd in (("validate", "{d}/p.yaml"), ("run", "{d}/p.yaml", "--out", "{d}/out")):
        bad_argv("events", f"r16-{_name}/{_cmd[0]}", _cmd, {"p.yaml": "extends: tiny.yaml\n" + _body}, says=(_says,))
good("r16", "event-on-the-last-day", ("validate", "{d}/p.yaml"), {"p.yaml": (
    "extends: tiny.yaml\nevents:\n  - {date: 2025-07-20, action: open, kind: regular, places: 5}\n")})
good("r16", "inherited-events-past-a-shorter-horizon", ("validate", "{d}/p.yaml"),
     {"p.yaml": "extends: mass-arrival\nhorizon_days: 30\n"})
good("r16", "hindcast-with-its-2018-events", ("validate", "hindcast-2015"), {})
good("r16", "events-after-a-shorter-days", ("run", "{d}/p.yaml", "--days", "5", "--out", "{d}/out"), {"p.yaml": (
    "extends: tiny.yaml\nevents:\n  - {date: 2025-07-15, action: open, kind: regular, places: 5}\n")})
bad_argv("events", "r16-event-after-the-days-asked", ("run", "{d}/p.yaml", "--days", "30", "--out", "{d}/out"),
         {"p.yaml": "extends: tiny.yaml\nevents:\n  - {date: 2025-08-05, action: open, kind: regular, places: 5}\n"},
         says=("p.yaml: events.0.date: 2025-08-05 is after the run's last day (2025-07-30: 30 days from start_date "
               "2025-07-01, as --days asks)",))

# A date written otherwise than YYYY-MM-DD was read by `date.fromisoformat`, which also takes 20200601 and ISO
# weeks (`2020-W23` is a Monday): `--from-record 2020-W23` started a forecast from 1 June, a --record row dated
# 2025-W27-6 was scored on 5 July. One reader of a day for options and CSV rows (`model.scenario.iso_date`).
for _name, _argv, _says in (
        ("from-record-without-hyphens", ("--from-record", "20190601"),
         "--from-record: '20190601' is not a date written YYYY-MM-DD; write it 2019-06-01"),
        ("from-record-iso-week", ("--from-record", "2019-W23"),
         "--from-record: '2019-W23' is not a date written YYYY-MM-DD; an ISO week is not read"),
        ("at-without-hyphens", ("--from-run", "{d}/tiny.yaml", "--at", "20250705"),
         "--at: '20250705' is not a date written YYYY-MM-DD; write it 2025-07-05")):
    bad_argv("forecast", f"r16-{_name}", with_options(_FR, _argv), says=(_says,))
bad_argv("rolling", "r16-origins-without-hyphens", with_options(_RB, ("--origins", "20160101..2016-01-01")),
         says=("--origins: '20160101' is not a date written YYYY-MM-DD; write it 2016-01-01",))
for _name, _date in (("without-hyphens", "20250705"), ("iso-week", "2025-W27-6")):
    bad_argv("record", f"r16-date-{_name}", _BT, {"r.csv": f"date,quantity,value\n{_date},population,2000\n"},
             says=(f"--record: r.csv: line 2: date must be a day written YYYY-MM-DD (got '{_date}')",))
# A record exported from Dutch Excel writes its days 05-07-2025: the line says what to write (IN, round 17, left it)
bad_argv("record", "r18-date-day-month-year", _BT, {"r.csv": "date,quantity,value\n05-07-2025,population,2000\n"},
         says=("--record: r.csv: line 2: date must be a day written YYYY-MM-DD (got '05-07-2025'); write it "
               "2025-07-05 (day-month-year) if 5 July is meant",))

# An option that takes a value given twice kept the last without a word (`--out a --out b` wrote b only, `--days
# 5 --days 6` ran 6 days): refused by the parsers' store action (`_StoreOnce`), naming both values.
for _name, _argv, _says in (
        ("run-days-twice", ("run", "{d}/tiny.yaml", "--days", "5", "--days=6"), "argument --days: given twice (5 and 6)"),
        ("run-out-twice", ("run", "{d}/tiny.yaml", "--out", "{d}/a", "--out", "{d}/b"), "argument --out: given twice"),
        ("compare-runs-twice", ("compare", "{d}/tiny.yaml", "{d}/tiny.yaml", "--runs", "1", "--runs", "3"),
         "argument --runs: given twice (1 and 3)"),
        ("forecast-months-twice", (*_FR, "--from-run", "{d}/tiny.yaml", "--months", "2"),
         "argument --months: given twice (6 and 2)"),
        ("backtest-seeds-twice", ("backtest", "{d}/tiny.yaml", "--seeds", "1", "--seeds", "2", "--out", "{d}/out"),
         "argument --seeds: given twice (1 and 2)"),
        ("sweep-executor-twice", (*_SW, "--executor", "processes"), "argument --executor: given twice")):
    bad_argv("commands", f"r16-{_name}", _argv, {"d.yaml": DESIGN} if _argv[0] == "sweep" else None, says=(_says,))

# Beside them: a file named where an --out file's folder should be was "folder t.csv does not exist"; compare's
# seeds past the last 32-bit seed were "seed: …" or "seeds.1: …" (A's own seed: no option named); calibrate
# --params took a parameter twice (two axes of one value) and an empty name as "unknown parameter ''".
bad_argv("out", "r16-a-file-as-the-folder", ("schema", "--out", "{d}/t.csv/s.json"), {"t.csv": "a,b\n"},
         says=("--out: ", "t.csv is a file, not a folder, so ", "s.json cannot be written"))
bad_argv("seeds", "r16-compare-seed-past-the-last", (*_CMP[:3], "--seed", "4294967295", "--runs", "2"),
         says=("--seed: a whole number from 0 to 4,294,967,294 (the first of 2 seeds)",))
bad_argv("seeds", "r16-compare-scenario-seed-past-the-last", ("compare", "{d}/p.yaml", "{d}/p.yaml", "--runs", "2"),
         {"p.yaml": "extends: tiny.yaml\nseed: 4294967295\n"},
         says=("--runs: 2 seeds from a's seed 4,294,967,295", "give a first seed (seed, --seed) of at most"))
for _name, _params, _says in (("twice", "appeal_days,appeal_days", "--params: 'appeal_days' is named twice"),
                              ("empty-name", "appeal_days,", "--params: an empty name between commas"),
                              ("misspelt", "apeal_days", "unknown parameter 'apeal_days' (did you mean 'appeal_days'?)")):
    bad_argv("counts", f"r16-calibrate-params-{_name}", ("calibrate", "--params", _params, "--budget", "2", "--dry-run",
                                                          "--out", "{d}/out"), says=(_says,))
# An empty --record file was answered "missing column(s) date, quantity, value": it says the file is empty.
bad_argv("record", "r17-empty-says-empty", _BT, {"r.csv": ""}, says=("r.csv: the file is empty",))
bad_argv("record", "r17-blank-lines-say-empty", _BT, {"r.csv": "\n \n"}, says=("r.csv: the file is empty",))

# Round 17: numbers as a Dutch spreadsheet or report writes them. `30.000` (thirty thousand with the Dutch
# thousands point) was read as 30.0 and run without a word (30 first applicants a year); `{value: 1,5}` (a decimal
# comma in a flow mapping) was "events.0.5: Keys should be strings (got 5)"; `85%`, `0,15`, `30,000`, `30 000` and
# `1.234.567` were pydantic's "unable to parse string as a number", which says nothing of what to write.
for _name, _body, _says in (
        ("thousands-point-flow", "inflow: {first_applications_per_year: 30.000}\n",
         ("s.yaml: line 2", "30.000 reads as 30 (a point starts the decimals); write 30000 if a thousands separator")),
        ("thousands-point-block", "housing:\n  supply_persons_per_year: 25.000\n",
         ("s.yaml: line 3", "25.000 reads as 25", "or 25 if 25 is meant")),
        ("decimal-comma-in-flow", "events:\n  - {date: 2025-07-05, action: scale, parameter: "
                                  "inflow.first_applications_per_year, value: 1,5}\n",
         ("s.yaml: line 3", "1,5 reads as 1 and then a key 5", "decimals are written with a point: 1.5")),
        ("thousands-comma-in-flow", "inflow: {first_applications_per_year: 30,000}\n",
         ("s.yaml: line 2", "30,000 reads as 30 and then a key 000", "write 30000 if a thousands separator")),
        ("percentage", "inflow: {vulnerable_share: 15%}\n",
         ("inflow.vulnerable_share: must be a number (got '15%')", "a share is written as a number from 0 to 1 "
                                                                   "(0.15 for 15%)")),
        ("decimal-comma", "inflow:\n  vulnerable_share: 0,15\n",
         ("inflow.vulnerable_share: must be a number (got '0,15'); decimals are written with a point: 0.15",)),
        ("thousands-comma", "inflow:\n  first_applications_per_year: 30,000\n",
         ("inflow.first_applications_per_year: must be a number (got '30,000'); write 30000",
          "or 30.000 if the comma is a decimal comma")),
        ("thousands-space", "inflow:\n  first_applications_per_year: 30 000\n",
         ("inflow.first_applications_per_year: must be a number (got '30 000'); write 30000",)),
        ("thousands-points", "initial:\n  entitled_persons: 1.234.567\n",
         ("initial.entitled_persons: must be a number (got '1.234.567'); write 1234567",)),
        ("thousands-point-and-decimal-comma", "inflow:\n  first_applications_per_year: '1.234,5'\n",
         ("must be a number (got '1.234,5'); write 1234.5",))):
    bad("types", f"r17-{_name}", _body, says=_says)
bad_argv("sweep", "r17-design-thousands-point", _SW, {"d.yaml": DESIGN.replace("[1000, 2000]", "[1.000, 2.000]")},
         says=("d.yaml: line 4", "1.000 reads as 1"))
bad_argv("sweep", "r17-design-percentage", _SW, {"d.yaml": DESIGN + "set: {inflow.vulnerable_share: 15%}\n"},
         says=("inflow.vulnerable_share: must be a number (got '15%')", "0.15 for 15%"))
bad_argv("exercise", "r17-exercise-decimal-comma", ("exercise", "validate", "{d}/e.yaml"),
         {"e.yaml": EXERCISE.replace("turn_days: 2", "turn_days: {days: 2,5}")},
         says=("e.yaml: line 5", "2,5 reads as 2 and then a key 5"))

# Near them, what must still be read: three decimals meant as decimals (a scale of 1.125, a share of 0.125,
# 2500.000 persons), a comma inside text, YAML's merge key, and a scenario as an editor on another system saves it:
# a byte-order mark, CRLF line ends, no line end after the last line, comments, keys in another order.
good("r17", "three-decimals-meant", ("validate", "{d}/s.yaml"), {"s.yaml": (
    "extends: tiny.yaml\nname: '30,000 more, 15% vulnerable'\ninflow: {vulnerable_share: 0.125}\n"
    "housing: {supply_persons_per_year: 2500.000}\nevents:\n  - {date: 2025-07-05, action: scale, "
    "parameter: inflow.first_applications_per_year, value: 1.125}\n")})
good("r17", "merge-key", ("validate", "{d}/s.yaml"), {"s.yaml": (
    "extends: tiny.yaml\ninflow:\n  <<: {first_applications_per_year: 3000}\n  vulnerable_share: 0.2\n")})
_ODD = (codecs.BOM_UTF8 + b"# a scenario saved on Windows\r\nhorizon_days: 20   # days\r\n"
        b"inflow: {family_reunification_per_year: 1000, first_applications_per_year: 3000}\r\n"
        b"provinces: [Zeeland]\r\n\r\nextends: tiny.yaml")
good("r17", "bom-crlf-no-last-line-end-comments-keys-reordered", ("run", "{d}/s.yaml", "--out", "{d}/out"),
     {"s.yaml": _ODD})
good("r17", "design-bom-crlf-no-last-line-end", _SW,
     {"d.yaml": codecs.BOM_UTF8 + ("# a design\n" + DESIGN).replace("\n", "\r\n").rstrip().encode()})
good("r17", "exercise-bom-crlf-no-last-line-end", ("exercise", "validate", "{d}/e.yaml"),
     {"e.yaml": codecs.BOM_UTF8 + ("# an exercise\n" + EXERCISE).replace("\n", "\r\n").rstrip().encode()})
good("r17", "record-bom-crlf-no-last-line-end", _BT, {"r.csv": codecs.BOM_UTF8 + (
    b'date,quantity,value,source\r\n2025-07-05,population,2000,"COA; jaarverslag, p. 3"\r\n'
    b"2025-07-10,permit_holders,~400,COA")})
# A run's table given as a scenario (YAML reads a CSV file as one text) was "a scenario must be a mapping of fields
# (got str)".
for _cmd in ("run", "validate"):
    bad_argv("wrong-file", f"r17-a-run-table-as-a-scenario-{_cmd}",
             (_cmd, "{d}/daily.csv", *(("--out", "{d}/out") if _cmd == "run" else ())),
             {"daily.csv": "date,arrivals,population\n2025-07-01,6,2006\n2025-07-02,11,2017\n"},
             says=("daily.csv: a table of values (a CSV file, such as a run's daily.csv?), not a scenario",))
# A day in the Dutch order (01-07-2025) or with slashes was "must be a date written YYYY-MM-DD": it says what to write.
bad("dates", "r17-start-date-day-month-year", "start_date: 01-07-2025\n",
    says=("start_date: must be a date written YYYY-MM-DD (got '01-07-2025'); write it 2025-07-01 (day-month-year) "
          "if 1 July is meant",))
bad("dates", "r17-start-date-slashes", "start_date: 2025/07/01\n", says=("(got '2025/07/01'); write it 2025-07-01",))
bad_argv("forecast", "r17-at-day-month-year", with_options(_FR, ("--from-run", "{d}/tiny.yaml", "--at", "25-07-2025")),
         says=("--at: '25-07-2025' is not a date written YYYY-MM-DD; write it 2025-07-25 (day-month-year)",))
# The forecast's numbers as a Dutch planner types them: --inflow-band 10.000:20.000 (ten to twenty thousand) was taken
# as 10 to 20 first applicants a year and forecast without a word; --occupancy 0,9 and 90% said only "must be a number".
for _name, _argv, _says in (
        ("band-thousands-points", ("--inflow-band", "10.000:20.000"),
         "--inflow-band: 10.000 reads as 10 first applicants a year; write 10000 if a thousands separator was meant"),
        ("band-one-thousands-point", ("--inflow-band", "10000:20.000"), "20.000 reads as 20 first applicants a year"),
        ("occupancy-decimal-comma", ("--occupancy", "0,9"),
         "argument --occupancy: must be a number (got '0,9'); decimals are written with a point: 0.9"),
        ("occupancy-percentage", ("--occupancy", "90%"),
         "argument --occupancy: must be a number (got '90%'); a percentage; a share is written as a number from 0 to "
         "1 (0.9 for 90%)")):
    _base = tuple(a for a in _FR if a != "--no-inflow-errors")   # (the band goes without it)
    bad_argv("forecast", f"r17-{_name}", with_options(_base, ("--from-run", "{d}/tiny.yaml", *_argv)), says=(_says,))
good("r17", "band-with-thousands-commas", ("forecast", "--from-run", "{d}/tiny.yaml", "--months", "1", "--members", "1",
                                          "--inflow-band", "10,000:20,000", "--out", "{d}/out"), {})

# Round 19. `30.500` (thirty thousand five hundred, with the Dutch thousands point) in a field of persons, places or
# a figure per year was read as 30.5 without a word (only `30.000` was refused): it is refused there, with both
# readings where 30.5 could be meant; a scale factor or a share of three decimals is still read (the goods below).
for _name, _body, _says in (
        ("thousands-point-per-year", "inflow: {first_applications_per_year: 30.500}\n",
         ("s.yaml: line 2: inflow.first_applications_per_year: 30.500 reads as 30.5 (a point starts the decimals); "
          "write 30500 if a thousands separator was meant", "or 30.5 if 30.5 is meant")),
        ("thousands-point-persons", "initial:\n  entitled_persons: 12.750\n",
         ("s.yaml: line 3: initial.entitled_persons: 12.750 reads as 12.75", "write 12750 if a thousands separator "
                                                                                "was meant (numbers are written without "
                                                                                "one), a whole number otherwise")),
        ("thousands-point-places", "portfolio: {places: {regular: 1.250}}\n",
         ("portfolio.places.regular: 1.250 reads as 1.25",)),
        ("thousands-point-cost-per-year", "costs: {per_resident_per_year: {regular: 38.250}}\n",
         ("costs.per_resident_per_year.regular: 38.250 reads as 38.25",)),
        ("renamed-cost-per-place", "costs: {per_place_per_year: {regular: 30000}}\n",
         ("s.yaml: costs.per_place_per_year: renamed costs.per_resident_per_year", "charged per occupied bed")),
        ("thousands-point-housing-target", "housing: {targets: {2025H2: 17.500}}\n",
         ("housing.targets.2025H2: 17.500 reads as 17.5",)),
        ("thousands-point-set-event", "events:\n  - {date: 2025-07-05, action: set, parameter: "
                                      "inflow.first_applications_per_year, value: 45.500}\n",
         ("s.yaml: line 3: events.0.value (inflow.first_applications_per_year): 45.500 reads as 45.5",)),
        ("thousands-point-negative", "inflow: {first_applications_per_year: -2.500}\n",
         ("-2.500 reads as -2.5", "write -2500")),
        # `[0,2, 0,3, 0,5]`: a decimal comma in a list with commas written two ways was six numbers, 0, 2, 0, 3, …
        ("list-decimal-commas", "inflow: {household_size_shares: [0,2, 0,3, 0,5]}\n",
         ("s.yaml: line 2 not valid YAML (0,2 reads as two numbers, 0 and 2", "decimals are written with a point: "
                                                                              "0.2, or 0, 2 if two numbers are meant")),
        ("list-thousands-commas", "portfolio: {contract_years: {regular: [1,500, 2]}}\n",
         ("1,500 reads as two numbers", "write 1500 if a thousands separator was meant"))):
    bad("types", f"r19-{_name}", _body, says=_says)
_DESIGN_ON = DESIGN.replace("  - {path: housing.supply_persons_per_year, uniform: [1000, 2000]}\n", "  - %s\n")
for _name, _param, _says in (
        ("values-decimal-commas", "{path: inflow.vulnerable_share, values: [0,85, 0,9]}",
         ("d.yaml: line 4", "0,85 reads as two numbers, 0 and 85", "decimals are written with a point: 0.85")),
        ("values-thousands-point", "{path: inflow.first_applications_per_year, values: [30.500, 40500]}",
         ("d.yaml: line 4: parameters.0.values.0 (inflow.first_applications_per_year): 30.500 reads as 30.5",)),
        ("uniform-thousands-point", "{path: housing.supply_persons_per_year, uniform: [12.500, 45000]}",
         ("d.yaml: line 4: parameters.0.uniform.0 (housing.supply_persons_per_year): 12.500 reads as 12.5",))):
    bad_argv("sweep", f"r19-design-{_name}", _SW, {"d.yaml": _DESIGN_ON % _param}, says=_says)
bad_argv("sweep", "r19-design-set-thousands-point", _SW,
         {"d.yaml": DESIGN + "set: {inflow.first_applications_per_year: 22.500}\n"},
         says=("d.yaml: line 7: set.inflow.first_applications_per_year: 22.500 reads as 22.5",))
bad_argv("exercise", "r19-exercise-effect-thousands-point", ("exercise", "validate", "{d}/e.yaml"),
         {"e.yaml": EXERCISE + "injects:\n  - {id: i, title: T, at_day: 1, synopsis: S, role: coa, effect: [{action: set, "
                               "parameter: inflow.first_applications_per_year, value: 60.500}]}\n"},
         says=("e.yaml: line 10: injects.0.effect.0.value (inflow.first_applications_per_year): 60.500 reads as 60.5",))
good("r19", "three-decimals-where-a-fraction-is-meant", ("validate", "{d}/s.yaml"), {"s.yaml": (
    "extends: tiny.yaml\ninflow: {vulnerable_share: 0.125, first_applications_per_year: 3000.500}\n"
    "placement: {own_request_moves_per_year: 1.500}\nchain: {decisions_per_day: {regular: 12.125}}\n"
    "events:\n  - {date: 2025-07-05, action: scale, parameter: inflow.first_applications_per_year, value: 1.125}\n"
    "  - {date: 2025-07-06, action: set, parameter: inflow.vulnerable_share, value: 0.125}\n")})
good("r19", "lists-with-commas-one-way", ("validate", "{d}/s.yaml"), {"s.yaml": (
    "extends: tiny.yaml\ninflow: {household_size_shares: [0.5,0.2,0.2,0.1]}\n"
    "portfolio: {contract_years: {regular: [1,5], emergency: [0, 2]}}\n")})
good("r19", "design-values-list", _SW, {"d.yaml": _DESIGN_ON % "{path: housing.supply_persons_per_year, "
                                                               "values: [1000,2000, 3000]}".replace(",2000", ", 2000")})

# `--seed -0` was taken as seed 0 (int('-0') is 0): a minus sign on a whole-number option is refused, whatever follows.
for _name, _argv in (("seed-minus-zero", ("run", "{d}/tiny.yaml", "--seed", "-0")),
                     ("days-minus-zero", ("run", "{d}/tiny.yaml", "--days", "-00")),
                     ("compare-seed-minus-zero", ("compare", "{d}/tiny.yaml", "{d}/tiny.yaml", "--seed", "-0",
                                                  "--runs", "1")),
                     ("seed-hex", ("run", "{d}/tiny.yaml", "--seed", "0x10")),
                     ("seed-exponent", ("run", "{d}/tiny.yaml", "--seed", "1e3"))):
    bad_argv("seeds", f"r19-{_name}", _argv, says=("argument --",))
bad_argv("seeds", "r19-seed-minus-zero-says-sign", ("run", "{d}/tiny.yaml", "--seed", "-0"),
         says=("argument --seed: must be 0 to", "without a minus sign (got -0)"))
good("r19", "seed-plus-sign", ("run", "{d}/tiny.yaml", "--seed", "+5", "--out", "{d}/out"), {})
# `{first_applications_per_year: 1.500,5}` (a Dutch thousands point and decimal comma, in a flow mapping) ended in a
# traceback (ValueError: could not convert string to float: '1.500.5'); so did `{value: 0.5,5}`.
for _name, _body, _says in (
        ("thousands-point-decimal-comma-in-flow", "inflow: {first_applications_per_year: 1.500,5}\n",
         ("s.yaml: line 2 not valid YAML (1.500,5 reads as 1.500 and then a key 5", "write 1500.5")),
        ("decimal-point-and-comma-in-flow", "events:\n  - {date: 2025-07-05, action: scale, parameter: "
                                            "inflow.first_applications_per_year, value: 0.5,5}\n",
         ("s.yaml: line 3 not valid YAML (0.5,5 reads as 0.5 and then a key 5", "0.5,5 is no number")),
        ("list-thousands-point-decimal-comma", "inflow: {household_size_shares: [1.500,5, 2]}\n",
         ("1.500,5 reads as two numbers, 1.500 and 5", "write 1500.5")),
        # a number between a word processor's quotes, or with its minus sign, said only "unable to parse string"
        ("typographic-quotes", "inflow: {first_applications_per_year: \u201c3000\u201d}\n",
         ("inflow.first_applications_per_year: must be a number (got '\u201c3000\u201d'); \u201c\u2026\u201d are "
          "typographic quotes", "write the number without quotes: 3000")),
        ("typographic-minus", "inflow: {first_applications_per_year: \u2212300}\n",
         ("must be a number (got '\u2212300'); \u2212 is a typographic minus sign or dash; write -300",))):
    bad("types", f"r19-{_name}", _body, says=_says)
# A design, by hand: `values: [0,85,0,9]` (every comma bare, so YAML and the loader read four numbers) was refused as
# "values: each value once", which named neither the value nor the decimal commas; `[1000, 1e400]` was
# "values.1.bool: Input should be a valid boolean (got inf) [+3 more]"; `scenario: {extends: …}` (as an exercise
# writes it) "Input should be a valid string"; `seed: -0` a seed of 0.
_DESIGN_GRID = _DESIGN_ON.replace("sampler: {method: lhs, samples: 2, seed: 1}", "sampler: {method: grid}")
for _name, _body, _says in (
        ("values-bare-decimal-commas", _DESIGN_GRID % "{path: inflow.vulnerable_share, values: [0,85,0,9]}",
         ("d.yaml: parameters.0: values: each value once (0 is given twice); if decimal commas were meant, write "
          "[0.85, 0.9] (YAML reads 4 whole numbers)",)),
        ("values-bare-decimal-commas-share-range", _DESIGN_GRID % "{path: inflow.vulnerable_share, values: [0,85,1,5]}",
         ("inflow.vulnerable_share = 85", "(got 85); if decimal commas were meant, write [0.85, 1.5]")),
        ("values-infinite", _DESIGN_GRID % "{path: housing.supply_persons_per_year, values: [1000, 1.0e+400]}",
         ("d.yaml: parameters.0.values: the values of housing.supply_persons_per_year are finite numbers; item 1 "
          "is inf",)),
        ("scenario-mapping", DESIGN.replace("scenario: tiny.yaml", "scenario: {extends: tiny.yaml, horizon_days: 5}"),
         ("d.yaml: scenario: a built-in name or a YAML file (relative to the design), not a mapping; name its parent",
          "write its changes under `set:`")),
        ("seed-minus-zero", DESIGN.replace("seed: 1}", "seed: -0}"),
         ("d.yaml: line 5 not valid YAML (-0 is 0 written with a minus sign; write 0 if 0 is meant)",))):
    bad_argv("sweep", f"r19-design-{_name}", _SW, {"d.yaml": _body}, says=_says)
bad("types", "r19-seed-minus-zero", "seed: -0\n", says=("s.yaml: line 2 not valid YAML (-0 is 0 written with a minus",))
bad_argv("exercise", "r19-exercise-open-places-thousands-point", ("exercise", "validate", "{d}/e.yaml"),
         {"e.yaml": EXERCISE + "injects:\n  - {id: i, title: T, at_day: 1, synopsis: S, role: coa, effect: [{action: "
                               "open, kind: regular, places: 1.500}]}\n"},
         says=("e.yaml: line 10: injects.0.effect.0.places: 1.500 reads as 1.5 (a point starts the decimals); write "
               "1500 if a thousands separator was meant (numbers are written without one), a whole number otherwise",))
bad("types", "r19-thousands-point-days", "horizon_days: 1.095\n",
    says=("s.yaml: line 2: horizon_days: 1.095 reads as 1.095 (a point starts the decimals); write 1095 if a thousands "
          "separator was meant",))
bad_argv("exercise", "r19-exercise-turn-days-thousands-point", ("exercise", "validate", "{d}/e.yaml"),
         {"e.yaml": EXERCISE.replace("turn_days: 2", "turn_days: 2.500")},
         says=("e.yaml: line 5: turn_days: 2.500 reads as 2.5", "a whole number otherwise"))
# An exercise without injects (they are optional) given as a scenario, a design or a design's scenario was
# "title: unknown field (check the spelling) [+19 more]": only one with roles and injects was recognised.
for _name, _argv, _given, _says in (
        ("exercise-without-injects-as-scenario", ("validate", "{d}/e.yaml"), {"e.yaml": EXERCISE},
         "e.yaml: an exercise, not a scenario (it has roles and turns)"),
        ("exercise-without-injects-as-design", with_options(_SW, ()), {"d.yaml": EXERCISE},
         "d.yaml: an exercise, not a sweep design (it has roles and turns)"),
        ("exercise-without-injects-as-designs-scenario", _SW,
         {"d.yaml": DESIGN.replace("scenario: tiny.yaml", "scenario: e.yaml"), "e.yaml": EXERCISE},
         "d.yaml: scenario: e.yaml: an exercise, not a scenario (it has roles and turns)"),
        ("exercise-without-injects-as-exercises-scenario", ("exercise", "validate", "{d}/x.yaml"),
         {"x.yaml": EXERCISE.replace("name: e\n", "name: x\n").replace("scenario: tiny.yaml", "scenario: e.yaml"),
          "e.yaml": EXERCISE}, "x.yaml: scenario: e.yaml: an exercise, not a scenario (it has roles and turns)")):
    bad_argv("wrong-file", f"r19-{_name}", _argv, _given, says=(_says,))
# A day between quotes with a space inside them (`" 2025-07-03"`, pasted) was "Input should be a valid date or
# datetime, input is too short": the day is plain, and read.
good("r19", "quoted-date-with-spaces", ("validate", "{d}/s.yaml"), {"s.yaml": (
    "extends: tiny.yaml\nstart_date: ' 2025-07-01'\nevents:\n  - {date: '2025-07-05 ', action: scale, "
    "parameter: inflow.first_applications_per_year, value: 2}\n")})
# An amount with its euro sign (`€ 76,90`, `76.90 €`) or a count in thousands (`30k`) was pydantic's "unable to parse
# string as a number", which said nothing of what to write.
for _name, _body, _says in (
        ("euro-sign", "costs:\n  crisis_per_person_night: \u20ac 76,90\n",
         ("costs.crisis_per_person_night: must be a number (got '\u20ac 76,90'); amounts are written without a "
          "currency sign; decimals are written with a point: 76.90",)),
        ("euro-sign-after", "costs:\n  crisis_per_person_night: 76.90 \u20ac\n",
         ("amounts are written without a currency sign: 76.90",)),
        ("thousands-k", "inflow: {first_applications_per_year: 30k}\n",
         ("inflow.first_applications_per_year: must be a number (got '30k'); write 30000 (k for thousand is not "
          "read)",))):
    bad("types", f"r19-{_name}", _body, says=_says)
# A PRIM condition in a design, `analysis: {prim: [{kpi: peak_population, above: 30.500}]}`, was a condition on 30.5
# persons (met by nearly every run) without a word, while `--prim peak_population>30.500` was refused: the design's is
# refused by the same rule (`kpis.thousands_point`), naming its line and place; a KPI in decimals keeps them.
_DESIGN_PRIM = DESIGN.replace("outputs: {kpis: [peak_population]}",
                              "outputs: {kpis: [peak_population, unsheltered_person_nights, cost_million_eur, "
                              "moves_per_person]}") + "analysis:\n  prim:\n    - %s\n"
for _name, _condition, _says in (
        ("prim-above-thousands-point", "{kpi: peak_population, above: 30.500}",
         ("d.yaml: line 9: analysis.prim.0.above (peak_population): 30.500 reads as 30.5 persons; write 30500 if a "
          "thousands separator was meant (numbers are written without one), or 30.5 if that is meant",)),
        ("prim-below-thousands-point-person-nights", "{kpi: unsheltered_person_nights, below: 45.500}",
         ("d.yaml: line 9: analysis.prim.0.below (unsheltered_person_nights): 45.500 reads as 45.5 person-nights; "
          "write 45500 if a thousands separator",)),
        ("prim-block-mapping-second", "{kpi: cost_million_eur, above: 12.500}\n    - kpi: peak_population\n"
                                      "      label: many in reception\n      above: 2.250",
         ("d.yaml: line 12: analysis.prim.1.above (peak_population): 2.250 reads as 2.25 persons",))):
    bad_argv("sweep", f"r19-design-{_name}", _SW, {"d.yaml": _DESIGN_PRIM % _condition}, says=_says)
good("r19", "design-prim-decimals-meant", _SW,
     {"d.yaml": _DESIGN_PRIM % "{kpi: cost_million_eur, above: 12.500}\n    - {kpi: moves_per_person, below: 1.250}"
                               "\n    - {kpi: peak_population, above: 3000.500}\n    - {kpi: peak_population, above: "
                               "30500}"})
# A --record row as a Dutch spreadsheet writes it, `2025-07-05,population,2.000,5` (two thousand and a half, with a
# thousands point and a decimal comma), was only "more cells than the header has columns": the comma split the
# number in two cells. The two cells read together say what was written, and what to write.
for _name, _text, _says in (
        ("split-dutch-number", _R % "2.000,5",
         "r.csv: line 2: more cells than the header has columns: value '2.000,5' is a number written the Dutch way "
         "(a thousands point, a decimal comma) and its comma splits the row; write 2000.5"),
        ("split-dutch-number-approximate-with-source", "date,quantity,value,source\n2025-07-05,population,2000,a\n"
                                                      "2025-07-06,population,~27.305,25,CBS\n",
         "r.csv: line 3: more cells than the header has columns: value '~27.305,25' is a number written the Dutch "
         "way (a thousands point, a decimal comma) and its comma splits the row; write ~27305.25"),
        ("split-decimal-comma", _R % "2000,5",
         "r.csv: line 2: more cells than the header has columns: value '2000,5' has a decimal comma, which splits "
         "the row; write 2000.5"),
        ("split-thousands-comma", _R % "27,305",
         "r.csv: line 2: more cells than the header has columns: value '27,305' has a thousands comma, which splits "
         "the row; write 27305 (numbers are written without a thousands separator)"),
        ("more-cells-not-a-number", _R % "2000,CBS",
         "r.csv: line 2: more cells than the header has columns"),
        ("value-thousands-point-persons", _R % "30.500",
         "r.csv: line 2: value '30.500' reads as 30.5 persons; write a number of persons without a thousands "
         "separator (30500), or 30.5 if that is meant")):
    bad_argv("record", f"r19-{_name}", _BT, {"r.csv": _text}, says=("--record: " + _says,))
good("r19", "record-source-with-a-quoted-comma", _BT, {"r.csv": 'date,quantity,value,source\n'
                                                             '2025-07-05,population,2000.5,"CBS, tabel 5"\n'})
# The same number between quotes (one cell) said only "must be a number of persons"; under a header with a source,
# its decimals were read as the source and the value refused as 2 persons ("write 2000").
for _name, _text, _says in (
        ("dutch-number-quoted", _R % '"2.000,5"',
         "r.csv: line 2: value must be a number of persons, e.g. 27305 or ~27000 (got '2.000,5'): a number written "
         "the Dutch way (a thousands point, a decimal comma); write 2000.5"),
        ("split-dutch-number-into-the-source", "date,quantity,value,source\n2025-07-05,population,2.000,5\n",
         "r.csv: line 2: value '2.000,5' is a number written the Dutch way (a thousands point, a decimal comma) and "
         "its comma splits the row; write 2000.5 (the 5 after its comma was read as the source)")):
    bad_argv("record", f"r19-{_name}", _BT, {"r.csv": _text}, says=("--record: " + _says,))
good("r19", "record-source-a-year", _BT, {"r.csv": "date,quantity,value,source\n2025-07-05,population,2100,2025\n"})

# --- round 20: the command line as a demanding user lives with it ---------------------------------
# Two targets of one command in one place: `forecast --out f --save-snapshot f/o.snapshot` (f empty) ran to the
# origin and the whole ensemble, wrote the snapshot into f and then refused f ("already holds o.snapshot"): the
# forecast lost; with f not there yet, "folder f does not exist" (it would be made). `bench --json b.json --history
# b.json` ran the whole benchmark, wrote b.json, then refused it as a history (6 lines). Refused at the second
# target's check, before anything runs (`outputs._one_place_each`).
_FC20 = ("forecast", "--from-run", "{d}/tiny.yaml", "--months", "1", "--members", "2", "--jobs", "1", "--out", "{d}/out")
_BENCH20 = ("bench", "--quick", "--no-eu", "--no-reference", "--no-memory", "--repeats", "1")
for _name, _argv, _given, _says in (
        ("forecast-save-snapshot-inside-out", (*_FC20, "--save-snapshot", "{d}/out/o.snapshot"), {"out": FOLDER},
         ("--save-snapshot: ", "/out/o.snapshot is inside the --out folder ", "choose a place outside it")),
        ("forecast-save-snapshot-inside-new-out", (*_FC20, "--save-snapshot", "{d}/out/o.snapshot"), {},
         ("--save-snapshot: ", "/out/o.snapshot is inside the --out folder ",)),
        ("bench-history-is-the-json", (*_BENCH20, "--json", "{d}/b.json", "--history", "{d}/b.json"), {},
         ("--history: ", "/b.json is also the --json file; give each its own file",)),
        ("bench-history-is-the-plot-another-way", (*_BENCH20, "--plot", "{d}/b.png", "--history", "{d}/sub/../b.png"),
         {"sub": FOLDER}, ("--history: ", "is also the --plot file",))):
    bad_argv("out", f"r20-{_name}", _argv, _given, says=_says)
good("r20", "forecast-save-snapshot-beside-out", (*_FC20, "--save-snapshot", "{d}/o.snapshot"), {"out": FOLDER})

# A misspelt command, choice or option was answered with argparse's list (or nothing), and an unknown option without
# the command it was given to ("noodplan: unrecognized arguments: --dayz 5"): the one meant is named now when close
# (`Parser._check_value`, `Parser.parse_known_args`; `bench --instructions` likewise).
for _name, _argv, _says in (
        ("command", ("forcast", "--months", "1"), "argument command: invalid choice: 'forcast' (did you mean 'forecast'?)"),
        ("choice", ("forecast", "--inflow", "persistance"),
         "forecast: argument --inflow: invalid choice: 'persistance' (did you mean 'persistence'?)"),
        ("choice-rolling", ("backtest", "--rolling", "--params", "refitted"), "did you mean 'refit'?"),
        ("choice-calibrate", ("calibrate", "--ind-capacity", "budgett", "--dry-run"), "did you mean 'budget'?"),
        ("subcommand-of-exercise", ("exercise", "validat", "{d}/tiny.yaml"), "invalid choice: 'validat' (did you mean "
                                                                             "'validate'?)"),
        ("option", ("run", "{d}/tiny.yaml", "--dayz", "5"),
         "noodplan: run: unrecognized arguments: --dayz 5 (did you mean '--days'?)"),
        ("option-with-equals", ("forecast", "--from-recrd=2019-01-01"), "forecast: unrecognized arguments: "
                                                                        "--from-recrd=2019-01-01 (did you mean "
                                                                        "'--from-record'?)"),
        ("option-started", ("backtest", "--rolling", "--memb=5"), "backtest: unrecognized arguments: --memb=5 "
                                                                  "(did you mean '--members'?)"),
        ("extra-argument-named-by-command", ("scenarios", "extra"), "noodplan: scenarios: unrecognized arguments: extra"),
        ("bench-instructions-scenario", ("bench", "--instructions", "basline:200", "--quick"),
         "--instructions: unknown scenario 'basline' (did you mean 'baseline'?)")):
    bad_argv("names", f"r20-misspelt-{_name}", _argv, says=(_says,))

# An --out under a file named the file twice and not the target: "--out: d/file is a file, so d/file cannot be made".
for _name, _argv in (("run-out-under-a-file", ("run", "{d}/tiny.yaml", "--out", "{d}/file/sub/out")),
                     ("forecast-out-under-a-file", (*_FC20[:-1], "{d}/file/out"))):
    bad_argv("out", f"r20-{_name}", _argv, {"file": "a file"},
             says=("/file is a file, not a folder, so ", "/file/" + _argv[-1].rsplit("/file/", 1)[1] + " cannot be made"))
# A day in an option with spaces around it (pasted; `--origins "2016-01-01 .. 2016-07-01"`) was refused ("'2019-01-01 '
# is not a date written YYYY-MM-DD"); a scenario file reads it (r19/quoted-date-with-spaces), and so do the options.
good("r20", "from-record-with-spaces", ("forecast", "--from-record", " 2019-01-01 ", "--months", "1", "--members", "1",
                                        "--jobs", "1", "--out", "{d}/out"), {})
bad_argv("dates", "r20-origins-spaced-but-three-dots", ("backtest", "--rolling", "--origins", "2016-01-01 ... 2016-07-01"),
         says=("--origins: '. 2016-07-01' is not a date written YYYY-MM-DD",))
# An --out that is a symbolic link to nothing passed the check (it does not exist): the run computed, then "could not
# write out (Not a directory)". Refused at the check now.
for _name, _argv in (("run-out-a-dangling-link", ("run", "{d}/tiny.yaml", "--out", "{d}/out")),
                     ("backtest-out-a-dangling-link", ("backtest", "{d}/tiny.yaml", "--seeds", "1", "--jobs", "1",
                                                       "--out", "{d}/out"))):
    bad_argv("out", f"r20-{_name}", _argv, {"out": SYMLINK + "nowhere"},
             says=("/out is a symbolic link to nowhere, which is not there; give a folder, or remove the link",))
# An --out that is, holds or lies inside what the same command reads (the 21st round): `forecast --from-run run --out
# run --force` ran the forecast and replaced the run it came from; a --record named like a result inside the folder
# --force replaces went with it. Refused before anything runs (`outputs.check_input`).
_RECORD = "date,quantity,value\n2025-07-05,population,2000\n"
for _name, _argv, _files_here, _says in (
        ("forecast-out-is-its-run", ("forecast", "--from-run", "{d}/run", "--members", "1", "--no-inflow-errors",
                                     "--out", "{d}/run", "--force"), {"run": FOLDER},
         ("--out: ", "/run is the --from-run run folder ", "which the command reads")),
        ("forecast-out-inside-its-run", ("forecast", "--from-run", "{d}/run", "--members", "1", "--no-inflow-errors",
                                         "--out", "{d}/run/forecast"), {"run": FOLDER},
         ("--out: ", "/run/forecast is inside the --from-run run folder ",)),
        ("forecast-out-holds-its-snapshot", ("forecast", "--from-snapshot", "{d}/res/o.snapshot", "--members", "1",
                                             "--out", "{d}/res", "--force"), {"res/o.snapshot": "x"},
         ("--out: ", "/res holds the --from-snapshot file ",)),
        ("backtest-out-holds-its-record", ("backtest", "{d}/tiny.yaml", "--seeds", "1", "--jobs", "1", "--record",
                                           "{d}/bt/backtest-r.csv", "--out", "{d}/bt", "--force"),
         {"bt/backtest-r.csv": _RECORD}, ("--out: ", "/bt holds the --record file ",)),
        ("run-out-holds-its-scenario", ("run", "{d}/res/s.yaml", "--out", "{d}/res", "--force"),
         {"res/s.yaml": "extends: ../tiny.yaml\n"}, ("--out: ", "/res holds the scenario file ",))):
    bad_argv("out", f"r21-{_name}", _argv, _files_here, says=_says)
# ... and an --out that is a symbolic link to a folder is written through the link (the link kept).
good("r21", "run-out-a-link-to-a-folder", ("run", "{d}/tiny.yaml", "--days", "2", "--out", "{d}/out"),
     {"disk/runs": FOLDER, "out": SYMLINK + "disk/runs"})


# --- generative fuzzer findings, other inputs (FZ2) --------------------------------------------
# What tests/bad_inputs/fuzz_other.py found in the inputs that are not scenario files (a design, a
# store, an exercise and its save, a snapshot, a --record CSV, the dashboard's uploads), one case per
# distinct finding, refused in one line now (or taken, when the input was fine).
def _fz2_table(columns: dict) -> bytes:
    """A store's table as its parquet file's bytes."""
    import io

    import pandas as pd

    out = io.BytesIO()
    pd.DataFrame(columns).to_parquet(out, index=False)
    return out.getvalue()


def _fz2_store(manifest_prefix: bytes = b"", runs: bytes | str | None = None, rename: tuple[str, str] = ("", "")) -> dict:
    """A copy of a store's views (manifest, plan and runs of a 2-point sweep of tiny; no parts folder);
    `rename`: a manifest field written under another name."""
    import json

    design = {"name": "d", "description": "", "scenario": "tiny.yaml", "set": {}, "horizon_days": None,
              "parameters": [{"path": "housing.supply_persons_per_year", "name": None, "uniform": [1000.0, 2000.0],
                              "triangular": None, "values": None, "scenarios": None, "levels": None}],
              "sampler": {"method": "lhs", "samples": 2, "seed": 1, "levels": None, "second_order": False},
              "replicates": 1, "first_seed": 1, "outputs": {"kpis": ["peak_population"], "daily": []},
              "analysis": {"prim": []}}
    manifest = {"format": "noodplan-sweep/1", "name": "d", "fingerprint": "a4016f9ba8875a26", "design": design,
                "bases": {"tiny.yaml": {"horizon_days": 20}}, "kpis": ["peak_population"],
                "planned": {"samples": 2, "replicates": 1, "rows": 2, "runs": 2}, "days": 20, "sessions": [],
                "consolidated": {"parts": 2}}
    ids, supply = ["f6171a42d85d9df3", "8b63fc7b05651622"], [1150.5, 1912.8]
    plan = {"sample": [0, 1], "replicate": [0, 0], "seed": [1, 1], "run_id": ids,
            "housing.supply_persons_per_year": supply, "u.housing.supply_persons_per_year": [0.1505, 0.9128]}
    done = {"run_id": ids, "seed": [1, 1], "housing.supply_persons_per_year": supply, "status": ["ok", "ok"],
            "error": ["", ""], "peak_population": [2181.0, 2158.0]}
    if rename[0]:
        manifest[rename[1]] = manifest.pop(rename[0])
    return {"store/manifest.json": manifest_prefix + json.dumps(manifest).encode(),
            "store/plan.parquet": _fz2_table(plan), "store/runs.parquet": _fz2_table(done) if runs is None else runs}


def _fz2_snapshot(state: bytes, **header_changes) -> bytes:
    """A snapshot file (a ZIP of header.json and state.json) of tiny on day 3, with `state` as its state."""
    import datetime as dt
    import io
    import json
    import zipfile

    from model.scenario import from_yaml_text

    sc = from_yaml_text(TINY, "tiny.yaml").model_dump(mode="json")
    date = dt.date.fromisoformat(sc["start_date"]) + dt.timedelta(days=3)
    header = {"format": "noodplan-snapshot", "format_version": 4, "code_version": "noodplan 0.1.0", "scenario": sc,
              "horizon_days": 20, "day": 3, "date": date.isoformat(), "seed": 1, "world_checks": {},
              **header_changes}
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as z:
        z.writestr("header.json", json.dumps(header))
        z.writestr("state.json", state)
    return out.getvalue()


_FC = ("forecast", "--from-snapshot", "{d}/o.snapshot", "--members", "1", "--months", "1", "--out", "{d}/fc")
_RECORD_FZ2 = "2025-07-05,population,2000\n"
for _name, _argv, _files_here, _says in (
        # `analyze` read the manifest a second time with json.loads: a byte-order mark (Notepad's) that the first
        # read took ended in "JSONDecodeError: Unexpected UTF-8 BOM" (the good case below); runs.parquet made a
        # folder was read by pandas as a dataset of no files: "no run of this store has finished yet"
        ("analyze-runs-parquet-a-folder", ("analyze", "{d}/store"), _fz2_store(runs=FOLDER),
         ("store/runs.parquet: a folder", "rebuilds runs.parquet")),
        # a field of the manifest misspelt was named only as missing: "damaged (no fingerprint)"
        ("analyze-manifest-field-misspelt", ("analyze", "{d}/store"), _fz2_store(rename=("fingerprint", "finerprint")),
         ("manifest.json: damaged (no fingerprint; 'finerprint' is not a field of it: did you mean 'fingerprint'?)",)),
        # a scenario name no file can have: "noodplan: /…/xxxx…(100,000 characters): File name too long"
        ("exercise-scenario-name-too-long", ("exercise", "validate", "{d}/e.yaml"),
         {"e.yaml": EXERCISE.replace("scenario: tiny.yaml", "scenario: " + "x" * 100_000)},
         ("e.yaml: scenario: 'xxxx", "(100,000 characters) is neither a built-in scenario nor a file")),
        # ... and a scenario file's `extends:` of such a name (here a `calibrate --into` file): the same line
        ("calibrate-into-extends-too-long", ("calibrate", "--budget", "2", "--seeds", "1", "--jobs", "1", "--into",
                                             "{d}/i.yaml", "--out", "{d}/cal"),
         {"i.yaml": "extends: " + "hindcast-2015" * 2000 + "\nname: mine\n"},
         ("--into: ", "i.yaml: extends: 'hindcast-2015", "(26,000 characters) cannot be a built-in scenario or a file")),
        # a misspelt column was named only as the one missing: "missing column(s) quantity"
        ("record-column-misspelt", _BT, {"r.csv": "date,quantiy,value\n" + _RECORD_FZ2},
         ("r.csv: line 1: unknown column 'quantiy' (did you mean 'quantity'?)",)),
        ("record-optional-column-misspelt", _BT, {"r.csv": "date,quantity,value,sorce\n2025-07-05,population,2000,"
                                                            "COA\n"},
         ("r.csv: line 1: unknown column 'sorce' (did you mean 'source'?)",)),
        # a saved exercise's version text was told as "saved by nan" in the replay note
        ("exercise-save-code-version-nan", _REPORT, {"s.json": _saved(code_version=float("nan"))},
         ("s.json: code_version: text", "nan")),
        ("exercise-save-fingerprint-number", _REPORT, {"s.json": _saved(fingerprint=7)},
         ("s.json: fingerprint: text",)),
        # a field misspelt was taken (the version it names then told as unknown in the replay note)
        ("exercise-save-field-misspelt", _REPORT, {"s.json": _saved().replace('"code_version"', '"code_vesion"')},
         ("s.json: code_vesion: not a field of a saved exercise (did you mean 'code_version'?)",)),
        # a state tree with a value its decoder cannot read (a date 30 February): "ValueError: day is out of
        # range for month" from the restore
        ("snapshot-state-value-damaged", _FC, {"o.snapshot": _fz2_snapshot(b'{"$": "date", "v": "2025-02-30"}')},
         ("--from-snapshot: ", "damaged snapshot (state.json: day is out of range for month)")),
        # a state changed after it was saved (a field edited, NaN, a field misspelt: all taken before, the state's
        # fields being the code's): refused by the header's digest of it
        ("snapshot-state-changed", _FC, {"o.snapshot": _fz2_snapshot(b'{"$": "date", "v": "2025-07-01"}',
                                                                     state_sha256="0" * 64)},
         ("--from-snapshot: ", "state.json or its arrays differ from what was saved", "state_sha256")),
        ("snapshot-digest-not-a-digest", _FC, {"o.snapshot": _fz2_snapshot(b'{}', state_sha256=12)},
         ("--from-snapshot: ", "header state_sha256: not a SHA-256 digest")),
):
    bad_argv("fz2", _name, _argv, _files_here, says=_says)
good("fz2", "analyze-manifest-with-a-bom", ("analyze", "{d}/store"), _fz2_store(manifest_prefix=codecs.BOM_UTF8))

# --- generative fuzzer findings (FZ)
# `python -m tests.bad_inputs.fuzz` (tests/bad_inputs/fuzz.py) changes one field of a built-in scenario at a time.
# A true/false or a quoted number inside a per-kind mapping or a list was named by the field that holds it only
# (`portfolio.contract_term_days: true/false ... is not a number here`, `chain.departure_shares: must be a number, not
# text`): the line names the entry now, as pydantic's own errors do (`_Inside`).
bad("types", "fz-bool-in-a-per-kind-mapping", "portfolio: {contract_term_days: {minors: true}}\n",
    says=("s.yaml: portfolio.contract_term_days.minors: true/false (or yes/no, on/off) is not a number here",))
bad("types", "fz-quoted-number-in-a-mapping", "chain: {departure_shares: {independent: 0.2762, forced: 0.2344, "
    "unsupervised: '0.4894'}}\n",
    says=("s.yaml: chain.departure_shares.unsupervised: must be a number, not text (got '0.4894')",))
bad("types", "fz-dutch-decimal-in-a-list", "inflow: {household_size_shares: [0.6, 0.12, 0.11, '0,09', 0.08]}\n",
    says=("s.yaml: inflow.household_size_shares.3: must be a number (got '0,09'); decimals are written with a point",))
bad("types", "fz-bool-in-a-derogation", "regimes: [{type: crisis, requested: 2025-07-02, authorisation_delay_days: 1, "
    "derogations: {chain.registration_priority: 1, chain.dublin_share: true}}]\n",
    says=("s.yaml: regimes.0.derogations.chain.dublin_share: true/false",))
# -0.0 (and -0e3) was read as 0 where -0 is refused as a sign mistyped or a number left out.
bad("types", "fz-minus-zero-point-zero", "portfolio: {places: {crisis: -0.0}}\n",
    says=("s.yaml: line 2 not valid YAML (-0.0 is 0 written with a minus sign",))
bad("types", "fz-minus-zero-exponent", "chain: {dublin_share: -0e3}\n",
    says=("s.yaml: line 2 not valid YAML (-0e3 is 0 written with a minus sign",))
good("fz", "zero-point-zero", ("validate", "{d}/s.yaml"), {"s.yaml": "extends: tiny.yaml\nchain: {dublin_share: 0.0}\n"})
# A regime a file asks for on a date after its run's last day was accepted and never asked for (as an event dated
# after it was, before it was refused: `_check_written_dates`); a --days that reaches the date runs it. Named p.yaml
# as round 16's: an upload is not checked (a scenario the dashboard exported whole).
_FZ_REGIME = "regimes: [{type: crisis, requested: 2025-08-01, authorisation_delay_days: 1}]\n"
for _cmd in (("validate", "{d}/p.yaml"), ("run", "{d}/p.yaml", "--out", "{d}/out"),
             ("run", "{d}/p.yaml", "--days", "25", "--out", "{d}/out")):
    bad_argv("dates", f"fz-regime-requested-after-the-run/{_cmd[0]}{len(_cmd)}", _cmd,
             {"p.yaml": "extends: tiny.yaml\n" + _FZ_REGIME},
             says=("p.yaml: regimes.0.requested: 2025-08-01 is after the run's last day (", "so the regime would "
                   "never be asked for on it"))
good("fz", "regime-requested-inside-a-longer-run", ("run", "{d}/s.yaml", "--days", "35", "--out", "{d}/out"),
     {"s.yaml": "extends: tiny.yaml\n" + _FZ_REGIME})

# --- round 21b (CL4)
# `bench --history` took any file name: a new or empty x.yaml became a JSON-lines history (after the benchmark's
# minutes); a history is an existing file of bench lines, or a new (or empty) *.jsonl.
for _name, _files_here in (("new-yaml", {}), ("empty-yaml", {"h.yaml": ""}), ("blank-lines-txt", {"h.txt": "\n\n"})):
    _h = next(iter(_files_here), "h.yaml")
    bad_argv("counts", f"cl4-bench-history-not-jsonl/{_name}", (*_BENCH, "--history", f"{{d}}/{_h}"), _files_here,
             says=("--history: ", f"/{_h} holds no bench history line; a new history is a JSON-lines file "
                   "(name it *.jsonl)"))
# a saved command's `op` that is no command (a number, YAML's .inf read back as JSON's Infinity) was named by its
# command only: "commands.0: unknown command inf"; the field is named now (a missing op: as before)
for _name, _op in (("infinite", float("inf")), ("number", 5), ("misspelt", "advanse")):
    bad_argv("exercise", f"cl4-command-op-{_name}", _REPORT, {"s.json": _saved(commands=[{"op": _op}])},
             says=("s.json: commands.0: op: unknown command ", "(one of: decide, withdraw, advance"))

# --- round 21c (FZ3)
# a plan action without the field it acts by took its default and asked for nothing: a raise_occupancy without
# factor raised occupancy to 1 x normal, a reserve or a request without places asked for 0 (found by fuzz.py,
# seeds 21 and 22, among the accepted, read by hand: a key removed from an entry). Written as 0 or 1 it is taken.
for _name, _action, _field in (("raise-occupancy-without-factor", "{type: raise_occupancy, kinds: [regular]}",
                                "factor"),
                               ("reserve-without-places", "{type: activate_reserve, lead_time_days: 14}", "places"),
                               ("request-without-places", "{type: request_places, kind: emergency}", "places")):
    bad("plan", f"fz3-{_name}", _PHASE % _action,
        says=(f"s.yaml: plan.phases.0.actions.0: {_field}: a '", f"' action needs {_field} (", "ask for nothing"))
good("fz3", "reserve-of-no-places-written", ("validate", "{d}/s.yaml"),
     {"s.yaml": "extends: tiny.yaml\n" + _PHASE % "{type: activate_reserve, places: 0}"})
# a pact whose start is after the run's last day was accepted and never applied (as a regime requested after it
# was: `_check_written_dates`); found by fuzz.py --seed 21 among the accepted, read by hand. p.yaml, as FZ's regime
# case: an upload is not checked.
_FZ3_PACT = ("pact: {start: 2030-01-01, dublin_reception_ends_at_decision: true, new_procedure_share: 0.5, "
             "priority_for_minors: true}\n")
for _cmd in (("validate", "{d}/p.yaml"), ("run", "{d}/p.yaml", "--out", "{d}/out")):
    bad_argv("dates", f"fz3-pact-starts-after-the-run/{_cmd[0]}", _cmd, {"p.yaml": "extends: tiny.yaml\n" + _FZ3_PACT},
             says=("p.yaml: pact.start: 2030-01-01 is after the run's last day (", "so the pact would never apply"))

# --- round 22b (CL5)
# a store's file that is a link to nothing (a store copied with its links, a disk not mounted) was read as absent:
# a dangling runs.parquet made `analyze` rebuild the table from the parts without a word, or -- in a copy of the
# views -- say "no run of this store has finished yet"; a dangling plan.parquet was "damaged store file ([Errno 2]
# No such file or directory …)". Each is named as a link to nothing, with what it points to.
for _name, _linked in (("runs-parquet", "runs.parquet"), ("plan-parquet", "plan.parquet"),
                       ("daily-zarr", "daily.zarr")):
    _store = {**_fz2_store(), f"store/{_linked}": SYMLINK + "../disk/gone"}
    bad_argv("analyze", f"cl5-store-{_name}-a-link-to-nothing", ("analyze", "{d}/store"), _store,
             says=(f"store/{_linked}: a link to nothing (it points to ../disk/gone, which does not exist); put back "
                   f"the ",))
good("cl5", "analyze-runs-parquet-a-link-to-a-file", ("analyze", "{d}/store"),
     {**_fz2_store(), "store/runs.parquet": SYMLINK + "../disk/runs.parquet",
      "disk/runs.parquet": _fz2_store()["store/runs.parquet"]})
# `backtest --record` whose every point is on the run's start (the initial condition, shown but not scored), with
# no packaged point after it: every seed ran to score nothing ("Summary: no recorded point after the start date").
# The API's `backtest(points=[])` likewise (test_bad_inputs.py: API_CASES "backtest/points-empty").
bad_argv("record", "cl5-only-the-start-date", _BT, {"r.csv": "date,quantity,value\n2025-07-01,population,2000\n"},
         says=("--record: r.csv: every point is on the run's start 2025-07-01, the initial condition, which is not "
               "scored", "nothing would be scored; give figures after 2025-07-01"))
good("cl5", "record-the-start-date-and-one-after", _BT,
     {"r.csv": "date,quantity,value\n2025-07-01,population,2000\n2025-07-05,population,2000\n"})
# `chain.decisions_per_day` at its bound (MAX_AMOUNT, 10^12 a day: every product with days and counts finite) is taken,
# and so is a scale event to it: left on purpose (round 22b, CL5). A capacity above the persons waiting is idle, so
# any such value decides everyone waiting on the day, the same run bit for bit (test_bad_inputs.py:
# test_decisions_per_day_far_above_the_queue_decide_as_any_value_above_it); 10^12 and one more are refused.
good("cl5", "decisions-per-day-at-its-bound", ("validate", "{d}/s.yaml"),
     {"s.yaml": "extends: tiny.yaml\nchain: {decisions_per_day: {regular: 1.0e+12, accelerated: 1.0e+12, "
                "border: 1.0e+12, dublin: 1.0e+12}}\n"})
good("cl5", "decisions-per-day-scaled-a-million-times", ("validate", "{d}/s.yaml"),
     {"s.yaml": "extends: tiny.yaml\nevents: [{date: 2025-07-05, action: scale, parameter: "
                "chain.decisions_per_day.regular, value: 1000000}]\n"})
bad("ranges", "cl5-decisions-per-day-above-its-bound", "chain: {decisions_per_day: {regular: 1.000001e+12}}\n",
    says=("s.yaml: chain.decisions_per_day.regular: ",))

# --- round 22 (EX7)
# The room's `seat` command (a table leaving, freed, taken over, back) came with save format 4: each field's bad
# value named in one line, a seat in a save of an earlier format refused (a noodplan before seats would refuse
# it by "unknown command 'seat'"), and a save of a format after this noodplan's told as written by a newer one
# (it was "is not one this noodplan reads (1 to 3; a newer noodplan wrote it?)").
_SEAT_V4 = {"format_version": 4, "first_day_injects": "as the turn opens"}
for _name, _command, _says in (
        ("role-unknown", {"role": "ind", "change": "left"},
         "commands.0: role: 'ind' is not a role of this exercise (coa)"),
        ("role-number", {"role": 5, "change": "left"}, "commands.0: role: must be text (got 5)"),
        ("change-unknown", {"role": "coa", "change": "vanished"},
         "commands.0: change: one of left, closed, freed, taken_over, back (got 'vanished')"),
        ("change-missing", {"role": "coa"}, "commands.0: missing 'change'"),
        ("minutes-text", {"role": "coa", "change": "freed", "minutes": "6"},
         "commands.0: minutes: must be a whole number (got '6')"),
        ("minutes-fraction", {"role": "coa", "change": "freed", "minutes": 1.5},
         "commands.0: minutes: must be a whole number (got 1.5)"),
        ("minutes-negative", {"role": "coa", "change": "freed", "minutes": -1}, "commands.0: minutes: 0 or more (got -1)"),
        ("others-true", {"role": "coa", "change": "left", "others": True},
         "commands.0: others: must be a whole number (got True)"),
        ("field-unknown", {"role": "coa", "change": "left", "seats": 1},
         "commands.0: seats: not a field of a 'seat' command (its fields: role, change, minutes, others)")):
    bad_argv("exercise", f"ex7-save-seat-{_name}", _REPORT,
             {"s.json": _saved(**_SEAT_V4, commands=[{"op": "seat", **_command}])}, says=(f"s.json: {_says}",))
for _version in (2, 3):
    bad_argv("exercise", f"ex7-save-seat-in-version-{_version}", _REPORT,
             {"s.json": _saved(**{**_SEAT_V4, "format_version": _version},
                               commands=[{"op": "advance"}, {"op": "seat", "role": "coa", "change": "left"}])},
             says=(f"s.json: commands.1: a 'seat' command in a save of format_version {_version}: 'seat' came with "
                   "version 4",))
bad_argv("exercise", "ex7-save-version-newer", _REPORT, {"s.json": _saved(**{**_SEAT_V4, "format_version": 5})},
         says=("s.json: format_version 5: written by a newer noodplan (this one reads versions 1 to 4)",))
good("ex7", "save-version-4-with-seats", _REPORT,
     {"s.json": _saved(**_SEAT_V4, commands=[{"op": "advance"}, {"op": "seat", "role": "coa", "change": "taken_over",
                                                                  "minutes": 6},
                                             {"op": "seat", "role": "coa", "change": "left"}, {"op": "advance"}])})
good("ex7", "save-version-3-without-seats", _REPORT,
     {"s.json": _saved(**{**_SEAT_V4, "format_version": 3})})

# --- round 23 (CL6)
# `backtest --record` adds points to the packaged record, and both were taken as they came: a file whose every point
# is on the run's start (the initial condition, not scored) ran the backtest on the packaged record alone, as if
# the file had been scored; a point on a day and quantity the packaged record holds was scored twice, against two
# figures (MAPE over both rows, ARD over the day once). `late.yaml` runs over the packaged 2019-12-31 count.
_LATE = {"late.yaml": "extends: tiny.yaml\nname: late\nstart_date: 2019-12-20\n"}
_BT_LATE = ("backtest", "{d}/late.yaml", "--seeds", "1", "--jobs", "1", "--record", "{d}/r.csv", "--out", "{d}/out")
bad_argv("record", "cl6-only-the-start-date-beside-the-packaged-record", _BT_LATE,
         {**_LATE, "r.csv": "date,quantity,value\n2019-12-20,population,2000\n"},
         says=("--record: r.csv: every point is on the run's start 2019-12-20, the initial condition, which is not "
               "scored; the file adds nothing to score (the packaged record's one point after it is scored without "
               "it): give figures after 2019-12-20, or leave --record out",))
bad_argv("record", "cl6-a-point-the-packaged-record-holds", _BT_LATE,
         {**_LATE, "r.csv": "date,quantity,value\n2019-12-31,population,27316\n"},
         says=("--record: r.csv: population on 2019-12-31 is in the packaged record already (27,316, ",
               "leave it out of the file (one day would be counted twice, against two figures)"))
good("cl6", "record-after-the-packaged-record", _BT_LATE,
     {**_LATE, "r.csv": "date,quantity,value\n2019-12-20,population,2000\n2020-01-05,population,2100\n"})
# a store's table whose pandas metadata (the JSON in the Parquet footer that says how each column is read back)
# lost a key -- a byte flipped in it -- ended `analyze` in "KeyError: 'numpy_type'" from pyarrow; fuzz_other
# --seed 43, store-runs/byte-flips/11. Named as damage with what to do, as a table that does not read.


def _pandas_metadata_changed(raw: bytes, old: bytes, new: bytes) -> bytes:
    """A Parquet table whose pandas metadata (the JSON pyarrow reads back from the schema) has `old` made `new`."""
    import io

    import pyarrow.parquet as pq

    table = pq.read_table(io.BytesIO(raw))
    meta = dict(table.schema.metadata)
    meta[b"pandas"] = meta[b"pandas"].replace(old, new, 1)
    buf = io.BytesIO()
    pq.write_table(table.replace_schema_metadata(meta), buf)
    return buf.getvalue()


_RUNS_DAMAGED = _pandas_metadata_changed(_fz2_store()["store/runs.parquet"], b'"field_name": "error", "pandas_type": '
                                         b'"object", "numpy_type"', b'"field_name": "error", "pandas_type": "object", '
                                         b'"numpy_$ype"')
bad_argv("analyze", "cl6-store-runs-parquet-its-pandas-metadata-damaged", ("analyze", "{d}/store"),
         {**_fz2_store(), "store/runs.parquet": _RUNS_DAMAGED},
         says=("store/runs.parquet: damaged store file (", "run the same sweep command: it rebuilds runs.parquet"))
# a store whose manifest's design no longer matches its plan (a parameter renamed, or its path edited, in
# manifest.json): `analyze` ended in a KeyError where its plots read the parameter's column (fuzz_other --seed 43,
# store-manifest/out-of-range/12: the path made 20 times as long). Named, with both files, before any analysis.
_RENAMED = _fz2_store()
_RENAMED["store/manifest.json"] = _RENAMED["store/manifest.json"].replace(b'"name": null, "uniform"',
                                                                          b'"name": "supply", "uniform"')
bad_argv("analyze", "cl6-store-manifest-design-parameter-renamed", ("analyze", "{d}/store"),
         _RENAMED if b'"name": "supply"' in _RENAMED["store/manifest.json"] else {},
         says=("store: manifest.json and plan.parquet do not agree: design.parameters.0.name 'supply' has no "
               "column 'supply' in plan.parquet (its inputs: housing.supply_persons_per_year)",))
# A `--record` CSV as a Dutch spreadsheet saves it (Excel with Dutch settings: ';' between columns, since the
# comma is the decimal sign; dates day-month-year) was refused ("missing column(s) date, quantity, value (columns
# separated by ';'? use ',')"): it is a valid record in another dress, read as meant (`history._separator`). A
# header with ';' and no ',' (or Excel's first line `sep=;`) makes ';' the separator, the comma the decimal sign
# (2100,5 and 2.100,5 are 2100.5) and D-M-YYYY a date (5-7-2025 is 5 July); 2,100 (2.1 or 2100?) and 2.100 (the
# same question) are refused naming both readings, as in a file with commas.
good("cl6", "record-dutch-spreadsheet", _BT, {"r.csv": "date;quantity;value\r\n1-7-2025;population;2000\r\n"
                                                      "05-07-2025;population;2.100,5\r\n6-7-2025;permit_holders;300,25\r\n"})
good("cl6", "record-semicolons-iso-dates", _BT, {"r.csv": "date;quantity;value\n2025-07-05;population;2000\n"})
good("cl6", "record-excel-sep-line", _BT, {"r.csv": "sep=;\ndate;quantity;value;source\n2025-07-05;population;2000;"
                                                   "COA, weekly figures\n"})
for _name, _text, _says in (
        ("thousands-comma", "date;quantity;value\n2025-07-05;population;2,100\n",
         "r.csv: line 2: value '2,100': with ';' between columns the comma is a decimal comma, so it reads as 2.1 "
         "persons; write 2100 if 2100 persons are meant, or 2.1 if that is meant"),
        ("thousands-point", "date;quantity;value\n2025-07-05;population;2.100\n",
         "r.csv: line 2: value '2.100' reads as 2.1 persons"),
        ("no-such-day", "sep=;\ndate;quantity;value\n31-6-2025;population;2100\n",
         "r.csv: line 3: date must be a day written YYYY-MM-DD (or D-M-YYYY, with ';' between columns) (got "
         "'31-6-2025')"),
        ("semicolons-and-commas", "date;quantity;value\n2025-07-05,population,2100\n",
         "r.csv: line 2: its cells are separated by ',', the header's by ';'; separate every line's cells alike")):
    bad_argv("record", f"cl6-dutch-spreadsheet-{_name}", _BT, {"r.csv": _text}, says=(f"--record: {_says}",))
# A shock's entry point written by the name planners use for the place (Den Bosch, Den Haag, Ter Apel) was
# "unknown municipality 'Den Bosch' (use the CBS name, e.g. 'Enschede')": now answered with the CBS name meant
# (model.scenario.OTHER_NAMES; gemeenten_2023.csv), as Fryslân is with Friesland.
for _written, _meant, _why, _province in (("Den Bosch", "'s-Hertogenbosch", "the CBS name", "Noord-Brabant"),
                                          ("den haag", "'s-Gravenhage", "the CBS name", "Zuid-Holland"),
                                          ("Ter Apel", "Westerwolde", "the municipality Ter Apel lies in", "Groningen")):
    bad("names", f"cl6-entry-municipality-{_written.replace(' ', '-').lower()}",
        f"provinces: [Zeeland, {_province}]\ninflow:\n  shocks: [{{start: 2025-07-02, end: 2025-07-10, "
        f"extra_persons_per_day: 10, entry_municipality: {_written}}}]\n",
        says=(f"s.yaml: inflow.shocks.0.entry_municipality: unknown municipality {_written!r} (did you mean "
              f"{_meant!r}? {_why})",))
good("cl6", "entry-municipality-cbs-name-with-apostrophe", ("validate", "{d}/s.yaml"),
     {"s.yaml": "extends: tiny.yaml\nprovinces: [Zeeland, Noord-Brabant]\ninflow:\n  shocks: [{start: 2025-07-02, "
                "end: 2025-07-10, extra_persons_per_day: 10, entry_municipality: \"'s-Hertogenbosch\"}]\n"})
# Two roles of an exercise under one name (two COA tables without a name of their own, two provincial tables of
# one province, or one name given twice) were taken: the players choose their role by its name, and the name
# labels the places a role opens in the log, so the two could not be told apart. Refused naming the second.
_ROLES_EXERCISE = ("name: ex\ntitle: An exercise\nsynopsis: s\nscenario: tiny.yaml\nturn_days: 7\nturns: 2\n"
                   "objectives: []\ninjects: []\nroles:\n")
for _name, _roles, _says in (
        ("two-of-a-type-unnamed", "  - {id: coa, type: coa}\n  - {id: coa2, type: coa}\n",
         "roles.1.name: 'COA' is roles.0's name too (the name of its type, as no name is given); give each role a "
         "name of its own"),
        ("one-name-twice", "  - {id: coa, type: coa, name: Tafel 1}\n  - {id: lrt, type: national, name: ' tafel  1'}\n",
         "roles.1.name: ' tafel 1' is roles.0's name too; give each role a name of its own"),
        ("two-tables-of-one-province", "  - {id: p1, type: province, province: Zeeland}\n"
                                       "  - {id: p2, type: province, province: Zeeland}\n",
         "roles.1.name: 'Provinciale regietafel Zeeland' is roles.0's name too")):
    bad_argv("exercise", f"cl6-roles-{_name}", ("exercise", "validate", "{d}/e.yaml"),
             {"e.yaml": _ROLES_EXERCISE + _roles}, says=(f"e.yaml: {_says}",))
good("cl6", "exercise-two-of-a-type-named", ("exercise", "validate", "{d}/e.yaml"),
     {"e.yaml": _ROLES_EXERCISE + "  - {id: coa, type: coa}\n  - {id: coa2, type: coa, name: COA Noord}\n"
                                  "  - {id: p1, type: province, province: Zeeland}\n"
                                  "  - {id: p2, type: province, province: Zeeland, name: Zeeuwse gemeenten}\n"})
# A YAML file given where a saved exercise (JSON) is read -- the exercise itself, its scenario, a sweep design --
# was "not a saved noodplan exercise (Expecting value: line 1 column 1 (char 0))", the JSON reader's words. Named
# for what it is, with the command that takes it; other text is named as not JSON.
for _name, _text, _says in (
        ("an-exercise", _EXERCISE_FILE, "s.json: an exercise, not a saved exercise (it has roles and injects); check "
                                        "it with `noodplan exercise validate FILE`"),
        ("a-scenario", TINY, "s.json: a scenario, not a saved exercise (it has extends, name, provinces); run it with "
                             "`noodplan run FILE --out DIR`"),
        ("a-sweep-design", _DESIGN_FILE, "s.json: a sweep design, not a saved exercise (it has parameters and "
                                         "sampler)"),
        ("a-csv", "date,quantity,value\n2025-07-05,population,2000\n",
         "s.json: not a saved noodplan exercise: a save is a JSON file (written by `noodplan exercise play --save` or "
         "the exercise room's Save), and this is not JSON")):
    bad_argv("exercise", f"cl6-save-is-{_name}", _REPORT, {"s.json": _text}, says=(_says,))
# `analyze` and `ui --sweep` given a file (the design, a scenario) or a path that is not there said "not a sweep
# store (no manifest.json); run `noodplan sweep` first", as of a folder that is no store.
bad_argv("analyze", "cl6-store-is-the-design-file", ("analyze", "{d}/d.yaml"), {"d.yaml": _DESIGN_FILE},
         says=("d.yaml: is a file, not a sweep store (the folder `noodplan sweep DESIGN --out STORE` writes)",))
bad_argv("analyze", "cl6-store-not-there", ("analyze", "{d}/stor"), {},
         says=("stor: no such folder (a sweep store is the folder `noodplan sweep DESIGN --out STORE` writes)",))
# A path written the way Windows writes paths: `--out 'C:\out'` or `out\run1` ran and wrote its results to a folder
# named `C:\out` (a backslash is part of a name here) beside the working folder, `D:/results` to a folder `D:`; an
# input so written was "no such file" without a word of why (`model.inputfile.windows_path`).
for _option, _argv in (("--out", ("run", "{d}/tiny.yaml", "--out", "C:\\results\\run1")),
                       ("--out", ("compare", "{d}/tiny.yaml", "{d}/tiny.yaml", "--runs", "1", "--out", "D:/results")),
                       ("--out", ("schema", "--out", "schemas\\scenario.json")),
                       ("--save-snapshot", ("forecast", "--months", "1", "--members", "1", "--save-snapshot",
                                            "C:\\o.snapshot", "--out", "{d}/f"))):
    bad_argv("out", f"cl6-windows-path-{_argv[0]}-{_option.strip('-')}", _argv, {},
             says=(f"{_option}: '{_argv[_argv.index(_option) + 1]}': ",))
bad_argv("record", "cl6-windows-path", (*_BT[:-4], "--record", "C:\\data\\r.csv", "--out", "{d}/out"), {},
         says=("--record: C:\\data\\r.csv: no such file (a Windows path (drive C:); give a path on this machine, "
               "folders separated by /)",))
bad_argv("forecast", "cl6-windows-path-from-snapshot", ("forecast", "--from-snapshot", "snapshots\\o.snapshot",
                                                        "--months", "1", "--out", "{d}/f"), {},
         says=("--from-snapshot: snapshots\\o.snapshot: no such file (folders are separated by / here: "
               "snapshots/o.snapshot)",))
bad_argv("extends", "cl6-windows-drive", ("validate", "D:/plans/tiny.yaml"), {},
         says=("'D:/plans/tiny.yaml': no such scenario file (a Windows path (drive D:)",))
# A date written year-day-month (2024-13-01: no month 13) was "not a real date (month must be in 1..12)": now with
# the day meant, when the swap makes one.
bad("dates", "cl6-year-day-month", "start_date: 2025-13-07\n",
    says=("line 2 not valid YAML ('2025-13-07' is not a real date (month must be in 1..12); write 2025-07-13 if "
          "13 July is meant)",))
bad_argv("record", "cl6-year-day-month", _BT, {"r.csv": "date,quantity,value\n2025-13-07,population,2000\n"},
         says=("--record: r.csv: line 2: date must be a day written YYYY-MM-DD (got '2025-13-07'); write 2025-07-13 "
               "if 13 July is meant",))
bad_argv("forecast", "cl6-from-record-year-day-month", ("forecast", "--from-record", "2023-13-01", "--months", "1",
                                                         "--out", "{d}/f"), {},
         says=("--from-record: '2023-13-01' is not a day of the calendar (YYYY-MM-DD); write 2023-01-13 if 13 January "
               "is meant",))
# A file of more than 100,000 values said so without a word of where they are (fuzz_other --seed 44,
# upload-run/out-of-range/5: a saved run whose scenario.plan.phases was made a list of 100,000 entries); now the
# part where the count passed the bound, as a rule the part that holds most.
bad("sizes", "cl6-too-many-values-named-where", "groups: [" + "0, " * 100_001 + "0]\n",
    says=("s.yaml: more than 100,000 values (aliases counted each time they are used) (the count passed it in "
          "groups); not a scenario",))
# With ';' read as a separator, a header of a Dutch spreadsheet's CSV with a name wrong was still told "columns
# separated by ';'? use ','", which is no longer the cause; Dutch column names are answered with the English ones.
for _name, _text, _says in (
        ("dutch-column-names", "datum;grootheid;waarde\n2025-07-05;population;2100\n",
         "r.csv: missing column(s) date, quantity, value (the columns are named in English: date, quantity, value)"),
        ("misspelt-column", "date;quantiy;value\n2025-07-05;population;2100\n",
         "r.csv: line 1: unknown column 'quantiy' (did you mean 'quantity'?)")):
    bad_argv("record", f"cl6-dutch-spreadsheet-{_name}", _BT, {"r.csv": _text}, says=(f"--record: {_says}",))
# noodplan's own tables given as a record -- a backtest's table fed back, a run's daily.csv -- were "missing
# column(s) value" (or "quantity, value") without a word of what the file is.
for _name, _text, _says in (
        ("a-backtest-table", "date,quantity,recorded,sim_median,sim_p05,sim_p95,error,abs_pct_error,in_band,scored,"
                             "source\n2025-07-05,population,2100,2051,2051,2051,-49,2.3,False,True,r.csv\n",
         "r.csv: missing column(s) value (a backtest's table, which it wrote: a record has the figures recorded, "
         "one a line: date, quantity, value)"),
        ("a-run-daily-csv", "date,arrivals,population,in_bed\n2025-07-01,10,2009,2009\n",
         "r.csv: missing column(s) quantity, value (a run's daily figures, which it wrote: a record has the figures "
         "recorded, one a line")):
    bad_argv("record", f"cl6-is-{_name}", _BT, {"r.csv": _text}, says=(f"--record: {_says}",))

# --- round 24
# Two injects of an exercise under one title (spaces and capitals aside) were taken: the players' table of what
# they are told, `play`'s timeline, the report's objectives and its chart name an inject by its title alone (its
# id is only in the file), so the two could not be told apart there. Refused naming the second. (An ad-hoc inject
# the facilitator sends under the title of one told already is a second report on the same news: the log keeps
# it apart as the facilitator's, on its own day; taken.)
_INJECTS_EXERCISE = ("name: ex\ntitle: An exercise\nsynopsis: s\nscenario: tiny.yaml\nturn_days: 7\nturns: 2\n"
                     "objectives: []\nroles:\n  - {id: coa, type: coa}\ninjects:\n"
                     "  - {id: fire, title: Brand in Arnhem, synopsis: 'Een brand in de opvang in Arnhem.', at_day: 1}\n")
bad_argv("exercise", "r24-injects-one-title-twice", ("exercise", "validate", "{d}/e.yaml"),
         {"e.yaml": _INJECTS_EXERCISE + "  - {id: fire-again, title: ' brand in  ARNHEM', synopsis: 'Nog een.', "
                                        "at_day: 5}\n"},
         says=("e.yaml: injects.1.title: ' brand in ARNHEM' is injects.0's title too; give each inject a title of "
               "its own: the players, the log and the after-action report name an inject by its title",))
# (round 25) a blank title (empty, or only spaces) was taken: the players' table and the log showed an inject
# with no name, and the after-action report a heading with nothing in it
bad_argv("exercise", "r25-inject-title-blank", ("exercise", "validate", "{d}/e.yaml"),
         {"e.yaml": _INJECTS_EXERCISE + "  - {id: blank, title: '   ', synopsis: 'Nog een.', at_day: 5}\n"},
         says=("e.yaml: injects.1.title: must not be blank: the players, the log and the after-action report show "
               "it (got ' ')",))
bad_argv("exercise", "r25-exercise-title-empty", ("exercise", "validate", "{d}/e.yaml"),
         {"e.yaml": _INJECTS_EXERCISE.replace("title: An exercise", "title: ''")},
         says=("e.yaml: title: must not be blank: the players, the log and the after-action report show it (got '')",))
good("r24", "exercise-injects-titles-of-their-own", ("exercise", "validate", "{d}/e.yaml"),
     {"e.yaml": _INJECTS_EXERCISE + "  - {id: fire-again, title: Brand in Arnhem (update), synopsis: 'Nog een.', "
                                    "at_day: 5}\n"})
