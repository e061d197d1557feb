"""lessons/store_outputs.py keeps checked text and the players' outputs, nothing else.

A stored player must work without the kernel that made it: its link key (new every run) is
dropped, the static view and the player's script and data stay.
"""
import importlib.util
import json
import re
from pathlib import Path

import nbformat
import pytest

import adlab as ad
from adlab.traces import graph as render
from conftest import SURVEY_POINT, survey_f

spec = importlib.util.spec_from_file_location(
    "store_outputs", Path(__file__).resolve().parents[1] / "lessons" / "store_outputs.py")
store_outputs = importlib.util.module_from_spec(spec)
spec.loader.exec_module(store_outputs)


@pytest.mark.skipif(render.dot_path() is None, reason="needs Graphviz's dot")
def test_player_cells_keep_the_player_unlinked_and_nothing_else():
    player = ad.step(ad.reverse(survey_f, SURVEY_POINT))
    data, metadata = player._repr_mimebundle_()
    key = metadata["adlab"]["key"]
    assert key and f'"key":"{key}"' in data["text/html"]
    cell = nbformat.v4.new_code_cell("# NBVAL_IGNORE_OUTPUT\nad.step(trace)", execution_count=4)
    cell.outputs = [nbformat.v4.new_output("stream", name="stderr", text="a warning\n"),
                    nbformat.v4.new_output("execute_result", data=data, metadata=metadata,
                                           execution_count=4)]
    (kept,) = store_outputs.kept_outputs(cell)
    html = kept["data"]["text/html"]
    assert key not in html and '"key":null' in html and kept["metadata"]["adlab"]["key"] is None
    sent = json.loads(re.search(r'class="adl-data">(.*?)</script>', html, re.S).group(1)
                      .replace("<\\/", "</"))
    assert sent["key"] is None and len(sent["panels"][0]["steps"]) == len(player)
    assert html.replace('"key":null', f'"key":"{key}"') == data["text/html"]  # nothing else


def test_checked_cells_keep_everything_other_cells_nothing():
    checked = nbformat.v4.new_code_cell("# NBVAL_CHECK_OUTPUT\nprint(1)", execution_count=1)
    checked.outputs = [nbformat.v4.new_output("stream", name="stdout", text="1\n")]
    other = nbformat.v4.new_code_cell("x", execution_count=2)
    other.outputs = [nbformat.v4.new_output("execute_result", data={"text/plain": "3"},
                                            execution_count=2)]
    assert store_outputs.kept_outputs(checked) == checked.outputs
    assert store_outputs.kept_outputs(other) == []


def test_tagged_cells_count_as_checked_and_plots_are_kept_as_images():
    tagged = nbformat.v4.new_code_cell("print(1)", execution_count=1,
                                       metadata={"tags": ["nbval-check-output"]})
    tagged.outputs = [nbformat.v4.new_output("stream", name="stdout", text="1\n")]
    assert store_outputs.kept_outputs(tagged) == tagged.outputs
    figure = nbformat.v4.new_code_cell("plt.plot(x)", execution_count=3)
    figure.outputs = [
        nbformat.v4.new_output("stream", name="stdout", text="took 12 ms\n"),   # a timing
        nbformat.v4.new_output("display_data", data={
            "image/png": "iVBORw0KGgo=", "text/plain": "<Figure size 700x400 with 1 Axes>",
            "text/html": "<div>an id that changes</div>"})]
    (kept,) = store_outputs.kept_outputs(figure)
    assert set(kept["data"]) == {"image/png", "text/plain"}


def test_prints_split_in_pieces_are_stored_as_one_output():
    cell = nbformat.v4.new_code_cell("print(1); print(2)", execution_count=1,
                                     metadata={"tags": ["nbval-check-output"]})
    cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text="1\n"),
                    nbformat.v4.new_output("stream", name="stdout", text="2\n"),
                    nbformat.v4.new_output("stream", name="stderr", text="warning\n")]
    kept = store_outputs.kept_outputs(cell)
    assert [(o["name"], o["text"]) for o in kept] == [("stdout", "1\n2\n"), ("stderr", "warning\n")]
