"""One check shared by the tests that two runs must be the same: batch vs alone, restored vs unbroken."""

import numpy as np


def same_results(a, b) -> None:
    """Everything a user can see of two runs' Results is the same, bit for bit: daily figures, every
    household, every location, the move log and the event log."""
    assert a.daily.identical(b.daily)
    n = a.people.n
    assert n == b.people.n
    for k in a.people._h:
        assert np.array_equal(a.people._h[k][:n], b.people._h[k][:n]), k
    for k in ("kind", "life", "capacity", "extra", "occupancy", "children", "contract_end"):
        assert np.array_equal(getattr(a.locations, k), getattr(b.locations, k)), k
    for k in ("household", "origin", "destination", "reason", "day"):
        assert np.array_equal(getattr(a.moves_log, k), getattr(b.moves_log, k)), k
    assert a.events == b.events
