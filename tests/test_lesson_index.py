"""The lessons' index (README and the last cell of 00_start_here) lists every lesson, with the title
and time the lesson itself states, and the two copies agree."""
import json
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LESSONS = sorted((ROOT / "lessons").glob("[0-9][0-9]_*.ipynb"))
ROW = re.compile(r"^\| \[(\d\d) · ([^\]]+)\]\(lessons/([^)]+)\) \| (.+?) \| (\d+) min \|$", re.M)


def readme_index() -> str:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    return text.split("<!-- lessons:start -->")[1].split("<!-- lessons:end -->")[0].strip()


def title_and_minutes(path: Path):
    first = "".join(json.loads(path.read_text(encoding="utf-8"))["cells"][0]["source"])
    title = re.match(r"# (?:Lesson \d+ · )?([^:\n]+)", first).group(1).strip()
    minutes = re.search(r"\*About (\d+) minutes\.\*", first)
    assert minutes, f"{path.name}: the first cell should say *About N minutes.*"
    return title, int(minutes.group(1))


def test_the_readme_lists_every_lesson_with_its_title_and_time():
    rows = ROW.findall(readme_index())
    assert [r[2] for r in rows] == [p.name for p in LESSONS]
    for number, title, name, goal, minutes in rows:
        assert name.startswith(number + "_")
        assert (title, int(minutes)) == title_and_minutes(ROOT / "lessons" / name), name
        assert len(goal) > 20


def test_start_here_ends_with_the_same_index():
    cells = json.loads((ROOT / "lessons" / "00_start_here.ipynb").read_text())["cells"]
    last = "".join(cells[-1]["source"])
    # the notebook sits in lessons/, so its links are relative to that folder
    assert readme_index().replace("](lessons/", "](") in last
