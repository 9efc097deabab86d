"""EU Regulation 2024/1359 regimes: crisis (mass arrival), instrumentalisation, force majeure.

A regime is a time-bounded state: requested on a date (or when the plan reaches a phase),
authorised by the Council after a delay, active for three months (Art. 5), extended while the
situation lasts (up to `max_extensions` times), then expired. While active, its derogations
override scenario parameters (a later regime's over an earlier one's on the same path) — e.g.
registration within four weeks with priority for minors, families and special needs (Art. 10), a
longer and wider border procedure (Art. 11), longer Dublin time limits — and on expiry the previous
values return (when regimes overlap on a path: the value from before the first of them, once the last
has ended).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from model.events import set_path
from model.scenario import Regime, get_path

REGIME_NAMES = ("crisis", "instrumentalisation", "force_majeure")


@dataclass
class _Track:
    spec: Regime
    status: str = "idle"            # idle -> requested -> active -> expired
    requested_day: int = -1
    start_day: int = -1
    end_day: int = -1
    extensions: int = 0
    saved: dict = field(default_factory=dict)


class RegimeRuntime:
    def __init__(self, s) -> None:
        self.tracks = [_Track(r) for r in s.sc.regimes]

    def active(self) -> list[str]:
        return [t.spec.type for t in self.tracks if t.status == "active"]

    def request(self, regime: str, day: int) -> str:
        """Ask for `regime` now (a decision or an event, `model.events`): its first idle track becomes
        requested, and the Council's authorisation follows after its delay. Returns what happened, in words."""
        for t in self.tracks:
            if t.spec.type == regime and t.status == "idle":
                t.status, t.requested_day = "requested", day
                return f"requested; authorisation expected in {t.spec.authorisation_delay_days} days"
        return "already requested or in force; nothing changed"

    def __call__(self, s, day: int) -> None:
        phase = int(s.plan.ladder.phase.max()) if s.plan is not None else 0
        date = s.world.dates[day]
        for t in self.tracks:
            r = t.spec
            if t.status == "idle" and ((r.requested is not None and date >= r.requested)
                                       or (r.request_at_phase is not None and phase >= r.request_at_phase)):
                t.status, t.requested_day = "requested", day
                _log(s, day, r.type, "requested", f"authorisation expected in {r.authorisation_delay_days} days")
            if t.status == "requested" and day >= t.requested_day + r.authorisation_delay_days:
                t.status, t.start_day, t.end_day = "active", day, day + r.duration_days
                for path, value in r.derogations.items():
                    t.saved[path] = get_path(s.params, path)
                    set_path(s.params, path, value)
                _log(s, day, r.type, "authorised and in force",
                     "derogations: " + (", ".join(f"{k} = {v:g}" for k, v in r.derogations.items()) or "none"))
            if t.status == "active" and day >= t.end_day:
                if t.extensions < r.max_extensions and phase >= r.extend_while_phase_at_least:
                    t.extensions += 1
                    t.end_day += r.duration_days
                    _log(s, day, r.type, f"extended ({t.extensions} of {r.max_extensions})",
                         f"plan at phase {phase}; now until day {t.end_day}")
                else:
                    self._restore(s, t)
                    t.status = "expired"
                    _log(s, day, r.type, "expired", f"after {day - t.start_day} days; parameters restored")
        s.recorder.extra["regime"][day] = "+".join(self.active())

    def _restore(self, s, t: _Track) -> None:
        """Undo `t`'s derogations. Where a regime put in force after `t` derogates the same path,
        it keeps its value in force, and takes over what `t` found before it (what comes back when
        that one ends); else the value `t` found comes back. Overlapping regimes thus end in any
        order with the value from before the first of them (a regime restoring what it found
        would bring back a derogation of one that had ended, or end another's while it is in force)."""
        mine = (t.start_day, self.tracks.index(t))           # put in force: by day, then in track order
        for path, value in t.saved.items():
            later = [((u.start_day, i), u) for i, u in enumerate(self.tracks)
                     if u.status == "active" and path in u.saved and (u.start_day, i) > mine]
            if later:
                min(later, key=lambda x: x[0])[1].saved[path] = value
            else:
                set_path(s.params, path, value)


def _log(s, day: int, regime: str, what: str, detail: str) -> None:
    s.event_log.append({"day": day, "date": str(s.world.dates[day]), "source": "regime",
                        "where": "EU / national", "what": f"{regime.replace('_', ' ')} regime {what}",
                        "detail": detail})


def install(s) -> None:
    if s.sc.regimes:
        runtime = RegimeRuntime(s)
        s.regimes = runtime
        s.extensions.append(runtime)
