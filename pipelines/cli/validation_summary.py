"""The one-screen validation summary that `monitor build` and `monitor validate` print.

One line per table (rules passed, blocking failures, warnings), then each failure as people need it:
which contract and rule, the first offending rows with the snapshot file and row they came from, and what to
do; then errors of steps that stopped before any check (a damaged snapshot, a file the reader refuses); then
where the Data Docs of the run are.
"""

from __future__ import annotations

from pathlib import Path

from rich.console import Console
from rich.table import Table

from pipelines.validation.contracts import load_contracts
from pipelines.validation.results import read_results, table_of

GENERIC_ACTION = ("  What to do: the message names the file (and the row and field where it can). Restore a damaged file from "
                  "git (`git checkout -- FILE`); if you changed it on purpose, fix what the message says and record the "
                  "new checksum with `monitor snapshots rehash FILE` (docs/snapshots.md).")
MAX_DETAIL_LINES = 14  # per failure, so that several failures still fit on a screen


def _clip(text: str, limit: int = MAX_DETAIL_LINES) -> str:
    lines = text.splitlines()
    if len(lines) <= limit:
        return text
    return "\n".join(lines[: limit - 1] + [f"  ... ({len(lines) - limit + 1} more lines in the Data Docs)"])


def print_summary(console: Console, outcome, docs: Path | None) -> None:
    results = {table_of(r): r for r in read_results(outcome.run_id)}
    checks = {c.asset: c for c in outcome.checks}
    if not checks and not outcome.errors and outcome.success:
        console.print("No contract check ran: every table and its contract are unchanged since the last build.")
        if docs is not None:
            console.print(f"\nData Docs: {docs}", highlight=False)
        return
    table = Table(title="Validation summary", title_justify="left", show_edge=False, pad_edge=False)
    for col, justify in (("table", "left"), ("rules", "right"), ("passed", "right"), ("block", "right"), ("warn", "right"), ("result", "left")):
        table.add_column(col, justify=justify)
    for name in sorted(set(results) | set(checks) | set(load_contracts())):
        data = results.get(name)
        entries = data["results"] if data else []
        block = sum(1 for e in entries if not e["success"] and e["expectation_config"]["meta"]["severity"] == "block")
        warn = sum(1 for e in entries if not e["success"] and e["expectation_config"]["meta"]["severity"] == "warn")
        check = checks.get(name)
        result = (("[red]BLOCK" if block else "[yellow]warn" if warn else "[green]pass") if check
                  else "[dim]unchanged" if data else "[dim]not run")  # unchanged: its result of the last build
        table.add_row(name, str(len(entries)), str(len(entries) - block - warn), str(block or ""), str(warn or ""), result)
    console.print(table)
    for c in outcome.blocking_failures + outcome.warnings:
        colour = "red" if c.severity == "ERROR" else "yellow"
        console.print(f"\n[bold {colour}]{c.asset}[/bold {colour}]", highlight=False)
        console.print(_clip(c.description), markup=False, highlight=False)
    check_steps = {f"{c.asset}_{c.name}" for c in outcome.checks}
    for step, message in outcome.errors:
        if step in check_steps:
            continue
        console.print(f"\n[bold red]Step {step} failed[/bold red]", highlight=False)
        console.print(_clip(message), markup=False, highlight=False)
        if "What to do" not in message:
            console.print(GENERIC_ACTION, markup=False, highlight=False)
    if docs is not None:
        console.print(f"\nData Docs of this run: {docs}", highlight=False)


def print_outcome(outcome, published_docs: Path | None = None) -> None:
    """The summary of a run on the CLI console: the run's Data Docs are written first unless the build
    published them (then ``published_docs`` points to them)."""
    from pipelines.cli.console import console
    from pipelines.validation.report import write_run_report

    docs = published_docs
    if docs is None:
        try:
            docs = write_run_report(outcome.run_id)
        except Exception as exc:  # the summary must still be printed
            console.print(f"[yellow]The Data Docs of this run could not be written: {exc}[/yellow]")
    print_summary(console, outcome, docs)
