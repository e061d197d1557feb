"""Products and contractions in the one primitive table: ``einsum``, ``tensordot``, ``inner``,
``outer``, ``vdot``, ``kron``, and ``dot`` composed of them and of ``matmul``.

Each of these operations is an Einstein sum: a sum over the shared indices of products of one
element of each operand. That is the one idea here. An entry computes its value with numpy's own
function and says which einsum it is (its *layout*); from the layout follows its derivative:

- forward mode: the operation is linear in each operand, so the tangent is the sum, over the
  traced operands, of the operation with that operand replaced by its tangent (the product rule):
  ``v̇3 = einsum('ij,jk->ik', v̇1, v2) + einsum('ij,jk->ik', v1, v̇2)``;
- reverse mode: the adjoint of an operand is again an einsum, of the output's adjoint and the
  other operands, onto that operand's indices (:func:`einsum_adjoint`): for ``'ij,jk->ik'`` it is
  ``einsum('ik,jk->ij', ḡ, b)`` for ``a``. Written with adlab's ``einsum``, so second derivatives
  work.

Constant arguments (subscripts, axes) come first or last and have no derivative.
"""
from __future__ import annotations

import string

import numpy as np

from ..errors import DomainError, InputError
from .arrays import _scalar, matmul
from .primitives import define, reshape
from .tape import Traced, bind, implements, raw, unsupported

LETTERS = string.ascii_lowercase + string.ascii_uppercase  # numpy's einsum labels
FLOAT = (None, float, np.float64, "float64", "f8", "d")  # the dtypes adlab computes in


# ---------------------------------------------------------------- how the entries are written
# (and what they refuse)

#: What to do instead of numpy arguments adlab does not take.
INSTEAD = {"out": "use the value it returns", "dtype": "adlab computes in float64",
           "where": "select the elements first (x[mask]), or use ad.where",
           "mean": "leave it out: the mean is computed from the array"}


def real_only(name, *values):
    """A clear error for a complex constant: adlab differentiates real functions."""
    if any(type(x) is not Traced and np.iscomplexobj(x) for x in values):
        raise InputError(f"{name}: complex numbers are out of scope: adlab differentiates "
                         f"functions of real numbers (give real arrays).")


def refuse(name, **given):
    """The clear error for numpy arguments adlab does not take (``out=``, ``where=``...); None,
    a float ``dtype`` and ``where=True`` are what numpy does anyway."""
    refused = sorted(key for key, value in given.items()
                     if value is not None and not (key == "dtype" and value in FLOAT)
                     and not (key == "where" and value is True))
    if refused:
        raise unsupported(f"numpy.{name} with arguments {refused} ("
                          + "; ".join(f"{key}: {INSTEAD[key]}" for key in refused) + ")")


def _constant(text: str) -> str:
    """A constant argument as a row or a message gives it (``0, 2``, ``(0, 2)``, ``(-1)``,
    ``'ij->i'``), as it appears after ``axis=``: ``(0, 2)``, ``-1``, ``ij->i``."""
    text = text.strip("'\"")
    if ", " not in text:
        return text[1:-1] if text.startswith("(") and text.endswith(")") else text
    return text if text.startswith("(") else f"({text})"


def _listed(text: str) -> str:
    """A tuple of axes as numpy's ``tensordot`` lists them: ``1, 2`` -> ``[1, 2]``."""
    return "[" + text.strip("()[] ").rstrip(",") + "]"


def call_text(name, positional, keywords=(), latex=False) -> str:
    """``name(v1, v2, axis=0)``, or in LaTeX ``\\operatorname{name}(v_{1}, v_{2}, \\text{axis=0})``;
    ``keywords`` are ``(key, text)`` pairs, left out where the text is None."""
    shown = [rf"\text{{{key}={value}}}" if latex else f"{key}={value}"
             for key, value in keywords if value is not None]
    head = rf"\operatorname{{{name}}}" if latex else name
    return f"{head}({', '.join(list(positional) + shown)})"


