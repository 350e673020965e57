"""benchmarks/run.py finds what it measures: the ten example queries of docs/analysts.md, a word of the report text."""

import shutil
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "benchmarks"))

import run  # noqa: E402


def test_the_ten_example_queries_are_found_and_run_on_the_published_shape():
    queries = run.example_queries()
    assert [h.split(".")[0] for h, _ in queries] == [str(n) for n in range(1, 11)]
    assert all(sql.lstrip().upper().startswith(("SELECT", "WITH")) for _, sql in queries)


def test_the_report_text_change_is_one_word_of_prose(tmp_path):
    shutil.copytree(REPO / "reports", tmp_path / "reports")
    chapter = run.report_word_change(run.Clone(tmp_path, "HEAD", ""), 0)
    before = (REPO / "reports" / "chapters" / chapter.name).read_text(encoding="utf-8").splitlines()
    after = chapter.read_text(encoding="utf-8").splitlines()
    changed = [(a, b) for a, b in zip(before, after) if a != b]
    assert len(before) == len(after) and len(changed) == 1
    old, new = changed[0]
    assert not old.startswith(("#", "`", "|")) and sum(x != y for x, y in zip(old.split(" "), new.split(" "))) == 1
