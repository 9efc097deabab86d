"""The IND's queue a record start keeps in procedure (`experiments.forecast.origins.ind_queue`),
worked out by hand: a small monthly series, and the record known on 1 July 2017."""

import datetime as dt

import numpy as np
import pytest

from agents.applicants import Stage
from experiments.forecast.origins import from_record, ind_queue, record_scenario
from experiments.forecast.record import RecordAsOf
from model.scenario import load_scenario

D = dt.date


def test_the_queue_by_hand_on_a_small_series():
    # 2000 (a leap year) holds 366 first applications: in 2001 the IND decides 1 a day. January
    # 2001 brings 62 (2 a day), nothing after: the queue grows by 1 a day to 31 on 31 January, falls
    # by 1 a day to 3 on 28 February and is empty from 3 March.
    first = {(2000, m): 366 / 12 for m in range(1, 13)}
    first |= {(2001, m): (62.0 if m == 1 else 0.0) for m in range(1, 13)}
    assert ind_queue(first, D(2001, 1, 10)) == pytest.approx(10)
    assert ind_queue(first, D(2001, 1, 31)) == pytest.approx(31)
    assert ind_queue(first, D(2001, 2, 28)) == pytest.approx(3)
    assert ind_queue(first, D(2001, 12, 31)) == 0
    # no whole year before the end's: no queue to compute (the start keeps everyone in procedure)
    assert ind_queue({(2001, 1): 5.0}, D(2001, 1, 10)) is None
    assert ind_queue(first, D(2000, 6, 30)) is None
    assert ind_queue({k: v for k, v in first.items() if k != (2001, 2)}, D(2001, 3, 1)) is None   # a month missing


def test_the_queue_on_the_record_known_on_1_july_2017():
    # first applications a year (the record known then): 2012 9,810 (leap), 2013 14,399, 2014 24,000,
    # 2015 43,095, 2016 18,171 (leap; published by the rule on 25 January 2017). The queue never empties,
    # so at the end of 2016 it is the arrivals of 2013-2016 minus the budgets: 2013 9,810 x 365/366,
    # 2014 14,399, 2015 24,000, 2016 43,095 x 366/365. The start is the last count by then, 31 December 2016.
    rec = RecordAsOf(D(2017, 7, 1))
    want = (14399 + 24000 + 43095 + 18171) - (9810 * 365 / 366 + 14399 + 24000 + 43095 * 366 / 365)
    assert want == pytest.approx(8269.7, abs=0.1)
    assert ind_queue(rec.monthly_inflow("first"), D(2016, 12, 31)) == pytest.approx(want, abs=1e-6)
    base = load_scenario("hindcast-2015")
    sc, said = record_scenario(base, rec, D(2018, 1, 1), stock="queue")
    assert sc.start_date == D(2016, 12, 31)
    assert sc.initial.procedure_persons == 8270 and "8,270 persons in the IND's queue" in said
    sc, _ = record_scenario(base, rec, D(2018, 1, 1))       # the default: everyone in procedure waits
    assert sc.initial.procedure_persons is None
    with pytest.raises(ValueError, match="stock: 'x'"):
        record_scenario(base, rec, D(2018, 1, 1), stock="x")
    # On 1 January 2017 neither the 2016 total nor December 2016 (published 17 January 2018) is
    # known: the months end with November 2016, the queue on 31 December cannot be computed and the
    # start keeps everyone in procedure, as the default does.
    early = RecordAsOf(D(2017, 1, 1))
    assert max(early.monthly_inflow("first")) == (2016, 11)
    assert ind_queue(early.monthly_inflow("first"), D(2016, 12, 31)) is None
    assert record_scenario(base, early, D(2018, 1, 1), stock="queue")[0].initial.procedure_persons is None


def test_a_record_start_seeds_only_the_queue_in_procedure():
    # From 1 July 2018 (2017's total, 14,716, published 17 January 2018; the start is the count of
    # 31 December 2017): the 8,269.7 of 31 December 2016 (test above) + 2017's arrivals 14,716 - the
    # budget of 2016's 18,171 over its 366 days for 365 days = 4,864.4, in the queue all year long.
    want = 8269.73 + 14716 - 18171 * 365 / 366
    assert round(want) == 4864
    o = from_record(D(2018, 7, 1), 1, stock="queue")
    s = o.start.member(o.world, np.random.SeedSequence(1))
    assert o.scenario.start_date == D(2017, 12, 31) and o.scenario.initial.procedure_persons == 4864
    # the IND's lines hold the queue but its Dublin claimants, whose claims went out within the time
    # limits (model.start._dublin_within_time_limits): they wait for the other member state's answer
    h, n = s.people.cols, s.people.n
    claimed = int(h["size"][:n][h["stage"][:n] == Stage.DUBLIN].sum())
    assert claimed > 0
    assert 4864 - 10 < s.procedure_persons.sum() + claimed <= 4864
    # on 1 January 2018 the months after July 2017 were not known yet: no queue, everyone in procedure
    assert from_record(D(2018, 1, 1), 1, stock="queue").scenario.initial.procedure_persons is None


def test_the_flows_of_a_backtest_start_balance_the_stock():
    from experiments.forecast.flows import flows

    # from 1 January 2018 (start: the count of 21,044 on 31 December 2017), one member, one month:
    # persons at the end = at the start + arrivals - housed - departed - transferred, exactly
    f = flows(D(2018, 1, 1), months=1, members=1).iloc[0]
    assert f.population_end == f.population_start + f.arrivals - f.exits_housed - f.exits_departed - \
        f.exits_transferred
    assert f.exits_departed == f.departed_independent + f.departed_forced + f.departed_unsupervised
    assert f.permits + f.rejections <= f.decisions          # Dublin claims sent count as decisions too
    assert abs(f.population_start - 21044) < 200