def _product_rule(write, n_constants_before=0):
    """A tangent row's template for an operation linear in each traced argument: the operation
    with one argument's tangent in place of the argument, summed over the traced arguments."""
    def template(args, tangents):
        terms = []
        for k, t in enumerate(tangents):
            if t is not None and k >= n_constants_before:
                terms.append(write([t if j == k else a for j, a in enumerate(args)]))
        return " + ".join(terms) if terms else "0"
    return template


# ---------------------------------------------------------------- einsum

def _einsum_text(latex=False):
    def write(args):
        subscripts = _constant(args[0])
        if latex:
            below = subscripts.replace("->", r" \to ")
            return rf"\operatorname{{einsum}}_{{{below}}}({', '.join(args[1:])})"
        return f"einsum('{subscripts}', {', '.join(args[1:])})"
    return write


def einsum_adjoint(subscripts: str, operands, k: int, g):
    """The adjoint of operand ``k`` of ``einsum(subscripts, *operands)`` whose output's adjoint is
    ``g``: an einsum of ``g`` and the other operands onto operand ``k``'s indices.

    ``subscripts`` is explicit (``'ij,jk->ik'``, letters only). Three cases add a constant:
    an index repeated in operand ``k`` (``'ii->i'``: it read a diagonal, so its adjoint lies on the
    diagonal: times the identity), an index of operand ``k`` found nowhere else (``'ij->i'``: it was
    summed, so the adjoint is spread along it: times ones), and an axis of length 1 that numpy
    broadcast (summed back to length 1).
    """
    inputs, output = subscripts.split("->")
    terms = inputs.split(",")
    shapes = [np.shape(raw(x)) for x in operands]
    size = {}
    for term, shape in zip(terms, shapes):
        for letter, n in zip(term, shape):
            size[letter] = max(size.get(letter, 1), n)
    fresh = iter(c for c in LETTERS if c not in subscripts)
    parts = [output] + [t for j, t in enumerate(terms) if j != k]
    values = [g] + [x for j, x in enumerate(operands) if j != k]
    target = ""
    for letter, n in zip(terms[k], shapes[k]):
        if letter in target:  # a repeated index: the adjoint lies on the diagonal
            new = next(fresh)
            parts.append(letter + new)
            values.append(np.eye(n))
        elif n == 1 and size[letter] > 1:  # a broadcast axis: summed back to length 1
            new = next(fresh)
            parts.append(new)
            values.append(np.ones(1))
        else:
            new = letter
        target += new
    present = set("".join(parts))
    for letter, n in zip(target, shapes[k]):
        if letter not in present:  # summed in the forward: the adjoint is spread along it
            parts.append(letter)
            values.append(np.ones(n))
    return einsum(",".join(parts) + "->" + target, *values)


def _einsum_jvp(args, out, tangents):
    subscripts, operands = args[0], args[1:]
    total = None
    for k, t in enumerate(tangents[1:]):
        if t is not None:
            term = einsum(subscripts, *[t if j == k else x for j, x in enumerate(operands)])
            total = term if total is None else total + term
    return total


einsum_ = define("einsum", lambda subscripts, *operands: _scalar(np.einsum(subscripts, *operands)),
                 jvp_rule=_einsum_jvp,
                 vjp_rule=lambda k, g, args, out: einsum_adjoint(args[0], args[1:], k - 1, g),
                 domain="each index must have one length in every operand that has it (or 1, "
                        "broadcast)",
                 text=_einsum_text(), latex=_einsum_text(latex=True),
                 tangent_text=_product_rule(_einsum_text(), 1),
                 tangent_latex=_product_rule(_einsum_text(latex=True), 1))

EINSUM_FORMS = ("the forms of numpy.einsum: subscripts of letters a-z, A-Z, one term per operand "
                "(any number of operands), an explicit output ('ij,jk->ik', 'ii->i', 'ij->ji', "
                "'bij,bjk->bik') or numpy's implicit one ('ij,jk'), an ellipsis ('...ij,...jk->"
                "...ik'), or the interleaved form einsum(a, [0, 1], b, [1, 2], [0, 2])")


