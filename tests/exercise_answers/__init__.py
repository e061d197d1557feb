"""Reference answers for the lessons' exercises, one module per lesson (``lessonNN.py``).

Each module defines ``SOLUTIONS = {exercise_id: answer}`` (an answer the checker must accept,
computed independently of the checker: by hand, SymPy, finite differences or a second
implementation) and ``WRONG = {exercise_id: [(answer, text), ...]}``: typical wrong answers the
checker must reject, with a piece of ``text`` its message or hint must contain. An optional
``ALSO_ACCEPTED = {exercise_id: [answer, ...]}`` lists other forms of a right answer (an int for a
float, a list for a tuple, a value rounded as the task allows, another valid method).
"""
