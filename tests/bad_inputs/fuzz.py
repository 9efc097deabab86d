"""A seeded, generative fuzzer for scenario files: one field changed at a time, through the command line.

    .venv/bin/python -m tests.bad_inputs.fuzz --n 5000 --seed 7          # a big sweep
        [--kinds wrong-type,out-of-range] [--show findings|all] [--json out/fuzz.json]

The hand-written catalogue (cases.py) holds what its authors thought of; this makes what they did
not. Every mutation starts from a built-in scenario (model/scenarios/*.yaml), written as a small
variant of it (`extends: <built-in>`, one province, so a wrongly accepted input runs in a second)
with ONE thing changed: a field of the resolved scenario given a wrong type, a value out of range
(negative, 0, 1e308, NaN, infinity, -0.0, 2**63, ...), a list emptied, with an entry twice or its
dates out of order, a date malformed or outside the run, an unknown key at any level (a random one
or a near-miss spelling of a known one), a province or municipality that does not exist, or the
file itself broken (bad YAML, bytes that are not UTF-8, a byte-order mark, tabs, a file over the
size limit, deep nesting, anchors and aliases, `extends` cycles and missing parents).

Each goes through the command's own entry in process (`viz.cli.main`): `validate`, and `run --days
3` when `validate` accepts it (then the run's daily.csv is read for NaN, infinite and negative
figures) or to check that `run` refuses what `validate` refuses, with the same line. The outcome:

* `refused`  -- exit 2, one line on stderr starting `noodplan: s.yaml` (or the parent file at
  fault), naming the field changed (its key or dotted path; a broken file: its line or what is
  wrong with it), nothing written;
* `accepted` -- exit 0 and a clean 3-day run (fine when the value is legitimately valid);
* `skipped`  -- the unchanged variant (the control) is itself refused, so the mutation says nothing;
* FINDINGS: `traceback` (an exception escaped), `exit-code` (another exit code), `lines` (more or
  fewer than one line), `unnamed` (the line does not name the field), `hang` (over 20 s of CPU),
  `absurd` (accepted though the value is NaN, infinite or negative where the built-in had a
  non-negative figure, or the run's results hold NaN or negative figures), `differs` (`run`
  refused with another line than `validate`, or accepted what `validate` refused).

Prints a table of outcomes by mutation kind and every finding with the file that makes it.
Deterministic: the same `--seed` and `--n` make the same mutations in the same order.
`tests/bad_inputs/test_fuzz.py` runs a small sweep and asserts no finding.
"""

from __future__ import annotations

import argparse
import collections
import contextlib
import copy
import datetime as dt
import io
import json
import math
import os
import random
import re
import signal
import sys
import tempfile
import traceback
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from model.scenario import SCENARIO_DIR, _resolve, builtin_names, parse_yaml

FINDINGS = ("traceback", "exit-code", "lines", "unnamed", "hang", "absurd", "differs")
OUTCOMES = ("refused", "accepted", "skipped", *FINDINGS)
TIME_LIMIT_S = 20


@dataclass(frozen=True)
class Mutation:
    """One changed input: the files of its folder (`s.yaml` the one given to the command), the
    control (the same files without the change, which must be accepted for the mutation to say
    anything), and the words of which the refusal must name one."""

    kind: str
    base: str
    what: str                       # the change in words, e.g. "chain.dublin_share = nan"
    files: dict[str, str | bytes]
    control: dict[str, str | bytes]
    names: tuple[str, ...]
    absurd_if_accepted: bool = False
    extra: tuple[str, ...] = ()     # more options for both commands (none yet)

    @property
    def id(self) -> str:
        return f"{self.kind}/{self.base}/{self.what}"


@dataclass
class Outcome:
    outcome: str
    message: str
    mutation: Mutation = field(repr=False)


# --- the built-ins, resolved, and where their fields are ------------------------------------------

def _resolved(name: str) -> dict:
    """The built-in as its files write it, with `extends` merged in, and the events a longer run
    would reach left out (`hindcast-2015` schedules 2018 for `calibrate`: a variant that writes its
    events would be refused for them)."""
    text = (SCENARIO_DIR / f"{name}.yaml").read_text(encoding="utf-8")
    resolved = _resolve(parse_yaml(text, name), name, SCENARIO_DIR)
    end = resolved["start_date"] + dt.timedelta(days=resolved["horizon_days"] - 1)
    resolved["events"] = [e for e in resolved.get("events", []) if e["date"] <= end]
    return resolved


def _small(resolved: dict) -> dict:
    """The variant's own world: Zeeland, plus the provinces the built-in's events, plan actions and
    shock entry points name (so the unchanged variant is accepted)."""
    from model import data

    table = data.municipalities("nl")
    province_of = dict(zip(table.names, table.province, strict=True))
    named = {"Zeeland"} | {e["province"] for e in resolved.get("events", []) if e.get("province")}
    named |= {province_of[s["entry_municipality"]] for s in resolved["inflow"].get("shocks", [])
              if s.get("entry_municipality")}
    named |= {v for p, v in _leaves(resolved.get("plan", {})) if p[-1:] == ("province",) and isinstance(v, str)}
    return {"provinces": sorted(named)}