def _einsum_error(what: str) -> InputError:
    return InputError(f"einsum: {what}. adlab differentiates {EINSUM_FORMS}.")


def _interleaved(args):
    """``einsum(a, [0, 1], b, [1, 2], [0, 2])`` as ``('AB,BC->AC', [a, b])`` (numpy's labels:
    0-25 are A-Z, 26-51 are a-z, so that the implicit output keeps their order)."""
    labels = string.ascii_uppercase + string.ascii_lowercase

    def word(sublist):
        try:
            return "".join("..." if s is Ellipsis else labels[int(s)] for s in sublist)
        except (TypeError, ValueError, IndexError):
            raise _einsum_error(f"{sublist!r} is not a list of axis labels 0-51 (or ...)") from None
    pairs, output = (args[:-1], word(args[-1])) if len(args) % 2 else (args, None)
    words = [word(s) for s in pairs[1::2]]
    return ",".join(words) + ("" if output is None else "->" + output), list(pairs[0::2])


def explicit_subscripts(subscripts: str, shapes) -> str:
    """numpy's einsum subscripts for operands of ``shapes``, written out: letters only, the
    ellipsis spelled as letters, the output explicit. ``'ij,jk'`` -> ``'ij,jk->ik'``,
    ``'...ij,...jk->...ik'`` on (2, 3, 4), (2, 4, 5) -> ``'aij,ajk->aik'``."""
    if not isinstance(subscripts, str):
        raise _einsum_error(f"the subscripts must be a string, not {type(subscripts).__name__}")
    text = subscripts.replace(" ", "")
    inputs, arrow, output = text.partition("->")
    terms = inputs.split(",")
    if len(terms) != len(shapes):
        raise _einsum_error(f"{subscripts!r} has {len(terms)} operand term(s) for "
                            f"{len(shapes)} operand(s)")
    for word in terms + ([output] if arrow else []):
        letters = word.replace("...", "", 1)
        if any(c not in LETTERS for c in letters):
            raise _einsum_error(f"{word!r} in {subscripts!r} is not made of letters (with at most "
                                f"one ...)")
    unused = [c for c in LETTERS if c not in text]
    lengths = []
    for word, shape in zip(terms, shapes):
        named = len(word.replace("...", ""))
        extra = len(shape) - named
        if extra < 0 or (extra and "..." not in word):
            raise _einsum_error(f"the term {word!r} names {named} axes, but its operand has "
                                f"{len(shape)} (shape {shape})")
        lengths.append(extra)
    longest = max(lengths, default=0)
    if longest > len(unused):
        raise _einsum_error("too many axes under the ellipsis")
    broadcast = "".join(unused[:longest])  # the ellipsis' axes, aligned from the right
    terms = [w.replace("...", broadcast[longest - n:] if n else "") for w, n in zip(terms, lengths)]
    if arrow:
        named = output.replace("...", "")
        strays = sorted(set(named) - set("".join(terms)))
        if strays or len(set(named)) != len(named):
            raise _einsum_error(f"the output {output!r} must name each index once, and only "
                                f"indices of the operands" + (f" ({strays[0]!r} is in none)"
                                                              if strays else ""))
        if broadcast and "..." not in output:
            raise _einsum_error(f"{subscripts!r}: the operands have axes under the ellipsis, so "
                                f"the output must have one too (as numpy requires)")
        output = output.replace("...", broadcast)
    else:  # numpy's implicit output: the ellipsis, then the indices used once, in ASCII order
        joined = "".join(terms)
        output = broadcast + "".join(sorted(c for c in set(joined) - set(broadcast)
                                            if joined.count(c) == 1))
    return ",".join(terms) + "->" + output


