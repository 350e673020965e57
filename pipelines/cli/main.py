"""`monitor`: build, validate and inspect the Monitor Arbeidsmigratie from the command line."""

from __future__ import annotations

import sys
from pathlib import Path

import typer
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from pipelines.cli.console import console
from pipelines.cli.editions import editions_app
from pipelines.cli.fetch import fetch_app, run_cbs_fetch
from pipelines.cli.locking import WAIT_OPTION, exclusive_build
from pipelines.settings import ForeignCheckout, check_own_checkout, paths

app = typer.Typer(help="Monitor Arbeidsmigratie: build the monitor from its snapshots and check it.",
                  no_args_is_help=True, add_completion=False)
snapshots_app = typer.Typer(help="Inspect and maintain the snapshot store.", no_args_is_help=True)
app.add_typer(snapshots_app, name="snapshots")
app.add_typer(fetch_app, name="fetch")
app.add_typer(editions_app, name="edition")


@app.callback()
def _own_checkout_only() -> None:
    """Every command first checks that it runs this checkout's code (pipelines/settings.py)."""
    try:
        check_own_checkout()
    except ForeignCheckout as exc:
        console.print(str(exc), markup=False, highlight=False)
        raise typer.Exit(2) from exc


def _run_with_progress(job: str, title: str, selection=None, run_id: str | None = None):
    from pipelines.cli.runner import run_job

    with Progress(SpinnerColumn(), TextColumn("[bold]{task.description}"), BarColumn(), TextColumn("{task.fields[step]}"),
                  TimeElapsedColumn(), console=console, transient=False) as progress:
        task = progress.add_task(title, total=None, step="starting Dagster")
        steps: set[str] = set()

        def on_event(event: str, step: str) -> None:
            if event == "STEP_START":
                steps.add(step)
                progress.update(task, step=step)
            elif event == "STEP_SUCCESS":
                progress.update(task, step=f"{step} done")
            elif event == "STEP_FAILURE":
                progress.update(task, step=f"[red]{step} failed")

        outcome = run_job(job, on_event, selection=selection, run_id=run_id)
        progress.update(task, total=1, completed=1, step=f"{len(steps)} steps")
    return outcome


@app.command()
def build(
    live: bool = typer.Option(False, "--live", help="First capture the CBS table set afresh (`monitor fetch cbs`), then build."),
    force: bool = typer.Option(False, "--force", help="Rebuild and re-check everything, also what did not change."),
    wait: float = WAIT_OPTION,
    warehouse: str = typer.Option(None, "--warehouse", metavar="BACKEND",
                                  help="The working warehouse: 'duckdb' (the embedded file, default) or "
                                  "'ducklake:<catalog>' (postgres:<connection string>, sqlite:<file> or a DuckDB "
                                  "file); default $MONITOR_WAREHOUSE (docs/deployment.md)."),
) -> None:
    """Build the monitor from the shipped snapshots: warehouse, checks, report; release into the output directory.
    Only what changed since the last successful build is rebuilt (with what depends on it)."""
    import os

    from pipelines.cli import incremental
    from pipelines.core import warehouse_backends

    if warehouse is not None:
        os.environ[warehouse_backends.ENV] = warehouse  # read by every warehouse connection of this process
    try:
        backend = warehouse_backends.selected()
    except warehouse_backends.BackendError as exc:
        console.print(str(exc), markup=False, highlight=False)
        raise typer.Exit(2) from exc
    if backend.is_lake:
        console.print(f"Warehouse: {backend.describe()}", highlight=False)
    p = paths()
    with exclusive_build("monitor build" + (" --live" if live else ""), wait):
        if live and not run_cbs_fetch(None):
            console.print("\n[bold red]Build not started[/bold red]: the live CBS fetch failed (see above); nothing was "
                          "published.")
            raise typer.Exit(1)
        result = incremental.build(p, force, lambda selection, run_id: _run_with_progress(
            "build_monitor", "Building the monitor", selection, run_id))
    if result.outcome is None:
        console.print(result.message, highlight=False)
        return
    outcome = result.outcome
    from pipelines.cli.validation_summary import print_outcome

    print_outcome(outcome, p.output_dir / "validation" / "index.html" if outcome.success else None)
    if not outcome.success:
        console.print(f"\n[bold red]Build failed[/bold red]: nothing was published; {p.output_dir} is unchanged. "
                      f"Summary: {outcome.alert}", highlight=False)
        raise typer.Exit(1)
    console.print(f"\n[bold green]Published[/bold green] to {p.output_dir}: monitor.duckdb, monitor(.en).html, monitor(.en).pdf, data/, "
                  "validation/ (Data Docs)")


@app.command()
def validate(wait: float = WAIT_OPTION) -> None:
    """Load the snapshots and run every data-contract check; publish nothing."""
    from pipelines.cli.validation_summary import print_outcome

    with exclusive_build("monitor validate", wait):
        outcome = _run_with_progress("validate_monitor", "Validating")
    print_outcome(outcome)
    if not outcome.success:
        console.print("\n[bold red]Validation failed.[/bold red]")
        raise typer.Exit(1)
    console.print("\n[bold green]All blocking checks passed.[/bold green]")


@app.command()
def status(as_json: bool = typer.Option(False, "--json", help="Print the status as JSON (for scripts and monitoring).")) -> None:
    """One screen: per source the newest snapshot, freshness and check outcomes; the last run and publication; what
    to do next. Exits 1 when a source is stale or the last run failed."""
    import json

    from pipelines.operations.instance import instance
    from pipelines.operations.status import collect, render

    with instance() as dagster_instance:
        result = collect(paths().output_dir, dagster_instance)
    if as_json:
        print(json.dumps(result.as_dict(), indent=1, default=str))
    else:
        render(result, console)
    if not result.ok:
        raise typer.Exit(1)


@snapshots_app.command("verify")
def snapshots_verify() -> None:
    """Check every snapshot against its origin sidecar (checksum and required origin fields)."""
    from pipelines.core.errors import SnapshotError
    from pipelines.core.snapshots import SnapshotStore

    store = SnapshotStore(paths().snapshot_dir)
    try:
        verified = store.verify_all()
    except SnapshotError as exc:
        console.print(str(exc), markup=False, highlight=False)
        raise typer.Exit(1) from exc
    console.print(f"{len(verified)} snapshot file(s) verified in {store.root}")


@snapshots_app.command("rehash")
def snapshots_rehash(path: Path = typer.Argument(..., exists=True, dir_okay=False, help="The changed data file.")) -> None:
    """Record the new sha256 of a data file you changed on purpose (say why in the sidecar's notes)."""
    import yaml

    from pipelines.core.snapshots import sidecar_path, write_sidecar

    sidecar = sidecar_path(path)
    if not sidecar.exists():
        console.print(f"{sidecar} does not exist: write the origin first (docs/snapshots.md)")
        raise typer.Exit(1)
    origin = yaml.safe_load(sidecar.read_text(encoding="utf-8"))
    old = origin.get("sha256")
    write_sidecar(path, origin)
    new = yaml.safe_load(sidecar.read_text(encoding="utf-8"))["sha256"]
    console.print(f"{path}: sha256 {old} -> {new}")


def main() -> None:  # pragma: no cover - entry point
    sys.exit(app())


if __name__ == "__main__":  # pragma: no cover - `python -m pipelines.cli.main`
    main()