def _leaves(node: Any, path: tuple = ()) -> Iterator[tuple[tuple, Any]]:
    """Every (path, value) in the resolved mapping, containers included (a path is a tuple of keys
    and list indices)."""
    if path:
        yield path, node
    if isinstance(node, dict):
        for k, v in node.items():
            yield from _leaves(v, (*path, k))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from _leaves(v, (*path, i))


def _overlay(resolved: dict, path: tuple, value: Any) -> dict:
    """The variant's own mapping that gives `path` the `value`: mappings are merged with the parent,
    lists replaced, so a change inside a list writes the whole list (from the resolved built-in)."""
    doc: dict = _small(resolved)
    node: Any = doc
    src: Any = resolved
    for i, part in enumerate(path):
        last = i == len(path) - 1
        if isinstance(node, dict):
            if last:
                node[part] = value
                return doc
            nxt = src.get(part) if isinstance(src, dict) else None
            if isinstance(nxt, list):
                node[part] = copy.deepcopy(nxt)
            else:
                node.setdefault(part, {})
            node, src = node[part], nxt
        else:                       # a list copied whole: change its entry in place
            if last:
                node[part] = value
                return doc
            node, src = node[part], src[part]
    return doc


def _raw(token: str) -> str:
    """A value written into the file as it is (`2025-02-30`, `!!int 1.5`, `1,5`), not as YAML would
    quote the text."""
    return f"zzraw{token.encode().hex()}zz"      # (plain to YAML's writer, so never quoted: replaced in `_dump`)


def _dump(doc: dict, base: str) -> str:
    text = yaml.safe_dump(doc, sort_keys=False, allow_unicode=True, width=10 ** 6)
    return "extends: " + base + "\n" + re.sub(r"zzraw([0-9a-f]*)zz", lambda m: bytes.fromhex(m.group(1)).decode(), text)


def _names_of(path: tuple) -> tuple[str, ...]:
    """The words a refusal of a change at `path` may name it by: its dotted path, its last key, or
    the list entry it is in."""
    dotted = ".".join(str(p) for p in path)
    keys = [str(p) for p in path if not isinstance(p, int)]
    out = [dotted, keys[-1]] if keys else [dotted]
    for i in range(len(path) - 1, 0, -1):         # the list entry it is in (`events.6: … = 25 x -2`)
        if isinstance(path[i], int):
            out.append(".".join(str(p) for p in path[:i + 1]) + ":")
            break
    if isinstance(path[-1], int):
        out.append(".".join(str(p) for p in path[:-1]))
    return tuple(out)


# --- what to put in a field's place -------------------------------------------------------------

HUGE = (1e308, 2 ** 63, 10 ** 30, 1e19)
NONFINITE = (math.nan, math.inf, -math.inf)


def _wrong_types(value: Any) -> list[Any]:
    if isinstance(value, bool):
        return [2, 0.5, "maybe", [True], {"a": True}, None]
    if isinstance(value, int | float):
        return ["ten", "3000", [value], {"value": value}, True, None, "", dt.date(2025, 1, 1)]
    if isinstance(value, str):
        return [5, 1.5, [value], {value: 1}, True, None]
    if isinstance(value, dt.date):
        return [5, "soon", [value], {"date": value}, True, None, "2025-13-01", "01-07-2025"]
    if isinstance(value, list):
        return [5, "x", {"a": 1}, None, True] + ([[value[0]]] if value else [])
    if isinstance(value, dict):
        return [5, [1, 2], "x", True, None] + ([list(value.values())] if value else [])
    return [5, "x", [1], {"a": 1}]


def _out_of_range(value: Any) -> list[Any]:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return []
    out: list[Any] = [-1, 0, -0.0, *HUGE, *NONFINITE, 1e-320, -abs(value) - 1, 0.5]
    if value:
        out += [value * 1e6, -value]
    return out


def _near_miss(key: str, rng: random.Random) -> str:
    i = rng.randrange(len(key))
    return rng.choice([
        key[:i] + key[i + 1:] if len(key) > 1 else key + "x",                  # a letter dropped
        key[:i] + key[i] + key[i:],                                            # a letter doubled
        key[:i] + key[i + 1:i + 2] + key[i:i + 1] + key[i + 2:] if i + 1 < len(key) else key + "s",  # swapped
        key.upper(), key + "s", key.replace("_", "-") if "_" in key else key + "_",
    ])


# --- the mutations, by kind ---------------------------------------------------------------------

Maker = Callable[[random.Random, str, dict], "Mutation | None"]


