"""Hostile input: damaged, reshaped or implausible snapshots must fail the build, say why, and publish nothing.

One real build (the session fixture ``built``) creates the outputs. Each case then copies the shipped
snapshots, damages one representative snapshot of every (source, reader) pair found in ``data/snapshots`` at
test time (so sources merged later are covered without editing this file), records the damaged file's new
checksum where the case is not about checksums (as a person would with ``monitor snapshots rehash``), and runs
the build job in-process with ``MONITOR_SNAPSHOT_DIR`` pointing at the copy. It asserts that the run failed,
that the printed summary names the damaged file (and the rule, row or field), that no publication step ran,
and that ``output/`` is byte-identical.

Mutations find the cell to damage from the lineage the first build recorded: each raw row carries its
``snapshot_id`` and ``source_row``, so the value, period and unit cells of a data row are located by content,
for any CSV reader. Files in formats without such an adapter are reported as skipped for the column cases.
"""

from __future__ import annotations

import csv
import io
import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import duckdb
import pytest
import yaml
from rich.console import Console

from pipelines.core.snapshots import sidecar_path, write_sidecar
from pipelines.sources.common import readers
from pipelines.sources.common.csv_text import read_rows
from pipelines.validation.sql_checks import SIGNED_INDICATOR, SIGNED_UNIT
from tests.conftest import BuildDirs, make_dirs, tree_digest

pytestmark = pytest.mark.slow


@dataclass(frozen=True)
class Target:
    snapshot_id: str
    reader: str
    source_row: int
    measure: str
    value: float
    unit: str
    period_code: str

    @property
    def label(self) -> str:
        return f"{self.snapshot_id.split('/')[0]}:{self.reader}"


def _targets(database: Path) -> list[Target]:
    """One representative snapshot per (source, reader), and one data row in it to damage."""
    with duckdb.connect(str(database), read_only=True) as con:
        raw = [t for (t,) in con.execute(
            "SELECT DISTINCT table_name FROM duckdb_columns() WHERE table_name LIKE 'raw_%' AND column_name = 'source_row' "
            "AND table_name IN (SELECT table_name FROM duckdb_columns() WHERE column_name = 'indicator_id')"
        ).fetchall()]
        union = " UNION ALL BY NAME ".join(
            f'SELECT snapshot_id, source_row, measure, value, unit, period_code, indicator_id, period_start FROM "{t}"' for t in raw)
        rows = con.execute(f"""
            WITH figures AS ({union}),
            usable AS (
                SELECT f.*, o.reader, o.source_id FROM figures f JOIN raw_snapshots__origins o USING (snapshot_id)
                WHERE f.value IS NOT NULL AND f.value > 0 AND f.period_start IS NOT NULL
                  AND NOT regexp_matches(f.indicator_id, ?) AND NOT regexp_matches(lower(f.unit), ?)
            ),
            representative AS (SELECT source_id, reader, min(snapshot_id) AS snapshot_id FROM usable GROUP BY ALL)
            SELECT u.snapshot_id, u.reader, u.source_row, u.measure, u.value, u.unit, u.period_code
            FROM usable u JOIN representative r USING (snapshot_id)
            QUALIFY row_number() OVER (PARTITION BY u.snapshot_id ORDER BY u.source_row DESC, u.measure) = 1
            ORDER BY 1""", [SIGNED_INDICATOR, SIGNED_UNIT]).fetchall()
    return [Target(*r) for r in rows]


# ---------------------------------------------------------------------------------------------------- CSV cells

