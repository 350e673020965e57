"""What an incremental `monitor build` runs: the assets and checks whose fingerprint changed since the last
successful build, and everything downstream of them (pipelines/core/fingerprints.py has the fingerprints).

Which files each step reads is said here once, per asset group: a raw table reads its source's snapshots and
reader code, a SQL model its SQL (its Dagster code version) and the transform code, a contract check its table's
contract file and the validation code, the report the Quarto project, and every step the shared code
(``COMMON``). Upstream fingerprints are those of the assets a step reads in the Dagster asset graph; the one
ordering-only edge (every raw table waits for the snapshot manifest ``raw_snapshots__origins`` to verify the
store) is left out, so that one changed snapshot does not reload every source.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import dagster as dg

from pipelines import policy
from pipelines.core import fingerprints as fp
from pipelines.sources.common.assets import ORIGINS_TABLE, SNAPSHOTS_UNDER

COMMON = ("code:pipelines/__init__.py", "code:pipelines/policy.py", "code:pipelines/settings.py",
          "code:pipelines/descriptions.py", "code:pipelines/resources.py", "code:pipelines/definitions.py",
          "code:pipelines/core/", "code:pipelines/sources/__init__.py", "env:")
PUBLICATION_CODE = "code:pipelines/publication/"
VALIDATION_CODE = "code:pipelines/validation/"
VALIDATION_REPORT = "publication__validation_report"


@dataclass
class Plan:
    fingerprints: dict[str, str]  # node (asset key, or "<asset key>:<check name>") -> fingerprint
    assets: list[str] = field(default_factory=list)  # to materialize
    checks: list[dg.AssetCheckKey] = field(default_factory=list)  # to run
    skipped_assets: Counter = field(default_factory=Counter)  # group -> assets not run
    skipped_checks: int = 0
    reused_results: list[str] = field(default_factory=list)  # tables whose check result comes from the last build

    @property
    def empty(self) -> bool:
        return not self.assets and not self.checks


def check_node(key: dg.AssetCheckKey) -> str:
    return f"{key.asset_key.to_user_string()}:{key.name}"


def _contract_label(files: dict[str, str], contract_file: str) -> list[str]:
    """The label of a table's contract file (contracts may live in sub-folders of data_contracts/)."""
    rel = contract_file.split("data_contracts/", 1)[-1]
    exact = f"contract:{rel}"
    return [exact] if exact in files else [k for k in files if k.startswith("contract:") and k.endswith("/" + rel)] or [exact]


def _asset_reads(key: str, group: str, metadata: dict, files: dict[str, str], contracts: dict) -> tuple[str, ...]:
    if group == policy.GROUP_SNAPSHOTS:
        return (*COMMON, "code:pipelines/sources/common/", "snapshot:")
    if group == policy.raw_group("monitor"):  # a register: its YAML file, its contract (column types), the loader
        stem = key.removeprefix("raw_monitor__")
        own = _contract_label(files, contracts[key].file) if key in contracts else []
        return (*COMMON, "code:pipelines/registers.py", "code:pipelines/validation/contracts.py",
                f"contract:registers/{stem}.yaml", *own)
    if group.startswith("raw_"):
        source = group.removeprefix("raw_")
        under = metadata.get(SNAPSHOTS_UNDER)
        prefixes = str(under.value if hasattr(under, "value") else under).split(",") if under else [f"{source}/"]
        return (*COMMON, "code:pipelines/sources/common/", f"code:pipelines/sources/{source}/",
                *(f"snapshot:{p}" for p in prefixes))
    if group in (policy.GROUP_STAGING, policy.GROUP_MARTS):
        return (*COMMON, "code:pipelines/transform/")
    if key == "publication__database":  # copies the tables, recreates the views, describes them from the contracts
        return (*COMMON, PUBLICATION_CODE, "code:pipelines/transform/", "contract:")
    if key == "publication__report":
        return (*COMMON, PUBLICATION_CODE, "report:")
    if key == VALIDATION_REPORT:
        return (*COMMON, PUBLICATION_CODE, VALIDATION_CODE)
    if group == policy.GROUP_PUBLICATION:
        return (*COMMON, PUBLICATION_CODE)
    return ("code:", "sql:", "contract:", "report:", "env:")  # an asset this plan does not know: reads everything


