"""Lesson 9 · Build your own reverse-mode engine.

The student's code runs on graphs built here, always through ``call`` (time limit, exceptions
turned into messages). References are independent of the student's code: a structural check of
topological orders (every node once, each after its parents), adlab's gradients (``ad.grad``) for
the engines, and arithmetic written out by hand for the question. Typical mistakes are recognised
by rerunning the same graph on a small engine of this module with that mistake built in.
"""
from __future__ import annotations

import gc
import math

import numpy as np

from . import (Rejected, as_function, as_number, call, close, describe_value, exercise, right,
               wrong)

# ---------------------------------------------------------------- helpers


def _run(what: str, function, *args):
    """``function(*args)`` through ``call``; messages name the step (``what``), not a lambda."""
    def step():
        return function(*args)
    step.__name__ = what
    collecting = gc.isenabled()
    gc.disable()  # a full collection in a busy process could eat the time limit of a deep graph
    try:
        return call(step, label=" ")
    except Rejected as e:  # call writes "<name><label> raised ...": drop the label's space
        raise Rejected(e.message.replace(f"{what}  ", f"{what} ", 1), e.hint) from None
    finally:
        if collecting:
            gc.enable()


def _number(value, what: str) -> float:
    """A gradient or value read off the student's object, as a float (or Rejected)."""
    if isinstance(value, bool) or not isinstance(value, (int, float, np.floating, np.integer)):
        raise Rejected(f"{what} is {describe_value(value)}, not a number.",
                       "Adjoints and values are plain floats: .grad starts at 0.0 and collects "
                       "numbers.")
    number = float(value)
    if math.isnan(number):
        raise Rejected(f"{what} is nan.", "nan comes from 0/0 or inf - inf: check the partial "
                                          "derivatives you use.")
    return number


def _attribute(node, name: str, what: str):
    if not hasattr(node, name):
        raise Rejected(f"{what} has no attribute {name!r} (it is a {type(node).__name__}).",
                       "Keep the names of the lesson's class: .data holds the value, .grad the "
                       "adjoint, .parents the parents, and backward() runs the sweep.")
    return getattr(node, name)


def _at(point) -> str:
    return "(" + ", ".join(f"{p:g}" for p in point) + ")" if len(point) > 1 else f"{point[0]:g}"


def _reference_gradient(function, point, *extra):
    from .. import grad  # adlab's reverse mode, independent of the student's engine
    nums = tuple(range(len(point)))
    g = grad(lambda *xs: function(*xs, *extra), argnums=nums)(*map(float, point))
    return [float(v) for v in g]


def _student_gradient(cls, function, point, label, *extra):
    """Build ``function`` from the student's class at ``point``, run backward, read the grads."""
    name = getattr(cls, "__name__", "your class")
    inputs = []
    for p in point:
        x = _run(f"{name}({p:g})", cls, float(p))
        if x is None:
            raise Rejected(f"{name}({p:g}) returned None.",
                           "Pass the class itself: check(id, Value), not an instance.")
        inputs.append(x)
    where = f"{label} at {_at(point)}"
    out = _run(f"building {where}", function, *inputs, *extra)
    backward = _attribute(out, "backward", f"the result of {where}")
    _run(f"{where}: backward()", backward)
    return [_number(_attribute(x, "grad", f"an input of {label}"), f"x.grad after {label}")
            for x in inputs]


def _uses_order(root):
    """The lesson's backward order (count the uses; release a node after its last use)."""
    uses, stack = {root: 0}, [root]
    while stack:
        node = stack.pop()
        for parent in node.parents:
            if parent not in uses:
                uses[parent] = 0
                stack.append(parent)
            uses[parent] += 1
    order, ready = [], [root]
    while ready:
        node = ready.pop()
        order.append(node)
        for parent in node.parents:
            uses[parent] -= 1
            if uses[parent] == 0:
                ready.append(parent)
    return order


# ---------------------------------------------------------------- 09-topo-order

class _Node:
    """A node of a test graph: ``.parents`` is all a topological sort needs (no ``__slots__``: a
    student's sort may mark nodes with an attribute of its own)."""

    def __init__(self, label, *parents):
        self.label = label
        self.parents = tuple(parents)
        self.data, self.grad = 0.0, 0.0
        self.partials = (1.0,) * len(parents)

    def __repr__(self):
        return f"<node {self.label}>"


def _survey_graph():
    x1, x2 = _Node("v-1"), _Node("v0")
    v1, v2, v3 = _Node("v1", x1), _Node("v2", x1, x2), _Node("v3", x2)
    v4 = _Node("v4", v1, v2)
    return _Node("v5", v4, v3)