def einsum(*args, out=None, optimize=False, **kwargs):
    """Einstein summation, like ``numpy.einsum``: ``einsum('ij,jk->ik', a, b)`` is ``a @ b``.

    Every form of numpy's: any number of operands, explicit or implicit output, repeated indices
    (``'ii->i'``, the diagonal; ``'ii'``, the trace), an ellipsis, the interleaved form. The
    recorded row writes the subscripts out explicitly (``einsum('ij,jk->ik', v1, v2)``).
    ``optimize`` is accepted (the value is the same); ``out``, ``dtype`` and the like are not.
    """
    refuse("einsum", out=out, dtype=kwargs.get("dtype"))  # order, casting, optimize: same value
    if not args:
        raise _einsum_error("no subscripts and no operands were given")
    if isinstance(args[0], str):
        subscripts, operands = args[0], list(args[1:])
    else:
        subscripts, operands = _interleaved(args)
    if not operands:
        raise _einsum_error("no operands were given")
    real_only("einsum", *operands)
    shapes = [np.shape(raw(x)) for x in operands]
    explicit = explicit_subscripts(subscripts, shapes)
    check_lengths(f"einsum('{explicit}')", explicit, shapes, broadcast=True)
    return bind(einsum_, explicit, *[x if type(x) is Traced else _as_float(x) for x in operands])


def check_lengths(call: str, subscripts: str, shapes, broadcast=False):
    """A clear error where an index has two lengths (``j`` of ``'ij,jk->ik'`` on (2, 3), (4, 2));
    with ``broadcast`` a length 1 goes with any (numpy's einsum broadcasts it)."""
    seen = {}
    for k, (term, shape) in enumerate(zip(subscripts.split("->")[0].split(","), shapes)):
        for axis, (letter, n) in enumerate(zip(term, shape)):
            if broadcast and n == 1:
                continue
            if letter in seen and seen[letter][0] != n:
                m, j, other_axis = seen[letter]
                raise DomainError(
                    f"{call}: axis {other_axis} of operand {j + 1} (shape {shapes[j]}) and axis "
                    f"{axis} of operand {k + 1} (shape {shape}) go together (index {letter!r}) "
                    f"but have lengths {m} and {n}. Print the shapes of the arrays involved "
                    f"(x.shape): a transpose (.T) or other axes may be what was meant.")
            seen.setdefault(letter, (n, k, axis))


def _as_float(x):
    """A constant operand as floats (a Python number stays a number)."""
    if isinstance(x, (int, float)) and not isinstance(x, bool):
        return float(x)
    return np.asarray(x, dtype=float)


# ---------------------------------------------------------------- contractions of two arrays

def contraction(name, numpy_function, layout, keywords=lambda constants: (), **fields):
    """An entry ``name(a, b, *constants)`` computed by ``numpy_function`` and equal to an einsum
    of ``a`` and ``b``: ``layout(shape_a, shape_b, *constants)`` gives ``(subscripts, shape_a2,
    shape_b2, shape_out2)``, the einsum and the shapes it reads the operands and the result in
    (``outer`` reads its operands flattened, ``kron`` its result as interleaved axes; None: as
    they are).
    ``keywords(constant_texts)`` gives the constants as ``(key, text)`` pairs for the row.

    Returns the entry and the function that records it (after checking that the summed axes fit).
    """
    def rewritten(k, g, args):
        a, b, *constants = args
        shapes = (np.shape(raw(a)), np.shape(raw(b)))
        subscripts, shape_a, shape_b, shape_out = layout(*shapes, *constants)
        operands = [x if np.shape(raw(x)) == s else reshape(x, s)
                    for x, s in zip((a, b), (shape_a, shape_b))]
        if shape_out is not None and np.shape(raw(g)) != shape_out:
            g = reshape(g, shape_out)
        adjoint = einsum_adjoint(subscripts, operands, k, g)
        return adjoint if np.shape(raw(adjoint)) == shapes[k] else reshape(adjoint, shapes[k])

    def jvp(args, out, tangents):
        a, b, *constants = args
        total = None  # the product rule, a constant contributing nothing
        for term in ((tangents[0], b), (a, tangents[1])):
            if all(v is not None for v in term):
                value = bind(entry, *term, *constants)
                total = value if total is None else total + value
        return total

    def writer(latex):
        def write(args):
            return call_text(name, args[:2], keywords(args[2:]), latex)
        return write

    def checked(a, b, *constants):
        """Record ``name(a, b, *constants)``, or say clearly which axes do not fit."""
        real_only(name, a, b)
        shapes = (np.shape(raw(a)), np.shape(raw(b)))
        subscripts, shape_a, shape_b, _ = layout(*shapes, *constants)
        check_lengths(f"{name} of shapes {shapes[0]} and {shapes[1]}", subscripts,
                      (shape_a, shape_b))
        return bind(entry, a, b, *constants)

    entry = define(name, lambda a, b, *constants: _scalar(numpy_function(a, b, *constants)),
                   jvp_rule=jvp, vjp_rule=lambda k, g, args, out: rewritten(k, g, args),
                   text=writer(False), latex=writer(True),
                   tangent_text=_product_rule(writer(False)),
                   tangent_latex=_product_rule(writer(True)), **fields)
    return entry, checked