def _pick(rng: random.Random, resolved: dict, want: Callable[[tuple, Any], bool]) -> tuple | None:
    paths = [p for p, v in _leaves(resolved) if want(p, v)]
    return rng.choice(paths) if paths else None


def _field_mutation(kind: str, base: str, resolved: dict, path: tuple, new: Any,
                    absurd: bool = False, names: tuple[str, ...] = ()) -> Mutation:
    old = _value_at(resolved, path)
    control = _dump(_overlay(resolved, path, copy.deepcopy(old)), base)
    files = _dump(_overlay(resolved, path, new), base)
    shown = repr(new) if not isinstance(new, str) else json.dumps(new)
    return Mutation(kind, base, f"{'.'.join(map(str, path))} = {shown[:60]}", {"s.yaml": files},
                    {"s.yaml": control}, names or _names_of(path), absurd)


def _value_at(node: Any, path: tuple) -> Any:
    for p in path:
        node = node[p]
    return node


def _is_number(v: Any) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool)


def wrong_type(rng: random.Random, base: str, resolved: dict) -> Mutation | None:
    path = _pick(rng, resolved, lambda p, v: p[0] not in ("extends",))
    if path is None:
        return None
    return _field_mutation("wrong-type", base, resolved, path, rng.choice(_wrong_types(_value_at(resolved, path))))


def out_of_range(rng: random.Random, base: str, resolved: dict) -> Mutation | None:
    path = _pick(rng, resolved, lambda p, v: _is_number(v))
    if path is None:
        return None
    old = _value_at(resolved, path)
    new = rng.choice(_out_of_range(old))
    # a trigger's threshold outside its indicator's range is a planner's "always" or "never" (left so
    # on purpose: docs/input-contract.md, "Left, and why")
    absurd = (isinstance(new, float) and not math.isfinite(new)) or (
        new < 0 <= old and path[-1] not in ("above", "below"))
    return _field_mutation("out-of-range", base, resolved, path, new, absurd)


def lists(rng: random.Random, base: str, resolved: dict) -> Mutation | None:
    path = _pick(rng, resolved, lambda p, v: isinstance(v, list) and bool(v))
    if path is None:
        return None
    old = _value_at(resolved, path)
    how = rng.choice(["empty", "twice", "reversed", "one-dropped", "one-more-of-another-type", "a-key-removed"])
    i = rng.randrange(len(old))
    if how == "a-key-removed":
        if not isinstance(old[i], dict) or not old[i]:
            return None
        gone = rng.choice(sorted(old[i]))
        how = f"{gone} removed from entry {i}"
        new = [*old[:i], {k: v for k, v in old[i].items() if k != gone}, *old[i + 1:]]
    else:
        new = {"empty": [], "twice": [*old, old[i]], "reversed": old[::-1], "one-dropped": old[:-1],
               "one-more-of-another-type": [*old, "x" if not isinstance(old[0], str) else 5]}[how]
    m = _field_mutation("lists", base, resolved, path, copy.deepcopy(new))
    return Mutation(m.kind, base, f"{'.'.join(map(str, path))}: {how}", m.files, m.control, m.names)


def dates(rng: random.Random, base: str, resolved: dict) -> Mutation | None:
    path = _pick(rng, resolved, lambda p, v: isinstance(v, dt.date))
    if path is None:
        return None
    start = resolved["start_date"]
    end = start + dt.timedelta(days=resolved["horizon_days"] - 1)
    new = rng.choice(["2025-02-30", "2025-13-01", "2025-7-1", "01-07-2025", "2025/07/01", "20250701",
                      "2025-W27", dt.date(1800, 1, 1), dt.date(2300, 1, 1), dt.date(1, 1, 1),
                      dt.date(9999, 12, 31), end + dt.timedelta(days=1), end + dt.timedelta(days=4000),
                      start - dt.timedelta(days=1), dt.datetime(2025, 7, 1, 12, 30)])
    # a day the run never reaches where it would be ignored: an event's, a regime's request, a shock's or
    # the pact's start
    ignored = type(new) is dt.date and new > end and (
        (path[0], path[-1]) in (("events", "date"), ("regimes", "requested"), ("pact", "start"))
        or (path[:2] == ("inflow", "shocks") and path[-1] == "start"))
    return _field_mutation("dates", base, resolved, path, new, absurd=ignored)


def unknown_key(rng: random.Random, base: str, resolved: dict) -> Mutation | None:
    mappings = [()] + [p for p, v in _leaves(resolved) if isinstance(v, dict)]
    where = rng.choice(mappings)
    here = _value_at(resolved, where)
    near = bool(here) and rng.random() < 0.5
    if near:
        known = rng.choice([k for k in here if isinstance(k, str)] or ["x"])
        key = _near_miss(known, rng)
        if key in here:
            return None
        value = copy.deepcopy(here.get(known, 1))
    else:
        key, value = rng.choice(["colour", "zzz_unknown", "Provinces", "extra", "note"]), rng.choice([1, "x", [1]])
    path = (*where, key)
    doc = _overlay(resolved, path, value)
    control = _overlay(resolved, where, copy.deepcopy(here)) if where else _small(resolved)
    return Mutation("unknown-key", base, f"{'.'.join(map(str, path))} ({'near miss' if near else 'unknown'})",
                    {"s.yaml": _dump(doc, base)}, {"s.yaml": _dump(control, base)}, (key,))


