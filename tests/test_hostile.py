"""Hostile input: damaged, reshaped or implausible snapshots must fail the build, say why, and publish nothing.

One real build (the session fixture ``built``) creates the outputs. Each case then copies the shipped
snapshots, damages one representative snapshot of every (source, reader) pair found in ``data/snapshots`` at
test time (so sources merged later are covered without editing this file), records the damaged file's new
checksum where the case is not about checksums (as a person would with ``monitor snapshots rehash``), and runs
the build job in-process with ``MONITOR_SNAPSHOT_DIR`` pointing at the copy. It asserts that the run failed,
that the printed summary names the damaged file together with the row and field, or the rule and the row, on
one line, that no publication step ran, and that ``output/`` is byte-identical.

The pairs are damaged in rounds (one build run per case and round), so that every damaged file can be named in
full: a round holds at most one file per raw table (a raw table stops at the first file its readers refuse, and
its contract shows the first ``SAMPLE_ROWS`` offending rows per rule) and at most ``SAMPLE_ROWS`` files (the
origins contract and the snapshot store list the files they refuse in the same summary).

Mutations find the cell to damage from the lineage the first build recorded: each raw row carries its
``snapshot_id`` and ``source_row``, so the value, period and unit cells of a data row are located by content,
for any CSV reader. Pairs whose files are not CSV (spreadsheets, CBS capture directories) get the byte-level
cases and are reported as skipped for the column cases. Reference tables (reader ``reference_csv``: definitions,
not figures) get the byte-level cases; their columns are tested with their reader (test_sources_readers.py).
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

from pipelines.core.snapshots import SnapshotStore, sidecar_path, write_sidecar
from pipelines.sources.common import readers
from pipelines.sources.common.csv_text import read_rows
from pipelines.validation.runner import SAMPLE_ROWS
from pipelines.validation.sql_checks import SIGNED_INDICATOR, SIGNED_UNIT
from tests.conftest import SNAPSHOTS, BuildDirs, make_dirs, tree_digest

pytestmark = pytest.mark.slow


# ---------------------------------------------------------------------------------------------------- what is shipped

@dataclass(frozen=True)
class Pair:
    """A (source, reader) pair shipped in data/snapshots, and the raw table its files land in."""

    source: str
    reader: str
    table: str
    reference: bool  # a reference table (definitions, no figures): byte-level cases only
    csv: bool  # its files are CSV, so the column cases can find their cells

    @property
    def label(self) -> str:
        return f"{self.source}:{self.reader}"


SHIPPED = SnapshotStore(SNAPSHOTS).verify_all()


def shipped_pairs() -> list[Pair]:
    found: dict[tuple[str, str], Pair] = {}
    for s in SHIPPED:
        reader = s.layout.get("reader")
        if not reader:
            continue
        source, reference = s.id.split("/")[0], readers.is_reference(s)
        table = s.layout.get("table") if reference else f"raw_{source}__observations"
        known = found.get((source, reader))
        csv_file = s.id.lower().endswith(".csv") and (known is None or known.csv)
        found[(source, reader)] = Pair(source, reader, table, reference, csv_file)
    return sorted(found.values(), key=lambda p: p.label)


def in_rounds(pairs: list[Pair], size: int = SAMPLE_ROWS) -> list[list[Pair]]:
    """First fit: at most one pair per raw table and at most ``size`` pairs per round."""
    rounds: list[list[Pair]] = []
    for pair in pairs:
        for r in rounds:
            if len(r) < size and all(p.table != pair.table for p in r):
                r.append(pair)
                break
        else:
            rounds.append([pair])
    return rounds


PAIRS = shipped_pairs()
ROUNDS = in_rounds(PAIRS)


@dataclass(frozen=True)
class Target:
    snapshot_id: str
    reader: str
    source_row: int | None = None  # None: a reference table (byte-level cases only)
    measure: str | None = None
    value: float | None = None
    unit: str | None = None
    period_code: str | None = None

    @property
    def label(self) -> str:
        return f"{self.snapshot_id.split('/')[0]}:{self.reader}"


def _targets(database: Path) -> list[Target]:
    """One representative snapshot per (source, reader) that produces figures, and one data row in it to damage."""
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


def _reference_targets() -> list[Target]:
    """One file per reference pair (no figures, so no row: the byte-level cases damage the file as a whole)."""
    found: dict[str, Target] = {}
    for s in SHIPPED:
        if s.layout.get("reader") and readers.is_reference(s):
            t = Target(s.id, s.layout["reader"])
            found[t.label] = min(found.get(t.label, t), t, key=lambda x: x.snapshot_id)
    return sorted(found.values(), key=lambda t: t.label)


# ---------------------------------------------------------------------------------------------------- what the summary must say

class Line:
    """All parts on one line of the summary (a problem names file, row and field on one line; a contract's
    offending row starts with snapshot_id and source_row)."""

    def __init__(self, *parts: str):
        self.parts = parts

    def said(self, summary: str) -> bool:
        return any(all(p in line for p in self.parts) for line in summary.splitlines())

    def __repr__(self) -> str:
        return f"Line{self.parts!r}"


class AnyOf:
    def __init__(self, *facts):
        self.facts = facts

    def said(self, summary: str) -> bool:
        return any(_said(f, summary) for f in self.facts)

    def __repr__(self) -> str:
        return f"AnyOf{self.facts!r}"


def _said(fact, summary: str) -> bool:
    return fact in summary if isinstance(fact, str) else fact.said(summary)


def _row(t: Target, row: int | None = None) -> str:
    """How a contract's offending row starts (runner.row_text: snapshot file and data row first)."""
    return f"snapshot_id='{t.snapshot_id}', source_row={t.source_row if row is None else row},"


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
    """The same period three years from now (every year in the code: a part year 2019-01/2019-08 moves whole)."""
    return code.replace(code[:4], str(date.today().year + 3))