def _letters(n, start=0):
    return LETTERS[start:start + n]


def _tensordot_layout(shape_a, shape_b, axes_a, axes_b):
    axes_a, axes_b = _tensordot_axes(len(shape_a), len(shape_b), axes_a, axes_b)
    a = list(_letters(len(shape_a)))
    b = list(_letters(len(shape_b), len(shape_a)))
    for i, j in zip(axes_a, axes_b):
        b[j] = a[i]
    out = [c for i, c in enumerate(a) if i not in axes_a] + [
        c for j, c in enumerate(b) if j not in axes_b]
    return f"{''.join(a)},{''.join(b)}->{''.join(out)}", shape_a, shape_b, None


def _tensordot_axes(ndim_a, ndim_b, axes_a, axes_b):
    """``axes=n`` (``axes_b`` None) or a pair of lists, as two tuples of non-negative axes."""
    if axes_b is None:
        n = axes_a
        return tuple(range(ndim_a - n, ndim_a)), tuple(range(n))
    return tuple(i % max(ndim_a, 1) for i in axes_a), tuple(j % max(ndim_b, 1) for j in axes_b)


tensordot_, _tensordot = contraction(
    "tensordot", lambda a, b, axes_a, axes_b: np.tensordot(
        a, b, axes=axes_a if axes_b is None else (list(axes_a), list(axes_b))),
    _tensordot_layout,
    keywords=lambda c: [("axes", c[0] if _constant(c[1]) == "None"
                         else f"({_listed(c[0])}, {_listed(c[1])})")],
    domain="the summed axes must have the same lengths in both arrays")


def tensordot(a, b, axes=2):
    """The sum of products over ``axes``, like ``numpy.tensordot``: ``axes=n`` sums the last
    ``n`` axes of ``a`` against the first ``n`` of ``b``; ``axes=([1, 0], [0, 1])`` names them."""
    ndim_a, ndim_b = np.ndim(raw(a)), np.ndim(raw(b))
    if isinstance(axes, (int, np.integer)):
        n = int(axes)
        if not 0 <= n <= min(ndim_a, ndim_b):
            raise InputError(f"tensordot: axes={n} sums the last {n} axes of a ({ndim_a}-D) "
                             f"against the first {n} of b ({ndim_b}-D); give at most "
                             f"{min(ndim_a, ndim_b)}.")
        return _tensordot(a, b, n, None)
    try:
        axes_a, axes_b = (tuple(int(i) for i in np.atleast_1d(side)) for side in axes)
    except (TypeError, ValueError):
        raise InputError(f"tensordot: axes={axes!r} must be a number n or a pair of lists of "
                         f"axes, e.g. axes=([1, 0], [0, 1]).") from None
    if len(axes_a) != len(axes_b) or not all(-ndim_a <= i < ndim_a for i in axes_a) or not all(
            -ndim_b <= j < ndim_b for j in axes_b):
        raise InputError(f"tensordot: axes={axes!r} must pair as many axes of a (shape "
                         f"{np.shape(raw(a))}) as of b (shape {np.shape(raw(b))}).")
    return _tensordot(a, b, axes_a, axes_b)


