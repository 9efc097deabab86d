"""The generative fuzzer (fuzz.py), a small seeded sweep: every mutation of a built-in scenario is
refused in one line naming its field, or accepted and runs 3 days cleanly. A big sweep:
`python -m tests.bad_inputs.fuzz --n 5000 --seed S` (docs/input-contract.md)."""

from __future__ import annotations

import collections

import pytest

from tests.bad_inputs.fuzz import FINDINGS, KINDS, mutations, sweep, table

N, SEED = 150, 20261206


@pytest.fixture(scope="module")
def results():
    return sweep(N, SEED)


def test_the_fuzzer_finds_nothing(results):
    findings = [f"{r.outcome} {r.mutation.id}: {r.message}" for r in results if r.outcome in FINDINGS]
    assert not findings, table(results) + "\n" + "\n".join(findings)


def test_the_sweep_tries_every_kind_and_mostly_refuses(results):
    by = collections.Counter(r.mutation.kind for r in results)
    assert set(by) == set(KINDS) and min(by.values()) >= 8, by
    outcomes = collections.Counter(r.outcome for r in results)
    assert outcomes["refused"] >= N // 2 and outcomes["skipped"] <= N // 10, outcomes


def test_the_same_seed_makes_the_same_mutations():
    a, b, c = mutations(40, 3), mutations(40, 3), mutations(40, 4)
    assert [m.files for m in a] == [m.files for m in b] and [m.id for m in a] != [m.id for m in c]
