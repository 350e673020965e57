"""Every table with a data contract gets a blocking Dagster asset check named ``contract``."""


import dagster as dg

from pipelines.resources import WarehouseResource
from pipelines.validation.contracts import load_contracts
from pipelines.validation.runner import TableReport, validate_table


def report_metadata(report: TableReport) -> dict[str, dg.MetadataValue]:
    rows = "\n".join(
        f"| {r.rule.name} | {r.rule.severity} | {'pass' if r.passed else 'FAIL'} | {r.failing_rows} |"
        for r in report.results
    )
    return {
        "contract": dg.MetadataValue.path(report.contract.file),
        "rules": dg.MetadataValue.int(len(report.results)),
        "blocking_failures": dg.MetadataValue.int(len(report.blocking_failures)),
        "warnings": dg.MetadataValue.int(len(report.warnings)),
        "results": dg.MetadataValue.md("| rule | severity | result | failing rows |\n|---|---|---|---|\n" + rows),
    }


def contract_check(table: str) -> dg.AssetChecksDefinition:
    contract = load_contracts()[table]

    @dg.asset_check(
        asset=table,
        name="contract",
        blocking=True,
        description=f"Data contract {contract.file} ({len(contract.rules)} rules; blocking rules stop the build).",
    )
    def _check(warehouse: WarehouseResource) -> dg.AssetCheckResult:
        with warehouse.connect(read_only=True) as con:
            report = validate_table(con, contract)
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
    return [contract_check(key) for key in asset_keys if key in contracts]
