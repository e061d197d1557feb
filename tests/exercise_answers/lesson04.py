"""Lesson 4 (forward mode): reference answers, worked out by hand, and typical wrong answers.

f(x1, x2) = ln x1 + x1·x2 − sin x2 at (2, 5). With the seed ẋ = (0, 1): v̇2 = v̇-1·v0 + v̇0·v-1
= 0·5 + 1·2 = 2. The seed giving ∂f/∂x2 is (0, 1). G: R⁴ → R³ needs one forward pass per input: 4.
"""
import math


def _lift(x):
    return x if isinstance(x, Dual) else Dual(x, 0.0)


class Dual:
    """a + bε with ε² = 0, written from the algebra (not from the checker)."""

    def __init__(self, value, tangent):
        self.value = value
        self.tangent = tangent

    def __add__(self, other):
        other = _lift(other)
        return Dual(self.value + other.value, self.tangent + other.tangent)

    __radd__ = __add__

    def __sub__(self, other):
        other = _lift(other)
        return Dual(self.value - other.value, self.tangent - other.tangent)

    def __rsub__(self, other):
        return _lift(other) - self

    def __mul__(self, other):
        other = _lift(other)
        return Dual(self.value * other.value,
                    self.tangent * other.value + self.value * other.tangent)

    __rmul__ = __mul__

    def __truediv__(self, other):
        other = _lift(other)
        return Dual(self.value / other.value,
                    (self.tangent * other.value - self.value * other.tangent) / other.value ** 2)

    def __rtruediv__(self, other):
        return _lift(other) / self


def sin(x):
    return Dual(math.sin(x.value), math.cos(x.value) * x.tangent)


def log(x):
    return Dual(math.log(x.value), x.tangent / x.value)


def exp(x):
    return Dual(math.exp(x.value), math.exp(x.value) * x.tangent)


# ---------------------------------------------------------------- typical mistakes

class ProductOfTangents(Dual):
    """(a + bε)(c + dε) with the tangents multiplied: the ε² term kept, the product rule lost."""

    def __mul__(self, other):
        other = _lift(other)
        return ProductOfTangents(self.value * other.value, self.tangent * other.tangent)


class QuotientSign(Dual):
    """The quotient rule with a plus sign: (bc + ad)/c²."""

    def __truediv__(self, other):
        other = _lift(other)
        return QuotientSign(self.value / other.value,
                            (self.tangent * other.value + self.value * other.tangent)
                            / other.value ** 2)


class NoReflected:
    """Only __add__, __sub__, __mul__, __truediv__ (numbers on the right): 2 + x fails."""

    def __init__(self, value, tangent):
        self.value, self.tangent = value, tangent

    def __add__(self, other):
        other = other if isinstance(other, NoReflected) else NoReflected(other, 0.0)
        return NoReflected(self.value + other.value, self.tangent + other.tangent)

    def __sub__(self, other):
        other = other if isinstance(other, NoReflected) else NoReflected(other, 0.0)
        return NoReflected(self.value - other.value, self.tangent - other.tangent)

    def __mul__(self, other):
        other = other if isinstance(other, NoReflected) else NoReflected(other, 0.0)
        return NoReflected(self.value * other.value,
                           self.tangent * other.value + self.value * other.tangent)

    def __truediv__(self, other):
        other = other if isinstance(other, NoReflected) else NoReflected(other, 0.0)
        return NoReflected(self.value / other.value,
                           (self.tangent * other.value - self.value * other.tangent)
                           / other.value ** 2)


class SwappedRsub(Dual):
    """__rsub__ = __sub__: 2 - x computed as x - 2."""

    def __sub__(self, other):
        other = _lift(other)
        return Dual(self.value - other.value, self.tangent - other.tangent)

    __rsub__ = __sub__


class NumbersOnlyAsDuals(Dual):
    """Reads other.value without lifting a plain number: x + 2 raises AttributeError."""

    def __add__(self, other):
        return Dual(self.value + other.value, self.tangent + other.tangent)


class InPlace(Dual):
    """Mutates self instead of returning a new Dual: right alone, wrong at a fan-out."""

    def __mul__(self, other):
        other = _lift(other)
        self.value, self.tangent = (self.value * other.value,
                                    self.tangent * other.value + self.value * other.tangent)
        return self

    __rmul__ = __mul__


class AsTuple(Dual):
    """Returns (value, tangent) instead of a Dual."""

    def __add__(self, other):
        other = _lift(other)
        return (self.value + other.value, self.tangent + other.tangent)


class Unfinished(Dual):
    """The template with __truediv__ still to write (the rest done)."""

    def __truediv__(self, other):
        raise NotImplementedError("your code here")


def sin_without_chain(x):
    return Dual(math.sin(x.value), math.cos(x.value))


def sin_of_a_dual(x):
    return Dual(math.sin(x), math.cos(x) * 1.0)   # math.sin(Dual) raises TypeError


class OtherNames:
    """Attributes a and b instead of value and tangent."""

    def __init__(self, value, tangent):
        self.a, self.b = value, tangent


SOLUTIONS = {
    "04-read-tangent": 2.0,
    "04-seed-for-x2": (0.0, 1.0),
    "04-dual-numbers": (Dual, sin, log, exp),
    "04-jacobian-passes": 4,
}

WRONG = {
    "04-read-tangent": [
        (10.0, "value"),              # v2 itself
        (5.0, "seed ẋ = (1, 0)"),     # the tangent of the trace printed with the other seed
        (7.0, "(1, 1)"),              # both tangents set to 1
        (0.0, "product rule"),        # only v̇-1 × v0
        (1.0, "seed itself"),         # v̇0
        (-2.0, "sign"),
        (2.0 - math.cos(5.0), "ẏ"),   # the output's tangent, not v̇2
        (1 / 2.0 + 5.0, "last row"),  # ẏ = ∂f/∂x1 read off the trace printed above
        (3.5, "substitute"),
    ],
    "04-seed-for-x2": [
        ((1.0, 0.0), "∂f/∂x1"),
        ((2.0, 5.0), "not a seed"),
        ((0.0, 5.0), "linear in the seed"),
        ((1.0, 1.0), "mix of both"),
        ((0.0, 0.0), "zero seed"),
    ],
    "04-dual-numbers": [
        ((ProductOfTangents, sin, log, exp), "product rule"),
        ((QuotientSign, sin, log, exp), "quotient rule"),
        ((NoReflected, sin, log, exp), "__radd__"),
        ((SwappedRsub, sin, log, exp), "order matters"),
        ((NumbersOnlyAsDuals, sin, log, exp), "Dual(other, 0)"),
        ((InPlace, sin, log, exp), "fan-out"),
        ((AsTuple, sin, log, exp), "not a Dual"),
        ((Unfinished, sin, log, exp), "__truediv__ still raises NotImplementedError"),
        ((Dual, sin_without_chain, log, exp), "chain rule"),
        ((Dual, sin_of_a_dual, log, exp), "x.value"),
        ((OtherNames, sin, log, exp), "no attribute 'value'"),
        (Dual, "tuple"),
        ((Dual, sin, log), "tuple"),
    ],
    "04-jacobian-passes": [
        (3, "outputs"),
        (12, "entry"),
        (1, "one column"),
        (5, "forward differences"),
        (8, "central differences"),
        (4.5, "not a count"),
    ],
}