# ---------------------------------------------------------------------------------------------------- mutations

Fact = str | Line | AnyOf
Mutation = Callable[[Path, Target], list[Fact]]  # (snapshot copy root, target) -> what the summary must say


def _cell(root: Path, t: Target, column: Callable[[CsvFile, Target], int], new: Callable[[str], str]) -> tuple[str, str]:
    """Replace one cell of the target row; returns (column name, new cell)."""
    f = CsvFile(root / t.snapshot_id)
    j = column(f, t)
    f.row(t)[j] = new(f.row(t)[j])
    f.save()
    return f.table[0][j], f.row(t)[j]


# Byte-level cases: any file, any reader.

def empty_file(root: Path, t: Target) -> list[Fact]:
    (root / t.snapshot_id).write_bytes(b"")
    # refused by the origins contract (0 bytes) or by the reader
    return [AnyOf(Line(f"snapshot_id='{t.snapshot_id}'", "bytes=0"), Line(t.snapshot_id, "is empty"))]


def truncated_file(root: Path, t: Target) -> list[Fact]:
    path = root / t.snapshot_id
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    return [Line(t.snapshot_id, "truncated")]


def wrong_encoding(root: Path, t: Target) -> list[Fact]:
    path = root / t.snapshot_id
    path.write_bytes(path.read_bytes().decode("utf-8").encode("utf-16"))
    return [Line(t.snapshot_id, "is not UTF-8")]


def checksum_mismatch(root: Path, t: Target) -> list[Fact]:
    path = root / t.snapshot_id
    data = path.read_bytes()
    i = len(data) // 2
    path.write_bytes(data[:i] + (b"7" if data[i:i + 1] != b"7" else b"8") + data[i + 1:])
    return [Line(t.snapshot_id, "field 'sha256'", "checksum mismatch")]