def _inner_layout(shape_a, shape_b):
    a, b = _letters(len(shape_a)), _letters(len(shape_b), len(shape_a))
    b = b[:-1] + a[-1]
    return f"{a},{b}->{a[:-1]}{b[:-1]}", shape_a, shape_b, None


inner_, _inner = contraction("inner", np.inner, _inner_layout,
                             domain="the last axes of the two arrays must have the same length")


def inner(a, b):
    """The sum of products over the last axes, like ``numpy.inner`` (a number times an array: the
    product)."""
    if np.ndim(raw(a)) == 0 or np.ndim(raw(b)) == 0:
        return a * b
    return _inner(a, b)


outer_, _outer = contraction(
    "outer", np.outer,
    lambda shape_a, shape_b: ("i,j->ij", (int(np.prod(shape_a)),), (int(np.prod(shape_b)),),
                              (int(np.prod(shape_a)), int(np.prod(shape_b)))))


def outer(a, b):
    """Every product ``a[i] b[j]``, like ``numpy.outer`` (arrays are flattened first)."""
    return _outer(a, b)


vdot_, _vdot = contraction(
    "vdot", np.vdot,
    lambda shape_a, shape_b: ("i,i->", (int(np.prod(shape_a)),), (int(np.prod(shape_b)),), ()),
    domain="the two arrays must have the same number of elements")


def vdot(a, b):
    """The sum of the products of the elements, both arrays flattened, like ``numpy.vdot`` (for
    real numbers, which is all adlab differentiates)."""
    return _vdot(a, b)


def _kron_layout(shape_a, shape_b):
    n = max(len(shape_a), len(shape_b))
    sa, sb = (1,) * (n - len(shape_a)) + shape_a, (1,) * (n - len(shape_b)) + shape_b
    a, b = _letters(n), _letters(n, n)
    interleaved = "".join(x + y for x, y in zip(a, b))
    return (f"{a},{b}->{interleaved}", sa, sb,
            tuple(d for pair in zip(sa, sb) for d in pair))


kron_, _kron = contraction("kron", np.kron, _kron_layout)


def kron(a, b):
    """The Kronecker product, like ``numpy.kron``: block ``(i, j)`` is ``a[i, j] * b``."""
    return _kron(a, b)


# ---------------------------------------------------------------- dot, composed

def dot(a, b):
    """``numpy.dot``: a number times an array is the product; vectors and matrices (and an
    N-D array with a vector) the matrix product ``a @ b`` (numpy's dot and matmul agree there);
    N-D arrays with M-D ones the sum over ``a``'s last axis and ``b``'s second-to-last, which is
    ``tensordot(a, b, axes=([-1], [-2]))`` (not matmul's stacks of matrices)."""
    ndim_a, ndim_b = np.ndim(raw(a)), np.ndim(raw(b))
    if ndim_a == 0 or ndim_b == 0:
        return a * b
    if ndim_a <= 2 and ndim_b <= 2 or ndim_b == 1 or ndim_a == 1:
        return matmul(a, b)
    return _tensordot(a, b, (ndim_a - 1,), (ndim_b - 2,))


# ---------------------------------------------------------------- numpy's functions, traced

implements(np.einsum)(einsum)
implements(np.tensordot)(lambda a, b, axes=2: tensordot(a, b, axes))
implements(np.inner)(inner)
implements(np.outer)(lambda a, b, out=None: refuse("outer", out=out) or outer(a, b))
implements(np.vdot)(vdot)
implements(np.kron)(kron)
implements(np.dot)(lambda a, b, out=None: refuse("dot", out=out) or dot(a, b))

#: Functions composed of the table's entries (not entries themselves), exported beside them.
COMPOSED = (dot,)
