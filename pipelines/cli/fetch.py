"""`monitor fetch`: capture source data as new snapshots (CBS StatLine over OData)."""

from __future__ import annotations


import typer
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from pipelines.cli.console import console
from pipelines.settings import paths

fetch_app = typer.Typer(help="Capture fresh source data as new snapshots (needs the network).", no_args_is_help=True)


def run_cbs_fetch(table_ids: list[str] | None, base_url: str | None = None, force: bool = False) -> bool:
    """Fetch with a progress display; print a summary; True when every table was captured or up to date."""
    from pipelines import policy
    from pipelines.core.errors import MonitorError
    from pipelines.sources.cbs.fetch import fetch_tables
    from pipelines.sources.cbs.odata.endpoints import Endpoints
    from pipelines.sources.cbs.tables import check_table_ids, load_tables

    p = paths()
    ids = table_ids or list(load_tables())
    try:
        check_table_ids(ids)
    except MonitorError as exc:
        console.print(str(exc), markup=False, highlight=False)
        return False
    ep = Endpoints.resolve(base_url)
    console.print(f"Fetching {len(ids)} CBS table(s) from {ep.v3_base}" + ("" if not ep.overridden else " (base URL overridden)"))
    with Progress(SpinnerColumn(), TextColumn("[bold]{task.description}"), BarColumn(), TextColumn("{task.fields[step]}"),
                  TimeElapsedColumn(), console=console) as progress:
        tasks = {t: progress.add_task(t, total=None, step="waiting") for t in ids}

        def on_progress(table_id: str, what: str, pages: int, rows: int) -> None:
            task = tasks.get(table_id)
            if task is not None:
                progress.update(task, step=f"{pages} pages, {rows:,} rows ({what})")

        def on_retry(url: str, attempt: int, why: str) -> None:
            progress.console.print(f"[yellow]retrying[/yellow] {url}: {why}; attempt {attempt + 1} of "
                                   f"{policy.CBS_MAX_ATTEMPTS} follows (retries: pipelines/policy.py)",
                                   markup=True, highlight=False)

        results, failures = fetch_tables(ids, store_root=p.snapshot_dir, work_dir=p.work_dir, base_url=base_url,
                                         force=force, progress=on_progress, on_retry=on_retry)
        for r in results:
            progress.update(tasks[r.table_id], total=1, completed=1,
                            step="up to date" if r.skipped else f"{r.pages} pages, {r.rows:,} rows")
        for table_id, _ in failures:
            progress.update(tasks[table_id], total=1, completed=0, step="[red]failed")
    for r in results:
        if r.skipped:
            console.print(f"{r.table_id}: {r.message}")
        else:
            reused = f", {r.reused_pages} page(s) reused from an interrupted run" if r.reused_pages else ""
            console.print(f"[green]{r.table_id}[/green]: captured {r.rows:,} rows (Modified {r.modified}) "
                          f"-> {p.snapshot_dir / r.snapshot_id}{reused}", highlight=False)
    for table_id, exc in failures:
        console.print(f"\n[bold red]{table_id} failed[/bold red]: no snapshot was written for it.", markup=True)
        console.print(str(exc), markup=False, highlight=False)
    return not failures


@fetch_app.command("cbs")
def fetch_cbs(
    table_ids: list[str] = typer.Argument(None, help="StatLine table ids (default: every table in pipelines/sources/cbs/tables.yaml)."),
    base_url: str = typer.Option(None, "--base-url", help="Base URL of the OData service (default: CBS; env MONITOR_CBS_BASE_URL)."),
    force: bool = typer.Option(False, "--force", help="Capture again even when this table version is already captured."),
) -> None:
    """Capture CBS StatLine tables as new snapshots under data/snapshots/cbs/<TABLE>/capture_*/."""
    if not run_cbs_fetch(table_ids or None, base_url, force):
        raise typer.Exit(1)