def names(rng: random.Random, base: str, resolved: dict) -> Mutation | None:
    bogus = rng.choice(["Atlantis", "Zeland", "zeeland", "Noord Holland", "Zeeland ", "", "Nergenshuizen",
                        "Vlissingenn", "'s-Hertogenbosch", "Fryslân", "Friesland"])
    where = rng.choice(["provinces", "event-province", "shock-entry", "plan-province"])
    start = resolved["start_date"]
    if where == "provinces":
        value = rng.choice([[bogus], ["Zeeland", bogus], ["Zeeland", "Zeeland"], []])
        control = _dump(_small(resolved), base)
        doc = {**_small(resolved), "provinces": value}
        return Mutation("names", base, f"provinces = {value}", {"s.yaml": _dump(doc, base)}, {"s.yaml": control},
                        ("provinces", "province"))
    if where == "event-province":
        good = {"date": start + dt.timedelta(days=1), "action": "close", "kind": "emergency", "places": 10,
                "province": "Zeeland"}
        path: tuple = ("events",)
        listed = copy.deepcopy(resolved.get("events", []))
        doc_ok = {**_small(resolved), "events": [*listed, good]}
        doc_bad = {**_small(resolved), "events": [*listed, {**good, "province": bogus}]}
        return Mutation("names", base, f"events.{len(listed)}.province = {bogus!r}", {"s.yaml": _dump(doc_bad, base)},
                        {"s.yaml": _dump(doc_ok, base)}, (f"events.{len(listed)}", "province"))
    if where == "shock-entry":
        good = {"start": start + dt.timedelta(days=1), "end": start + dt.timedelta(days=2),
                "extra_persons_per_day": 10, "entry_municipality": "Vlissingen"}
        listed = copy.deepcopy(resolved["inflow"].get("shocks", []))
        doc_ok = {**_small(resolved), "inflow": {"shocks": [*listed, good]}}
        doc_bad = {**_small(resolved), "inflow": {"shocks": [*listed, {**good, "entry_municipality": bogus}]}}
        return Mutation("names", base, f"inflow.shocks.{len(listed)}.entry_municipality = {bogus!r}",
                        {"s.yaml": _dump(doc_bad, base)}, {"s.yaml": _dump(doc_ok, base)},
                        ("entry_municipality", "municipality"))
    path = _pick(rng, resolved, lambda p, v: p[0] == "plan" and isinstance(v, dict)
                 and v.get("type") == "open_registration_site")       # (the one plan action that takes a province)
    if path is None:
        return None
    action = _value_at(resolved, path)
    ok, bad = _overlay(resolved, path, copy.deepcopy(action)), _overlay(resolved, path, {**action, "province": bogus})
    where_ = ".".join(map(str, path))
    return Mutation("names", base, f"{where_}.province = {bogus!r}", {"s.yaml": _dump(bad, base)},
                    {"s.yaml": _dump(ok, base)}, (f"{where_}.province", "province"))


_BIG_LIST = 120_000


