"""`monitor edition`: publish the monitor as a frozen, numbered edition, and list the published ones.

A scheduled refresh (`monitor build`) replaces `output/monitor.duckdb` and the report in place. Publishing
an edition checks the warehouse like `monitor validate` and freezes the edition read-only as
`output/editions/<edition>/` (monitor.duckdb, monitor.html, monitor.pdf, build.json). An edition is
written once: publishing it again is refused; a correction is a re-issue (`2025-r1`). docs/analysts.md says why.

An edition is a partition of the `publish_edition` job: it holds the figures known on its cut-off date
(data_contracts/registers/editions.yaml), whenever it is built, and rebuilding it from the same commit and
snapshots reproduces every file (`monitor edition verify`, pipelines/publication/reproducible.py).
"""

from __future__ import annotations

from pathlib import Path

import typer

from pipelines.cli.locking import WAIT_OPTION, exclusive_build

editions_app = typer.Typer(help="Publish and list frozen editions (output/editions/<year>/).", no_args_is_help=True)


def _run_edition(edition: str, status, editions_dir: str = "") -> bool:
    """Load and check the warehouse from the snapshots (`validate_monitor`), then build and freeze the edition's
    partition (`publish_edition`). Prints the outcome; returns whether both succeeded."""
    from pipelines.cli.runner import run_job
    from pipelines.cli.validation_summary import print_outcome

    from pipelines.cli.console import console

    checked = run_job("validate_monitor", lambda event, step: status.update(f"Edition {edition}: checking {step}"))
    print_outcome(checked)
    if not checked.success:
        return False
    built = run_job("publish_edition", lambda event, step: status.update(f"Edition {edition}: {step}"),
                    partition_key=edition,
                    ops={step: {"config": {"editions_dir": editions_dir}}
                         for step in ("publication__edition_database", "publication__edition")} if editions_dir else None)
    for step, error in built.errors:
        console.print(f"{step}: {error}", markup=False, highlight=False)
    return built.success


@editions_app.command("publish")
def publish(edition: str = typer.Argument(..., help="The edition: a year (2026), or 2026-r1 for a corrected re-issue, "
                                                    "as listed in data_contracts/registers/editions.yaml."),
            wait: float = WAIT_OPTION) -> None:
    """Build edition EDITION as known on its cut-off date and freeze it read-only as output/editions/EDITION/."""
    from pipelines.cli.console import console
    from pipelines.core.errors import PublishError
    from pipelines.core.publish import check_edition
    from pipelines.resources import PublicationResource

    editions = PublicationResource().editions
    try:
        check_edition(editions, edition)
        _known(edition)
    except PublishError as exc:
        console.print(str(exc), markup=False, highlight=False)
        raise typer.Exit(1) from exc
    with exclusive_build(f"monitor edition publish {edition}", wait), console.status(f"Building edition {edition}") as status:
        ok = _run_edition(edition, status)
    if not ok:
        console.print(f"\n[bold red]Build failed[/bold red]: edition {edition} was not published.")
        raise typer.Exit(1)
    console.print(f"\n[bold green]Published edition {edition}[/bold green] to {editions / edition} (read-only). "
                  f"Check it any time with `monitor edition verify {edition}`.")


def _known(edition: str) -> None:
    from pipelines.core.errors import Problem, PublishError
    from pipelines.publication.editions import register_editions

    known = [e.edition for e in register_editions()]
    if edition not in known:
        raise PublishError(f"Edition {edition} is not in the editions register",
                           [Problem(f"known editions: {known}", file="data_contracts/registers/editions.yaml",
                                    field="edition", value=edition)],
                           hint="add its record (edition, cutoff, note) to the register and commit it first")


@editions_app.command("verify")
def verify(edition: str = typer.Argument(..., help="A published edition (output/editions/EDITION/)."),
           rebuild: bool = typer.Option(True, help="Also rebuild the edition from the snapshots and compare "
                                                   "(--no-rebuild: only check the files against their build.json)."),
           wait: float = WAIT_OPTION) -> None:
    """Check that a frozen edition is unchanged (every file against the sha256 in its build.json) and that
    rebuilding it from this commit and the snapshots reproduces every file. Exit 1 naming each file that differs."""
    import shutil
    import tempfile

    from pipelines.cli.console import console
    from pipelines.publication.reproducible import compare_rebuild, verify_frozen
    from pipelines.resources import PublicationResource
    from pipelines.settings import paths

    frozen = PublicationResource().editions / edition
    if not (frozen / "build.json").is_file():
        console.print(f"No published edition {edition}: {frozen / 'build.json'} does not exist "
                      "(`monitor edition list` shows the published ones).", markup=False, highlight=False)
        raise typer.Exit(1)
    problems = verify_frozen(frozen)
    if not problems and rebuild:
        scratch = Path(tempfile.mkdtemp(prefix=f"verify-{edition}-", dir=paths().work_dir))
        try:
            with exclusive_build(f"monitor edition verify {edition}", wait), \
                    console.status(f"Rebuilding edition {edition}") as status:
                if not _run_edition(edition, status, editions_dir=str(scratch)):
                    console.print(f"\n[bold red]The rebuild of edition {edition} failed[/bold red]; see above.")
                    raise typer.Exit(1)
            problems = compare_rebuild(frozen, scratch / edition)
        finally:
            for sub in [scratch, *scratch.rglob("*")]:
                if sub.is_dir():
                    sub.chmod(0o755)
            shutil.rmtree(scratch, ignore_errors=True)
    if problems:
        console.print(f"[bold red]Edition {edition} does not verify[/bold red] ({frozen}):")
        for p in problems:
            console.print(f"  {p}", markup=False, highlight=False)
        raise typer.Exit(1)
    what = "every file matches its build.json" + (" and the rebuild reproduces every file" if rebuild else "")
    console.print(f"[bold green]Edition {edition} verifies[/bold green]: {what}.")


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
