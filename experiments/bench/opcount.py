"""Count the NumPy operations the model makes through operators and indexing, exactly.

`sys.monitoring` CALL events see NumPy *calls* (`np.where`, `a.cumsum()`, `np.add.at` …) but not
array operators and indexing (`a + b`, `a < b`, `~m`, `a[idx]`, `a[idx] = v`, `a[i] += v`), which
are as much NumPy work. To count those, the model's modules (every ``.py`` under ``agents/`` and
``model/``) are loaded from a rewritten syntax tree in which every

* binary operator, unary ``-``/``+``/``~`` and comparison (``in`` and ``not in`` included,
  ``is``/``is not`` and ``not`` excluded: they are no NumPy work),
* subscript load ``c[i]`` and subscript store ``c[i] = v`` (also inside multiple and tuple
  targets: ``x = c[i] = v``, ``c[i], d[j] = …``),
* augmented assignment on a name, an attribute or a subscript (``h[f][ids] += spell``: the
  container and the index are evaluated once, as Python does),

is a call of a small helper below that performs exactly the same operation, in the same order of
evaluation, and counts it **when an operand, or the subscripted container, is a
``numpy.ndarray``** (subclasses included). Python ``int``/``float`` arithmetic, list and dict
indexing are never counted; operations on NumPy *scalars* only (``np.int64(3) + 1``, the
``counts[k] + 1`` that follows an element read) are counted apart as ``scalar_op`` and are not
part of the NumPy operations of a day. Chained comparisons (``0 <= i < n``) are rewritten as
``(a op b) and (b op c)`` with ``b`` evaluated once and ``c`` only when needed (exactly Python's
rule); a chain directly in a class body, or whose later operands hold ``:=``, ``yield``, ``await``
or ``super``, is left as it was (its operands are still rewritten) and is not counted.
Annotations are never rewritten. Line numbers are kept, so tracebacks and the CALL count's
file test are unchanged.

Categories (one counter each):

=================  ==========================================================================
``operator``       an operator or comparison with an ndarray operand (``a + b``, ``a < 3``,
                   ``~m``, ``x in arr``; an in-place ``a += b`` is one)
``gather``         ``a[idx]`` with an advanced index (integer array, list, boolean mask)
``view``           ``a[lo:hi]``, ``a[:, 0]``, ``a["field"]``: basic indexing giving an array (a view)
``element``        ``a[k]``, ``a[i, j]``: basic indexing giving one element (a NumPy scalar)
``scatter``        ``a[idx] = v`` with an advanced index
``slice_store``    ``a[lo:hi] = v`` (basic index, several elements)
``element_store``  ``a[k] = v`` (one element)
``scalar_op``      an operator on NumPy scalars, no ndarray involved (reported apart, not an
                   array operation)
=================  ==========================================================================

So ``h[f][ids] += spell`` with ``h`` a dict of arrays counts a gather, an operator and a scatter
(what NumPy does); ``counts[k] += 1`` on an int64 array counts an element read, a scalar op and
an element store.

The rewritten modules must never be imported by a process that times anything: `child()` runs in
a fresh subprocess (`run_counting_child`), installs the import hook before anything imports the
model, runs the days and prints one JSON line with the counts per day and digests of the recorder's
arrays, which the caller compares with a normal run (the counting run must be bit-identical).
This module imports nothing from the model at import time.
"""

from __future__ import annotations

import ast
import builtins
import hashlib
import importlib.abc
import importlib.machinery
import json
import os
import subprocess
import sys
import tempfile
import time
import types
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np

if TYPE_CHECKING:      # never at run time: this module must not import the model (see above)
    from model.metrics import Recorder
    from model.scenario import Scenario
    from model.state import State

ROOT = Path(__file__).resolve().parents[2]
MODEL_DIRS = tuple(str(ROOT / d) + os.sep for d in ("agents", "model"))

CATEGORIES = ("operator", "gather", "view", "element", "scatter", "slice_store", "element_store", "scalar_op")
OPERATOR, GATHER, VIEW, ELEMENT, SCATTER, SLICE_STORE, ELEMENT_STORE, SCALAR_OP = range(len(CATEGORIES))
ARRAY_CATEGORIES = CATEGORIES[:SCALAR_OP]        # what counts as a NumPy operation of the day