def broken_file(rng: random.Random, base: str, resolved: dict) -> Mutation | None:
    """The file itself: syntax, bytes, size, nesting, anchors; the control is the file unbroken."""
    doc = _small(resolved)
    text = _dump({**doc, "description": "a variant", "horizon_days": resolved["horizon_days"]}, base)
    lines = text.splitlines(keepends=True)
    n = rng.randrange(1, len(lines))
    how = rng.choice(["unclosed-bracket", "tab-indent", "bom", "latin-1", "invalid-utf8", "truncated-utf8",
                      "nul", "huge-comment", "huge-list", "deep-nesting", "deep-mapping", "anchor-unused",
                      "alias-reused", "billion-laughs", "merge-key", "duplicate-key", "two-documents",
                      "crlf", "utf16", "cut-mid-line", "only-spaces", "bare-tab-value"])
    raw: str | bytes
    names_: tuple[str, ...] = ("line",)
    if how == "unclosed-bracket":
        raw = "".join(lines[:n]) + "provinces: [Zeeland\n" + "".join(lines[n:])
    elif how == "tab-indent":
        raw = text + "chain:\n\tdublin_share: 0.1\n"
    elif how == "bom":
        raw = "\ufeff".encode() + text.encode()
    elif how == "latin-1":
        raw = (text + "description: Fryslân en Gelderland\n").replace("description: a variant\n", "").encode("latin-1")
        names_ = ("UTF-8", "utf-8")
    elif how == "invalid-utf8":
        raw = text.encode()[:-1] + b"\xff\xfe\n"
        names_ = ("UTF-8", "utf-8")
    elif how == "truncated-utf8":
        raw = text.replace("a variant", "caf\u00e9").encode().replace("\u00e9".encode(), b"\xc3")
        names_ = ("UTF-8", "utf-8")
    elif how == "nul":
        raw = text.encode().replace(b"a variant", b"a\x00variant")
        names_ = ("NUL", "null", "control")
    elif how == "huge-comment":
        raw = text + ("# " + "x" * 1000 + "\n") * 1100
        names_ = ("bytes", "MiB")
    elif how == "huge-list":
        raw = text + "inflow: {household_size_shares: [" + ", ".join(["0.2"] * _BIG_LIST) + "]}\n"
        names_ = ("values", "household_size_shares", "100,000")
    elif how == "deep-nesting":
        raw = text + "notes: " + "[" * 60 + "1" + "]" * 60 + "\n"
        names_ = ("deep", "nest", "notes")
    elif how == "deep-mapping":
        raw = text + "chain: " + "{a: " * 40 + "1" + "}" * 40 + "\n"
        names_ = ("deep", "nest", "chain.a", "a: unknown")
    elif how == "anchor-unused":
        raw = text + "inflow: &in {vulnerable_share: 0.1}\n"
        names_ = ()
    elif how == "alias-reused":
        raw = text + "chain:\n  appeal_days: &d {regular: 180, accelerated: 35, border: 35, dublin: 37}\n" \
                     "  appeal_share: *d\n"
        names_ = ("appeal_share",)
    elif how == "billion-laughs":
        raw = text + "a0: &a0 [1, 1, 1, 1, 1, 1, 1, 1, 1, 1]\n" + "".join(
            f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]\n" for i in range(1, 7))
        names_ = ("values", "100,000")
    elif how == "merge-key":
        raw = text + "chain:\n  <<: {dublin_share: 0.2}\n  screening_days: 7\n"
        names_ = ("<<", "merge", "line")
    elif how == "duplicate-key":
        raw = text + f"horizon_days: {resolved['horizon_days']}\n"
        names_ = ("horizon_days",)
    elif how == "two-documents":
        raw = text + "---\nname: other\n"
        names_ = ("document",)
    elif how == "crlf":
        raw = text.replace("\n", "\r\n")
        names_ = ()
    elif how == "utf16":
        raw = text.encode("utf-16")
        names_ = ("UTF-16", "utf-16")
    elif how == "cut-mid-line":
        raw = text + "inflow: {first_applications_per_year: 3000, vulnerable_sh"
        names_ = ("line",)
    elif how == "only-spaces":
        raw = "   \n\n  \n"
        names_ = ("empty", "mapping")
    else:   # bare-tab-value
        raw = text + "name:\tvariant\t\n"
        names_ = ()
    return Mutation("broken-file", base, how, {"s.yaml": raw}, {"s.yaml": text}, names_)


def extends(rng: random.Random, base: str, resolved: dict) -> Mutation | None:
    small = yaml.safe_dump(_small(resolved), sort_keys=False)
    control = {"s.yaml": f"extends: p.yaml\n{small}", "p.yaml": f"extends: {base}\n"}
    how = rng.choice(["cycle", "self", "missing", "missing-builtin", "near-builtin", "number", "list", "empty",
                      "spaces", "backslash", "no-suffix", "parent-bad-yaml", "parent-not-utf8", "parent-a-folder",
                      "deep-chain", "url", "parent-list"])
    files: dict[str, str | bytes] = {}
    names_: tuple[str, ...] = ("extends",)
    if how == "cycle":
        files = {"s.yaml": f"extends: p.yaml\n{small}", "p.yaml": "extends: q.yaml\n", "q.yaml": "extends: p.yaml\n"}
        names_ = ("circular",)
    elif how == "self":
        files = {"s.yaml": f"extends: s.yaml\n{small}"}
        names_ = ("circular",)
    elif how == "missing":
        files = {"s.yaml": f"extends: nothere.yaml\n{small}"}
        names_ = ("nothere.yaml",)
    elif how == "missing-builtin":
        files = {"s.yaml": f"extends: nothere\n{small}"}
        names_ = ("nothere",)
    elif how == "near-builtin":
        near = _near_miss(base, rng)
        if near in builtin_names():
            return None
        files = {"s.yaml": f"extends: {near}\n{small}"}
        names_ = (near,)
    elif how == "number":
        files = {"s.yaml": f"extends: 5\n{small}"}
    elif how == "list":
        files = {"s.yaml": f"extends: [{base}]\n{small}"}
    elif how == "empty":
        files = {"s.yaml": f"extends: ''\n{small}"}
    elif how == "spaces":
        files = {"s.yaml": f"extends: ' {base} '\n{small}", }
    elif how == "backslash":
        files = {"s.yaml": f"extends: 'sub\\p.yaml'\n{small}", "sub/p.yaml": f"extends: {base}\n"}
    elif how == "no-suffix":
        files = {"s.yaml": f"extends: p\n{small}", "p.yaml": f"extends: {base}\n"}
        names_ = ("p",)
    elif how == "parent-bad-yaml":
        files = {"s.yaml": f"extends: p.yaml\n{small}", "p.yaml": f"extends: {base}\nchain: {{dublin_share: 0.1\n"}
        names_ = ("p.yaml",)
    elif how == "parent-not-utf8":
        files = {"s.yaml": f"extends: p.yaml\n{small}", "p.yaml": f"extends: {base}\nname: caf\xe9\n".encode("latin-1")}
        names_ = ("p.yaml",)
    elif how == "parent-a-folder":
        files = {"s.yaml": f"extends: p.yaml\n{small}", "p.yaml/x": "x"}
        names_ = ("p.yaml",)
    elif how == "deep-chain":
        files = {"s.yaml": f"extends: p0.yaml\n{small}",
                 **{f"p{i}.yaml": f"extends: p{i + 1}.yaml\n" for i in range(40)}, "p40.yaml": f"extends: {base}\n"}
        names_ = ("chain", "32")
    elif how == "url":
        files = {"s.yaml": f"extends: https://example.org/{base}.yaml\n{small}"}
    else:   # parent-list
        files = {"s.yaml": f"extends: p.yaml\n{small}", "p.yaml": f"- extends: {base}\n"}
        names_ = ("p.yaml",)
    return Mutation("extends", base, how, files, control, names_)


