"""Planner-facing names: English, with the Dutch term in brackets where planners know it."""

from __future__ import annotations

from experiments.kinds import KIND_WORDS

# the location kinds' words (`experiments.kinds`, the one source: the exercise's log and report say the same),
# capitalised for the page
KIND_LABELS = {kind: words[:1].upper() + words[1:] for kind, words in KIND_WORDS.items()}

STAGE_LABELS = {
    "waiting": "Waiting to register (aanmelding)",
    "screening": "Registration & screening",
    "procedure": "In procedure (IND)",
    "appeal": "Appeal pending (beroep)",
    "permit": "Permit holders (vergunninghouders)",
    "rejected": "Rejected (vertrekplichtig)",
    "dublin": "Dublin claimant (claim, overdrachtsbesluit, transfer)",
    "housed": "Housed by a municipality",
    "departed": "Departed",
    "transferred": "Transferred (Dublin)",
}

DEFAULT_PHASES = {
    0: "normal",
    1: "raised occupancy (bezettingsgraad omhoog)",
    2: "reserve capacity (reservecapaciteit)",
    3: "emergency reception (noodopvang)",
    4: "crisis emergency reception (crisisnoodopvang)",
}

REASON_LABELS = {
    "intake": "intake (first bed / bed after a night without)",
    "procedure_step": "procedure step",
    "location_closing": "location closing",
    "capacity_balancing": "capacity balancing",
    "emergency_to_regular": "emergency → regular place",
    "family_reunion": "family reunion",
    "exit": "left reception",
    "own_request": "own request",
    "contract_end": "contract ended",
    "family_location": "to a family location after a final rejection (gezinslocatie)",
}

TRACK_LABELS = {
    "regular": "regular procedure",
    "accelerated": "accelerated procedure (versnelde procedure)",
    "border": "border procedure (asielgrensprocedure)",
    "dublin": "Dublin",
    "family": "family reunification (nareiziger)",
}

# the decisions a table takes in the exercise room (experiments.exercise.roles.DECISIONS), as its form offers them
DECISION_LABELS = {
    "open_places": "Open places",
    "close_places": "Close places",
    "raise_occupancy": "Raise occupancy (bezettingsgraad omhoog)",
    "request_places": "Request places of a province (its municipalities, or its safety region for crisis places)",
    "answer_request": "Answer a request for places",
    "request_regime": "Request a regime",
    "reprioritise": "Move IND decisions a day from one track to another",
}

# the regimes a table may ask for (model.scenario.RegimeName), with the Dutch term
REGIME_LABELS = {
    "crisis": "crisis",
    "instrumentalisation": "instrumentalisation of migrants (instrumentalisering)",
    "force_majeure": "force majeure (overmacht)",
}

# Map colourings: key -> (label, unit)
MAP_METRICS = {
    "occupancy": ("Occupancy (bezettingsgraad)", "persons per usable place (1 = full)"),
    "load": ("Load against the Spreidingswet key", "persons hosted ÷ Spreidingswet target places (1 = its share)"),
    "housing": ("Housing backlog (huisvestingstaakstelling)", "permit holders not yet housed per 10,000 inhabitants"),
    "phase": ("Plan phase (noodplan)", "0 normal · 1 raised · 2 reserve · 3 emergency · 4 crisis"),
    "delivered": ("Places delivered by the plan", "places opened by its requests per 10,000 inhabitants"),
}
MAP_LEVELS = {"municipalities": "per municipality", "provinces": "per province",
              "safety regions": "per safety region (veiligheidsregio)"}


def phase_names(scenario) -> dict[int, str]:
    """Phase number -> name, from the scenario's plan where it names them."""
    names = dict(DEFAULT_PHASES)
    plan = getattr(scenario, "plan", None)
    for i, ph in enumerate(getattr(plan, "phases", []) or [], start=1):
        dutch = getattr(ph, "dutch", "")
        names[i] = f"{ph.name} ({dutch})" if dutch else ph.name
    return names


# Days. Every day the dashboard names is a day index as the model, daily.csv and the decision log
# count them: day 0 is the scenario's first date; after n days simulated the figures on screen are
# those of the end of day n - 1, and a decision taken now acts before day n (logged as day n).

def run_position(days: int, horizon: int, dates) -> str:
    """Where a run stands: 'End of day 7 (2025-01-08) · 8 of 730 days simulated' (at the start:
    'Start, before day 0 (2025-01-01) · 0 of 730 days simulated'). `dates`: the run's dates."""
    if days <= 0:
        return f"Start, before day 0 ({dates[0]}) · 0 of {horizon:,} days simulated"
    return f"End of day {days - 1:,} ({dates[days - 1]}) · {days:,} of {horizon:,} days simulated"


def short_position(days: int, horizon: int, dates) -> str:
    """The same, short (the map's subtitle): '2025-01-08, end of day 7 (8 of 730 days)'."""
    if days <= 0:
        return f"{dates[0]}, before day 0 (0 of {horizon:,} days)"
    return f"{dates[days - 1]}, end of day {days - 1:,} ({days:,} of {horizon:,} days)"


def days_simulated(days: int) -> str:
    """'8 days simulated' (a saved run's length)."""
    return f"{days:,} day{'' if days == 1 else 's'} simulated"


def days_in_position(text: str) -> int:
    """The days simulated named by `run_position`'s text (the bench and the tests read the header)."""
    import re

    m = re.search(r"([\d,]+) of [\d,]+ days simulated", text)
    if m is None:
        raise ValueError(f"not a run position: {text!r}")
    return int(m.group(1).replace(",", ""))