def _square_graph():
    x = _Node("x")
    return _Node("sin(x * x)", _Node("x * x", x, x))


def _skip_graph():
    x = _Node("x")
    a = _Node("a", x)
    b = _Node("b", a)
    c = _Node("c", b)
    return _Node("y", c, x)  # x is used by y directly and, through a, b, c, three steps further


def _random_graph(n=300, seed=9):
    rng = np.random.default_rng(seed)
    nodes = [_Node(f"input {i}") for i in range(5)]
    for i in range(n - 5):
        parents = [nodes[int(k)] for k in rng.integers(len(nodes), size=int(rng.integers(1, 4)))]
        nodes.append(_Node(f"n{i}", *parents, nodes[-1]))  # keep everything reachable
    return nodes[-1]


def _ladder_graph(n=60):
    nodes = [_Node("a"), _Node("b")]
    for i in range(n):
        nodes.append(_Node(f"r{i}", nodes[-1], nodes[-2]))  # 2^(n/1.44) paths from the top
    return nodes[-1]


def _chain_graph(n=10_000):
    node = _Node("x")
    for i in range(n):
        node = _Node(f"c{i}", node)
    return node


_GRAPHS = [
    ("a single input node", lambda: _Node("x")),
    ("the survey's f", _survey_graph),
    ("sin(x * x), where x * x has x twice as parents", _square_graph),
    ("a skip connection (y uses x directly and through a chain of three)", _skip_graph),
    ("a random graph of 300 nodes", _random_graph),
    ("a ladder of 62 nodes, each using the two before it", _ladder_graph),
    ("a chain of 10,001 nodes", _chain_graph),
]


def _reachable(root):
    seen, stack = {id(root): root}, [root]
    while stack:
        for parent in stack.pop().parents:
            if id(parent) not in seen:
                seen[id(parent)] = parent
                stack.append(parent)
    return seen


def _valid(order) -> bool:
    position = {id(node): i for i, node in enumerate(order)}
    return all(position[id(p)] < position[id(node)] for node in order for p in node.parents)


def _check_order(got, root, graph):
    where = f"on {graph}"
    if got is None:
        raise Rejected(f"topological_order returned None {where}.",
                       "Did you forget `return order` at the end?")
    if not isinstance(got, (list, tuple)):
        raise Rejected(f"topological_order returned a {type(got).__name__} {where}, not a list.",
                       "Return a list of the nodes themselves (a generator or a set has no "
                       "order you can check).")
    nodes = _reachable(root)
    for k, item in enumerate(got):
        if id(item) not in nodes:
            raise Rejected(f"item {k} of your list {where} is {describe_value(item)}, not a node "
                           f"of the graph.",
                           "Put the node objects themselves in the list (not their .data or "
                           "a copy), and only nodes that root depends on.")
    counts = {}
    for item in got:
        counts[id(item)] = counts.get(id(item), 0) + 1
    repeated = [nodes[i] for i, c in counts.items() if c > 1]
    if repeated:
        raise Rejected(f"{where}, {len(repeated)} node(s) appear more than once in your list "
                       f"(e.g. {repeated[0]!r}, {counts[id(repeated[0])]} times).",
                       "A node reached along several paths (fan-out, or x * x with x twice as "
                       "parents) must appear once: remember the nodes you have already taken "
                       "(a set) and skip them.")
    missing = [node for i, node in nodes.items() if i not in counts]
    if missing:
        if any(node is root for node in missing):
            raise Rejected(f"{where}, the root (the output) is missing from your list.",
                           "root depends on itself: it belongs in the list, as its last node.")
        raise Rejected(f"{where}, {len(missing)} of {len(nodes)} nodes are missing "
                       f"(e.g. {missing[0]!r}).",
                       "Follow every parent of every node (not only the first), down to the "
                       "inputs, which have no parents.")
    if _valid(got):
        return
    if _valid(list(reversed(got))):
        raise Rejected(f"{where}, your list starts with the output: every node comes before its "
                       f"parents.",
                       "That is the order of the backward sweep. Here each node must come after "
                       "all its parents, root last: append a node when its parents are done, or "
                       "reverse your list at the end.")
    position = {id(node): i for i, node in enumerate(got)}
    node, parent = next((n, p) for n in got for p in n.parents
                        if position[id(p)] > position[id(n)])
    raise Rejected(f"{where}, {node!r} comes before its parent {parent!r}.",
                   "A node may be appended only once all its parents have been appended. "
                   "Appending a node when it is first reached from the output (depth-first or "
                   "level by level, then reversing the list) fails when a node is reached along "
                   "paths of different lengths: give each node on the stack a second visit, "
                   "after its parents, and append it then.")