RAW_NUMBERS = ("1e3", "0x10", "0o17", "1_000", ".5", "+.inf", "-.inf", ".NaN", "30.000", "30.500", "1,5", "[1,5]",
               "{value: 1,5}", "3000%", "'3000'", "\"3,000\"", "~", "", "!!float 1", "!!int 1.5", "!!str 5",
               "!!bool yes", "!!binary aGVsbG8=", "!!set {a, b}", "!!timestamp soon", "!!python/int 5", "&a 5",
               "*nothing", "yes", "no", "on", "010", "1:30", "-0", "-0.0", "+5", "1e400", "-1e400", "1" * 5000,
               "\u22123", "\u201c3\u201d", "1\u00a0000", "0b101", "5 # a comment", "5 5", "@5", "`5`", "|\n  5",
               ">\n  5", "[]", "{}", "[[]]", "'\t5'", "\"5\\x00\"", "\"\\u202e5\"")
RAW_DATES = ("2025-02-30", "2025-13-01", "2025-00-10", "2025-7-1", "2025-07-01T12:00:00", "2025-07-01 00:00:00",
             "2025-07-01T00:00:00Z", "2025-07-01T00:00:00+14:00", "0000-01-01", "1899-12-31", "2201-01-01",
             "+2025-07-01", "2025-07", "2025", "20250701", "2025-W27-1", "2025-182", "'2025-07-01 '",
             "!!timestamp 2025-07-01", "!!str 2025-07-01", "2025-07-01 # comment", "2025\u201107\u201101")


def raw_scalars(rng: random.Random, base: str, resolved: dict) -> Mutation | None:
    """A number or a date written another way in the file itself (YAML tags, other bases, Dutch
    separators, typographic signs, block scalars)."""
    path = _pick(rng, resolved, lambda p, v: _is_number(v) or isinstance(v, dt.date))
    if path is None:
        return None
    token = rng.choice(RAW_DATES if isinstance(_value_at(resolved, path), dt.date) else RAW_NUMBERS)
    if token.startswith(("|", ">")) and len(path) > 1 and isinstance(path[-2], int):
        return None     # (a block scalar inside a list written in flow style is not YAML a user writes)
    m = _field_mutation("raw-scalars", base, resolved, path, _raw(token))
    return Mutation(m.kind, base, f"{'.'.join(map(str, path))} = {token[:40]}", m.files, m.control, m.names)


KINDS: dict[str, Maker] = {"raw-scalars": raw_scalars, "wrong-type": wrong_type, "out-of-range": out_of_range,
                           "lists": lists, "dates": dates,
                           "unknown-key": unknown_key, "names": names, "broken-file": broken_file, "extends": extends}


_ONE_FIELD = ("raw-scalars", "wrong-type", "out-of-range", "lists", "dates", "unknown-key")


def _in_a_parent(m: Mutation) -> Mutation:
    """The same change written in a parent file `p.yaml` that `s.yaml` extends (the refusal names
    either file)."""
    def moved(files: dict[str, str | bytes]) -> dict[str, str | bytes]:
        return {"s.yaml": "extends: p.yaml\nname: variant\n", "p.yaml": files["s.yaml"]}

    return Mutation(m.kind, m.base, m.what + " (in the parent)", moved(m.files), moved(m.control), m.names,
                    m.absurd_if_accepted and m.kind != "dates")   # (a parent's days are its own horizon's: above)