counts = [0] * len(CATEGORIES)                   # the running counters (reset by the caller)


def reset() -> None:
    counts[:] = [0] * len(CATEGORIES)


def snapshot() -> dict[str, int]:
    return dict(zip(CATEGORIES, counts))


# --- the helpers the rewritten code calls --------------------------------------------------------

_ND = np.ndarray
_GEN = np.generic
slice_ = builtins.slice

_BINARY = {"add": "+", "sub": "-", "mul": "*", "matmul": "@", "truediv": "/", "floordiv": "//",
           "mod": "%", "pow": "**", "lshift": "<<", "rshift": ">>", "or_": "|", "xor": "^", "and_": "&"}
_COMPARE = {"eq": "==", "ne": "!=", "lt": "<", "le": "<=", "gt": ">", "ge": ">="}
_UNARY = {"neg": "-", "pos": "+", "invert": "~"}

# Generated from templates so that every helper is the bare operation plus a type test (the
# counting run stays a few times slower than the normal one, not tens of times).
_TEMPLATES = []
for _name, _sym in {**_BINARY, **_COMPARE}.items():
    _TEMPLATES.append(f"""
def {_name}(a, b, _nd=_ND, _gen=_GEN, _c=counts):
    r = a {_sym} b
    if isinstance(a, _nd) or isinstance(b, _nd):
        _c[{OPERATOR}] += 1
    elif isinstance(a, _gen) or isinstance(b, _gen):
        _c[{SCALAR_OP}] += 1
    return r
""")
for _name, _sym in _BINARY.items():
    _TEMPLATES.append(f"""
def i{_name.rstrip('_')}(a, b, _nd=_ND, _gen=_GEN, _c=counts):
    k = {OPERATOR} if isinstance(a, _nd) or isinstance(b, _nd) else (
        {SCALAR_OP} if isinstance(a, _gen) or isinstance(b, _gen) else -1)
    a {_sym}= b
    if k >= 0:
        _c[k] += 1
    return a
""")
for _name, _sym in _UNARY.items():
    _TEMPLATES.append(f"""
def {_name}(a, _nd=_ND, _gen=_GEN, _c=counts):
    r = {_sym}a
    if isinstance(a, _nd):
        _c[{OPERATOR}] += 1
    elif isinstance(a, _gen):
        _c[{SCALAR_OP}] += 1
    return r
""")
exec("".join(_TEMPLATES))
del _name, _sym, _TEMPLATES


def in_(a, b, _nd=_ND, _c=counts):
    r = a in b
    if isinstance(b, _nd):
        _c[OPERATOR] += 1
    return r


def not_in(a, b, _nd=_ND, _c=counts):
    r = a not in b
    if isinstance(b, _nd):
        _c[OPERATOR] += 1
    return r


def is_(a, b):
    return a is b


def is_not(a, b):
    return a is not b


def _advanced(i) -> bool:
    """Is `i` (a subscript) an advanced index? Integers, slices, field names, ``...`` and
    ``None`` are basic; anything else (arrays, lists, booleans) is advanced."""
    t = type(i)
    if t is int or t is slice_ or t is str or i is None or i is Ellipsis:
        return False
    if t is tuple:
        return any(_advanced(e) for e in i)
    return not isinstance(i, np.integer)


def getitem(c, i, _nd=_ND, _c=counts):
    r = c[i]
    if isinstance(c, _nd):
        _c[GATHER if _advanced(i) else (VIEW if isinstance(r, _nd) else ELEMENT)] += 1
    return r


def _integer(i) -> bool:
    return type(i) is int or isinstance(i, np.integer)


def store(v, c, i, _nd=_ND, _c=counts):
    """``c[i] = v`` (arguments in Python's order of evaluation: value, container, index)."""
    c[i] = v
    if isinstance(c, _nd):
        if _advanced(i):
            _c[SCATTER] += 1
        elif (c.ndim == 1 and _integer(i)) or (type(i) is tuple and len(i) == c.ndim and all(map(_integer, i))):
            _c[ELEMENT_STORE] += 1
        else:
            _c[SLICE_STORE] += 1


