"""The run's parameters that may change while it runs.

A run's scenario (`State.sc`) is fixed from start to end. What scheduled events (`set`/`scale`),
the EU regimes' derogations and decisions taken during a run (`ReceptionModel.apply`) change is
held here instead, one typed section per scenario section that has a run-time parameter
(`model.scenario.RUNTIME_PREFIXES`, checked at load against the same ranges as the scenario's
fields). The rules read these sections from `State.params`; they start as copies of the
scenario's.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from model.scenario import Chain, Costs, Housing, Inflow, MunicipalBehaviour, Placement, Plan, Portfolio, Scenario


@dataclass
class RunParams:
    """The scenario sections the rules read while running, as they are today (see the module text)."""

    chain: Chain
    housing: Housing
    inflow: Inflow
    municipalities: MunicipalBehaviour
    plan: Plan
    costs: Costs
    placement: Placement
    portfolio: Portfolio

    @classmethod
    def of(cls, sc: Scenario) -> RunParams:
        """The scenario's values, copied (the scenario itself stays as it is)."""
        return cls(**{f.name: getattr(sc, f.name).model_copy(deep=True) for f in dataclasses.fields(cls)})

    def scenario_now(self, sc: Scenario) -> Scenario:
        """The scenario with today's values in these sections: what a decision is checked against
        (`model.scenario.check_decision`)."""
        return sc.model_copy(update={f.name: getattr(self, f.name) for f in dataclasses.fields(self)})