def mutations(n: int, seed: int, kinds: tuple[str, ...] = tuple(KINDS)) -> list[Mutation]:
    """`n` mutations, the same for the same seed: kinds in turn, each on a built-in drawn at random."""
    rng = random.Random(seed)
    bases = {name: _resolved(name) for name in builtin_names()}
    out: list[Mutation] = []
    seen: set[str] = set()
    tries = 0
    while len(out) < n and tries < 20 * n:
        tries += 1
        kind = kinds[len(out) % len(kinds)] if tries % 2 else rng.choice(kinds)
        base = rng.choice(sorted(bases))
        m = KINDS[kind](rng, base, bases[base])
        if m is not None and kind in _ONE_FIELD and rng.random() < 0.2:
            m = _in_a_parent(m)
        if m is not None and m.id not in seen:
            seen.add(m.id)
            out.append(m)
    return out


# --- running one -------------------------------------------------------------------------------

class _Hang(Exception):
    pass


def _on_alarm(*_a: Any) -> None:
    raise _Hang


def _materialise(files: dict[str, str | bytes], folder: Path) -> None:
    for name, content in files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")


def _cli(argv: list[str]) -> tuple[int | str, str, str]:
    """`noodplan ARGV` in process: (exit code, or 'traceback'/'hang'; stdout; stderr)."""
    from viz import cli

    out, err = io.StringIO(), io.StringIO()
    # 20 s of CPU (a busy machine is no hang), or 10 times that of waiting (a read that never ends)
    old = signal.signal(signal.SIGPROF, _on_alarm), signal.signal(signal.SIGALRM, _on_alarm)
    signal.setitimer(signal.ITIMER_PROF, TIME_LIMIT_S)
    signal.setitimer(signal.ITIMER_REAL, 10 * TIME_LIMIT_S)
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code: int | str = cli.main(argv)
    except _Hang:
        code = "hang"
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 1
    except BaseException:       # any escape is a finding, reported with its traceback
        code = "traceback"
        err.write(traceback.format_exc())
    finally:
        signal.setitimer(signal.ITIMER_PROF, 0)
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGPROF, old[0])
        signal.signal(signal.SIGALRM, old[1])
    return code, out.getvalue(), err.getvalue()


_NUMBER = re.compile(r"(?<![\w.])-\d|\bnan\b|\binf\b", re.IGNORECASE)


def _absurd_results(folder: Path) -> str | None:
    daily = folder / "daily.csv"
    if not daily.is_file():
        return "the run wrote no daily.csv"
    for i, line in enumerate(daily.read_text(encoding="utf-8").splitlines()[1:], start=2):
        for cell in line.split(",")[1:]:
            if _NUMBER.match(cell.strip()):
                return f"daily.csv line {i}: {cell}"
    return None


def _judge(m: Mutation, code: int | str, err: str, folder: Path, before: set[str]) -> tuple[str, str]:
    lines = err.splitlines()
    if code == "traceback" or "Traceback (most recent call last)" in err:
        return "traceback", err.strip().splitlines()[-1] if err.strip() else ""
    if code == "hang":
        return "hang", f"over {TIME_LIMIT_S} s of CPU or {10 * TIME_LIMIT_S} s in all"
    if code != 2:
        return "exit-code", f"exit {code}: {err.strip()[:200]}"
    if len(lines) != 1:
        return "lines", f"{len(lines)} lines: {err.strip()[:300]}"
    line = lines[0]
    if set(_tree(folder)) != before:
        return "lines", f"wrote files: {line}"
    named_file = re.match(r"noodplan: (?:\S*/)?[sp]\d*\.yaml|noodplan: [qs]\.yaml", line)
    at_its_line = re.search(r": line \d+ not valid YAML \(", line) is not None    # refused as it was read
    if not named_file or (m.names and not any(n in line for n in m.names) and not at_its_line):
        return "unnamed", line
    return "refused", line


