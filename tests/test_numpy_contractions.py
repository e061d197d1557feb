"""Products and contractions -- einsum, tensordot, inner, outer, vdot, kron, dot -- against
(test-only) HIPS autograd and central differences, forward against reverse, second order, the
errors, and how their rows read.

Each case is written once against a numpy-like module ``M`` (plain numpy on traced values, or
``autograd.numpy``); where autograd lacks a form (repeated einsum indices, vdot, outer of
matrices) the reference is the same mathematics written with what autograd has.
"""
from __future__ import annotations

import autograd
import autograd.numpy as anp
import numpy as np
import pytest
from test_arrays import _data, central_gradient, check
from test_rows_structural import _assert_latex_well_formed

import adlab as ad
from adlab.engine.tape import Tape

rng = np.random.default_rng(13)

# subscripts, shapes, reference (None: autograd's own einsum of the same subscripts)
EINSUM = {
    "matrix product": ("ij,jk->ik", [(3, 4), (4, 2)], None),
    "inner product": ("i,i->", [(5,), (5,)], None),
    "diagonal": ("ii->i", [(4, 4)], lambda M, x: M.diag(x)),
    "trace": ("ii->", [(4, 4)], lambda M, x: M.trace(x)),
    "implicit trace": ("ii", [(3, 3)], lambda M, x: M.trace(x)),
    "transpose": ("ij->ji", [(3, 4)], None),
    "batched matrix product": ("bij,bjk->bik", [(2, 3, 4), (2, 4, 5)], None),
    "row sums": ("ij->i", [(3, 4)], None),
    "total": ("ij->", [(3, 4)], None),
    "outer": ("i,j->ij", [(3,), (4,)], None),
    "hadamard broadcast": ("ij,ij->ij", [(1, 4), (3, 4)], lambda M, a, b: a * b),
    "implicit output": ("ji,jk", [(4, 3), (4, 2)], lambda M, a, b: M.dot(a.T, b)),
    "implicit order": ("Ba,bA", [(2, 3), (4, 5)], None),  # A before B before a: numpy's order
    "ellipsis broadcast": ("...ij,...jk->...ik", [(2, 1, 3, 4), (5, 4, 6)],
                           lambda M, a, b: M.matmul(a, b)),
    "three operands": ("ij,jk,kl->il", [(2, 3), (3, 4), (4, 2)], None),
    "repeated apart": ("iji->j", [(3, 2, 3)],
                       lambda M, x: sum(x[i, :, i] for i in range(3))),
    "number and vector": (",i->i", [(), (3,)], lambda M, s, x: s * x),
    "matrix vector": ("ij,j->i", [(3, 4), (4,)], None),
}


def _einsum_reference(subscripts, reference):
    if reference is not None:
        return lambda *xs: reference(anp, *xs)
    return lambda *xs: anp.einsum(subscripts, *xs)


def _nonlinear(op):
    """A scalar function of the operation's result that is not linear in it."""
    return lambda M: lambda *xs: M.sum(M.sin(op(*xs)) * 1.3)


@pytest.mark.parametrize("name", list(EINSUM))
def test_einsum_gradient(name):
    subscripts, shapes, reference = EINSUM[name]
    xs = tuple(_data(s) for s in shapes)
    check(lambda *xs: np.sum(np.sin(np.einsum(subscripts, *xs)) * 1.3),
          lambda *xs: anp.sum(anp.sin(_einsum_reference(subscripts, reference)(*xs)) * 1.3), xs)
    # adlab's own function too, and the value numpy gives
    assert np.allclose(ad.einsum(subscripts, *xs), np.einsum(subscripts, *xs), rtol=1e-14)


def test_einsum_of_one_value_twice_and_with_a_constant():
    x, c = _data((4,)), rng.normal(size=(4, 3))
    check(lambda x: np.einsum("i,i->", x, x), lambda x: anp.sum(x * x), (x,))
    check(lambda x: np.sum(np.sin(np.einsum("i,ij->j", x, c))),
          lambda x: anp.sum(anp.sin(anp.dot(x, c))), (x,))
    check(lambda x: np.sum(np.sin(np.einsum("i,i,i->i", x, x, x))),
          lambda x: anp.sum(anp.sin(x ** 3)), (x,))