def chain(a, b, ops, *rest):
    """``a op0 b op1 c …``: ``(a op0 b) and (b op1 c) and …``, each operand evaluated once and
    only when needed (`rest` are thunks of the operands after `b`)."""
    r = _CMP[ops[0]](a, b)
    for op, thunk in zip(ops[1:], rest):
        if not r:
            return r
        a, b = b, thunk()
        r = _CMP[op](a, b)
    return r


_CMP = {name: globals()[name] for name in (*_COMPARE, "in_", "not_in", "is_", "is_not")}


# --- the rewriter ----------------------------------------------------------------------------------

_BIN_OF = {ast.Add: "add", ast.Sub: "sub", ast.Mult: "mul", ast.MatMult: "matmul", ast.Div: "truediv",
           ast.FloorDiv: "floordiv", ast.Mod: "mod", ast.Pow: "pow", ast.LShift: "lshift",
           ast.RShift: "rshift", ast.BitOr: "or_", ast.BitXor: "xor", ast.BitAnd: "and_"}
_UNARY_OF = {ast.USub: "neg", ast.UAdd: "pos", ast.Invert: "invert"}
_CMP_OF = {ast.Eq: "eq", ast.NotEq: "ne", ast.Lt: "lt", ast.LtE: "le", ast.Gt: "gt", ast.GtE: "ge",
           ast.In: "in_", ast.NotIn: "not_in", ast.Is: "is_", ast.IsNot: "is_not"}
HELPERS = "__opc__"     # the name the rewritten module sees this module under


def _load(name: str) -> ast.Name:
    return ast.Name(name, ast.Load())


def _has_subscript(target: ast.expr) -> bool:
    return any(isinstance(n, ast.Subscript) for n in ast.walk(target))


