"""Exercises that check themselves: ``ad.exercises.check(exercise_id, answer)``.

    import adlab as ad
    ad.exercises.ids()                         # every exercise, in lesson order
    ad.exercises.check("03-read-v2", None)     # … Not answered yet (03-read-v2): replace None ...
    ad.exercises.check("03-read-v2", 10.0)     # ✓ Right ... (truthy)

``check`` returns a :class:`Feedback`: truthy exactly when the answer is right, shown in a notebook as
a short green (right), red (not yet, with a hint) or grey (not answered yet) message. A hint points
at the row, the rule or the sign to look at; it never gives the answer away. ``ids()`` lists the
exercises in lesson order, ``describe(id)`` says what each one asks.

Whatever the answer is (``None``, a string, a number of the wrong shape, a function that raises or
never returns), ``check`` answers with a message, never a traceback, so a lesson always runs top
to bottom. Each lesson's checkers live in ``lessonNN.py`` beside this file; a checker is a function
``answer -> Feedback`` registered with :func:`exercise`, built from the helpers below.

For grading, ``Feedback.as_dict()`` gives ``{"exercise", "correct", "status", "message", "hint"}``.
"""
from __future__ import annotations

import difflib
import html
import importlib
import math
import pkgutil
import signal
import threading
from dataclasses import dataclass
from typing import Callable

import numpy as np

#: Seconds a student's function may run before the checker stops it (an endless loop).
TIME_LIMIT = 2.0

RIGHT, WRONG, UNANSWERED, INVALID = "right", "wrong", "unanswered", "invalid"


# ---------------------------------------------------------------- feedback

@dataclass(frozen=True)
class Feedback:
    """The verdict on one answer: truthy exactly when ``status == "right"``."""

    exercise: str
    status: str          # "right" | "wrong" | "unanswered" | "invalid" (unknown exercise id)
    message: str
    hint: str = ""

    def __bool__(self) -> bool:
        return self.status == RIGHT

    @property
    def correct(self) -> bool:
        return self.status == RIGHT

    def as_dict(self) -> dict:
        return {"exercise": self.exercise, "correct": self.correct, "status": self.status,
                "message": self.message, "hint": self.hint}

    _LOOK = {  # status: (mark, title, text colour, background, border); AA contrast on both themes
        RIGHT: ("✓", "Right", "#0B3D2E", "#D9F2E6", "#009E73"),
        WRONG: ("✗", "Not yet", "#5C1A00", "#FBE3D6", "#D55E00"),
        UNANSWERED: ("…", "Not answered yet", "#1A1A1A", "#EDEDED", "#8C8C8C"),
        INVALID: ("?", "Unknown exercise", "#1A1A1A", "#EDEDED", "#8C8C8C"),
    }

    def __str__(self) -> str:
        mark, title = self._LOOK[self.status][:2]
        text = f"{mark} {title} ({self.exercise}): {self.message}"
        return text + (f"\n  Hint: {self.hint}" if self.hint else "")

    __repr__ = __str__

    def _repr_pretty_(self, printer, cycle):
        printer.text(str(self))

    def _repr_html_(self) -> str:
        mark, title, ink, background, border = self._LOOK[self.status]
        hint = (f'<div style="margin-top:4px"><b>Hint:</b> {html.escape(self.hint)}</div>'
                if self.hint else "")
        return (f'<div style="color:{ink};background:{background};border-left:6px solid {border};'
                f'padding:8px 12px;margin:4px 0;font-size:15px;line-height:1.45;max-width:60em">'
                f'<b>{mark} {title}</b> ({html.escape(self.exercise)}): '
                f'{html.escape(self.message)}{hint}</div>')


def right(message: str = "that is correct.") -> "_Verdict":
    """A checker's verdict: the answer is right (``message`` may add why it matters)."""
    return _Verdict(RIGHT, message)


def wrong(message: str, hint: str = "") -> "_Verdict":
    """A checker's verdict: the answer is wrong; ``message`` says what was checked, ``hint`` what
    to look at (never the answer itself)."""
    return _Verdict(WRONG, message, hint)


@dataclass(frozen=True)
class _Verdict:
    status: str
    message: str
    hint: str = ""


class NotAnswered(Exception):
    """Raised (by a template's ``raise NotImplementedError`` or a checker) for an unanswered cell."""


class Rejected(Exception):
    """Raised inside a checker to reject an answer with a message (and a hint) at once."""

    def __init__(self, message: str, hint: str = ""):
        super().__init__(message)
        self.message, self.hint = message, hint


# ---------------------------------------------------------------- the registry

@dataclass(frozen=True)
class Exercise:
    id: str
    lesson: int
    title: str
    checker: Callable


_REGISTRY: dict[str, Exercise] = {}
_loaded = False


