"""What a capture's cells need besides their own values, worked out once per distinct key, not per row.

- per combination of non-time dimension keys and measure: the tables.yaml entry it falls under, the
  indicator id, the breakdown, the dimension keys and labels as JSON, the measure's label, unit and decimals;
- per time code: the period (code, type, start, end), its label and the time code's Status.

Both grow as pages come in (``add``): a key seen before is not worked out again. Each combination and each
period gets a small integer id; ``add`` returns the cells with those ids in place of their keys, and the reader
joins the attributes back in DuckDB.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field

import polars as pl

from pipelines.core.errors import Problem, SourceFormatError
from pipelines.core.observations import breakdown_key
from pipelines.core.periods import parse_period
from pipelines.sources.cbs.odata import tablemeta
from pipelines.sources.cbs.pages import key_column
from pipelines.sources.cbs.tables import MeasureMap, TableSpec

COMBO, PERIOD = "combo_id", "period_id"  # ids of a combination and of a period in the lookups and the cells
TIME = "time_code"  # the time key's column in the periods lookup
CELL_SCHEMA = {"source_row": pl.Int64, COMBO: pl.Int32, PERIOD: pl.Int32, "value": pl.Float64, "symbol_status": pl.String}
PERIOD_SCHEMA = {PERIOD: pl.Int32, TIME: pl.String, "period_code": pl.String, "period_type": pl.String,
                 "period_start": pl.Date, "period_end": pl.Date, "period_label": pl.String, "period_status": pl.String}
COMBO_SCHEMA = {COMBO: pl.Int32, "measure": pl.String, "indicator_id": pl.String, "measure_label": pl.String,
                "breakdown": pl.String, "dimensions": pl.String, "dimension_labels": pl.String, "unit": pl.String,
                "decimals": pl.Int32}

Map = tuple[MeasureMap, str, dict[str, str]]  # a tables.yaml measure entry, its measure key, its where-keys


def generated_indicator_id(table_id: str, measure: str) -> str:
    """The indicator id of a CBS measure that tables.yaml maps to no registered id: ``cbs_<table>_<measure>``,
    lower case, every run of other characters than a-z, 0-9 and _ as one ``_`` (its register record must use it)."""
    return f"cbs_{table_id}_".lower() + re.sub(r"[^a-z0-9_]+", "_", measure.lower())


@dataclass
class Lookups:
    """Combination and period lookups of one capture, filled page by page."""

    spec: TableSpec
    meta: tablemeta.CaptureMeta
    maps: list[Map]
    snapshot_id: str
    _combo_ids: pl.DataFrame | None = field(default=None, init=False)  # combo keys -> COMBO
    _period_ids: dict = field(default_factory=dict, init=False)         # time code -> PERIOD

    @property
    def combo_keys(self) -> list[str]:
        """Compact-frame columns of the non-time dimensions, then ``measure``: the key of a combination."""
        return [key_column(i) for i, d in enumerate(self.meta.dimensions) if not d.is_time] + ["measure"]

    @property
    def time_column(self) -> str:
        return key_column(next(i for i, d in enumerate(self.meta.dimensions) if d.is_time))

    def add(self, cells: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
        """For ``cells`` (a compact frame): the cells with ids (``CELL_SCHEMA``), and the combinations and periods
        not seen before with their attributes (``COMBO_SCHEMA``, ``PERIOD_SCHEMA``)."""
        self._check_measures(cells)
        keys = self.combo_keys
        new = cells.select(keys).unique(maintain_order=True)
        if self._combo_ids is not None:
            new = new.join(self._combo_ids, on=keys, how="anti", nulls_equal=True)
        first = 0 if self._combo_ids is None else self._combo_ids.height
        new = new.with_columns(pl.int_range(first, first + new.height, dtype=pl.Int32).alias(COMBO))
        self._combo_ids = new if self._combo_ids is None else pl.concat([self._combo_ids, new])
        codes = [c for c in cells[self.time_column].unique(maintain_order=True).to_list() if c not in self._period_ids]
        periods = self._periods(codes, first=len(self._period_ids))
        self._period_ids.update(zip(periods[TIME].to_list(), periods[PERIOD].to_list()))
        period_ids = pl.DataFrame({self.time_column: list(self._period_ids), PERIOD: list(self._period_ids.values())},
                                  schema={self.time_column: pl.String, PERIOD: pl.Int32})
        with_ids = (cells.join(self._combo_ids, on=keys, how="left", nulls_equal=True)
                    .join(period_ids, on=self.time_column, how="left", nulls_equal=True))
        return with_ids.select(list(CELL_SCHEMA)), self._combo_attributes(new), periods

    def _check_measures(self, cells: pl.DataFrame) -> None:
        unknown = set(cells["measure"].unique()) - set(self.meta.measures)
        if unknown:
            raise SourceFormatError(f"{self.snapshot_id}: data has measures its metadata does not describe",
                                    [Problem("unknown measure", file=self.snapshot_id, value=m) for m in sorted(unknown, key=str)])

    def _combo_attributes(self, combos: pl.DataFrame) -> pl.DataFrame:
        """Attributes of each (dimension keys, measure): the same expressions row-wise as the reader always used."""
        meta, spec, maps = self.meta, self.spec, self.maps
        others = [(key_column(i), d) for i, d in enumerate(meta.dimensions) if not d.is_time]
        column = {d.key: col for col, d in others}
        schema = COMBO_SCHEMA
        if combos.is_empty():
            return pl.DataFrame(schema=schema)
        # Which map (if any) each combination falls under: first matching entry wins.
        idx = pl.lit(-1, dtype=pl.Int32)
        for i, (_, key, where) in reversed(list(enumerate(maps))):
            cond = pl.col("measure") == key
            for dim, code in where.items():
                cond = cond & (pl.col(column[dim]) == code)
            idx = pl.when(cond).then(pl.lit(i, dtype=pl.Int32)).otherwise(idx)
        combos = combos.with_columns(idx.alias("map_idx"))

        rows = []
        for c in combos.iter_rows(named=True):
            keys = {d.key: c[col] or "" for col, d in others}
            labels = {d.key: (d.codes[keys[d.key]].title if keys[d.key] in d.codes else keys[d.key]) for _, d in others}
            fixed = set(maps[c["map_idx"]][2]) if c["map_idx"] >= 0 else set()
            shown = {k: v for k, v in keys.items() if k not in fixed and not spec.is_total(k, v)}
            rows.append({"breakdown": breakdown_key(shown),
                         "dimensions": json.dumps(keys, ensure_ascii=False, sort_keys=True),
                         "dimension_labels": json.dumps(labels, ensure_ascii=False, sort_keys=True)})
        combos = combos.hstack(pl.DataFrame(rows, schema={"breakdown": pl.String, "dimensions": pl.String,
                                                          "dimension_labels": pl.String}))

        measures = pl.DataFrame([{"measure": m.key, "measure_label": m.label, "unit": m.unit, "decimals": m.decimals}
                                 for m in meta.measures.values()],
                                schema={"measure": pl.String, "measure_label": pl.String, "unit": pl.String, "decimals": pl.Int32})
        combos = combos.join(measures, on="measure", how="left")
        indicator_of = {i: m.indicator_id for i, (m, _, _) in enumerate(maps)}
        generated = pl.col("measure").replace_strict(
            {m: generated_indicator_id(meta.table_id, m) for m in combos["measure"].unique() if m is not None},
            default=None, return_dtype=pl.String)
        indicator = pl.col("map_idx").replace_strict(indicator_of, default=None, return_dtype=pl.String)
        return combos.with_columns(pl.coalesce(indicator, generated).alias("indicator_id")).select(
            [pl.col(name).cast(dtype) for name, dtype in schema.items()])

    def _periods(self, codes: list, first: int) -> pl.DataFrame:
        """Periods parsed once per time code (ids from ``first``); label and status from the time dimension's codes."""
        time = self.meta.time
        rows = []
        for n, code in enumerate(codes, start=first):
            try:
                p = parse_period(code or "")
            except ValueError as exc:
                raise SourceFormatError(f"{self.snapshot_id}: bad period code",
                                        [Problem(str(exc), file=self.snapshot_id, field=time.key, value=code)]) from exc
            c = time.codes.get(code or "")
            rows.append({PERIOD: n, TIME: code, "period_code": p.code, "period_type": p.type, "period_start": p.start,
                         "period_end": p.end, "period_label": c.title if c and c.title else p.label,
                         "period_status": (c.status or "").strip().lower() or None if c else None})
        return pl.DataFrame(rows, schema=PERIOD_SCHEMA)