class Instrument(ast.NodeTransformer):
    """Rewrite operators, comparisons, subscripts and augmented assignments into helper calls
    (see the module's docstring). `chains_left` counts chained comparisons left as they were."""

    def __init__(self) -> None:
        self._tmp_n = 0
        self._scope = ["module"]
        self.chains_left = 0

    # helpers
    def _call(self, helper: str, args: list[ast.expr], like: ast.AST) -> ast.Call:
        return ast.copy_location(ast.Call(ast.Attribute(_load(HELPERS), helper, ast.Load()), args, []), like)

    def _tmp(self) -> str:
        self._tmp_n += 1
        return f"_opc_t{self._tmp_n}"

    def _index(self, s: ast.expr) -> ast.expr:
        """A subscript's index as an expression: ``lo:hi:st`` -> ``slice(lo, hi, st)``."""
        if isinstance(s, ast.Slice):
            none = ast.Constant(None)
            return ast.copy_location(ast.Call(ast.Attribute(_load(HELPERS), "slice_", ast.Load()),
                                              [s.lower or none, s.upper or none, s.step or none], []), s)
        if isinstance(s, ast.Tuple) and any(isinstance(e, ast.Slice) for e in s.elts):
            return ast.copy_location(ast.Tuple([self._index(e) for e in s.elts], ast.Load()), s)
        return s

    def _stmts(self, stmts: list[ast.stmt], like: ast.AST, temps: list[str]) -> list[ast.stmt]:
        if temps:
            stmts.append(ast.Delete([ast.Name(t, ast.Del()) for t in temps]))
        return [ast.copy_location(s, like) for s in stmts]

    # scopes; annotations are never rewritten (with postponed evaluation they become strings)
    def _visit_args(self, args: ast.arguments) -> None:
        args.defaults = [self.visit(d) for d in args.defaults]
        args.kw_defaults = [self.visit(d) if d is not None else None for d in args.kw_defaults]

    def visit_FunctionDef(self, node):
        node.decorator_list = [self.visit(d) for d in node.decorator_list]
        self._visit_args(node.args)
        self._scope.append("function")
        node.body = self._body(node.body)
        self._scope.pop()
        return node

    visit_AsyncFunctionDef = visit_FunctionDef

    def visit_Lambda(self, node):
        self._visit_args(node.args)
        self._scope.append("function")
        node.body = self.visit(node.body)
        self._scope.pop()
        return node

    def visit_ClassDef(self, node):
        node.decorator_list = [self.visit(d) for d in node.decorator_list]
        node.bases = [self.visit(b) for b in node.bases]
        node.keywords = [self.visit(k) for k in node.keywords]
        self._scope.append("class")
        node.body = self._body(node.body)
        self._scope.pop()
        return node

    def _body(self, stmts: list[ast.stmt]) -> list[ast.stmt]:
        out = []
        for s in stmts:
            r = self.visit(s)
            out.extend(r if isinstance(r, list) else [r])
        return out

    def visit_AnnAssign(self, node):
        if node.value is not None:
            node.value = self.visit(node.value)
        if isinstance(node.target, (ast.Attribute, ast.Subscript)):
            node.target.value = self.visit(node.target.value)
        if isinstance(node.target, ast.Subscript):
            node.target.slice = self.visit(node.target.slice)
        return node

    # expressions
    def visit_BinOp(self, node):
        return self._call(_BIN_OF[type(node.op)], [self.visit(node.left), self.visit(node.right)], node)

    def visit_UnaryOp(self, node):
        node.operand = self.visit(node.operand)
        helper = _UNARY_OF.get(type(node.op))
        return node if helper is None else self._call(helper, [node.operand], node)

    def visit_Compare(self, node):
        node.left = self.visit(node.left)
        node.comparators = [self.visit(c) for c in node.comparators]
        names = [_CMP_OF[type(op)] for op in node.ops]
        if len(names) == 1:
            if names[0] in ("is_", "is_not"):
                return node
            return self._call(names[0], [node.left, node.comparators[0]], node)
        later = node.comparators[1:]
        awkward = any(isinstance(n, (ast.NamedExpr, ast.Yield, ast.YieldFrom, ast.Await))
                      or (isinstance(n, ast.Name) and n.id == "super")
                      for c in later for n in ast.walk(c))
        if self._scope[-1] == "class" or awkward:
            self.chains_left += 1
            return node
        thunks = [ast.copy_location(ast.Lambda(ast.arguments([], [], None, [], [], None, []), c), c) for c in later]
        ops = ast.Tuple([ast.Constant(n) for n in names], ast.Load())
        return self._call("chain", [node.left, node.comparators[0], ops, *thunks], node)

    def visit_Subscript(self, node):
        node.value = self.visit(node.value)
        node.slice = self.visit(node.slice)
        if not isinstance(node.ctx, ast.Load):
            return node                     # del c[i], for c[i] in …: left as they are
        return self._call("getitem", [node.value, self._index(node.slice)], node)

    # statements
    def visit_Assign(self, node):
        node.value = self.visit(node.value)
        if not any(_has_subscript(t) for t in node.targets):
            node.targets = [self.visit(t) for t in node.targets]
            return node
        if len(node.targets) == 1 and isinstance(node.targets[0], ast.Subscript):
            t = node.targets[0]
            return ast.copy_location(ast.Expr(self._call(
                "store", [node.value, self.visit(t.value), self._index(self.visit(t.slice))], node)), node)
        # `x = c[i] = v`, `c[i], d[j] = v`: the value once into a temporary, then each target
        # in turn from left to right, as Python assigns them
        v = self._tmp()
        temps = [v]
        stmts: list[ast.stmt] = [ast.Assign([ast.Name(v, ast.Store())], node.value)]
        for t in node.targets:
            stmts += self._assign_to(t, v, temps, node)
        return self._stmts(stmts, node, temps)

    def _assign_to(self, target: ast.expr, src: str, temps: list[str], like: ast.AST) -> list[ast.stmt]:
        if isinstance(target, ast.Subscript):
            return [ast.Expr(self._call("store", [_load(src), self.visit(target.value),
                                                  self._index(self.visit(target.slice))], like))]
        if isinstance(target, (ast.Tuple, ast.List)) and _has_subscript(target):
            # unpack into temporaries first (Python unpacks before it stores), then store each
            names: list[tuple[ast.expr, str]] = []
            elts: list[ast.expr] = []
            for e in target.elts:
                t = self._tmp()
                temps.append(t)
                inner = e.value if isinstance(e, ast.Starred) else e
                names.append((inner, t))
                n = ast.Name(t, ast.Store())
                elts.append(ast.Starred(n, ast.Store()) if isinstance(e, ast.Starred) else n)
            out: list[ast.stmt] = [ast.Assign([ast.Tuple(elts, ast.Store())], _load(src))]
            for inner, t in names:
                out += self._assign_to(inner, t, temps, like)
            return out
        return [ast.Assign([self.visit(target)], _load(src))]

    def visit_AugAssign(self, node):
        value = self.visit(node.value)
        helper = "i" + _BIN_OF[type(node.op)].rstrip("_")
        t = node.target
        if isinstance(t, ast.Name):
            new = ast.Assign([ast.Name(t.id, ast.Store())], self._call(helper, [_load(t.id), value], node))
            return ast.copy_location(new, node)
        if isinstance(t, ast.Attribute):
            o = self._tmp()
            stmts: list[ast.stmt] = [
                ast.Assign([ast.Name(o, ast.Store())], self.visit(t.value)),
                ast.Assign([ast.Attribute(_load(o), t.attr, ast.Store())],
                           self._call(helper, [ast.Attribute(_load(o), t.attr, ast.Load()), value], node))]
            return self._stmts(stmts, node, [o])
        if isinstance(t, ast.Subscript):
            # container and index once; then load, operate, store (Python's order)
            c, i = self._tmp(), self._tmp()
            stmts = [ast.Assign([ast.Name(c, ast.Store())], self.visit(t.value)),
                     ast.Assign([ast.Name(i, ast.Store())], self._index(self.visit(t.slice))),
                     ast.Expr(self._call("store", [
                         self._call(helper, [self._call("getitem", [_load(c), _load(i)], node), value], node),
                         _load(c), _load(i)], node))]
            return self._stmts(stmts, node, [c, i])
        node.value = value
        return node


