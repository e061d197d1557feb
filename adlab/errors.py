"""The exceptions adlab raises: each says what was wrong and what to do.

All derive from :class:`AdlabError`, and each also derives from the builtin exception a Python
programmer would expect (``TypeError`` for unsupported operations and wrong argument types,
``ValueError`` for values outside a domain), so ``except ValueError`` keeps working.
"""


class AdlabError(Exception):
    """Base class of every error adlab raises on purpose."""


class UnsupportedOperationError(AdlabError, TypeError):
    """An operation adlab has no differentiation rule for was applied to a traced value."""


class DomainError(AdlabError, ValueError):
    """An elementary operation was evaluated outside its domain (``log(-1)``, ``1/0``)."""


class DerivativeError(AdlabError, ValueError):
    """A derivative does not exist (is infinite or undefined) at the point where it was asked for."""


class InputError(AdlabError, TypeError):
    """A function was called with arguments of the wrong kind (a string, a non-scalar output...)."""
