"""The generative fuzzer of the inputs that are not scenario files (fuzz_other.py), a small seeded sweep:
every mutant is refused in one line naming the file (and the field it changed), or taken when it is
still valid; none ends in a traceback, another exit code, several lines, a file written, a hang, or
is taken although it is always invalid. A big sweep: `python -m tests.bad_inputs.fuzz_other --per-kind 100`.
"""

from __future__ import annotations

import dataclasses
import random

import pytest

from tests.bad_inputs import fuzz_other as fz

SEED = 20261206


@pytest.fixture(scope="module")
def swept():
    return fz.fuzz(per_kind=2, seed=SEED)


def test_no_mutant_of_any_input_is_a_finding(swept):
    findings = [f"{i.name}/{k}/{n}: {o.outcome}: {m.note[:120]} -> {o.detail[:300]}"
                for i, k, n, o, m in swept if o.outcome in fz.FINDINGS]
    assert not findings, "\n".join(findings)


def test_every_input_and_kind_is_fuzzed(swept):
    seen = {(i.name, k) for i, k, _n, _o, _m in swept}
    assert seen == {(i.name, k) for i in fz.INPUTS for k in fz.kinds_of(i)} - _never_applies(seen)
    refused = {i.name for i, _k, _n, o, _m in swept if o.outcome == "refused"}
    assert refused == {i.name for i in fz.INPUTS}      # each input's reader refuses, not only takes


def _never_applies(seen: set) -> set:
    """(input, kind) pairs whose mutation finds nothing to change in the valid file (no date or no list in it:
    a `calibrate --into` file is three lines of text)."""
    return {(i.name, k) for i in fz.INPUTS for k in ("date-order", "list-twice") if (i.name, k) not in seen}


def test_a_bom_and_crlf_change_nothing(swept):
    # a text file saved by Windows' Notepad is read as the same file (a store's manifest with a BOM ended in
    # a JSONDecodeError traceback in `analyze`)
    out = {(i.name, o.outcome) for i, k, _n, o, _m in swept if k in ("bom", "crlf") and i.fmt != "parquet"}
    assert {x for _n, x in out} == {"accepted"}, out


def test_the_classifier_sees_a_traceback_and_a_line_without_the_field(tmp_path):
    # the fuzzer itself: a reader ending in a TypeError is a traceback; a refusal that does not name the
    # field the mutant changed is vague, one that names it (in any case) refused
    from model.scenario import ScenarioError

    upload = next(i for i in fz.INPUTS if i.name == "upload-run")

    def refusing(_path):
        raise ScenarioError("run.json: decisions.0.day: must be a whole number (got 'x')")

    def broken(_path):
        raise TypeError("'NoneType' object is not subscriptable")

    m = fz.Mutant(b"{}", field="Day")
    assert fz.classify(dataclasses.replace(upload, api=refusing), "wrong-type", m, tmp_path).outcome == "refused"
    m = fz.Mutant(b"{}", field="seed")
    assert fz.classify(dataclasses.replace(upload, api=refusing), "wrong-type", m, tmp_path).outcome == "vague"
    assert fz.classify(dataclasses.replace(upload, api=broken), "wrong-type", m, tmp_path).outcome == "traceback"
    taken = fz.classify(dataclasses.replace(upload, api=lambda _p: None), "nan-inf", m, tmp_path)
    assert taken.outcome == "accepted-bad"


def test_a_case_is_reproduced_by_its_input_kind_and_number():
    inp = fz.INPUTS[0]
    raw = fz.DESIGN.encode()
    a = fz.mutate(random.Random(f"{SEED}/{inp.name}/wrong-type/3"), inp, raw, "wrong-type")
    b = fz.mutate(random.Random(f"{SEED}/{inp.name}/wrong-type/3"), inp, raw, "wrong-type")
    assert a == b and a is not None and a.content != raw


def test_a_snapshot_taken_with_its_bytes_changed_is_a_finding_unless_its_members_read_as_saved(tmp_path):
    # seed 21 took a snapshot with a byte flipped (round CL5); it was read by hand then: the flip was in a ZIP
    # field no reader reads. The classifier now checks it: a flip or a cut taken although the members no longer
    # read as saved is `accepted-bad`; one in such a field is `accepted`
    upload = next(i for i in fz.INPUTS if i.name == "upload-run")
    taking = dataclasses.replace(upload, api=lambda _p: None)
    assert fz.classify(taking, "byte-flips", fz.Mutant(b"PK", same_parts=False), tmp_path).outcome == "accepted-bad"
    assert fz.classify(taking, "truncated", fz.Mutant(b"PK", same_parts=False), tmp_path).outcome == "accepted-bad"
    assert fz.classify(taking, "byte-flips", fz.Mutant(b"PK", same_parts=True), tmp_path).outcome == "accepted"
    saved = fz._zip({"header.json": b"{}", "state.json": b"[]"})
    at = saved.index(b"[]")         # state.json's bytes: its CRC-32 fails
    assert not fz._same_parts(saved, saved[:at] + b"{}" + saved[at + 2:])
    at = 10                         # the first local header's modification time: never read
    assert fz._same_parts(saved, saved[:at] + bytes([saved[at] ^ 0xF8]) + saved[at + 1:])