def instrument(source: str | bytes, filename: str) -> tuple[types.CodeType, Instrument]:
    """The code object of `source` rewritten (and the rewriter, for its `chains_left`)."""
    tree = ast.parse(source, filename)
    ins = Instrument()
    tree = ast.fix_missing_locations(ins.visit(tree))
    return compile(tree, filename, "exec", dont_inherit=True), ins


def load_source(source: str, name: str = "opcount_sample", filename: str = "<opcount>") -> dict[str, Any]:
    """Run `source` rewritten in a fresh namespace (for tests and examples) and return it."""
    code, _ = instrument(source, filename)
    ns: dict[str, Any] = {"__name__": name, HELPERS: sys.modules[__name__]}
    exec(code, ns)
    return ns


# --- the import hook (counting subprocess only) ---------------------------------------------------

class _Loader(importlib.machinery.SourceFileLoader):
    """Loads a model module from its rewritten source; never reads or writes bytecode caches."""

    chains_left: ClassVar[dict[str, int]] = {}

    def get_code(self, fullname: str) -> types.CodeType:
        path = self.get_filename(fullname)
        code, ins = instrument(self.get_data(path), path)
        _Loader.chains_left[fullname] = ins.chains_left
        return code

    def exec_module(self, module: types.ModuleType) -> None:
        module.__dict__[HELPERS] = sys.modules[__name__]
        super().exec_module(module)


class _Finder(importlib.abc.MetaPathFinder):
    def find_spec(self, fullname: str, path: Sequence[str] | None = None,
                  target: types.ModuleType | None = None) -> importlib.machinery.ModuleSpec | None:
        if fullname.split(".")[0] not in ("agents", "model"):
            return None
        spec = importlib.machinery.PathFinder.find_spec(fullname, [str(ROOT)] if path is None else path)
        origin = None if spec is None else spec.origin
        if spec is None or origin is None or not origin.endswith(".py") or not origin.startswith(MODEL_DIRS):
            return None
        spec.loader = _Loader(fullname, origin)
        return spec


def install() -> None:
    """Load every module under agents/ and model/ rewritten from now on (the model must not be
    imported yet)."""
    loaded = [m for m in sys.modules if m.split(".")[0] in ("agents", "model")]
    if loaded:
        raise RuntimeError(f"model modules already imported, cannot instrument them: {loaded[:5]}")
    sys.dont_write_bytecode = True
    sys.meta_path.insert(0, _Finder())


# --- NumPy calls (sys.monitoring) and the recorder's digest: shared with floor.py ------------------