def fingerprint_graph(defs: dg.Definitions, files: dict[str, str]) -> dict[str, str]:
    """The fingerprint of every asset and check of ``defs`` from the current input files."""
    from pipelines.validation.contracts import load_contracts

    contracts = load_contracts()
    graph = defs.resolve_asset_graph()
    out: dict[str, str] = {}
    check_keys = sorted(graph.asset_check_keys, key=check_node)

    def asset_fp(key: dg.AssetKey) -> str:
        name = key.to_user_string()
        if name in out:
            return out[name]
        node = graph.get(key)
        group = node.group_name or ""
        parents = [p for p in node.parent_keys if not (group.startswith("raw_") and p.to_user_string() == ORIGINS_TABLE)]
        upstream = [asset_fp(p) for p in sorted(parents, key=lambda k: k.to_user_string())]
        if name == VALIDATION_REPORT:
            upstream += [check_fp(c) for c in check_keys]
        reads = _asset_reads(name, group, node.metadata or {}, files, contracts)
        out[name] = fp.fingerprint(files, reads, node.code_version, upstream)
        return out[name]

    def check_fp(key: dg.AssetCheckKey) -> str:
        name = check_node(key)
        if name not in out:
            table = key.asset_key.to_user_string()
            own = _contract_label(files, contracts[table].file) if table in contracts else ["contract:"]
            parents = sorted(graph.get(key).parent_entity_keys, key=lambda k: k.to_user_string())
            out[name] = fp.fingerprint(files, (*COMMON, VALIDATION_CODE, *own), None, [asset_fp(p) for p in parents])
        return out[name]

    for key in sorted(graph.get_all_asset_keys(), key=lambda k: k.to_user_string()):
        asset_fp(key)
    for key in check_keys:
        check_fp(key)
    return out


def plan_build(defs: dg.Definitions, files: dict[str, str], previous: dict[str, str] | None,
               results_available: set[str]) -> Plan:
    """Select what changed since ``previous`` (the last build's fingerprints; None: everything).

    ``results_available``: tables whose contract-check result of the last build can still be read; when the
    validation report is rebuilt, every check whose result is missing runs again."""
    fingerprints = fingerprint_graph(defs, files)
    previous = previous or {}
    graph = defs.resolve_asset_graph()
    from pipelines.definitions import build_job

    in_build = build_job.selection.resolve(graph)  # not the edition partitions (`monitor edition publish` builds those)
    plan = Plan(fingerprints)
    for key in sorted(in_build, key=lambda k: k.to_user_string()):
        name = key.to_user_string()
        if previous.get(name) != fingerprints[name]:
            plan.assets.append(name)
        else:
            plan.skipped_assets[graph.get(key).group_name or "default"] += 1
    report_runs = VALIDATION_REPORT in plan.assets
    for key in sorted((k for k in graph.asset_check_keys if k.asset_key in in_build), key=check_node):
        name = check_node(key)
        table = key.asset_key.to_user_string()
        if previous.get(name) != fingerprints[name] or (report_runs and table not in results_available):
            plan.checks.append(key)
        else:
            plan.skipped_checks += 1
            if report_runs:
                plan.reused_results.append(table)
    return plan


def selection(plan: Plan) -> dg.AssetSelection:
    """The Dagster selection of a plan: its assets (without their checks) and its checks."""
    assets = dg.AssetSelection.assets(*plan.assets).without_checks() if plan.assets else None
    checks = dg.AssetSelection.checks(*plan.checks) if plan.checks else None
    if assets is not None and checks is not None:
        return assets | checks
    return assets if assets is not None else checks


def results_dir_tables(folder: Path | None) -> set[str]:
    """Tables with a validation result file in ``folder`` (a run's validation folder)."""
    return {p.stem for p in folder.glob("*.json")} if folder is not None and folder.is_dir() else set()
