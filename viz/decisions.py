"""The plan's decisions as a planner reads them: what was decided, when, where and why.

The model's event log (`state.event_log`: the plan, the regimes, scheduled events and what-if
decisions) is kept as the model writes it; this module turns each entry into a `DecisionRow`
with a kind (phase change, request, regime, event, decision), the trigger in plain words, and
for requests the places asked and delivered and the date they open. The rows feed the markers on
the time line, the filterable log and its CSV export.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from dataclasses import asdict, dataclass

# indicator -> how a threshold reads in words ({v} is the threshold)
_INDICATOR_WORDS = {
    "occupancy": ("occupancy at or above {p} of usable places", "occupancy below {p} of usable places"),
    "occupancy_normal": ("occupancy at or above {p} of normal places", "occupancy below {p} of normal places"),
    "central_occupancy": ("the registration locations (Ter Apel, relief places, a second site) at or above {p} of "
                          "their normal places",
                          "the registration locations (Ter Apel, relief places, a second site) below {p} of their "
                          "normal places"),
    "unsheltered": ("{n} or more people without a bed", "fewer than {n} people without a bed"),
    "registration_backlog": ("{n} or more people waiting to register", "fewer than {n} people waiting to register"),
    "registration_load": ("arrivals at or above {v} times what registration handles without the plan's measures",
                          "arrivals below {v} times what registration handles without the plan's measures"),
    "assessment_backlog": ("{n} or more people waiting for the vulnerability assessment",
                           "fewer than {n} people waiting for the vulnerability assessment"),
    "forecast_shortfall": ("the forecast short of {n} or more places", "the forecast short of fewer than {n} places"),
}
_TRIGGER = re.compile(r"(?P<ind>[a-z_]+) (?P<op>>=|<) (?P<v>-?[\d.e+]+) for (?P<days>\d+) days?")
_ASKED = re.compile(r"asked (?P<asked>[\d,]+), delivered (?P<delivered>[\d,]+).*?opening in (?P<lead>\d+) days")
KINDS = ("phase", "request", "action", "regime", "event", "decision")
MARKED_KINDS = ("phase", "request", "regime", "decision", "event")   # marked on the time line


@dataclass
class DecisionRow:
    day: int
    date: str
    kind: str            # one of KINDS
    source: str          # plan, regime, event, decision
    where: str
    what: str
    why: str             # the trigger in plain words ('' when the log gives none)
    asked: int | None = None       # requests: places asked
    delivered: int | None = None   # requests: places delivered
    opens: str = ""                # requests: date the delivered places open

    def as_dict(self) -> dict:
        return asdict(self)


def plain_trigger(text: str) -> str:
    """'occupancy_normal >= 0.97 for 5 days' -> 'occupancy at or above 97% of normal places for
    5 days'; several triggers joined by '; ' read 'and' (unknown text is returned as it is)."""
    parts = []
    for piece in text.split(";"):
        m = _TRIGGER.search(piece)
        if not m:
            if piece.strip() and not piece.strip().startswith(("phase ", "front rung ")):   # the log's "phase 1 -> 2"
                parts.append(piece.strip())
            continue
        ind, op, v, days = m["ind"], m["op"], float(m["v"]), int(m["days"])
        words = _INDICATOR_WORDS.get(ind)
        if words is None:
            parts.append(piece.strip())
            continue
        phrase = words[0 if op == ">=" else 1].format(p=f"{v:.0%}", n=f"{v:,.0f}", v=f"{v:g}")
        parts.append(f"{phrase} for {days} day{'s' if days != 1 else ''}")
    return " and ".join(parts)


def _kind(e: dict) -> str:
    what = e.get("what", "")
    src = e.get("source", "")
    if src == "decision":
        return "decision"
    if src == "regime":
        return "regime"
    if src == "plan":
        if what.startswith(("scale-up", "scale-down")):
            return "phase"
        if what.startswith(("request", "activate reserve")):
            return "request"
        return "action"
    return "event"


def rows(event_log: list[dict]) -> list[DecisionRow]:
    """Every log entry as a DecisionRow, oldest first."""
    out = []
    for e in event_log:
        kind = _kind(e)
        detail = str(e.get("detail", ""))
        why = ""
        if kind == "phase" and "trigger:" in detail:
            why = plain_trigger(detail.split("trigger:", 1)[1])
        elif kind in ("event", "decision", "action", "regime"):
            why = detail
        row = DecisionRow(int(e.get("day", 0)), str(e.get("date", "")), kind, str(e.get("source", "")),
                          str(e.get("where", "")), str(e.get("what", "")), why)
        m = _ASKED.search(detail)
        if m:
            row.asked = int(m["asked"].replace(",", ""))
            row.delivered = int(m["delivered"].replace(",", ""))
            try:
                row.opens = str(dt.date.fromisoformat(row.date) + dt.timedelta(days=int(m["lead"])))
            except ValueError:
                row.opens = ""
            row.why = (f"asked {row.asked:,}, delivered {row.delivered:,}"
                       + (f", open on {row.opens}" if row.opens else ""))
        out.append(row)
    return out


def matching(all_rows: list[DecisionRow], kinds: list[str] | None = None, where: str | None = None,
             text: str = "") -> list[DecisionRow]:
    """The rows of the chosen kinds (None: all), place (None: all) and containing `text`."""
    text = text.strip().lower()
    return [r for r in all_rows
            if (not kinds or r.kind in kinds) and (not where or r.where == where)
            and (not text or text in f"{r.what} {r.why} {r.where} {r.date}".lower())]


COLUMNS = ["day", "date", "kind", "source", "where", "what", "why", "asked", "delivered", "opens"]


def to_csv(selected: list[DecisionRow]) -> bytes:
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=COLUMNS, lineterminator="\n")
    w.writeheader()
    for r in selected:
        w.writerow({k: ("" if v is None else v) for k, v in r.as_dict().items()})
    return buf.getvalue().encode("utf-8")
