"""Reviewed registers (data_contracts/registers/*.yaml): the generic loader and the indicator register."""

from __future__ import annotations

import textwrap
from pathlib import Path

import duckdb
import pytest

from pipelines.registers import RegisterError, load_register, register_files, table_name
from pipelines.validation.contracts import _load_file, load_contracts

CONTRACT = """\
apiVersion: v3.1.0
kind: DataContract
id: urn:test:raw_monitor__things
name: things
version: 1.0.0
status: active
schema:
  - name: raw_monitor__things
    physicalName: raw_monitor__things
    physicalType: table
    description: test register
    properties:
      - {name: thing_id, logicalType: string, physicalType: VARCHAR, required: true, primaryKey: true, description: id}
      - {name: amount, logicalType: number, physicalType: DOUBLE, description: amount}
      - {name: since, logicalType: date, physicalType: DATE, description: since}
      - {name: aliases, logicalType: array, physicalType: "VARCHAR[]", description: aliases}
      - {name: register_file, logicalType: string, physicalType: VARCHAR, required: true, description: file}
      - {name: register_row, logicalType: integer, physicalType: INTEGER, required: true, description: row}
"""


def _contract(tmp_path: Path, text: str = CONTRACT):
    path = tmp_path / "contracts" / "raw_monitor__things.odcs.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return _load_file(path)[0]


def _register(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "registers" / "things.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(body))
    return path


def test_records_load_typed_by_the_contract_with_their_file_and_row(tmp_path):
    path = _register(tmp_path, """\
        # a comment
        records:
          - {thing_id: a, amount: 2.5, since: 2024-05-15, aliases: [x, y]}
          - {thing_id: b}
        """)
    con = duckdb.connect()
    assert table_name(path) == "raw_monitor__things"
    assert load_register(con, path, _contract(tmp_path)) == 2
    rows = con.execute("SELECT thing_id, amount, since::VARCHAR, aliases, register_row, typeof(since) FROM raw_monitor__things ORDER BY 1").fetchall()
    assert rows == [("a", 2.5, "2024-05-15", ["x", "y"], 1, "DATE"), ("b", None, None, None, 2, "DATE")]
    assert con.execute("SELECT DISTINCT register_file FROM raw_monitor__things").fetchone()[0].endswith("registers/things.yaml")


@pytest.mark.parametrize("body, where", [
    ("records:\n  - {thing_id: a, colour: red}\n", "row 1, field 'colour'"),
    ("records:\n  - {thing_id: a}\n  - {thing_id: b, amount: lots}\n", "row 2, field 'amount'"),
    ("records:\n  - {thing_id: a, amount: {x: 1}}\n", "row 1, field 'amount'"),
    ("records:\n  - {thing_id: a, register_row: 7}\n", "row 1, field 'register_row'"),
    ("records:\n  - just text\n", "row 1"),
    ("things:\n  - {thing_id: a}\n", "field 'records'"),
])
def test_a_record_that_does_not_fit_names_file_row_and_field_and_leaves_the_old_table(tmp_path, body, where):
    good = _register(tmp_path, "records:\n  - {thing_id: old}\n")
    con = duckdb.connect()
    contract = _contract(tmp_path)
    load_register(con, good, contract)
    bad = _register(tmp_path, body)
    with pytest.raises(RegisterError) as err:
        load_register(con, bad, contract)
    assert "things.yaml" in str(err.value) and where in str(err.value)
    assert con.execute("SELECT thing_id FROM raw_monitor__things").fetchall() == [("old",)]


def test_a_contract_without_the_provenance_columns_is_refused(tmp_path):
    text = "\n".join(line for line in CONTRACT.splitlines() if "register_" not in line) + "\n"
    with pytest.raises(RegisterError, match="register_file"):
        load_register(duckdb.connect(), _register(tmp_path, "records: []\n"), _contract(tmp_path, text))


def test_every_shipped_register_has_a_contract_and_loads():
    contracts = load_contracts()
    con = duckdb.connect()
    files = register_files()
    assert any(p.stem == "indicators" for p in files)
    for path in files:
        assert table_name(path) in contracts, f"{path.name}: no contract data_contracts/{table_name(path)}.odcs.yaml"
        assert load_register(con, path, contracts[table_name(path)]) > 0