def _topo_hint(message, graph):
    """A hint for a failed run of the student's sort, by what went wrong and where."""
    if "recursed too deeply" in message:
        return ("Python allows about 1,000 nested calls, and a recursive walk needs one per node "
                "of a chain. Keep the pending nodes in a list (stack.append, stack.pop()) inside "
                "one while loop instead of calling the function again.")
    if "did not finish" in message and "ladder" in graph:
        return ("This graph has few nodes but an astronomical number of paths: a walk that visits "
                "a shared node again for every path never ends. Mark each node as visited the "
                "first time and never push it again.")
    if "did not finish" in message and "chain" in graph:
        return ("10,000 nodes should take milliseconds. Checking `node in order` on a list scans "
                "the whole list each time (10,000 × 10,000 steps): keep the visited nodes in a "
                "set.")
    if "AttributeError" in message:
        return ("The nodes of these graphs have .parents (a tuple of nodes), .data and .grad, as "
                "the lesson's Value does; micrograd calls the parents _prev.")
    return None


@exercise("09-topo-order", "write topological_order(root) without recursion")
def topo_order(answer):
    fn = as_function(answer, "a function topological_order(root)")
    for graph, build in _GRAPHS:
        root = build()
        try:
            got = _run(f"topological_order(root) on {graph}", fn, root)
        except Rejected as e:
            raise Rejected(e.message, _topo_hint(e.message, graph) or e.hint) from None
        _check_order(got, root, graph)
    return right(f"every node once, each after its parents, on all {len(_GRAPHS)} graphs, "
                 f"including the chain of 10,001 nodes that recursive_order cannot sort.")


# ---------------------------------------------------------------- 09-value-mul

class _Micro:
    """The closure-style engine of Exercise 9.2, with one of the classic mistakes in its mul rule."""

    mistake = None  # None | "swapped" | "no out.grad" | "no partial" | "assign" | "only self"

    def __init__(self, data, parents=()):
        self.data, self.grad, self.parents = float(data), 0.0, parents
        self.rule = lambda: None

    def _lift(self, other):
        return other if isinstance(other, _Micro) else type(self)(other)

    def __add__(self, other):
        other = self._lift(other)
        out = type(self)(self.data + other.data, (self, other))

        def rule():
            self.grad += out.grad
            other.grad += out.grad
        out.rule = rule
        return out

    def __mul__(self, other):
        other = self._lift(other)
        out = type(self)(self.data * other.data, (self, other))
        mistake = self.mistake

        def rule():
            a, b = (self.data, other.data) if mistake == "swapped" else (other.data, self.data)
            g = 1.0 if mistake == "no out.grad" else out.grad
            if mistake == "no partial":
                a = b = 1.0
            if mistake == "assign":
                self.grad = g * a
                other.grad = g * b
            elif mistake == "only self":
                self.grad += g * a
            else:
                self.grad += g * a
                other.grad += g * b
        out.rule = rule
        return out

    __radd__, __rmul__ = __add__, __mul__

    def backward(self):
        self.grad = 1.0
        for node in _uses_order(self):
            node.rule()


def _micro_with(mistake):
    return type(f"_Micro_{mistake}", (_Micro,), {"mistake": mistake})


_MUL_MISTAKES = {
    "swapped": ("These are the numbers of swapped partials.",
                "∂(self · other)/∂self is other.data, and ∂(self · other)/∂other is self.data: "
                "each input receives the value of the other factor."),
    "assign": ("These are the numbers that = instead of += gives.",
               "A node used more than once (x * x has x twice as parents) receives one "
               "contribution per use: add each to .grad with +=; = keeps only the last one."),
    "no out.grad": ("These are the numbers of a rule that leaves out out.grad.",
                    "The contribution is out.grad × the partial: the adjoint of out must flow "
                    "through. It only looks right when out is the output, where out.grad = 1."),
    "only self": ("These are the numbers of a rule that updates self.grad only.",
                  "other is a parent of out too: out's adjoint must also reach other.grad, "
                  "times ∂out/∂other."),
    "no partial": ("These are the numbers of a rule that passes out.grad on unchanged.",
                   "Multiplication is not addition: multiply out.grad by the partial derivative "
                   "with respect to each factor."),
}

