"""`monitor status`: what an operator needs on one screen — per source the newest snapshot and vintage, whether
it is fresh, how its checks ended in the last run; the last publication and editions; and what to do next.

Everything is read from what the monitor itself left behind: the published ``monitor.duckdb`` and ``build.json``
in the output directory, and the runs recorded in the checkout's Dagster home.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from pipelines.operations.freshness import FRESH, NEVER, Freshness, sources_freshness

_SOURCE_OF_TABLE = re.compile(r"^(?:raw|stg)_(?P<source>[a-z0-9]+)__")
ACTIONS = {
    "cbs": "capture the CBS tables afresh: `monitor fetch cbs`, then `monitor build` (or turn on the schedule "
           "monthly_cbs_refresh / the sensor cbs_table_changes in Dagster)",
}
RUNS_LOOKED_AT = 20  # for the newest outcome of each check
DEFAULT_ACTION = ("add the newer publication as a snapshot (docs/snapshots.md), then `monitor build`")


@dataclass
class SourceStatus:
    source_id: str
    snapshots: int
    newest_retrieved: str | None
    newest_published: str | None
    freshness: Freshness
    checks: dict[str, int] = field(default_factory=lambda: {"pass": 0, "warn": 0, "block": 0})

    @property
    def needs_attention(self) -> bool:
        return self.freshness.state not in (FRESH, NEVER) or self.checks["block"] > 0

    @property
    def action(self) -> str:
        if self.checks["block"]:
            return "a blocking check failed: `monitor validate` names the file, row and rule"
        if self.freshness.state in (FRESH, NEVER):
            return "nothing"
        return ACTIONS.get(self.source_id, DEFAULT_ACTION)

    def as_dict(self) -> dict:
        return {"source_id": self.source_id, "snapshots": self.snapshots, "newest_retrieved": self.newest_retrieved,
                "newest_published": self.newest_published, "freshness": self.freshness.as_dict(),
                "checks": self.checks, "needs_attention": self.needs_attention, "action": self.action}


@dataclass
class Status:
    output_dir: Path
    published: dict | None
    last_run: dict | None
    editions: list[str]
    sources: list[SourceStatus]
    problems: list[str]

    @property
    def ok(self) -> bool:
        return not self.problems and all(not s.needs_attention for s in self.sources)

    def as_dict(self) -> dict:
        return {"ok": self.ok, "output_dir": str(self.output_dir), "published": self.published,
                "last_run": self.last_run, "editions": self.editions,
                "sources": [s.as_dict() for s in self.sources], "problems": self.problems}


def _last_run(instance) -> tuple[dict | None, dict[str, dict[str, int]]]:
    """The newest build/validate run, and per source the outcome of the newest evaluation of each of its checks
    (a run that failed early evaluated none: the checks of the run before it still tell)."""
    import dagster as dg

    runs = [r for r in instance.get_runs(limit=RUNS_LOOKED_AT) if r.job_name in ("build_monitor", "validate_monitor")]
    if not runs:
        return None, {}
    newest: dict[tuple[str, str], bool | str] = {}
    for run in runs:  # newest first
        for entry in instance.all_logs(run.run_id, of_type=dg.DagsterEventType.ASSET_CHECK_EVALUATION):
            data = entry.dagster_event.event_specific_data
            key = (data.asset_key.to_user_string(), data.check_name)
            if key not in newest:
                newest[key] = "pass" if data.passed else "block" if data.severity == dg.AssetCheckSeverity.ERROR else "warn"
    per_source: dict[str, dict[str, int]] = {}
    for (asset, _check), outcome in newest.items():
        m = _SOURCE_OF_TABLE.match(asset)
        counts = per_source.setdefault(m.group("source") if m else "marts", {"pass": 0, "warn": 0, "block": 0})
        counts[outcome] += 1
    run = runs[0]
    stats = instance.get_run_stats(run.run_id)
    ended = stats.end_time or stats.start_time
    return ({"job": run.job_name, "run_id": run.run_id, "status": run.status.value,
             "ended_at": date.fromtimestamp(ended).isoformat() if ended else None}, per_source)


def collect(output_dir: Path, instance=None, today: date | None = None) -> Status:
    import duckdb

    from pipelines.core.publish import list_editions

    problems: list[str] = []
    database = output_dir / "monitor.duckdb"
    manifest_path = output_dir / "build.json"
    published = json.loads(manifest_path.read_text(encoding="utf-8")) if manifest_path.exists() else None
    last_run, checks = _last_run(instance) if instance is not None else (None, {})
    if last_run and last_run["status"] != "SUCCESS":
        problems.append(f"the last run ({last_run['job']}, {last_run['run_id'][:8]}) ended {last_run['status']}: "
                        "`monitor validate` says what failed")
    sources: list[SourceStatus] = []
    if not database.exists():
        problems.append(f"nothing is published in {output_dir}: run `monitor build`")
    else:
        with duckdb.connect(str(database), read_only=True) as con:
            snapshots = {row[0]: row[1:] for row in con.execute(
                "SELECT source_id, count(*), max(retrieved)::VARCHAR, max(published)::VARCHAR "
                "FROM raw_snapshots__origins GROUP BY source_id").fetchall()}
            for f in sources_freshness(con, today=today):
                count, retrieved, newest_published = snapshots.get(f.source_id, (0, None, None))
                sources.append(SourceStatus(f.source_id, count, retrieved, newest_published, f,
                                            checks.get(f.source_id, {"pass": 0, "warn": 0, "block": 0})))
    editions = [e["edition"] for e in list_editions(output_dir / "editions")]
    return Status(output_dir, published and {k: published.get(k) for k in ("released_at", "run_id", "edition",
                                                                            "source_commit")},
                  last_run, editions, sources, problems)


def render(status: Status, console) -> None:
    pub = status.published
    lines = [f"Published   {status.output_dir}" + (f"  released {pub['released_at']}, run {str(pub['run_id'])[:8]}, "
                                                    f"commit {(pub.get('source_commit') or '?')[:12]}" if pub else
                                                    "  nothing yet"),
             f"Editions    {', '.join(status.editions) or 'none yet (`monitor edition publish <year>`)'}"]
    if status.last_run:
        r = status.last_run
        lines.append(f"Last run    {r['job']} {r['status']} on {r['ended_at']} (run {r['run_id'][:8]})")
    lines.append("")
    lines.append(f"{'source':<17}{'files':>6}  {'retrieved':<11}{'newest period':<15}{'freshness':<28}checks p/w/b")
    for s in status.sources:
        f = s.freshness
        lines.append(f"{s.source_id:<17}{s.snapshots:>6}  {(s.newest_retrieved or '-'):<11}"
                     f"{(f.newest_period_end.isoformat() if f.newest_period_end else '-'):<15}{f.short:<28}"
                     f"{s.checks['pass']}/{s.checks['warn']}/{s.checks['block']}")
    todo: dict[str, list[str]] = {}
    for s in status.sources:
        if s.needs_attention:
            todo.setdefault(s.action, []).append(s.source_id)
    todo.update({problem: [] for problem in status.problems})
    lines.append("")
    if not todo:
        lines.append("All sources fresh, last run passed: nothing to do.")
    else:
        lines.append("What to do next (exit code 1):")
        lines += [f"  - {', '.join(ids) + ': ' if ids else ''}{action}" for action, ids in todo.items()]
    console.print("\n".join(lines), markup=False, highlight=False)