def exercise(exercise_id: str, title: str) -> Callable:
    """Register ``checker(answer) -> right(...) | wrong(...)`` under ``exercise_id``.

    The id starts with the lesson's two-digit number (``"04-dual-sin"``); registration order within
    a lesson is the order of ``ids()``.
    """
    def register(checker: Callable) -> Callable:
        if exercise_id in _REGISTRY:
            raise ValueError(f"exercise id {exercise_id!r} is registered twice")
        _REGISTRY[exercise_id] = Exercise(exercise_id, int(exercise_id[:2]), title, checker)
        return checker
    return register


def _load() -> None:
    """Import every ``lessonNN`` module of this package (each registers its exercises)."""
    global _loaded
    if _loaded:
        return
    for module in sorted(m.name for m in pkgutil.iter_modules(__path__)
                         if m.name.startswith("lesson")):
        importlib.import_module(f"{__name__}.{module}")
    _loaded = True


def ids(lesson: int | None = None) -> list[str]:
    """The exercise ids in lesson order (only lesson ``lesson``'s when given)."""
    _load()
    order = sorted(_REGISTRY.values(), key=lambda e: e.lesson)  # stable: registration order
    return [e.id for e in order if lesson is None or e.lesson == lesson]


def describe(exercise_id: str) -> str:
    """One line on what the exercise asks."""
    _load()
    e = _REGISTRY.get(exercise_id)
    return f"{e.id} (lesson {e.lesson}): {e.title}" if e else _unknown(exercise_id).message


def _unknown(exercise_id) -> Feedback:
    known = ids()
    close = difflib.get_close_matches(str(exercise_id), known, n=1)
    hint = f"Did you mean {close[0]!r}? " if close else ""
    return Feedback(str(exercise_id), INVALID,
                    f"there is no exercise called {exercise_id!r}. {hint}"
                    f"ad.exercises.ids() lists all {len(known)}.")


_MISSING = object()


def check(exercise_id: str, answer=_MISSING) -> Feedback:
    """Check ``answer`` to exercise ``exercise_id``; never raises for a bad answer."""
    _load()
    if not isinstance(exercise_id, str) or exercise_id not in _REGISTRY:
        return _unknown(exercise_id)
    if answer is _MISSING or answer is None or answer is Ellipsis:
        return Feedback(exercise_id, UNANSWERED,
                        "replace None with your answer and run the cell again.")
    try:
        verdict = _REGISTRY[exercise_id].checker(answer)
    except NotAnswered as e:
        return Feedback(exercise_id, UNANSWERED, str(e) or
                        "fill in the part marked 'your code here' and run the cell again.")
    except Rejected as e:
        return Feedback(exercise_id, WRONG, e.message, e.hint)
    except Exception as e:  # a checker must never show a student a traceback
        return Feedback(exercise_id, WRONG, f"the checker could not use this answer "
                        f"({type(e).__name__}: {_short(e)}).",
                        "Check that the answer has the form the exercise asks for.")
    return Feedback(exercise_id, verdict.status, verdict.message, verdict.hint)


# ---------------------------------------------------------------- helpers for checkers

def _short(error: BaseException, limit: int = 160) -> str:
    text = str(error).strip().splitlines()[0] if str(error).strip() else ""
    return text if len(text) <= limit else text[:limit - 1] + "…"


def describe_value(value) -> str:
    """A short description of an answer for messages: ``the string 'abc'``, ``a list of 3 items``."""
    if isinstance(value, str):
        shown = value if len(value) <= 30 else value[:29] + "…"
        return f"the string {shown!r}"
    if isinstance(value, bool):
        return f"the boolean {value}"
    if isinstance(value, (list, tuple)):
        return f"a {type(value).__name__} of {len(value)} item{'s' * (len(value) != 1)}"
    if isinstance(value, np.ndarray):
        return f"an array of shape {value.shape}"
    if callable(value):
        return f"the function {getattr(value, '__name__', type(value).__name__)}"
    return f"{type(value).__name__} {value!r}"[:60]


def as_number(answer, what: str = "a number") -> float:
    """``answer`` as a float, or :class:`Rejected` saying what was expected instead."""
    if isinstance(answer, bool) or isinstance(answer, str) or callable(answer):
        raise Rejected(f"expected {what}, got {describe_value(answer)}.",
                       "Write the number itself, e.g. 0.25 (no quotes).")
    value = getattr(answer, "value", answer)  # an adlab Estimate or a 0-d traced value
    try:
        array = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        raise Rejected(f"expected {what}, got {describe_value(answer)}.") from None
    if array.size != 1:
        raise Rejected(f"expected {what} (one value), got {describe_value(answer)}.",
                       "The exercise asks for a single number.")
    number = float(array.reshape(()))
    if math.isnan(number):
        raise Rejected("the answer is nan (not a number).",
                       "nan comes from 0/0, inf - inf or a log of a negative number: "
                       "check the expression that produced it.")
    return number