_MUL_CASES = [
    ("x * y", lambda x, y: x * y, (1.5, -2.0)),
    ("x * x", lambda x: x * x, (1.5,)),
    ("(x * y) * x", lambda x, y: (x * y) * x, (1.5, -2.0)),
    ("x * y + x * 2.5", lambda x, y: x * y + x * 2.5, (0.5, 4.0)),
    ("3 * x * y * x", lambda x, y: 3 * x * y * x, (0.5, 4.0)),
    ("(x + y) * (x * y) * z", lambda x, y, z: (x + y) * (x * y) * z, (1.5, -2.0, 0.25)),
]


@exercise("09-value-mul", "write the backward rule (closure) of multiplication in MicroValue")
def value_mul(answer):
    cls = as_function(answer, "your class MicroValue")
    for label, function, point in _MUL_CASES:
        got = _student_gradient(cls, function, point, label)
        expected = _reference_gradient(function, point)
        if close(got, expected, rtol=1e-9, atol=1e-12):
            continue
        shown = ", ".join(f"{g:.4g}" for g in got)
        message = (f"{label} at {_at(point)}: your gradient is ({shown}), adlab's is "
                   f"({', '.join(f'{e:.4g}' for e in expected)}).")
        for mistake, (what, hint) in _MUL_MISTAKES.items():
            if close(_student_gradient(_micro_with(mistake), function, point, label), got,
                     rtol=1e-9, atol=1e-12):
                return wrong(f"{message} {what}", hint)
        if all(g == 0.0 for g in got):
            return wrong(message + " All your gradients are 0.",
                         "Either the closure changes nothing outside itself (add to self.grad "
                         "and other.grad with +=, not to a new local variable), or it multiplies "
                         "by 0: the partials are the values of the factors (.data), not their "
                         "adjoints (.grad), which are still 0 at that moment.")
        if label == "x * x":
            return wrong(message, "x * x has the same node as self and other: both lines of "
                                  "your rule add to x.grad, and both contributions must stay.")
        return wrong(message, "Work x * y at (1.5, -2) by hand: ∂(x·y)/∂x is the value of y, so "
                              "x.grad must be -2, and y.grad must be 1.5. Which line of your "
                              "rule gives something else?")
    return right(f"your closure matches adlab's gradient on all {len(_MUL_CASES)} graphs, "
                 f"including x * x (x twice as parents) and numbers on either side.")


# ---------------------------------------------------------------- 09-tanh

def _tanh_partial_mistakes(v):
    t = math.tanh(v)
    return {
        "1 - t": (1 - t, "The local derivative is 1 − t², with t = tanh v squared."),
        "1 + t²": (1 + t * t, "Check the sign: tanh flattens out, so its slope 1 − t² is at "
                              "most 1."),
        "1 - v²": (1 - v * v, "Square the output t = tanh v, not the input v: 1 − t²."),
        "sech": (1 / math.cosh(v), "1/cosh v is sech v; the derivative is sech² v = 1 − t²."),
        "t": (t, "That is the value of tanh, not its derivative 1 − t²."),
    }


_TANH_CASES = [
    ("x.tanh()", lambda x, tanh: tanh(x), (0.5,)),
    ("x.tanh()", lambda x, tanh: tanh(x), (-1.3,)),
    ("x.tanh()", lambda x, tanh: tanh(x), (0.0,)),
    ("x.tanh()", lambda x, tanh: tanh(x), (20.0,)),
    ("x * x.tanh()", lambda x, tanh: x * tanh(x), (0.8,)),
    ("x.tanh().tanh()", lambda x, tanh: tanh(tanh(x)), (0.9,)),
    ("(x * y).tanh() + x.tanh()", lambda x, y, tanh: tanh(x * y) + tanh(x), (0.7, -1.1)),
]


def _method_tanh(v):
    method = getattr(v, "tanh", None)
    if method is None:
        raise AttributeError(f"{type(v).__name__} has no method tanh")
    return method()


_TUPLE_HINT = ("parents and partials are tuples, also with one element: (self,) and "
               "(1 - t * t,), with the comma; without it, Python reads a single value in "
               "brackets.")


