"""The exercises' checkers: every exercise accepts its reference solution, rejects its typical wrong
answers with a hint, and answers any bad input (None, a string, a wrong shape, a function that
raises or loops) with a message instead of a traceback. Solutions live in ``exercise_answers/``."""
from __future__ import annotations

import importlib
import json
import math
import pkgutil
import re
from pathlib import Path

import numpy as np
import pytest

import adlab as ad
import exercise_answers
from adlab import exercises as ex

LESSONS = Path(__file__).resolve().parents[1] / "lessons"


def _answer_modules():
    return [importlib.import_module(f"exercise_answers.{m.name}")
            for m in pkgutil.iter_modules(exercise_answers.__path__)]


SOLUTIONS, WRONG, ALSO_ACCEPTED = {}, {}, {}
for _module in _answer_modules():
    SOLUTIONS.update(_module.SOLUTIONS)
    WRONG.update(_module.WRONG)
    ALSO_ACCEPTED.update(getattr(_module, "ALSO_ACCEPTED", {}))  # other forms of a right answer
IDS = ex.ids()
WRONG_CASES = [(i, k) for i in sorted(WRONG) for k in range(len(WRONG[i]))]
ALSO_ACCEPTED_CASES = [(i, k) for i in sorted(ALSO_ACCEPTED)
                       for k in range(len(ALSO_ACCEPTED[i]))]


def _loops_forever(*args, **kwargs):
    while True:
        pass


def _raises(*args, **kwargs):
    return 1 / 0


BAD_ANSWERS = {
    "a string": "0.5",
    "an empty list": [],
    "a long list": list(range(7)),
    "a matrix": np.ones((3, 3)),
    "nan": float("nan"),
    "a function that raises": _raises,
    "a function that loops": _loops_forever,
    "a function returning None": lambda *args, **kwargs: None,
    "an object": object(),
    "a boolean": True,
}


@pytest.fixture(autouse=True)
def short_time_limit(monkeypatch):
    monkeypatch.setattr(ex, "TIME_LIMIT", 0.3)


def test_every_exercise_has_a_solution_and_a_wrong_answer():
    assert set(SOLUTIONS) == set(IDS), "solutions and registered exercises differ"
    assert all(WRONG.get(i) for i in IDS), [i for i in IDS if not WRONG.get(i)]


def test_ids_are_in_lesson_order_and_named_after_their_lesson():
    lessons = [int(i[:2]) for i in IDS]
    assert lessons == sorted(lessons)
    assert all(re.fullmatch(r"\d\d-[a-z0-9]+(-[a-z0-9]+)*", i) for i in IDS)


@pytest.mark.parametrize("exercise_id", IDS)
def test_the_reference_solution_is_accepted(exercise_id):
    feedback = ex.check(exercise_id, SOLUTIONS[exercise_id])
    assert feedback, str(feedback)
    assert feedback.status == "right" and "✓" in str(feedback)


@pytest.mark.parametrize("exercise_id, k", ALSO_ACCEPTED_CASES)
def test_another_form_of_a_right_answer_is_accepted(exercise_id, k):
    """An int for a float, a list for a tuple, a value rounded as the task allows, another valid
    method: ``ALSO_ACCEPTED`` in ``exercise_answers/``."""
    assert exercise_id in IDS
    feedback = ex.check(exercise_id, ALSO_ACCEPTED[exercise_id][k])
    assert feedback and feedback.status == "right", str(feedback)


@pytest.mark.parametrize("exercise_id, k", WRONG_CASES)
def test_a_typical_wrong_answer_is_rejected_with_a_hint(exercise_id, k):
    answer, text = WRONG[exercise_id][k]
    feedback = ex.check(exercise_id, answer)
    assert not feedback and feedback.status == "wrong", str(feedback)
    assert feedback.hint, f"no hint: {feedback}"
    assert text.lower() in (feedback.message + " " + feedback.hint).lower(), str(feedback)
    solution = SOLUTIONS[exercise_id]
    if isinstance(solution, float) and len(f"{abs(solution):.4g}".strip("0.")) >= 3:
        # a hint points the way; it does not give the number away
        assert f"{solution:.3g}" not in feedback.hint, feedback.hint


@pytest.mark.parametrize("exercise_id", IDS)
@pytest.mark.parametrize("label", sorted(BAD_ANSWERS))
def test_a_bad_answer_gets_a_message_not_a_traceback(exercise_id, label):
    feedback = ex.check(exercise_id, BAD_ANSWERS[label])
    assert isinstance(feedback, ex.Feedback)
    assert not feedback, f"{label} accepted: {feedback}"
    assert feedback.message and feedback.status in ("wrong", "unanswered")
    assert "Traceback" not in str(feedback)