# the types whose methods are NumPy work: arrays, NumPy scalars, random generators, ufuncs (`np.add.at`)
_NUMPY_SELF = (np.ndarray, np.generic, np.random.Generator, np.random.BitGenerator, np.ufunc)


def is_numpy(c: object) -> bool:
    """Is the callee `c` of a CALL event NumPy's: a NumPy function or ufunc, or a method of an
    array, a NumPy scalar, a random generator or a ufunc?

    A method is seen in two forms. ``a.sum()`` written as a call is compiled to a method call, and
    its CALL event gives the *unbound* method descriptor (``ndarray.sum``, self is the first
    argument), which has no ``__self__`` and no ``__module__``: it is recognised by the class that
    defines it (``__objclass__``). A bound method taken as a value and called later (``f =
    a.sum; f()``) has ``__self__``."""
    if isinstance(c, np.ufunc):
        return True
    mod = getattr(c, "__module__", None) or ""
    if mod == "numpy" or mod.startswith("numpy."):
        return True
    if isinstance(getattr(c, "__self__", None), _NUMPY_SELF):
        return True
    owner = getattr(c, "__objclass__", None)
    return isinstance(owner, type) and issubclass(owner, _NUMPY_SELF)


class CallCounter:
    """Counts, while active, the calls whose caller is model code (a file under `dirs`: agents/ and
    model/ unless told) and whose callee is a NumPy function, ufunc, array method or generator
    method (CALL events of `sys.monitoring`; `is_numpy`). `n` is the running count."""

    def __init__(self, dirs: tuple[str, ...] = MODEL_DIRS) -> None:
        self.n = 0
        self._dirs = dirs
        self._mine: dict[str, bool] = {}
        self._tool: int | None = None          # the sys.monitoring tool id while active

    def _on_call(self, code: types.CodeType, offset: int, callee: object, arg0: object) -> None:
        f = code.co_filename
        mine = self._mine.get(f)
        if mine is None:
            mine = self._mine[f] = f.startswith(self._dirs)
        if mine and is_numpy(callee):
            self.n += 1

    def __enter__(self) -> CallCounter:
        mon = sys.monitoring
        tool = next((i for i in (mon.PROFILER_ID, 3, 4) if mon.get_tool(i) is None), None)
        if tool is None:
            raise RuntimeError("no free sys.monitoring tool id to count NumPy calls with (a profiler is running?)")
        mon.use_tool_id(tool, "noodplan-bench")
        mon.register_callback(tool, mon.events.CALL, self._on_call)
        mon.set_events(tool, mon.events.CALL)
        self._tool = tool
        return self

    def __exit__(self, *exc: object) -> None:
        tool, self._tool = self._tool, None
        if tool is None:                       # not entered
            return
        mon = sys.monitoring
        mon.set_events(tool, 0)
        mon.register_callback(tool, mon.events.CALL, None)
        mon.free_tool_id(tool)


def recorder_digest(rec: Recorder) -> dict[str, str]:
    """SHA-256 of every array the recorder holds (its public attributes, dicts of arrays
    included): two runs with equal digests recorded bit-identical days."""
    out = {}
    for name, v in sorted(vars(rec).items()):
        if name.startswith("_"):
            continue
        items = v.items() if isinstance(v, dict) else [("", v)]
        for k, a in sorted(items):
            if isinstance(a, np.ndarray):
                out[f"{name}.{k}" if k else name] = hashlib.sha256(np.ascontiguousarray(a).tobytes()).hexdigest()
    return out


# --- the counting subprocess ------------------------------------------------------------------

