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


def test_the_synthetic_table_is_registered_in_the_clone_only(tmp_path):
    from pipelines.registers import read_records
    from pipelines.sources.cbs.lookups import generated_indicator_id
    from tests.fakes.cbs_odata import table_shaped_like_85477ned

    shutil.copytree(REPO / "data_contracts", tmp_path / "data_contracts")
    register = tmp_path / "data_contracts" / "registers" / "indicators.yaml"
    shipped = read_records(register)
    run.register_synthetic_table(run.Clone(tmp_path, "HEAD", ""))
    run.register_synthetic_table(run.Clone(tmp_path, "HEAD", ""))  # twice: added once
    records = read_records(register)
    added = records[len(shipped):]
    assert records[:len(shipped)] == shipped
    measures = [m.key for m in table_shaped_like_85477ned(table_id=run.TABLE).measures]
    assert [r["indicator_id"] for r in added] == [generated_indicator_id(run.TABLE, m) for m in measures]
    known_fields = set().union(*(r.keys() for r in shipped))
    assert all(set(r) <= known_fields and r["label_nl"] and r["label_en"] and r["definition"] for r in added)
    assert "cbs_99477ned" not in (REPO / "data_contracts" / "registers" / "indicators.yaml").read_text(encoding="utf-8")
