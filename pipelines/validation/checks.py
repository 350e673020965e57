"""Every table with a data contract gets a blocking Dagster asset check named ``contract``.

The check runs the compiled contract (runner.py), reports it in the Dagster UI (metadata) and writes it as
a GX validation result into the run's validation folder (``results.py``), from which the Data Docs of the
build are made. Tables other rules read (cross-table SQL) are declared as additional dependencies, so the
check runs after them.
"""

import dagster as dg

from pipelines.resources import WarehouseResource
from pipelines.validation.contracts import load_contracts
from pipelines.validation.results import write_report
from pipelines.validation.runner import TableReport, validate_table


def report_metadata(report: TableReport) -> dict[str, dg.MetadataValue]:
    rows = "\n".join(
        f"| {r.rule.name} | {r.rule.severity} | {'pass' if r.passed else 'FAIL'} | {r.failing_rows} |"
        for r in report.results
    )
    return {
        "contract": dg.MetadataValue.path(report.contract.file),
        "owner": dg.MetadataValue.text(report.contract.owner),
        "rules": dg.MetadataValue.int(len(report.results)),
        "passed_rules": dg.MetadataValue.int(sum(1 for r in report.results if r.passed)),
        "blocking_failures": dg.MetadataValue.int(len(report.blocking_failures)),
        "warnings": dg.MetadataValue.int(len(report.warnings)),
        "results": dg.MetadataValue.md("| rule | severity | result | offending rows |\n|---|---|---|---|\n" + rows),
    }


def contract_check(table: str, known_tables: set[str]) -> dg.AssetChecksDefinition:
    contract = load_contracts()[table]
    reads = sorted(t for t in contract.reads if t in known_tables)

    @dg.asset_check(
        asset=table,
        name="contract",
        blocking=True,
        additional_deps=reads or None,
        description=f"Data contract {contract.file} ({len(contract.rules)} rules; blocking rules stop the build).",
    )
    def _check(context: dg.AssetCheckExecutionContext, warehouse: WarehouseResource) -> dg.AssetCheckResult:
        with warehouse.connect(read_only=True) as con:
            report = validate_table(con, contract)
        write_report(context.run.run_id, report)
        severity = dg.AssetCheckSeverity.ERROR if report.blocking_failures else dg.AssetCheckSeverity.WARN
        return dg.AssetCheckResult(
            passed=report.passed and not report.warnings,
            severity=severity,
            description=report.describe(),
            metadata=report_metadata(report),
        )

    return _check


def contract_checks(asset_keys: list[str]) -> list[dg.AssetChecksDefinition]:
    contracts = load_contracts()
    known = set(asset_keys)
    return [contract_check(key, known) for key in asset_keys if key in contracts]
