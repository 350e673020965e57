"""`monitor build` as an incremental build: run only what changed since the last successful build.

1. Hash every input file (pipelines/core/fingerprints.py). When nothing changed since the last successful build
   (and its warehouse and release are still in place), say so and stop: no Dagster, no Great Expectations.
2. Otherwise load the Dagster definitions, fingerprint every asset and check (pipelines/cli/plan.py), and run
   ``build_monitor`` on those whose fingerprint changed (which includes everything downstream of a change).
   When the validation report is rebuilt but some checks are not, their results of the last build are copied
   into this run's validation folder, so that the Data Docs still show every table.
3. Record the fingerprints only when the run succeeded.
"""

from __future__ import annotations

import os
import shutil
import uuid
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from pipelines.cli.console import console
from pipelines.core import fingerprints as fp
from pipelines.settings import Paths

_SHOWN_FILES = 5


def _release_in_place(p: Paths) -> Path | None:
    link = p.output_dir / "current"
    return Path(os.path.realpath(link)) if link.is_symlink() and link.exists() else None


def _since(state: dict) -> str:
    return f"build {state['run_id'][:8]} ({state['finished_at']})"


@dataclass
class Incremental:
    """The result of an incremental `monitor build`: ``outcome`` is None when nothing had to run."""

    outcome: object | None
    message: str


def _describe_changes(files: list[str]) -> str:
    shown = ", ".join(files[:_SHOWN_FILES])
    return shown + (f" and {len(files) - _SHOWN_FILES} more" if len(files) > _SHOWN_FILES else "")


def build(p: Paths, force: bool, run) -> Incremental:
    """``run(selection, run_id)`` runs build_monitor on a Dagster selection and returns a RunOutcome."""
    hasher = fp.hasher_for(p)
    files = fp.input_files(p, hasher)
    hasher.save()
    inputs = fp.inputs_digest(files, p)
    state = fp.read_state(p)
    release = _release_in_place(p)
    stale = fp.stale_reason(state, p, release)
    if not force and stale is None and state["inputs"] == inputs:
        return Incremental(None, f"Nothing changed since {_since(state)}: every input file is as it was, the "
                                 f"release {release.name} is current. (`monitor build --force` rebuilds everything.)")
    if force:
        console.print("--force: rebuilding everything")
        previous = None
    elif stale is not None:
        console.print(f"Rebuilding everything: {stale}", highlight=False)
        previous = None
    else:
        changed = fp.changed_files(state.get("files", {}), files)
        console.print(f"Changed since {_since(state)}: {_describe_changes(changed)}", highlight=False)
        previous = state["fingerprints"]

    from pipelines.cli.plan import plan_build, results_dir_tables, selection
    from pipelines.definitions import make_definitions
    from pipelines.validation.results import run_dir

    last_results = run_dir(state["results_run"]) if previous is not None and state.get("results_run") else None
    plan = plan_build(make_definitions(), files, previous, results_dir_tables(last_results))
    record = {"inputs": inputs, "files": files, "fingerprints": plan.fingerprints,
              "results_run": state.get("results_run") if state else None}
    if plan.empty:
        fp.write_state(p, {**state, **record, "warehouse": fp.warehouse_stamp(p)})
        return Incremental(None, f"Nothing to rebuild since {_since(state)}: the changed files feed no asset "
                                 "or check (the record now holds them).")
    for group, n in sorted(plan.skipped_assets.items()):
        console.print(f"skipped {n} asset(s) of group {group}: inputs unchanged since {_since(state)}", highlight=False)
    if plan.skipped_checks:
        console.print(f"skipped {plan.skipped_checks} contract check(s): table and contract unchanged"
                      + (f"; their results of {_since(state)} go into the validation report" if plan.reused_results else ""),
                      highlight=False)
    if previous is not None:
        console.print(f"running {len(plan.assets)} asset(s) and {len(plan.checks)} check(s)", highlight=False)
    run_id = str(uuid.uuid4())
    if plan.reused_results:
        target = run_dir(run_id)
        target.mkdir(parents=True, exist_ok=True)
        for table in plan.reused_results:
            shutil.copyfile(last_results / f"{table}.json", target / f"{table}.json")
    outcome = run(selection(plan), run_id)
    if outcome.success:
        fp.write_state(p, {**record, "run_id": run_id, "results_run": run_id if (plan.checks or plan.reused_results)
                           else record["results_run"], "finished_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
                           "warehouse": fp.warehouse_stamp(p), "release": (_release_in_place(p) or Path("")).name,
                           "materialized": sorted(outcome.materialized),
                           "checked": sorted(f"{c.asset}:{c.name}" for c in outcome.checks)})
    return Incremental(outcome, "")
