"""Benchmark: the current-figure rule (mart__figures) and the observation contract's checks on a >= 1M-row CBS capture.

A synthetic table (tests/fakes/cbs_odata.py, served locally) is captured and streamed into raw_cbs__observations as
the raw asset does; the real registers are loaded (pipelines/registers.py); then, in one process, timed one by one:
stg_cbs__observations, mart__observations (the CBS staging table alone), mart__figures (with its macros) and
every SQL rule of the contracts of raw_cbs__observations, mart__observations and mart__figures. Peak RSS of the
process is reported at the end. Run:

    .venv/bin/python benchmarks/figures_rules.py --rows 1000000
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests.fakes.cbs_odata import ServerProcess  # noqa: E402

TABLE = "99999NED"


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run(base_url: str) -> dict:
    from pipelines.core.observations import empty
    from pipelines.core.snapshots import SnapshotStore
    from pipelines.core.warehouse import connect, replace_table
    from pipelines.registers import load_register, register_files, table_name
    from pipelines.sources.cbs.odata.capture import capture_table
    from pipelines.sources.cbs.odata.endpoints import Endpoints
    from pipelines.sources.cbs.odata.transport import Transport
    from pipelines.sources.cbs.tables import TableSpec
    from pipelines.sources.common import readers
    from pipelines.transform.sql_models import discover, macro_statements
    from pipelines.validation.contracts import load_contracts

    tmp = Path(tempfile.mkdtemp())
    with Transport() as t:
        result = capture_table(TableSpec(TABLE), store_root=tmp / "store", work_dir=tmp / "work",
                               endpoints=Endpoints.resolve(base_url), transport=t)
    snapshot = SnapshotStore(tmp / "store").read(result.snapshot_id)
    load = readers.loader(snapshot)
    timings: dict[str, float] = {}
    models = {m.name: m for m in discover()}
    contracts = load_contracts()
    with connect(tmp / "w.duckdb") as con:
        t0 = time.perf_counter()
        replace_table(con, "raw_cbs__observations", empty(), append=[lambda con, table: load(snapshot, con, table)])
        timings["load raw_cbs__observations"] = time.perf_counter() - t0
        rows = con.execute("SELECT count(*) FROM raw_cbs__observations").fetchone()[0]
        for path in register_files():
            load_register(con, path, contracts[table_name(path)])
        # the origins of the one snapshot, so the joins on raw_snapshots__origins find it
        con.execute("CREATE TABLE raw_snapshots__origins AS SELECT ? AS snapshot_id, ? AS sha256, 'cite' AS citation, "
                    "'CC BY 4.0' AS licence, '2031-05' AS retrieved, 'transcription' AS obtained, '2031-05' AS published, "
                    "'https://opendata.cbs.nl' AS url, 'T' AS title",
                    [snapshot.id, snapshot.sha256])
        for name, sql in [("stg_cbs__observations", models["stg_cbs__observations"].sql),
                          ("mart__observations", "SELECT * FROM stg_cbs__observations"),
                          ("mart__figures", models["mart__figures"].sql)]:
            for statement in macro_statements(models.get(name, models["stg_cbs__observations"]).macros):
                con.execute(statement)
            t0 = time.perf_counter()
            con.execute(f'CREATE OR REPLACE TABLE "{name}" AS {sql}')
            con.execute("CHECKPOINT")
            timings[f"model {name}"] = time.perf_counter() - t0
        # the same mart as main had it (newest vintage first, no register, text vintages), for comparison
        old = subprocess.run(["git", "show", "main:sql/marts/mart__figures.sql"], cwd=REPO, capture_output=True, text=True)
        if old.returncode == 0:
            t0 = time.perf_counter()
            con.execute(f"CREATE OR REPLACE TABLE mart__figures_main AS {old.stdout}")
            con.execute("CHECKPOINT")
            timings["model mart__figures as on main"] = time.perf_counter() - t0
            con.execute("DROP TABLE mart__figures_main")
        for table in ("raw_cbs__observations", "mart__observations", "mart__figures"):
            for rule in contracts[table].rules:
                if rule.kind != "sql":
                    continue
                t0 = time.perf_counter()
                try:
                    n = con.execute(f"SELECT count(*) FROM ({rule.query})").fetchone()[0]
                except Exception as exc:  # a rule reading a table this benchmark does not build
                    timings[f"rule {table}.{rule.name} (skipped: {type(exc).__name__})"] = 0.0
                    continue
                timings[f"rule {table}.{rule.name} ({n} rows)"] = time.perf_counter() - t0
    return {"rows": rows, "timings_s": {k: round(v, 2) for k, v in timings.items()}, "peak_rss_mb": round(_rss_mb())}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--page-size", type=int, default=10_000)
    args = parser.parse_args()
    with ServerProcess(REPO, "--rows", str(args.rows), "--page-size", str(args.page_size)) as server:
        result = run(server.base_url)
    print(json.dumps(result, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
