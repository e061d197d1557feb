"""Reference answers for the lessons' exercises, one module per lesson (``lessonNN.py``).

Each module defines ``SOLUTIONS = {exercise_id: answer}`` (an answer the checker must accept,
computed independently of the checker: by hand, SymPy, finite differences or a second
implementation) and ``WRONG = {exercise_id: [(answer, text), ...]}``: typical wrong answers the
checker must reject, with a piece of ``text`` its message or hint must contain.
"""