def test_einsum_interleaved_form():
    a, b = _data((2, 3)), _data((3, 4))
    check(lambda a, b: np.sum(np.sin(np.einsum(a, [0, 1], b, [1, 2], [0, 2]))),
          lambda a, b: anp.sum(anp.sin(anp.dot(a, b))), (a, b))
    check(lambda a: np.sum(np.sin(np.einsum(a, [1, 0]))),  # implicit: labels in order, 0 then 1
          lambda a: anp.sum(anp.sin(a.T)), (a,))


@pytest.mark.parametrize("name", ["matrix product", "diagonal", "row sums", "hadamard broadcast",
                                  "ellipsis broadcast", "three operands", "repeated apart"])
def test_einsum_second_order(name):
    """The adjoint of an einsum is an einsum (with identity or ones for diagonals and sums):
    Hessians through it match autograd's."""
    subscripts, shapes, reference = EINSUM[name]
    sizes = [int(np.prod(s)) for s in shapes]

    def split(z):
        pieces, start = [], 0
        for s, n in zip(shapes, sizes):
            pieces.append(z[start:start + n].reshape(s))
            start += n
        return pieces
    z = rng.uniform(-1, 1, size=sum(sizes))
    ours = ad.hessian(lambda z: np.sum(np.sin(np.einsum(subscripts, *split(z)))))(z)
    theirs = autograd.hessian(lambda z: anp.sum(anp.sin(
        _einsum_reference(subscripts, reference)(*split(z)))))(z)
    assert np.allclose(ours, theirs, rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("name", ["matrix product", "diagonal", "implicit order", "three operands",
                                  "hadamard broadcast", "repeated apart"])
def test_einsum_forward_and_reverse_jacobians_agree(name):
    subscripts, shapes, _ = EINSUM[name]
    others = [_data(s) for s in shapes[1:]]

    def f(x):
        return np.einsum(subscripts, x, *others)
    x = _data(shapes[0])
    forward, reverse = ad.jacobian(f, mode="forward")(x), ad.jacobian(f, mode="reverse")(x)
    assert np.allclose(forward, reverse, rtol=1e-13, atol=1e-15)
    e = np.zeros(x.shape)  # one column against central differences, independently
    e.flat[1] = 1e-6
    numeric = (np.einsum(subscripts, x + e, *others) - np.einsum(subscripts, x - e, *others)) / 2e-6
    assert np.allclose(forward[(...,) + np.unravel_index(1, x.shape)], numeric, atol=1e-8)


# ---------------------------------------------------------------- tensordot, inner, outer, vdot...

PRODUCTS = {  # name -> (function of (M, a, b), reference or None, shapes)
    "tensordot axes=0": (lambda M, a, b: M.tensordot(a, b, axes=0), None, [(2, 3), (4,)]),
    "tensordot axes=1": (lambda M, a, b: M.tensordot(a, b, axes=1), None, [(2, 3), (3, 4)]),
    "tensordot default": (lambda M, a, b: M.tensordot(a, b), None, [(2, 3, 4), (3, 4, 5)]),
    "tensordot pairs": (lambda M, a, b: M.tensordot(a, b, axes=([1, 0], [0, 2])), None,
                        [(3, 2, 4), (2, 5, 3)]),
    "tensordot negative": (lambda M, a, b: M.tensordot(a, b, axes=([-1], [0])) if M is np
                           else M.tensordot(a, b, axes=([2], [0])), None, [(2, 3, 4), (4, 2)]),
    "tensordot single ints": (lambda M, a, b: M.tensordot(a, b, axes=(1, 0)) if M is np
                              else M.tensordot(a, b, axes=([1], [0])), None, [(2, 3), (3, 4)]),
    "inner vectors": (lambda M, a, b: M.inner(a, b), None, [(4,), (4,)]),
    "inner matrices": (lambda M, a, b: M.inner(a, b), None, [(2, 3), (4, 3)]),
    "inner 3-D and vector": (lambda M, a, b: M.inner(a, b), None, [(2, 3, 4), (4,)]),
    "inner number": (lambda M, a, b: M.inner(a, b), None, [(), (3,)]),
    "outer vectors": (lambda M, a, b: M.outer(a, b), None, [(3,), (4,)]),
    "outer flattens": (lambda M, a, b: M.outer(a, b),
                       lambda M, a, b: M.outer(M.ravel(a), M.ravel(b)), [(2, 3), (2, 2)]),
    "outer number": (lambda M, a, b: M.outer(a, b),
                     lambda M, a, b: M.outer(M.ravel(a), b), [(), (3,)]),
    "vdot vectors": (lambda M, a, b: M.vdot(a, b), lambda M, a, b: M.sum(a * b), [(4,), (4,)]),
    "vdot flattens": (lambda M, a, b: M.vdot(a, b),
                      lambda M, a, b: M.sum(M.ravel(a) * M.ravel(b)), [(2, 3), (3, 2)]),
    "kron matrices": (lambda M, a, b: M.kron(a, b), None, [(2, 3), (3, 2)]),
    "kron vectors": (lambda M, a, b: M.kron(a, b), None, [(2,), (3,)]),
    "kron of different ndim": (lambda M, a, b: M.kron(a, b), None, [(3,), (2, 2)]),
}


@pytest.mark.parametrize("name", list(PRODUCTS))
def test_product_gradient(name):
    op, reference, shapes = PRODUCTS[name]
    reference = reference or op
    a, b = (_data(s) for s in shapes)
    check(lambda a, b: np.sum(np.sin(op(np, a, b)) * 1.3),
          lambda a, b: anp.sum(anp.sin(reference(anp, a, b)) * 1.3), (a, b))
    assert np.allclose(op(ad, a, b), op(np, a, b), rtol=1e-14)  # ad.tensordot... give numpy's value


@pytest.mark.parametrize("name", ["tensordot pairs", "inner matrices", "outer flattens",
                                  "vdot flattens", "kron of different ndim"])
def test_product_second_order_and_jacobians(name):
    op, reference, shapes = PRODUCTS[name]
    reference = reference or op
    n_a = int(np.prod(shapes[0]))

    def f(M):
        return lambda z: M.sum(M.sin(op(M, z[:n_a].reshape(shapes[0]), z[n_a:].reshape(shapes[1]))))
    z = rng.uniform(-1, 1, size=n_a + int(np.prod(shapes[1])))
    assert np.allclose(ad.hessian(f(np))(z), autograd.hessian(
        lambda z: anp.sum(anp.sin(reference(anp, z[:n_a].reshape(shapes[0]),
                                            z[n_a:].reshape(shapes[1])))))(z),
        rtol=1e-9, atol=1e-12)

    def g(z):
        return op(np, z[:n_a].reshape(shapes[0]), z[n_a:].reshape(shapes[1]))
    assert np.allclose(ad.jacobian(g, mode="forward")(z), ad.jacobian(g, mode="reverse")(z),
                       rtol=1e-13, atol=1e-15)


# ---------------------------------------------------------------- dot in every case numpy has

DOT_SHAPES = [((), (3,)), ((3,), ()), ((), ()), ((3,), (3,)), ((2, 3), (3,)), ((2, 3, 4), (4,)),
              ((3,), (3, 4)), ((4,), (2, 4, 5)), ((2, 3), (3, 4)), ((2, 3, 4), (5, 4, 6)),
              ((2, 3, 4), (4, 2)), ((3, 4), (2, 4, 5))]


@pytest.mark.parametrize("shapes", DOT_SHAPES, ids=lambda s: f"{s[0]}.{s[1]}")
def test_dot_every_case(shapes):
    a, b = _data(shapes[0]), _data(shapes[1])
    check(lambda a, b: np.sum(np.sin(np.dot(a, b))), lambda a, b: anp.sum(anp.sin(anp.dot(a, b))),
          (a, b))
    assert np.allclose(ad.dot(a, b), np.dot(a, b), rtol=1e-14)
    if shapes[0]:
        def f(a):
            return np.dot(a, b)
        assert np.allclose(ad.jacobian(f, mode="forward")(a), ad.jacobian(f, mode="reverse")(a),
                           rtol=1e-13, atol=1e-15)


def test_dot_records_matmul_where_numpy_says_it_is_one_and_tensordot_beyond():
    def recorded(shape_a, shape_b):
        with Tape() as tape:
            np.dot(tape.input(np.ones(shape_a)), np.ones(shape_b))
        return [prim.name for prim, *_ in tape.nodes[1:]]
    assert recorded((2, 3), (3, 4)) == ["matmul"]
    assert recorded((2, 3, 4), (4,)) == ["matmul"]
    assert recorded((2, 3, 4), (5, 4, 6)) == ["tensordot"]  # not matmul's stacks of matrices
    assert recorded((3,), ()) == ["mul"]
    x = _data((2, 3))
    assert np.allclose(ad.grad(lambda x: np.sum(np.sin(x.dot(x.T))))(x),
                       autograd.grad(lambda x: anp.sum(anp.sin(anp.dot(x, x.T))))(x))


# ---------------------------------------------------------------- errors

def test_einsum_errors_say_which_forms_work():
    x = np.ones((2, 3))
    forms = r"explicit output .*implicit one .*ellipsis .*interleaved form"
    with pytest.raises(ad.InputError, match="has 2 operand term.* for 1 operand.*" + forms):
        ad.grad(lambda x: np.sum(np.einsum("ij,jk->ik", x)))(x)
    with pytest.raises(ad.InputError, match="names 3 axes, but its operand has 2"):
        ad.grad(lambda x: np.sum(np.einsum("ijk->i", x)))(x)
    with pytest.raises(ad.InputError, match="the output must have one too"):
        ad.grad(lambda x: np.sum(np.einsum("...j->j", x)))(np.ones((2, 3, 4)))
    with pytest.raises(ad.InputError, match=r"must name each index once.*\('k' is in none\)"):
        ad.grad(lambda x: np.sum(np.einsum("ij->ik", x)))(x)
    with pytest.raises(ad.InputError, match=r"must name each index once"):
        ad.grad(lambda x: np.sum(np.einsum("ij->ii", x)))(x)
    with pytest.raises(ad.InputError, match="not made of letters"):
        ad.grad(lambda x: np.sum(np.einsum("i1->i", x)))(x)
    with pytest.raises(ad.InputError, match="einsum: complex numbers are out of scope"):
        ad.grad(lambda x: np.sum(np.einsum("ij,ij->", x, np.ones((2, 3)) * 1j)))(x)
    for op in (np.tensordot, np.inner, np.outer, np.vdot, np.kron):
        with pytest.raises(ad.InputError, match="complex numbers are out of scope"):
            ad.grad(lambda x: np.sum(op(x, np.ones((2, 3)) * 1j)))(x)
    with pytest.raises(ad.InputError, match="complex"):  # as an input: refused as before
        ad.grad(lambda x: np.sum(np.einsum("i->", x)))(np.ones(2) * 1j)
    with pytest.raises(ad.UnsupportedOperationError,
                       match=r"numpy.einsum with arguments \['out'\]"):
        ad.grad(lambda x: np.sum(np.einsum("ij->i", x, out=np.empty(2))))(x)


def test_axes_that_do_not_fit_are_named_with_their_shapes():
    x = np.ones((2, 3))
    with pytest.raises(ad.DomainError, match=r"einsum\('ij,jk->ik'\): axis 1 of operand 1 \("
                                             r"shape \(2, 3\)\) and axis 0 of operand 2 \(shape "
                                             r"\(4, 2\)\) go together \(index 'j'\) but have "
                                             r"lengths 3 and 4"):
        ad.grad(lambda x: np.sum(np.einsum("ij,jk->ik", x, np.ones((4, 2)))))(x)
    for call in (lambda x: np.tensordot(x, np.ones((4, 2)), axes=1),
                 lambda x: np.inner(x, np.ones((2, 2))), lambda x: np.vdot(x, np.ones(5)),
                 lambda x: np.dot(np.ones((2, 2, 2)), np.stack([x.T, x.T]))):
        with pytest.raises(ad.DomainError, match=r"of shapes .* but have lengths"):
            ad.grad(lambda x: np.sum(call(x)))(x)
    with pytest.raises(ad.DomainError, match="inner dimensions must agree"):  # matmul's own
        ad.grad(lambda x: np.sum(np.dot(x, x)))(x)


def test_tensordot_axes_errors():
    x = np.ones((2, 3))
    with pytest.raises(ad.InputError, match="give at most 2"):
        ad.grad(lambda x: np.sum(np.tensordot(x, x, axes=3)))(x)
    with pytest.raises(ad.InputError, match="must pair as many axes"):
        ad.grad(lambda x: np.sum(np.tensordot(x, x, axes=([0, 1], [0]))))(x)
    with pytest.raises(ad.InputError, match="a number n or a pair of lists"):
        ad.grad(lambda x: np.sum(np.tensordot(x, x, axes="ij")))(x)


# ---------------------------------------------------------------- rows

def test_einsum_rows_read_like_the_call_with_the_output_written_out():
    a, b = _data((2, 3)), _data((3, 2))
    trace = ad.forward(lambda a, b: np.einsum("ij,jk", a, b), (a, b), (a, b))
    (primal,) = [r for r in trace.primal_rows if r.op == "einsum"]
    assert primal.formula == "v1 = einsum('ij,jk->ik', v-1, v0)"
    assert primal.latex == r"v_{1} = \operatorname{einsum}_{ij,jk \to ik}(v_{-1}, v_{0})"
    (tangent,) = [r for r in trace.tangent_rows if r.op == "einsum"]
    assert tangent.formula == ("v̇1 = einsum('ij,jk->ik', v̇-1, v0) + "
                               "einsum('ij,jk->ik', v-1, v̇0)")  # the product rule
    _assert_latex_well_formed(tangent.latex)
    assert "v1 = einsum('ij,jk->ik', v-1, v0)" in str(ad.reverse(
        lambda a, b: np.sum(np.einsum("ij,jk", a, b)), (a, b)))


def test_product_rows_name_their_arguments_and_keep_a_constant():
    a, c = _data((2, 3)), np.ones((3, 2))
    trace = ad.forward(lambda a: np.tensordot(a, c, axes=([1, 0], [0, 1])), (a,), (a,))
    (primal,) = [r for r in trace.primal_rows if r.op == "tensordot"]
    assert primal.formula == "v1 = tensordot(v0, [3×2 array], axes=([1, 0], [0, 1]))"
    (tangent,) = [r for r in trace.tangent_rows if r.op == "tensordot"]
    assert tangent.formula == "v̇1 = tensordot(v̇0, [3×2 array], axes=([1, 0], [0, 1]))"
    _assert_latex_well_formed(tangent.latex)
    for op, spelled in ((np.outer, "outer"), (np.kron, "kron"), (np.inner, "inner"),
                        (np.vdot, "vdot")):
        trace = ad.forward(lambda x, y: op(x, y), (_data((3,)), _data((3,))), (np.ones(3),) * 2)
        (row,) = [r for r in trace.tangent_rows if r.op == spelled]
        assert row.formula == f"v̇1 = {spelled}(v̇-1, v0) + {spelled}(v-1, v̇0)"
        _assert_latex_well_formed(row.latex)


def test_second_order_traces_show_the_adjoint_einsum():
    """The reverse sweep of an einsum runs an einsum: grad inside a traced function records it,
    with the identity that puts a diagonal's adjoint back on the diagonal."""
    x = _data((3, 3))
    inner_gradient = ad.grad(lambda z: np.sum(np.einsum("ii->i", z) ** 2))
    text = str(ad.reverse(lambda x: np.sum(inner_gradient(x)), (x,)))
    assert "einsum('i,ia->ia', " in text and "[3×3 array])" in text