class CsvFile:
    """A snapshot CSV as header + rows of cells; ``source_row`` n is data row n (header excluded)."""

    def __init__(self, path: Path):
        self.path = path
        self.table = list(csv.reader(io.StringIO(path.read_bytes().decode("utf-8-sig"), newline="")))

    def save(self) -> None:
        out = io.StringIO()
        csv.writer(out, lineterminator="\n").writerows(self.table)
        self.path.write_bytes(out.getvalue().encode("utf-8"))

    def row(self, t: Target) -> list[str]:
        return self.table[t.source_row]

    def value_column(self, t: Target) -> int:
        header, row = self.table[0], self.row(t)
        matches = [j for j, cell in enumerate(row) if _number(cell) is not None and math.isclose(_number(cell), t.value)]
        for preferred in (t.measure, "value"):
            if preferred in header and header.index(preferred) in matches:
                return header.index(preferred)
        assert matches, f"{t.snapshot_id} row {t.source_row}: no cell holds {t.value}"
        return matches[0]

    def period_column(self, t: Target) -> int:
        forms = {t.period_code, t.period_code[:4] if t.period_code.endswith("JJ00") else None}
        if "MM" in t.period_code:
            forms.add(t.period_code.replace("MM", "-"))
        for j, cell in enumerate(self.row(t)):
            if cell.strip() in forms:
                return j
        raise AssertionError(f"{t.snapshot_id} row {t.source_row}: no cell holds period {t.period_code}")