def _tree(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*"))


def run_one(m: Mutation, control_ok: Callable[[Mutation], bool | str]) -> Outcome:
    """Validate (and run) one mutation in a fresh folder; classify it."""
    with tempfile.TemporaryDirectory(prefix="noodplan-fuzz-") as tmp:
        folder = Path(tmp)
        _materialise(m.files, folder)
        before = set(_tree(folder))
        s = str(folder / "s.yaml")
        cwd = os.getcwd()
        os.chdir(folder)
        try:
            code, _out, err = _cli(["validate", s])
            if code == 0:
                ok = control_ok(m)
                if ok is not True:
                    return Outcome("skipped", f"the control is refused: {ok}", m)
                code2, _o2, err2 = _cli(["run", s, "--days", "3", "--out", str(folder / "out")])
                if code2 != 0:
                    kind, line = _judge(m, code2, err2, folder, before | set(_tree(folder)))
                    return Outcome("differs" if kind == "refused" else kind,
                                   f"validate accepted, run: {line}", m)
                if m.absurd_if_accepted:
                    return Outcome("absurd", "accepted (validate and run)", m)
                bad = _absurd_results(folder / "out")
                return Outcome("absurd", bad, m) if bad else Outcome("accepted", "", m)
            kind, line = _judge(m, code, err, folder, before)
            if kind == "unnamed" or kind == "refused":
                ok = control_ok(m)
                if ok is not True:
                    return Outcome("skipped", f"the control is refused: {ok}", m)
            if kind != "refused":
                return Outcome(kind, line, m)
            code2, _o2, err2 = _cli(["run", s, "--days", "3", "--out", str(folder / "out")])
            kind2, line2 = _judge(m, code2, err2, folder, before)
            if kind2 != "refused" or line2 != line:
                if kind2 == "refused":
                    return Outcome("differs", f"validate: {line} | run: {line2}", m)
                return Outcome(kind2, f"run: {line2}", m)
            return Outcome("refused", line, m)
        finally:
            os.chdir(cwd)


class Controls:
    """Whether a mutation's control (its files unchanged) is accepted by `validate`, remembered."""

    def __init__(self) -> None:
        self.seen: dict[str, bool | str] = {}

    def __call__(self, m: Mutation) -> bool | str:
        key = json.dumps({k: v if isinstance(v, str) else v.hex() for k, v in sorted(m.control.items())})
        if key not in self.seen:
            with tempfile.TemporaryDirectory(prefix="noodplan-fuzz-control-") as tmp:
                _materialise(m.control, Path(tmp))
                code, _out, err = _cli(["validate", str(Path(tmp) / "s.yaml")])
            self.seen[key] = True if code == 0 else err.strip()[:200] or f"exit {code}"
        return self.seen[key]


def sweep(n: int, seed: int, kinds: tuple[str, ...] = tuple(KINDS),
          progress: Callable[[int, Outcome], None] | None = None) -> list[Outcome]:
    controls = Controls()
    results = []
    for i, m in enumerate(mutations(n, seed, kinds)):
        o = run_one(m, controls)
        results.append(o)
        if progress:
            progress(i, o)
    return results


def table(results: list[Outcome]) -> str:
    by: dict[str, collections.Counter] = collections.defaultdict(collections.Counter)
    for r in results:
        by[r.mutation.kind][r.outcome] += 1
    total: collections.Counter = collections.Counter()
    rows = ["| mutation kind | tried | " + " | ".join(OUTCOMES) + " |", "|---|---:|" + "---:|" * len(OUTCOMES)]
    for kind in KINDS:
        if kind in by:
            c = by[kind]
            total.update(c)
            rows.append(f"| {kind} | {sum(c.values())} | " + " | ".join(str(c[o]) for o in OUTCOMES) + " |")
    rows.append(f"| **all** | **{sum(total.values())}** | " + " | ".join(f"**{total[o]}**" for o in OUTCOMES) + " |")
    return "\n".join(rows)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument("--n", type=int, default=300, help="mutations to try")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--kinds", default=",".join(KINDS), help="comma-separated kinds: " + ", ".join(KINDS))
    ap.add_argument("--show", choices=("findings", "all"), default="findings")
    ap.add_argument("--json", help="write every outcome (kind, base, change, outcome, message)")
    args = ap.parse_args(argv)
    kinds = tuple(k for k in args.kinds.split(",") if k)
    unknown = [k for k in kinds if k not in KINDS]
    if unknown:
        ap.error(f"--kinds: unknown {', '.join(unknown)} (known: {', '.join(KINDS)})")

    def progress(i: int, o: Outcome) -> None:
        if args.show == "all" or o.outcome in FINDINGS:
            print(f"{i + 1:5d} {o.outcome:9s} {o.mutation.id}: {o.message[:240]}", file=sys.stderr, flush=True)

    results = sweep(args.n, args.seed, kinds, progress)
    print(table(results))
    findings = [r for r in results if r.outcome in FINDINGS]
    print(f"{len(results)} mutations (seed {args.seed}), {len(findings)} findings")
    if args.json:
        Path(args.json).parent.mkdir(parents=True, exist_ok=True)
        Path(args.json).write_text(json.dumps(
            [{"kind": r.mutation.kind, "base": r.mutation.base, "change": r.mutation.what, "outcome": r.outcome,
              "message": r.message, "files": {k: v if isinstance(v, str) else repr(v)[:2000]
                                              for k, v in r.mutation.files.items() if len(v) < 20_000}}
             for r in results], indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    return 1 if findings else 0


if __name__ == "__main__":
    sys.exit(main())