@exercise("09-tanh", "add a tanh method to Value (value tanh v, local derivative 1 − tanh²)")
def value_tanh(answer):
    cls = as_function(answer, "the class Value")
    name = getattr(cls, "__name__", "Value")
    if not callable(getattr(cls, "tanh", None)):
        raise Rejected(f"{name} has no method tanh.",
                       "Define def tanh(self): ..., then add it to the class with "
                       "Value.tanh = tanh, and pass the class: check('09-tanh', Value).")
    for label, function, point in _TANH_CASES:
        where = f"{label} at {_at(point)}"
        if len(point) == 1 and label == "x.tanh()":  # the value first
            x = _run(f"{name}({point[0]:g})", cls, point[0])
            t = _run(f"x.tanh() with x = {name}({point[0]:g})", _method_tanh, x)
            if isinstance(t, (int, float)):
                raise Rejected(f"x.tanh() returned the number {t:.6g}, not a {name}.",
                               f"Return a new {name}: its value, its parents (self,) and its "
                               f"partials, so that backward() can reach x.")
            value = _number(_attribute(t, "data", "x.tanh()"), f"x.tanh().data at {point[0]:g}")
            if not close(value, math.tanh(point[0]), rtol=1e-12, atol=1e-15):
                raise Rejected(f"x.tanh().data at {point[0]:g} is {value:.6g}, but tanh "
                               f"{point[0]:g} = {math.tanh(point[0]):.6g}.",
                               "The value of the new node is math.tanh(self.data).")
        try:
            got = _student_gradient(cls, function, point, label, _method_tanh)
        except Rejected as e:
            if "not iterable" in e.message or "zip argument" in e.message:
                raise Rejected(e.message, _TUPLE_HINT) from None
            raise
        from .. import tanh as ad_tanh
        expected = _reference_gradient(function, point, ad_tanh)
        if close(got, expected, rtol=1e-9, atol=1e-12):
            continue
        message = (f"{where}: your gradient is ({', '.join(f'{g:.6g}' for g in got)}), adlab's "
                   f"is ({', '.join(f'{e:.6g}' for e in expected)}).")
        if all(g == 0.0 for g in got):
            return wrong(message + " x.grad stayed 0.",
                         "The node tanh returns must record self as its parent and 1 − t² as its "
                         "partial; otherwise backward() never reaches x.")
        if label == "x.tanh()":
            for value, hint in _tanh_partial_mistakes(point[0]).values():
                if close(got[0], value, rtol=1e-9, atol=1e-12):
                    return wrong(message, hint)
        return wrong(message, "Check the partial you record: ∂t/∂v = 1 − t², where t is the "
                              "value of the new node. If x.tanh() alone is right, check that "
                              "tanh returns a new Value and leaves self unchanged.")
    return right(f"tanh agrees with ad.tanh on all {len(_TANH_CASES)} graphs: value, local "
                 f"derivative 1 − t² (also where tanh saturates, at 20), and fan-out.")


# ---------------------------------------------------------------- 09-backward-twice

@exercise("09-backward-twice", "x.grad after calling backward() twice on y = (x * x) * 2, x = 3")
def backward_twice(answer):
    g = as_number(answer, "a number (x.grad)")
    x = 3.0
    u_bar_1 = 2.0                       # after one call: ū = ȳ · 2
    x_bar_1 = 2 * u_bar_1 * x           # x̄ = ū · x + ū · x (x is both parents of u)
    u_bar_2 = u_bar_1 + 1.0 * 2.0       # second call: ȳ is set to 1 again; ū adds onto its 2
    x_bar_2 = x_bar_1 + 2 * u_bar_2 * x
    if close(g, x_bar_2):
        return right(f"{x_bar_2:g} = 3 × {x_bar_1:g}: the second sweep sends ū = "
                     f"{u_bar_2:g} (not {u_bar_1:g}) back to x, because u kept its adjoint from "
                     f"the first call.")
    if close(g, 2 * x_bar_1):
        return wrong(f"{g:g} would be a doubling of the first call's {x_bar_1:g}.",
                     "Not only x keeps its .grad: u does too. In the second call, ū starts from "
                     "its value after the first call and the new contribution is added to it; x "
                     "then receives contributions computed from that larger ū (two of them, as "
                     "x is both parents of u).")
    if close(g, x_bar_1):
        return wrong(f"{g:g} is x.grad after one call: dy/dx = 4x.",
                     "backward() never resets .grad: the second call adds onto what the first "
                     "left in every node.")
    if close(g, x_bar_1 + 2 * (u_bar_1 + 2 * 2.0) * x):
        return wrong(f"{g:g} counts the seed twice.",
                     "backward() sets the output's adjoint with =, y.grad = 1.0: it is 1 in the "
                     "second call too. The other nodes add with +=.")
    return wrong(f"{g:g} is not x.grad after the two calls.",
                 "Write every node's .grad after the first call (y, u, x), then do the second "
                 "sweep by hand: y.grad = 1 again, u.grad += y.grad × 2, then x.grad receives "
                 "u.grad × x twice (x is both parents of u).")