def child(job_path: str) -> None:
    """In a fresh interpreter: rewrite the model on import, run the job read from `job_path`
    (JSON: scenario, days, seed), print one JSON line with the per-day counts (operations by
    category and NumPy calls) and the recorder's digest."""
    job = json.loads(Path(job_path).read_text())
    install()
    from experiments.bench.measure import recorder_of
    from model import rulebook
    from model.scenario import Scenario
    from model.simulate import prepare
    from model.world import build_world

    if not isinstance(rulebook.__spec__.loader, _Loader):
        raise RuntimeError("model.rulebook was not loaded rewritten")
    t0 = time.perf_counter()
    sc = Scenario.model_validate_json(job["scenario"])
    s = prepare(sc, job["seed"], job["days"], build_world(sc))
    rec = recorder_of(s)
    per_day: list[list[int]] = []
    calls: list[int] = []
    with CallCounter() as cc:
        per_rule = _RuleTotals(rulebook, s, cc)
        try:
            for _ in range(job["days"]):
                reset()
                cc.n = 0
                rulebook.run_day(s)
                per_day.append(list(counts))
                calls.append(cc.n)
        finally:
            per_rule.restore()
    rewritten = sorted(m for m, mod in sys.modules.items()
                       if isinstance(getattr(getattr(mod, "__spec__", None), "loader", None), _Loader))
    print(json.dumps({"categories": CATEGORIES, "per_day": per_day, "numpy_calls": calls,
                      "per_rule": per_rule.totals,
                      "digest": recorder_digest(rec),
                      "population": rec.scalars["population"].tolist(),
                      "modules": rewritten,
                      "chains_left": {k: v for k, v in _Loader.chains_left.items() if v},
                      "seconds": time.perf_counter() - t0}))


class _RuleTotals:
    """NumPy operations (calls plus array operators and indexing) per rule of the day, summed over
    the run: the rules `run_day` calls (wrapped in the rulebook's namespace), the extensions and
    the recorder. What `run_day` does itself between the rules is "(day overhead)"."""

    def __init__(self, rulebook: types.ModuleType, s: State, cc: CallCounter) -> None:
        from experiments.bench.measure import recorder_of, rule_names   # after install(): imports the model

        self.totals: dict[str, int] = {}
        self._rulebook, self._cc = rulebook, cc
        self._originals = {n: getattr(rulebook, n) for n in rule_names()}
        for n, f in self._originals.items():
            setattr(rulebook, n, self._wrap(n, f))
        s.extensions = [self._wrap(f"extension:{getattr(e, '__qualname__', type(e).__name__)}", e)
                        for e in s.extensions]
        rec = recorder_of(s)
        # on the counting run's own state only: mypy refuses assigning to a method
        rec.record = self._wrap("metrics.record", rec.record)  # type: ignore[method-assign]

    def _now(self) -> int:
        return sum(counts[:SCALAR_OP]) + self._cc.n

    def _wrap(self, name: str, fn: Callable[..., Any]) -> Callable[..., Any]:
        def counted(*a: Any, **kw: Any) -> Any:
            before = self._now()
            try:
                return fn(*a, **kw)
            finally:
                self.totals[name] = self.totals.get(name, 0) + self._now() - before
        return counted

    def restore(self) -> None:
        for n, f in self._originals.items():
            setattr(self._rulebook, n, f)



class Counting:
    """The counting subprocess, started by `start` (returns at once, so the caller can do other
    work meanwhile) and collected by `result`."""

    def __init__(self, scenario: Scenario, days: int, seed: int | None) -> None:
        fd, self._job = tempfile.mkstemp(prefix="noodplan-opcount-", suffix=".json")
        with os.fdopen(fd, "w") as f:
            json.dump({"scenario": scenario.model_dump_json(), "days": days, "seed": seed}, f)
        code = ("import importlib.util, sys\n"
                "spec = importlib.util.spec_from_file_location("
                f"'noodplan_opcount', {str(Path(__file__).resolve())!r})\n"
                "m = importlib.util.module_from_spec(spec); sys.modules[spec.name] = m\n"
                f"spec.loader.exec_module(m); m.child({self._job!r})\n")
        self._p = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE,
                                   stderr=subprocess.PIPE, text=True, cwd=str(ROOT))

    def result(self) -> dict[str, Any]:
        try:
            out, err = self._p.communicate()
        finally:
            os.unlink(self._job)
        if self._p.returncode != 0:
            raise RuntimeError(f"operation counting subprocess failed:\n{err[-4000:]}")
        return json.loads(out.strip().splitlines()[-1])

    def cancel(self) -> None:
        """Stop the subprocess (when the caller failed, or was interrupted, `result` included) and clean up."""
        if self._p.poll() is None:
            self._p.kill()
        self._p.wait()
        for pipe in (self._p.stdout, self._p.stderr):
            if pipe is not None:
                pipe.close()
        if os.path.exists(self._job):
            os.unlink(self._job)