@pytest.mark.parametrize("exercise_id", IDS)
def test_an_unanswered_exercise_says_so(exercise_id):
    for answer in (None, ...):
        feedback = ex.check(exercise_id, answer)
        assert feedback.status == "unanswered" and not feedback
        assert "Not answered yet" in str(feedback) and "Not answered yet" in feedback._repr_html_()


def test_an_unknown_id_suggests_the_closest():
    lessons = sorted(p.name[:2] for p in LESSONS.glob("[0-9][0-9]_*.ipynb") if p.name[:2] != "00")
    assert all(len(ex.ids(int(n))) >= 3 for n in lessons), "every lesson has three exercises"
    feedback = ex.check(IDS[0] + "x", 1.0)
    assert feedback.status == "invalid" and not feedback
    assert repr(IDS[0]) in feedback.message


def test_every_lesson_checks_only_exercises_that_exist_and_every_exercise_is_in_its_lesson():
    used = {}
    for path in sorted(LESSONS.glob("[0-9][0-9]_*.ipynb")):
        cells = json.loads(path.read_text())["cells"]
        source = "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "code")
        for exercise_id in re.findall(r"exercises\.check\(\s*[\"']([^\"']+)[\"']", source):
            used[exercise_id] = path.name
    assert set(used) <= set(IDS), set(used) - set(IDS)
    for exercise_id in IDS:
        assert exercise_id in used, f"{exercise_id} is checked in no lesson"
        assert used[exercise_id].startswith(exercise_id[:2]), (exercise_id, used[exercise_id])


# ---------------------------------------------------------------- the helpers themselves

def test_feedback_is_truthy_exactly_when_right_and_serialises_for_grading():
    right = ex.Feedback("00-x", "right", "yes")
    wrong = ex.Feedback("00-x", "wrong", "no", "look at the sign")
    assert right and not wrong
    assert right.as_dict() == {"exercise": "00-x", "correct": True, "status": "right",
                               "message": "yes", "hint": ""}
    assert "Hint: look at the sign" in str(wrong) and "look at the sign" in wrong._repr_html_()


def test_call_turns_raises_loops_and_templates_into_messages():
    with pytest.raises(ex.Rejected, match="ZeroDivisionError"):
        ex.call(_raises, 1.0)
    with pytest.raises(ex.Rejected, match="did not finish"):
        ex.call(_loops_forever, time_limit=0.2)

    def template(x):
        raise NotImplementedError("your code here")
    with pytest.raises(ex.NotAnswered):
        ex.call(template, 1.0)

    def swallows(x):  # a bare except in student code must not defeat the time limit
        try:
            while True:
                pass
        except Exception:
            return 0
    with pytest.raises(ex.Rejected, match="did not finish"):
        ex.call(swallows, 1.0, time_limit=0.2)
    assert ex.call(math.sqrt, 4.0) == 2.0


def test_conversions_reject_with_what_was_expected():
    assert ex.as_number(np.float64(2.5)) == 2.5 and ex.as_number(np.array([3.0])) == 3.0
    for bad, text in (("1", "string"), ([1, 2], "one value"), (float("nan"), "nan"),
                      (print, "function")):
        with pytest.raises(ex.Rejected, match=text):
            ex.as_number(bad)
    assert ex.as_vector((1, 2), 2).tolist() == [1.0, 2.0]
    with pytest.raises(ex.Rejected, match="expected 3"):
        ex.as_vector((1, 2), 3)
    with pytest.raises(ex.Rejected, match=r"shape \(2, 2\)"):
        ex.as_array(np.ones(3), (2, 2))
    assert ex.close([1.0, 2.0], [1.0, 2.0 + 1e-9]) and not ex.close(1.0, float("nan"))


def test_a_checker_that_breaks_still_answers_without_a_traceback(monkeypatch):
    def broken(answer):
        raise KeyError("oops")
    monkeypatch.setitem(ex._REGISTRY, "99-broken", ex.Exercise("99-broken", 99, "t", broken))
    feedback = ex.check("99-broken", 1.0)
    assert not feedback and "KeyError" in feedback.message and feedback.hint


def test_the_exercises_are_not_imported_by_import_adlab():
    import subprocess
    import sys
    code = "import sys, adlab; print('adlab.exercises' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