def _number(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        return None


def _future(code: str) -> str:
    return str(date.today().year + 3) + code[4:]


# ---------------------------------------------------------------------------------------------------- mutations

Mutation = Callable[[Path, Target], list[str]]  # (snapshot copy root, target) -> phrases the summary must contain


def _csv_only(t: Target, path: Path) -> None:
    if path.suffix.lower() != ".csv":
        pytest.skip(f"{t.snapshot_id}: no hostile adapter for {path.suffix} files (reader {t.reader}); byte-level cases still ran")


def _cell(root: Path, t: Target, column: Callable[[CsvFile, Target], int], new: Callable[[str], str]) -> tuple[CsvFile, str]:
    path = root / t.snapshot_id
    _csv_only(t, path)
    f = CsvFile(path)
    j = column(f, t)
    old = f.row(t)[j]
    f.row(t)[j] = new(old)
    f.save()
    return f, f.table[0][j]


def empty_file(root: Path, t: Target) -> list[str]:
    (root / t.snapshot_id).write_bytes(b"")
    return [t.snapshot_id, "empty"]  # refused by the origins contract (0 bytes) or by the reader


def truncated_file(root: Path, t: Target) -> list[str]:
    path = root / t.snapshot_id
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    return [t.snapshot_id, "truncated"]


def wrong_encoding(root: Path, t: Target) -> list[str]:
    path = root / t.snapshot_id
    path.write_bytes(path.read_bytes().decode("utf-8").encode("utf-16"))
    return [t.snapshot_id, "not UTF-8"]


def checksum_mismatch(root: Path, t: Target) -> list[str]:
    path = root / t.snapshot_id
    data = path.read_bytes()
    i = len(data) // 2
    path.write_bytes(data[:i] + (b"7" if data[i:i + 1] != b"7" else b"8") + data[i + 1:])
    return [t.snapshot_id, "checksum mismatch"]


def missing_sidecar(root: Path, t: Target) -> list[str]:
    sidecar_path(root / t.snapshot_id).unlink()
    return [t.snapshot_id, f"{t.snapshot_id}.origin.yaml"]


def incomplete_sidecar(root: Path, t: Target) -> list[str]:
    side = sidecar_path(root / t.snapshot_id)
    origin = yaml.safe_load(side.read_text(encoding="utf-8"))
    del origin["licence"], origin["url"]
    side.write_text(yaml.safe_dump(origin, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return [f"{t.snapshot_id}.origin.yaml", "field 'licence'", "field 'url'", "required origin field is missing"]


def missing_column(root: Path, t: Target) -> list[str]:
    path = root / t.snapshot_id
    _csv_only(t, path)
    f = CsvFile(path)
    j = f.value_column(t)
    name = f.table[0][j]
    f.table = [r[:j] + r[j + 1:] for r in f.table]
    f.save()
    return [t.snapshot_id, f"field '{name}'", "missing"]


def renamed_column(root: Path, t: Target) -> list[str]:
    path = root / t.snapshot_id
    _csv_only(t, path)
    f = CsvFile(path)
    j = f.value_column(t)
    name = f.table[0][j]
    f.table[0][j] = name + "_hernoemd"
    f.save()
    return [t.snapshot_id, (f"field '{name}_hernoemd'", f"field '{name}'")]


def wrong_type(root: Path, t: Target) -> list[str]:
    _, name = _cell(root, t, CsvFile.value_column, lambda old: "twaalf")
    return [t.snapshot_id, f"row {t.source_row}", f"field '{name}'", "'twaalf'"]


def cbs_symbol_glued(root: Path, t: Target) -> list[str]:
    """CBS marks provisional figures with '*'; in a value cell it must be refused, not read as a number or dropped."""
    new = {}
    _, name = _cell(root, t, CsvFile.value_column, lambda old: new.setdefault("v", old + "*"))
    return [t.snapshot_id, f"row {t.source_row}", f"field '{name}'", repr(new["v"])]


def duplicate_key(root: Path, t: Target) -> list[str]:
    path = root / t.snapshot_id
    _csv_only(t, path)
    f = CsvFile(path)
    f.table.append(list(f.row(t)))
    f.save()
    return ["primary key unique", f"snapshot_id='{t.snapshot_id}'", f"source_row={t.source_row}", f"source_row={len(f.table) - 1}"]


def future_period(root: Path, t: Target) -> list[str]:
    _cell(root, t, CsvFile.period_column, lambda old: _future(old.strip()))
    return ["no_future_periods", f"snapshot_id='{t.snapshot_id}'", f"source_row={t.source_row}"]


def negative_count(root: Path, t: Target) -> list[str]:
    _cell(root, t, CsvFile.value_column, lambda old: "-" + old.strip())
    return ["counts_not_negative", f"snapshot_id='{t.snapshot_id}'", f"source_row={t.source_row}"]


def percentage_over_100(root: Path, t: Target) -> list[str]:
    path = root / t.snapshot_id
    _csv_only(t, path)
    f = CsvFile(path)
    f.row(t)[f.value_column(t)] = "150"
    units = [j for j, cell in enumerate(f.row(t)) if cell.strip() == t.unit]
    if units:  # the unit is a cell of the row (published figures)
        f.row(t)[units[0]] = "procent"
        f.save()
    else:  # the unit is declared in the sidecar's layout (wide tables): make this measure a percentage
        f.save()
        side = sidecar_path(path)
        origin = yaml.safe_load(side.read_text(encoding="utf-8"))
        specs = [v for k, v in _walk(origin.get("layout") or {}) if k == t.measure and isinstance(v, dict) and "unit" in v]
        assert specs, f"{t.snapshot_id}: the unit {t.unit!r} is neither in the row nor in the layout"
        specs[0]["unit"] = "procent"
        side.write_text(yaml.safe_dump(origin, sort_keys=False, allow_unicode=True), encoding="utf-8")
        return ["percentages_at_most_100", f"snapshot_id='{t.snapshot_id}'"]  # every row of the measure now offends
    return ["percentages_at_most_100", f"snapshot_id='{t.snapshot_id}'", f"source_row={t.source_row}"]


def _walk(node):
    if isinstance(node, dict):
        for k, v in node.items():
            yield k, v
            yield from _walk(v)
    elif isinstance(node, list):
        for v in node:
            yield from _walk(v)


CASES: dict[str, tuple[Mutation, bool]] = {  # name -> (mutation, record the new checksum afterwards)
    "missing_column": (missing_column, True),
    "renamed_column": (renamed_column, True),
    "wrong_type": (wrong_type, True),
    "cbs_symbol_in_number": (cbs_symbol_glued, True),
    "duplicate_key": (duplicate_key, True),
    "empty_file": (empty_file, True),
    "truncated_file": (truncated_file, True),
    "wrong_encoding": (wrong_encoding, True),
    "future_period": (future_period, True),
    "negative_count": (negative_count, True),
    "percentage_over_100": (percentage_over_100, True),
    "checksum_mismatch": (checksum_mismatch, False),
    "missing_origin_sidecar": (missing_sidecar, False),
    "incomplete_origin": (incomplete_sidecar, False),
}


# ---------------------------------------------------------------------------------------------------- running

@pytest.fixture(scope="session")
def targets(built) -> list[Target]:
    found = _targets(built.output / "monitor.duckdb")
    assert {t.snapshot_id.split("/")[0] for t in found} >= {"cbs", "wagweu"}
    return found


@pytest.fixture(scope="session")
def hostile_work(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("hostile_work")


def _rehash(root: Path, snapshot_id: str) -> None:
    path = root / snapshot_id
    write_sidecar(path, yaml.safe_load(sidecar_path(path).read_text(encoding="utf-8")))


def run_build(built: BuildDirs, snapshots: Path, work: Path, monkeypatch) -> tuple[object, str]:
    """The build job in-process against ``snapshots``, publishing into the built output; returns (outcome, summary)."""
    from pipelines.cli.runner import run_job
    from pipelines.cli.validation_summary import print_summary

    monkeypatch.setenv("MONITOR_SNAPSHOT_DIR", str(snapshots))
    monkeypatch.setenv("MONITOR_OUTPUT_DIR", str(built.output))
    monkeypatch.setenv("MONITOR_WORK_DIR", str(work))
    monkeypatch.setenv("MONITOR_PUBLICATION_ENGINE", "offline")
    monkeypatch.delenv("DAGSTER_HOME", raising=False)
    outcome = run_job("build_monitor")
    console = Console(file=io.StringIO(), width=200, color_system=None)
    print_summary(console, outcome, None)
    return outcome, console.file.getvalue()


def _assert_refused(outcome, summary: str, expected: dict[str, list[str]], before: dict[str, str], built: BuildDirs) -> None:
    assert not outcome.success, f"the build passed:\n{summary}"
    assert not any(m.startswith("publication__") for m in outcome.materialized), outcome.materialized
    def said(phrase) -> bool:  # a phrase, or a tuple of alternatives
        return any(p in summary for p in phrase) if isinstance(phrase, tuple) else phrase in summary

    missing = {label: [p for p in phrases if not said(p)] for label, phrases in expected.items()}
    assert not any(missing.values()), f"not said in the summary: {missing}\n--- summary ---\n{summary}"
    assert tree_digest(built.output) == before, "output/ changed"


@pytest.mark.parametrize("case", list(CASES))
def test_hostile_snapshot_fails_the_build(case, built, targets, hostile_work, tmp_path, monkeypatch):
    mutate, rehash = CASES[case]
    before = tree_digest(built.output)
    root = make_dirs(tmp_path).snapshots
    expected = {}
    for t in targets:
        expected[t.label] = mutate(root, t)
        if rehash:
            _rehash(root, t.snapshot_id)
    outcome, summary = run_build(built, root, hostile_work, monkeypatch)
    _assert_refused(outcome, summary, expected, before, built)
    assert "What to do" in summary


# ---------------------------------------------------------------------------------------------------- specific

VAC_2021 = "cbs/84545NED/84545NED_vacatures_sa_2021KW01_2024KW01.csv"
WAGWEU = "wagweu/kamerstuk_29861_162/derdelanders_meldloket_2021_2024.csv"
VAC_2017 = "cbs/84545NED/84545NED_vacatures_sa_2017KW01_2020KW01.csv"


def _edit_text(root: Path, snapshot_id: str, edit: Callable[[str], str], encoding: str = "utf-8") -> None:
    path = root / snapshot_id
    path.write_bytes(edit(path.read_bytes().decode("utf-8")).encode(encoding))
    _rehash(root, snapshot_id)


def _specific(built, hostile_work, tmp_path, monkeypatch, edit: Callable[[Path], None], phrases: list[str]) -> str:
    before = tree_digest(built.output)
    root = make_dirs(tmp_path).snapshots
    edit(root)
    outcome, summary = run_build(built, root, hostile_work, monkeypatch)
    _assert_refused(outcome, summary, {"case": phrases}, before, built)
    return summary


def test_cbs_missing_symbol_in_a_published_quarter(built, hostile_work, tmp_path, monkeypatch):
    """'.' (CBS: figure missing) for the latest vacancies: read as a status, but the publication loses 2024KW01."""
    _specific(built, hostile_work, tmp_path, monkeypatch,
              lambda root: _edit_text(root, VAC_2021, lambda s: s.replace(",410.8,364.6,", ",.,364.6,")),
              ["mart__labour_market_tension", "quarters_complete", "missing_period='2024KW01'"])


def test_cbs_secret_symbol_in_a_published_figure(built, hostile_work, tmp_path, monkeypatch):
    """'x' (CBS: secret) for the 2024 posted workers: the published table would have an empty figure."""
    _specific(built, hostile_work, tmp_path, monkeypatch,
              lambda root: _edit_text(root, WAGWEU, lambda s: s.replace(",2024,27304,", ",2024,x,")),
              ["mart__posted_workers", "value: required", f"snapshot_id='{WAGWEU}'", "source_row=4",
               "third_country_nationals_every_year", "missing_period='2024JJ00'"])


def test_file_truncated_at_a_line_end(built, hostile_work, tmp_path, monkeypatch):
    """A file cut after a complete line parses; the missing quarter is caught by the expected periods."""
    _specific(built, hostile_work, tmp_path, monkeypatch,
              lambda root: _edit_text(root, VAC_2021, lambda s: "".join(s.splitlines(keepends=True)[:-1])),
              ["quarters_complete", "missing_period='2024KW01'"])


def test_latin1_encoding_is_refused(built, hostile_work, tmp_path, monkeypatch):
    _specific(built, hostile_work, tmp_path, monkeypatch,
              lambda root: _edit_text(root, WAGWEU, lambda s: s, encoding="latin-1"),
              [WAGWEU, "not UTF-8", "undecodable byte"])


def test_missing_confidence_origin_field(built, hostile_work, tmp_path, monkeypatch):
    """A sidecar without the (optional) confidence leaves CBS rows without a required origin field."""
    def edit(root: Path) -> None:
        side = sidecar_path(root / VAC_2017)
        side.write_text(re.sub(r"(?m)^confidence: .*\n", "", side.read_text(encoding="utf-8")), encoding="utf-8")

    _specific(built, hostile_work, tmp_path, monkeypatch, edit,
              ["raw_cbs__observations", "confidence: required", f"snapshot_id='{VAC_2017}'"])


def test_every_snapshot_file_is_covered(targets):
    """Every (source, reader) pair shipped has a representative; CSV readers have a cell adapter."""
    from pipelines.core.snapshots import SnapshotStore
    from tests.conftest import SNAPSHOTS

    store = SnapshotStore(SNAPSHOTS)
    # Reference tables (e.g. UWV's Spanningsindicator class bounds) are not figures: their reader has its own
    # tests (test_sources_readers.py); checksum and sidecar damage is refused by the store for every file alike.
    pairs = {(s.id.split("/")[0], s.layout.get("reader")) for s in store.verify_all()
             if s.layout.get("reader") and not readers.is_reference(s)}
    covered = {(t.snapshot_id.split("/")[0], t.reader) for t in targets}
    assert pairs == covered
    for t in targets:
        if t.snapshot_id.endswith(".csv"):
            read_rows((SNAPSHOTS / t.snapshot_id).read_bytes(), t.snapshot_id)
