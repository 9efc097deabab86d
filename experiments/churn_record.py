"""Relocation churn against the published record (docs/validation.md, "Relocation churn").

The fit is direct and simple: each churn parameter is read off the record it stands for
(`model/data/nl/relocation_moves_nl.csv`, `emergency_contracts_nl.csv`), and the model is then
checked, out of sample, against the figures the fit did not use.

* `own_request_rate_2012()` — own-request moves per household-year (children in families, 2012),
  and the moves that were a consequence of the procedure per child-year (not fitted: checked);
* `emergency_contract_terms()` — the usual first term of an emergency location and the share of
  short contracts extended at their first end;
* `validation_rows(seeds)` — model vs record: the hindcast of 2014-2017 against 2012 and the
  2017-2018 survey, the baseline (2025-2027) against the 2022-2025 reports.

    .venv/bin/python -m experiments.churn_record --seeds 10
"""

from __future__ import annotations

import datetime as dt
from collections import Counter

import numpy as np

from agents.locations import TEMPORARY_KINDS, Kind
from model import data
from model.relocation import REQUEST_KIND
from model.results import Results
from model.simulate import simulate


def own_request_rate_2012(country: str = "nl") -> dict[str, float]:
    """Moves per child-year in 2012 (COA's registration, procedural moves excluded) and the part
    on the family's own request: the own-request rate per household-year (a household's children
    move with it, so the rate per child-year is the rate per household)."""
    record = data.relocation_record(country)
    in_families = [record[(d, "minors_in_reception")] - record[(d, "amv_in_reception")]
                   for d in ("2011-12-31", "2012-12-31")]
    child_years = float(np.mean(in_families))        # minors in families at the start and end of 2012
    per_child_year = record[("2012", "moves_registered")] / child_years
    return {"child_years": child_years, "moves_per_child_year_excl_procedure": per_child_year,
            "own_request_per_year": record[("2012", "share_own_request")] * per_child_year,
            "procedure_consequence_per_child_year": record[("2012", "share_procedure")] * per_child_year}


def emergency_contract_terms(country: str = "nl") -> dict[str, float]:
    """From the news record of short contracts: the most common first term (days), the median
    first term, and the share extended at their first end among those with a known outcome."""
    rows = data.emergency_contracts(country)
    terms = [int(r["first_term_days"]) for r in rows if r["first_term_days"]]
    outcome = Counter(r["outcome_at_first_end"] for r in rows if r["outcome_at_first_end"])
    return {"first_term_mode_days": float(Counter(terms).most_common(1)[0][0]),
            "first_term_median_days": float(np.median(terms)), "terms_known": float(len(terms)),
            "extended_share": outcome["extended"] / (outcome["extended"] + outcome["ended"]),
            "outcomes_known": float(outcome["extended"] + outcome["ended"])}


def _year(res: Results, year: int) -> tuple[int, int]:
    start = res.scenario.start_date
    return (dt.date(year, 1, 1) - start).days, (dt.date(year + 1, 1, 1) - start).days


def model_figures(hindcast: Results, baseline: Results) -> dict[str, float]:
    """The model's side of each comparison, for one seed of each scenario."""
    out = {}
    y14 = _year(hindcast, 2014)
    at_azc = hindcast.churn(period=y14, kinds=(REQUEST_KIND,))
    out["own_request_per_child_year_2014_in_azc"] = at_azc["children_moves_per_year_own_request"]
    ch = hindcast.churn(period=y14)
    out["children_excl_procedure_2014"] = ch["children_moves_per_year"] - ch["children_moves_per_year_procedure_step"]
    out["children_family_location_2014"] = ch["children_moves_per_year_family_location"]
    survey_day = _year(hindcast, 2017)[1] - 1                     # 31 December 2017, the end of the hindcast
    kids = hindcast.moves_before(survey_day, children_only=True)
    out["children_moves_past_year_2017"] = float(kids.mean())
    out["children_moves_past_year_2017_max"] = float(kids.max())
    out["children_moves_past_year_2017_share_3plus"] = float(np.mean(kids >= 3))
    one_year = 364                                                 # 30 June 2026, a year into the baseline
    kids = baseline.moves_before(one_year, children_only=True)
    out["children_moves_past_year_2026"] = float(kids.mean())
    out["children_moves_past_year_2026_max"] = float(kids.max())
    out["children_moves_past_year_2026_share_3plus"] = float(np.mean(kids >= 3))
    b = baseline.churn()
    out["baseline_children_moves_per_year"] = b["children_moves_per_year"]
    out["baseline_moves_per_person_year"] = b["moves_per_person_year"]
    out["baseline_in_temporary"] = baseline.churn(kinds=TEMPORARY_KINDS)["moves_per_person_year"]
    stay = (Kind.PROCESS, Kind.REGULAR, Kind.MINORS, Kind.ACCELERATED)
    out["baseline_in_regular_kinds"] = baseline.churn(kinds=stay)["moves_per_person_year"]
    return out


def validation_rows(seeds: list[int]) -> dict[str, tuple[float, float, float]]:
    """Model figures over `seeds`: name -> (mean, min, max)."""
    runs = [model_figures(simulate("hindcast-2015", seed=s), simulate("baseline", seed=s)) for s in seeds]
    return {k: (float(np.mean([r[k] for r in runs])), float(min(r[k] for r in runs)), float(max(r[k] for r in runs)))
            for k in runs[0]}


def main(argv: list[str] | None = None) -> None:
    from experiments.cli import RUNS, Parser   # the CLI's reading of a count: one line and exit code 2

    ap = Parser(prog="python -m experiments.churn_record", description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=RUNS, default=10, help="seeds 1..N of each run (default: 10)")
    args = ap.parse_args(argv)
    print("own-request fit (2012):", own_request_rate_2012())
    print("emergency contracts:", emergency_contract_terms())
    for k, (mean, lo, hi) in validation_rows(list(range(1, args.seeds + 1))).items():
        print(f"{k:48s} {mean:8.3f}  [{lo:.3f}, {hi:.3f}]")


if __name__ == "__main__":
    main()
