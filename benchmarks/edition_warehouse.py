"""Benchmark: building an edition's warehouse (pipelines/publication/editions.py) with a >= 1M-row CBS capture.

Starts from a built working warehouse (default .monitor/warehouse.duckdb: run `monitor build` first), adds the
observations of a synthetic CBS table (tests/fakes/cbs_odata.py, `big_table`, served locally, captured and
streamed as the raw asset does) to raw_cbs__observations with its snapshot origin, then times
`build_edition_warehouse` — the cut-off filter on every raw table and every SQL model run again — once per
repetition, each into a fresh file. That is the cost of one edition partition's database step and, per edition in
the register, of mart__edition_figures. Peak RSS of the process is reported at the end. Run:

    .venv/bin/python benchmarks/edition_warehouse.py --rows 1000000 --repeat 3
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests.fakes.cbs_odata import ServerProcess  # noqa: E402

TABLE = "99999NED"


def run(base_url: str, warehouse: Path, repeat: int, cutoff: date) -> dict:
    from pipelines.core.observations import empty
    from pipelines.core.snapshots import SnapshotStore
    from pipelines.core.warehouse import connect, replace_table
    from pipelines.publication.editions import build_edition_warehouse
    from pipelines.sources.cbs.odata.capture import capture_table
    from pipelines.sources.cbs.odata.endpoints import Endpoints
    from pipelines.sources.cbs.odata.transport import Transport
    from pipelines.sources.cbs.tables import TableSpec
    from pipelines.sources.common import readers

    tmp = Path(tempfile.mkdtemp())
    try:
        work = tmp / "warehouse.duckdb"
        shutil.copyfile(warehouse, work)
        with Transport() as t:
            result = capture_table(TableSpec(TABLE), store_root=tmp / "store", work_dir=tmp / "work",
                                   endpoints=Endpoints.resolve(base_url), transport=t)
        snapshot = SnapshotStore(tmp / "store").read(result.snapshot_id)
        load = readers.loader(snapshot)
        with connect(work) as con:
            replace_table(con, "big", empty(), append=[lambda con, table: load(snapshot, con, table)])
            con.execute("INSERT INTO raw_cbs__observations BY NAME SELECT * FROM big")
            con.execute("DROP TABLE big")
            con.execute("INSERT INTO raw_snapshots__origins BY NAME SELECT ? AS snapshot_id, ? AS sha256, 1 AS bytes, "
                        "'cbs' AS source_id, 'cbs_odata_capture' AS reader, 'CBS' AS producer, 'big' AS title, "
                        "'https://opendata.cbs.nl' AS url, '2026-11' AS published, '2026-11' AS retrieved, "
                        "'2026-11' AS vintage, 'CC BY 4.0' AS licence, 'CBS (2026)' AS citation, 'api' AS obtained, "
                        "'primary' AS confidence", [snapshot.id, snapshot.sha256])
            raw_rows = con.execute("SELECT count(*) FROM raw_cbs__observations").fetchone()[0]
            con.execute("CHECKPOINT")
        times, kept = [], {}
        for i in range(repeat):
            t0 = time.perf_counter()
            kept = build_edition_warehouse(work, tmp / f"edition-{i}.duckdb", cutoff)
            times.append(time.perf_counter() - t0)
            (tmp / f"edition-{i}.duckdb").unlink()
        return {"raw_cbs__observations_rows": raw_rows, "cutoff": cutoff.isoformat(),
                "rows_kept": kept, "seconds": [round(t, 1) for t in times],
                "median_s": round(statistics.median(times), 1),
                "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
                "load_average_1min_after": os.getloadavg()[0]}
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--warehouse", type=Path, default=REPO / ".monitor" / "warehouse.duckdb")
    parser.add_argument("--cutoff", type=date.fromisoformat, default=date(2026, 11, 30))
    args = parser.parse_args()
    with ServerProcess(REPO, "--rows", str(args.rows)) as server:
        print(f"load average before: {os.getloadavg()[0]:.1f}", file=sys.stderr)
        result = run(server.base_url, args.warehouse, args.repeat, args.cutoff)
    print(json.dumps(result, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