def as_vector(answer, length: int, what: str = "numbers") -> np.ndarray:
    """``answer`` as a float vector of ``length`` entries, or :class:`Rejected`."""
    if isinstance(answer, (str, bool)) or callable(answer):
        raise Rejected(f"expected {length} {what}, got {describe_value(answer)}.",
                       f"Give a tuple or list of {length} numbers.")
    try:
        array = np.asarray(getattr(answer, "value", answer), dtype=float)
    except (TypeError, ValueError):
        raise Rejected(f"expected {length} {what}, got {describe_value(answer)}.") from None
    if array.size != length:
        raise Rejected(f"expected {length} {what}, got {array.size} "
                       f"({describe_value(answer)}).", f"Give exactly {length} numbers.")
    return array.reshape(length)


def as_array(answer, shape: tuple, what: str = "an array") -> np.ndarray:
    """``answer`` as a float array of ``shape``, or :class:`Rejected` naming both shapes."""
    if isinstance(answer, (str, bool)) or callable(answer):
        raise Rejected(f"expected {what} of shape {shape}, got {describe_value(answer)}.")
    try:
        array = np.asarray(getattr(answer, "value", answer), dtype=float)
    except (TypeError, ValueError):
        raise Rejected(f"expected {what} of shape {shape}, got {describe_value(answer)}.") from None
    if array.shape != tuple(shape):
        raise Rejected(f"expected {what} of shape {tuple(shape)}, got shape {array.shape}.",
                       "Shapes first: print the shape of each piece of your answer.")
    return array


def close(answer, expected, rtol: float = 1e-6, atol: float = 1e-9) -> bool:
    """Whether two numbers or arrays agree to ``rtol``/``atol`` (nan never agrees)."""
    a, b = np.asarray(answer, dtype=float), np.asarray(expected, dtype=float)
    return a.shape == b.shape and bool(np.all(np.abs(a - b) <= atol + rtol * np.abs(b)))


def as_function(answer, what: str = "a function") -> Callable:
    """``answer`` if it is callable, else :class:`Rejected`."""
    if not callable(answer):
        raise Rejected(f"expected {what}, got {describe_value(answer)}.",
                       "Pass the function itself, without calling it: check(id, f), not f(2.0).")
    return answer


class _Timeout(BaseException):
    """Raised in the student's code by the alarm (BaseException, so `except Exception` in student
    code cannot swallow it)."""


def call(function: Callable, *args, label: str = "", time_limit: float | None = None, **kwargs):
    """Call a student's function; a raise, an endless loop or a missing ``return`` becomes
    :class:`Rejected` (or :class:`NotAnswered` for a template's ``NotImplementedError``).

    ``label`` describes the call in messages (default: the arguments).
    """
    limit = TIME_LIMIT if time_limit is None else time_limit
    where = label or "(" + ", ".join(map(repr, args)) + ")"
    name = getattr(function, "__name__", "your function")
    use_alarm = (hasattr(signal, "setitimer") and limit > 0
                 and threading.current_thread() is threading.main_thread())
    previous = None
    if use_alarm:
        def on_alarm(signum, frame):
            raise _Timeout()
        previous = signal.signal(signal.SIGALRM, on_alarm)
        signal.setitimer(signal.ITIMER_REAL, limit)
    try:
        return function(*args, **kwargs)
    except _Timeout:
        raise Rejected(f"{name}{where} did not finish within {limit:g} s.",
                       "Look for a loop that never ends (a while condition that stays true).") \
            from None
    except NotImplementedError:
        raise NotAnswered("fill in the part marked 'your code here' and run the cell again.") \
            from None
    except RecursionError:
        raise Rejected(f"{name}{where} recursed too deeply (RecursionError).",
                       "A recursive function needs a case that stops the recursion.") from None
    except Exception as e:
        raise Rejected(f"{name}{where} raised {type(e).__name__}: {_short(e)}",
                       "Run your function on this input in a cell of its own to see where.") \
            from None
    finally:
        if use_alarm:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, previous)


def returned(value, function: Callable, where: str = ""):
    """Reject a ``None`` result (a forgotten ``return``); return ``value`` otherwise."""
    if value is None:
        name = getattr(function, "__name__", "your function")
        raise Rejected(f"{name}{where} returned None.",
                       "Did you forget the return statement?")
    return value


__all__ = ["check", "ids", "describe", "Feedback", "exercise", "right", "wrong", "Rejected",
           "NotAnswered", "as_number", "as_vector", "as_array", "as_function", "close", "call",
           "returned", "describe_value", "TIME_LIMIT"]
