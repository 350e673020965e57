"""`monitor edition`: publish the monitor as a frozen, numbered edition, and list the published ones.

A scheduled refresh (`monitor build`) replaces `output/monitor.duckdb` and the report in place. Publishing
an edition runs the same build and, before releasing it, freezes the result read-only as
`output/editions/<edition>/` (monitor.duckdb, monitor.html, monitor.pdf, build.json). An edition is
written once: publishing it again is refused; a correction is a re-issue (`2025-r1`). docs/analysts.md says why.
"""

from __future__ import annotations

import typer

from pipelines.cli.locking import WAIT_OPTION, exclusive_build

editions_app = typer.Typer(help="Publish and list frozen editions (output/editions/<year>/).", no_args_is_help=True)


@editions_app.command("publish")
def publish(edition: str = typer.Argument(..., help="The edition: a year (2025), or 2025-r1 for a corrected re-issue."),
            wait: float = WAIT_OPTION) -> None:
    """Build the monitor, release it to the output directory and freeze it as output/editions/EDITION/."""
    from pipelines.cli.console import console
    from pipelines.cli.validation_summary import print_outcome
    from pipelines.cli.runner import run_job
    from pipelines.core.errors import PublishError
    from pipelines.core.publish import check_edition
    from pipelines.resources import PublicationResource

    editions = PublicationResource().editions
    try:
        check_edition(editions, edition)
    except PublishError as exc:
        console.print(str(exc), markup=False, highlight=False)
        raise typer.Exit(1) from exc
    with exclusive_build(f"monitor edition publish {edition}", wait), console.status(f"Building edition {edition}") as status:
        outcome = run_job("build_monitor", lambda event, step: status.update(f"Building edition {edition}: {step}"),
                          resources={"publication": {"config": {"edition": edition}}})
    print_outcome(outcome)
    if not outcome.success:
        console.print(f"\n[bold red]Build failed[/bold red]: edition {edition} was not published and the output "
                      "directory is unchanged.")
        raise typer.Exit(1)
    console.print(f"\n[bold green]Published edition {edition}[/bold green] to {editions / edition} (read-only), "
                  f"and refreshed {editions.parent}")


@editions_app.command("list")
def list_() -> None:
    """List the published editions with their release time and snapshot count."""
    from pipelines.cli.console import console
    from pipelines.core.publish import list_editions
    from pipelines.resources import PublicationResource

    editions = PublicationResource().editions
    found = list_editions(editions)
    if not found:
        console.print(f"No editions in {editions} yet (`monitor edition publish <year>`).")
        return
    for e in found:
        console.print(f"{e['edition']:10} released {e.get('released_at', '?')}  {len(e.get('snapshots', {}))} snapshots  "
                      f"{e['path'] / 'monitor.duckdb'}", markup=False, highlight=False)