def missing_sidecar(root: Path, t: Target) -> list[Fact]:
    sidecar_path(root / t.snapshot_id).unlink()
    return [Line(f"{t.snapshot_id}: ", f"{t.snapshot_id}.origin.yaml")]


def incomplete_sidecar(root: Path, t: Target) -> list[Fact]:
    side = sidecar_path(root / t.snapshot_id)
    origin = yaml.safe_load(side.read_text(encoding="utf-8"))
    del origin["licence"], origin["url"]
    side.write_text(yaml.safe_dump(origin, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return [Line(f"{t.snapshot_id}.origin.yaml, field '{name}'", "required origin field is missing") for name in ("licence", "url")]


# Column cases: CSV files of figures; the cell is found from the row's lineage.

def missing_column(root: Path, t: Target) -> list[Fact]:
    f = CsvFile(root / t.snapshot_id)
    j = f.value_column(t)
    name = f.table[0][j]
    f.table = [r[:j] + r[j + 1:] for r in f.table]
    f.save()
    return [Line(f"{t.snapshot_id}, field '{name}'", "required column is missing")]


def renamed_column(root: Path, t: Target) -> list[Fact]:
    f = CsvFile(root / t.snapshot_id)
    j = f.value_column(t)
    name = f.table[0][j]
    f.table[0][j] = name + "_hernoemd"
    f.save()
    return [AnyOf(Line(f"{t.snapshot_id}, field '{name}_hernoemd'"), Line(f"{t.snapshot_id}, field '{name}'", "missing"))]


def wrong_type(root: Path, t: Target) -> list[Fact]:
    name, new = _cell(root, t, CsvFile.value_column, lambda old: "twaalf")
    return [Line(f"{t.snapshot_id}, row {t.source_row}, field '{name}'", f"(value: {new!r})")]


def cbs_symbol_glued(root: Path, t: Target) -> list[Fact]:
    """CBS marks provisional figures with '*'; in a value cell it must be refused, not read as a number or dropped."""
    name, new = _cell(root, t, CsvFile.value_column, lambda old: old + "*")
    return [Line(f"{t.snapshot_id}, row {t.source_row}, field '{name}'", f"(value: {new!r})")]


def duplicate_key(root: Path, t: Target) -> list[Fact]:
    f = CsvFile(root / t.snapshot_id)
    f.table.append(list(f.row(t)))
    f.save()
    return ["rule 'primary key unique'", Line(_row(t)), Line(_row(t, len(f.table) - 1))]


def future_period(root: Path, t: Target) -> list[Fact]:
    _cell(root, t, CsvFile.period_column, lambda old: _future(old.strip()))
    return ["rule 'no_future_periods'", Line(_row(t), f"period_code='{_future(t.period_code)}'")]


def negative_count(root: Path, t: Target) -> list[Fact]:
    _cell(root, t, CsvFile.value_column, lambda old: "-" + old.strip())
    return ["rule 'counts_not_negative'", Line(_row(t), f"value={-t.value!r}")]


def percentage_over_100(root: Path, t: Target) -> list[Fact]:
    path = root / t.snapshot_id
    f = CsvFile(path)
    f.row(t)[f.value_column(t)] = "150"
    units = [j for j, cell in enumerate(f.row(t)) if cell.strip() == t.unit]
    if units:  # the unit is a cell of the row (published figures)
        f.row(t)[units[0]] = "procent"
        f.save()
        return ["rule 'percentages_at_most_100'", Line(_row(t), "value=150.0", "unit='procent'")]
    # the unit is declared in the sidecar's layout (tables): make this measure a percentage
    f.save()
    side = sidecar_path(path)
    origin = yaml.safe_load(side.read_text(encoding="utf-8"))
    specs = [v for k, v in _walk(origin.get("layout") or {}) if k == t.measure and isinstance(v, dict) and "unit" in v]
    assert specs, f"{t.snapshot_id}: the unit {t.unit!r} is neither in the row nor in the layout"
    specs[0]["unit"] = "procent"
    side.write_text(yaml.safe_dump(origin, sort_keys=False, allow_unicode=True), encoding="utf-8")
    # every figure of the measure is now a share above 100 (or not): the first rows shown may be any of them
    return ["rule 'percentages_at_most_100'", Line(f"snapshot_id='{t.snapshot_id}', source_row=", "unit='procent'")]


def _walk(node):
    if isinstance(node, dict):
        for k, v in node.items():
            yield k, v
            yield from _walk(v)
    elif isinstance(node, list):
        for v in node:
            yield from _walk(v)


BYTE_CASES: dict[str, tuple[Mutation, bool]] = {  # name -> (mutation, record the new checksum afterwards)
    "empty_file": (empty_file, True),
    "truncated_file": (truncated_file, True),
    "wrong_encoding": (wrong_encoding, True),
    "checksum_mismatch": (checksum_mismatch, False),
    "missing_origin_sidecar": (missing_sidecar, False),
    "incomplete_origin": (incomplete_sidecar, False),
}
COLUMN_CASES: dict[str, tuple[Mutation, bool]] = {
    "missing_column": (missing_column, True),
    "renamed_column": (renamed_column, True),
    "wrong_type": (wrong_type, True),
    "cbs_symbol_in_number": (cbs_symbol_glued, True),
    "duplicate_key": (duplicate_key, True),
    "future_period": (future_period, True),
    "negative_count": (negative_count, True),
    "percentage_over_100": (percentage_over_100, True),
}
CASES = BYTE_CASES | COLUMN_CASES


def _applies(case: str, pair: Pair) -> bool:
    return case in BYTE_CASES or (not pair.reference and pair.csv)


def _params() -> list:
    params = []
    for case in CASES:
        for i, pairs in enumerate(ROUNDS):
            if any(_applies(case, p) for p in pairs):
                params.append(pytest.param(case, i, id=f"{case}-round{i + 1}"))
        params += [pytest.param(case, p.label, id=f"{case}-{p.label}", marks=pytest.mark.skip(
            reason=f"{p.label}: no cell adapter for its files (not CSV); the byte-level cases ran"))
            for p in PAIRS if case in COLUMN_CASES and not p.reference and not p.csv]
    return params


# ---------------------------------------------------------------------------------------------------- running

@pytest.fixture(scope="session")
def targets(built) -> dict[str, Target]:
    return {t.label: t for t in _targets(built.output / "monitor.duckdb") + _reference_targets()}


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
    console = Console(file=io.StringIO(), width=100_000, color_system=None)  # no wrapping: facts are checked per line
    print_summary(console, outcome, None)
    return outcome, console.file.getvalue()


def _assert_refused(outcome, summary: str, expected: dict[str, list[Fact]], before: dict[str, str], built: BuildDirs) -> None:
    assert not outcome.success, f"the build passed:\n{summary}"
    assert not any(m.startswith("publication__") for m in outcome.materialized), outcome.materialized
    missing = {label: [f for f in facts if not _said(f, summary)] for label, facts in expected.items()}
    assert not any(missing.values()), f"not said in the summary: {missing}\n--- summary ---\n{summary}"
    assert tree_digest(built.output) == before, "output/ changed"


@pytest.mark.parametrize(("case", "round_index"), _params())
def test_hostile_snapshot_fails_the_build(case, round_index, built, targets, hostile_work, tmp_path, monkeypatch):
    mutate, rehash = CASES[case]
    pairs = [p for p in ROUNDS[round_index] if _applies(case, p)]
    absent = [p.label for p in pairs if p.label not in targets]
    assert not absent, f"no figure of {absent} in the build to damage (see test_every_snapshot_file_is_covered)"
    before = tree_digest(built.output)
    root = make_dirs(tmp_path).snapshots
    expected = {}
    for pair in pairs:
        t = targets[pair.label]
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


def _specific(built, hostile_work, tmp_path, monkeypatch, edit: Callable[[Path], None], facts: list[Fact]) -> str:
    before = tree_digest(built.output)
    root = make_dirs(tmp_path).snapshots
    edit(root)
    outcome, summary = run_build(built, root, hostile_work, monkeypatch)
    _assert_refused(outcome, summary, {"case": facts}, before, built)
    return summary


def test_cbs_missing_symbol_in_a_published_quarter(built, hostile_work, tmp_path, monkeypatch):
    """'.' (CBS: figure missing) for the latest vacancies: read as a status, but the publication loses 2024KW01."""
    _specific(built, hostile_work, tmp_path, monkeypatch,
              lambda root: _edit_text(root, VAC_2021, lambda s: s.replace(",410.8,364.6,", ",.,364.6,")),
              ["mart__labour_market_tension", "rule 'quarters_complete'", Line("missing_period='2024KW01'")])


def test_cbs_secret_symbol_in_a_published_figure(built, hostile_work, tmp_path, monkeypatch):
    """'x' (CBS: secret) for the 2024 posted workers: read as a status, but the published table would have an
    empty figure (named with its file and row) and the series of third-country nationals would lose 2024."""
    _specific(built, hostile_work, tmp_path, monkeypatch,
              lambda root: _edit_text(root, WAGWEU, lambda s: s.replace(",2024,27304,", ",2024,x,")),
              ["mart__posted_workers", "rule 'every_figure_has_a_value'",
               Line(f"snapshot_id='{WAGWEU}', source_row=4,", "year=2024", "field='value'", "status='secret'"),
               "rule 'third_country_nationals_every_year'", Line("missing_period='2024JJ00'", f"snapshot_ids='{WAGWEU}'")])


def test_file_truncated_at_a_line_end(built, hostile_work, tmp_path, monkeypatch):
    """A file cut after a complete line parses; the missing quarter is caught by the expected periods."""
    _specific(built, hostile_work, tmp_path, monkeypatch,
              lambda root: _edit_text(root, VAC_2021, lambda s: "".join(s.splitlines(keepends=True)[:-1])),
              ["rule 'quarters_complete'", Line("missing_period='2024KW01'")])


def test_latin1_encoding_is_refused(built, hostile_work, tmp_path, monkeypatch):
    _specific(built, hostile_work, tmp_path, monkeypatch,
              lambda root: _edit_text(root, WAGWEU, lambda s: s, encoding="latin-1"),
              [Line(WAGWEU, "is not UTF-8"), Line(WAGWEU, "undecodable byte")])


def test_missing_confidence_origin_field(built, hostile_work, tmp_path, monkeypatch):
    """A sidecar without the (optional) confidence leaves CBS rows without a required origin field."""
    def edit(root: Path) -> None:
        side = sidecar_path(root / VAC_2017)
        side.write_text(re.sub(r"(?m)^confidence: .*\n", "", side.read_text(encoding="utf-8")), encoding="utf-8")

    _specific(built, hostile_work, tmp_path, monkeypatch, edit,
              ["raw_cbs__observations", "rule 'confidence: required'", Line(f"snapshot_id='{VAC_2017}', source_row=", "confidence=None")])


def test_every_snapshot_file_is_covered(targets):
    """Every (source, reader) pair shipped is damaged in a round: pairs that produce figures have a representative
    row in the build and (being CSV) a cell adapter; reference tables get the byte-level cases."""
    assert {p.label for p in PAIRS} == set(targets)
    assert sorted(p.label for r in ROUNDS for p in r) == sorted(p.label for p in PAIRS)
    for r in ROUNDS:
        assert len(r) <= SAMPLE_ROWS and len({p.table for p in r}) == len(r), r
    for p in PAIRS:
        t = targets[p.label]
        assert (t.source_row is None) == p.reference, t
        if p.csv:
            read_rows((SNAPSHOTS / t.snapshot_id).read_bytes(), t.snapshot_id)
