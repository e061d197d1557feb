"""Other forms of a right answer (an int for a float, a list for a tuple, a value rounded as the
task allows, another valid method) are accepted: ``ALSO_ACCEPTED`` in ``exercise_answers/``."""
from __future__ import annotations

import importlib
import pkgutil

import pytest

import exercise_answers
from adlab import exercises as ex

ALSO_ACCEPTED = {}
for _info in pkgutil.iter_modules(exercise_answers.__path__):
    ALSO_ACCEPTED.update(getattr(importlib.import_module(f"exercise_answers.{_info.name}"),
                                 "ALSO_ACCEPTED", {}))
CASES = [(i, k) for i in sorted(ALSO_ACCEPTED) for k in range(len(ALSO_ACCEPTED[i]))]


@pytest.mark.parametrize("exercise_id, k", CASES)
def test_another_form_of_a_right_answer_is_accepted(exercise_id, k):
    assert exercise_id in ex.ids()
    feedback = ex.check(exercise_id, ALSO_ACCEPTED[exercise_id][k])
    assert feedback, str(feedback)
