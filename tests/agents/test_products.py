"""`agents.products`: sums of products that do not depend on the machine's BLAS threads."""

import subprocess
import sys
import textwrap

import numpy as np
import pytest

from agents.products import dot, whole_sums


def test_dot_and_whole_sums_by_hand():
    assert dot(np.array([2, 0, 3]), np.array([1.5, 9.0, 0.25])) == 3.75
    assert dot(np.zeros(0, np.int64), np.zeros(0)) == 0.0
    rows = np.array([[1, 2, 3], [4, 0, 6]])
    groups = np.array([[1, 0], [1, 1], [0, 1]])          # group 0: places 0 and 1; group 1: places 1 and 2
    got = whole_sums(rows, groups)
    assert got.dtype == np.int64 and got.tolist() == [[3, 5], [4, 6]]


def test_whole_sums_refuses_floats_which_would_call_blas():
    with pytest.raises(TypeError, match="integer arrays only"):
        whole_sums(np.ones((2, 3)), np.ones((3, 1), np.int64))


_PROBE = textwrap.dedent("""
    import hashlib
    import numpy as np
    from agents.products import dot, whole_sums
    rng = np.random.default_rng(7)
    a, b = rng.integers(0, 500, 60_000), rng.choice([30400 / 365, 69400 / 365, 150.0], 60_000)   # persons x EUR a night
    rows, groups = rng.integers(0, 500, (4, 60_000)), rng.integers(0, 2, (60_000, 22))
    print(dot(a, b).hex(), hashlib.sha256(whole_sums(rows, groups).tobytes()).hexdigest(), (a @ b).hex())
""")


def test_the_sums_are_the_same_bits_with_one_or_two_blas_threads():
    """OpenBLAS adds up a float dot product of more than 10,000 elements in another order with
    another number of threads (the last column: NumPy's `@`, which is why the day loop does not
    use it); `dot` and `whole_sums` do not depend on them."""
    out = {}
    for threads in ("1", "2"):
        env = {"OPENBLAS_NUM_THREADS": threads, "PATH": "/usr/bin:/bin"}
        out[threads] = subprocess.run([sys.executable, "-c", _PROBE], env=env, capture_output=True, text=True,
                                      check=True, timeout=120).stdout.split()
    assert out["1"][:2] == out["2"][:2]


_SPARSE_PRODUCTS = {"agents/municipalities.py", "model/network.py"}   # scipy.sparse @ vector: no BLAS


def test_the_rules_multiply_through_agents_products_only():
    """A float `@` or `np.dot` in the rules would bring BLAS, and its threads, back into the day
    loop: products go through `agents.products` (scipy.sparse's own `@` excepted)."""
    import ast
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    found = []
    for folder in ("agents", "model"):
        for f in sorted((root / folder).rglob("*.py")):
            rel = f.relative_to(root).as_posix()
            if rel == "agents/products.py":
                continue
            for node in ast.walk(ast.parse(f.read_text(encoding="utf-8"))):
                matmul = isinstance(node, ast.BinOp | ast.AugAssign) and isinstance(node.op, ast.MatMult)
                called = (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                          and node.func.attr in {"dot", "matmul", "inner", "vdot", "tensordot", "einsum"})
                if (matmul and rel not in _SPARSE_PRODUCTS) or called:
                    found.append(f"{rel}:{node.lineno}")
    assert found == []
