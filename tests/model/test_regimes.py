import datetime as dt

import numpy as np

from model.mesa_model import ReceptionModel
from model.scenario import Regime, load_scenario


def _with_regime(**kw):
    sc = load_scenario("baseline").model_copy(deep=True)
    sc.regimes = [Regime(type="force_majeure", **kw)]
    return sc


def test_regime_starts_after_the_authorisation_delay_and_expires_restoring_parameters():
    sc = _with_regime(requested=dt.date(2025, 7, 6), authorisation_delay_days=4, duration_days=10,
                      max_extensions=0, derogations={"chain.registration_deadline_days": 28,
                                                     "chain.registration_priority": 1})
    m = ReceptionModel(sc, days=30)
    seen, loaded = [], m.state.sc.model_dump()
    while m.running:
        m.step()
        chain = m.state.params.chain
        seen.append((chain.registration_deadline_days, bool(chain.registration_priority)))
        if m.state.day == 12:   # in force: the rules read the derogation, the scenario stays as loaded
            assert m.state.sc.model_dump() == loaded and m.state.sc.chain.registration_deadline_days == 5
    regime = m.results().daily["regime"].values
    # requested on day 5, authorised on day 9, in force days 9..18, expired on day 19
    assert list(np.flatnonzero(regime == "force_majeure")) == list(range(9, 19))
    assert seen[8] == (5, False) and seen[9] == (28, True) and seen[18] == (28, True) and seen[19] == (5, False)
    whats = [e["what"] for e in m.state.event_log if e["source"] == "regime"]
    assert whats == ["force majeure regime requested", "force majeure regime authorised and in force",
                     "force majeure regime expired"]


def test_overlapping_regimes_on_one_path_end_in_either_order_with_the_value_from_before_both():
    """Crisis (28 days to register) in force days 9-98, instrumentalisation (40) days 29-118, on the
    same path; the baseline's 5 before. The later one's value holds while both are in force; when
    the crisis ends (day 99) the instrumentalisation keeps its 40, and when that ends (day 119) the 5
    comes back. Before, each restored what it found: day 99 gave 5 under the instrumentalisation
    regime, and day 119 brought back the crisis's 28 after both had ended. Then the other order."""
    path = "chain.registration_deadline_days"
    for first_ends_first in (True, False):
        sc = load_scenario("baseline").model_copy(deep=True)
        sc.regimes = [Regime(type="crisis", requested=dt.date(2025, 7, 10), authorisation_delay_days=0,
                             duration_days=90 if first_ends_first else 130, max_extensions=0,
                             derogations={path: 28}),
                      Regime(type="instrumentalisation", requested=dt.date(2025, 7, 30), authorisation_delay_days=0,
                             duration_days=90, max_extensions=0, derogations={path: 40})]
        m = ReceptionModel(sc, days=150)
        seen = []
        while m.running:
            m.step()
            seen.append(m.state.params.chain.registration_deadline_days)
        if first_ends_first:        # crisis days 9..98, instrumentalisation 29..118
            expected = [5] * 9 + [28] * 20 + [40] * 90 + [5] * 31
        else:                       # crisis days 9..138 (ends last), instrumentalisation 29..118
            expected = [5] * 9 + [28] * 20 + [40] * 90 + [28] * 20 + [5] * 11
        assert seen == expected, first_ends_first


def test_regime_is_extended_while_the_plan_stays_high():
    sc = _with_regime(requested=dt.date(2025, 7, 1), authorisation_delay_days=0, duration_days=5,
                      max_extensions=2, extend_while_phase_at_least=0)
    m = ReceptionModel(sc, days=40)
    while m.running:
        m.step()
    regime = m.results().daily["regime"].values
    assert (regime[:15] == "force_majeure").all() and (regime[15:] == "").all()   # 5 + 2 x 5 days


def test_registration_priority_serves_families_and_minors_first():
    from agents.applicants import Flag, Stage, Track
    from agents.queues import FifoQueue
    from model.rulebook import serve, serve_priority
    from model.simulate import prepare

    s = prepare("baseline", days=5)
    ids = s.people.add(size=np.array([1, 2, 1, 1]), children=np.array([0, 1, 0, 0]),
                       key=np.arange(4, dtype=np.uint64), group=np.zeros(4), track=np.full(4, Track.REGULAR),
                       flags=np.array([0, 0, Flag.VULNERABLE, 0], np.uint8), stage=Stage.WAITING, day=0)
    q = FifoQueue()
    q.push(ids)
    # three persons of capacity: the family (2) and the vulnerable single (1) go first
    served = serve_priority(s, q, "test", 3, lambda w: np.ones(len(w), bool))
    assert list(served) == [ids[1], ids[2]]
    assert list(q.peek()) == [ids[0], ids[3]]
    q2 = FifoQueue()
    q2.push(ids)
    assert list(serve(s, q2, "test2", 3, lambda w: np.ones(len(w), bool))) == [ids[0], ids[1]]  # plain FIFO
