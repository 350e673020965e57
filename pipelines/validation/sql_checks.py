"""The monitor's named DuckDB checks, used in contracts as ``type: custom, engine: monitor``.

Each check compiles to one SELECT that returns the offending rows (so a failure can show them, with the
snapshot file they came from). Arguments come from the rule's ``implementation`` mapping::

    quality:
      - name: tension_series_complete
        type: custom
        engine: monitor
        implementation:
          check: series_complete
          frequency: quarter
          from: 2019KW01
          explained_gaps:
            - {from: 2020KW02, to: 2020KW04, reason: not on either stored 84545NED page}

Checks (arguments and defaults in each function's docstring; docs/validation.md has examples):

- ``series_complete``: every period between the first and last (or ``from``/``to``) is present, except the
  explained gaps; "no unexplained gaps in a quarterly series" and "expected periods".
- ``rows_per_period``: the number of rows per period lies in [min, max].
- ``same_rows_per_period``: as many rows per period as another table (no figure lost or doubled between layers).
- ``revisions_within_tolerance``: between consecutive vintages of a figure the value changes by at most a
  relative tolerance, except across declared method breaks.
- ``ratio_matches_parts``: a published ratio (CBS's vacancies per 100 unemployed) equals the ratio recomputed
  from its parts known at the same vintage, within the rounding of all three figures.
- ``not_negative`` and ``share_at_most_100``: counts are not negative and percentages not above 100, unless
  the figure is a change or a balance (``SIGNED_INDICATOR`` / ``SIGNED_UNIT``).
- ``period_not_in_future``: no figure for a period that has not started, unless its status says projection.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pipelines.core.periods import parse_period

# Figures that may be negative or exceed 100 %: changes and balances. One definition for every check.
SIGNED_INDICATOR = r"(^|_)(verandering|mutatie|groei|ontwikkeling|saldo|migratiesaldo)(_|$)"
SIGNED_UNIT = r"^(saldo|procentpunt|mutatie)|t\.o\.v\."
PERCENT_UNIT = r"^(procent|percentage|%)"
FORWARD_STATUSES = ("projection", "forecast")  # statuses that may describe a period that has not started

FREQUENCIES = {"year": "1 YEAR", "half_year": "6 MONTH", "quarter": "3 MONTH", "tertial": "4 MONTH", "month": "1 MONTH"}


@dataclass(frozen=True)
class Check:
    query: str
    description: str
    action: str | None = None


def q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def lit(value: Any) -> str:
    return "'" + str(value).replace("'", "''") + "'"


def _date(code: str) -> str:
    period = parse_period(str(code))
    if period.start is None:
        raise ValueError(f"period {code!r} has no dates; use a CBS period code such as 2024KW01 or 2024")
    return f"DATE '{period.start.isoformat()}'"


def vintage_date(column: str = "vintage") -> str:
    """SQL: a vintage text (2024-05-15, 2024-05, 2023, '2024-01-15 (uit URL)') as the last day it can mean."""
    v = f"trim({q(column)})"
    return (f"CASE WHEN regexp_matches({v}, '^[0-9]{{4}}-[0-9]{{2}}-[0-9]{{2}}') THEN try_cast(substr({v}, 1, 10) AS DATE) "
            f"WHEN regexp_matches({v}, '^[0-9]{{4}}-[0-9]{{2}}') THEN last_day(try_cast(substr({v}, 1, 7) || '-01' AS DATE)) "
            f"WHEN regexp_matches({v}, '^[0-9]{{4}}') THEN try_cast(substr({v}, 1, 4) || '-12-31' AS DATE) END")


def _period_code(date: str, frequency: str) -> str:
    year = f"strftime({date}, '%Y')"
    return (f"CASE {frequency} WHEN 'quarter' THEN {year} || 'KW0' || quarter({date}) "
            f"WHEN 'month' THEN {year} || 'MM' || strftime({date}, '%m') WHEN 'year' THEN {year} || 'JJ00' "
            f"WHEN 'half_year' THEN {year} || 'HJ0' || (1 + (month({date}) - 1) // 6) "
            f"WHEN 'tertial' THEN {year} || 'T' || (1 + (month({date}) - 1) // 4) END")


def _step(frequency: str) -> str:
    return "CASE " + frequency + " " + " ".join(f"WHEN '{f}' THEN INTERVAL {i}" for f, i in FREQUENCIES.items()) + " END"


def _series_match(a: str, b: str, cols: list[str]) -> str:
    return " AND ".join([f"{a}.{q(c)} IS NOT DISTINCT FROM {b}.{q(c)}" for c in cols] or ["TRUE"])


def _gap_filter(gaps: list[dict[str, Any]], alias: str, series: list[str]) -> str:
    """SQL condition true when the missing period at ``alias.p`` is an explained gap."""
    terms = []
    for gap in gaps:
        if "reason" not in gap:
            raise ValueError("every explained gap needs a reason")
        start, end = _date(gap["from"]), _date(gap.get("to", gap["from"]))
        cond = [f"{alias}.p BETWEEN {start} AND {end}"]
        for col, value in gap.items():
            if col in series:
                cond.append(f"{alias}.{q(col)} LIKE {lit(str(value).replace('*', '%'))}")
            elif col not in ("from", "to", "reason"):
                raise ValueError(f"explained gap key {col!r} is not a series column ({series})")
        terms.append("(" + " AND ".join(cond) + ")")
    return " OR ".join(terms) or "FALSE"


def series_complete(table: str, args: dict[str, Any], columns: list[str], column: str | None) -> Check:
    """Every period of each series between its first and last period (or ``from``/``to``) has a row.

    Arguments: ``frequency`` (quarter, month, year, half_year, tertial; default: each row's ``period_type``),
    ``period_start`` (column or SQL expression giving the period's first day, default period_start), ``series`` (default [indicator_id, breakdown] where the table
    has them), ``where`` (default ``value IS NOT NULL`` where the table has ``value``), ``from``/``to`` (expected
    first/last period), ``explained_gaps`` (list of {from, to, reason, and series columns, * as wildcard}).
    """
    start = args.get("period_start", "period_start")  # a column or an SQL expression
    series = list(args.get("series", [c for c in ("indicator_id", "breakdown") if c in columns]))
    where = args.get("where", "value IS NOT NULL" if "value" in columns else "TRUE")
    if "frequency" in args:
        if args["frequency"] not in FREQUENCIES:
            raise ValueError(f"frequency must be one of {list(FREQUENCIES)}")
        freq = lit(args["frequency"])
    elif "period_type" in columns:
        freq = "period_type"
    else:
        raise ValueError("give a frequency (the table has no period_type column)")
    first = f"least(min(p), {_date(args['from'])})" if "from" in args else "min(p)"
    last = f"greatest(max(p), {_date(args['to'])})" if "to" in args else "max(p)"
    sel = ", ".join(q(c) for c in series)
    sel_comma = sel + ", " if sel else ""
    trace = [c for c in columns if c == "snapshot_id" or c.endswith("_snapshot_id")]
    trace_sql = ", ".join(f"string_agg(DISTINCT {q(c)}, '; ') AS {q(c + 's')}" for c in trace)
    query = f"""
WITH present AS (
    SELECT {sel_comma}{freq} AS frequency, {start} AS p{', ' + ', '.join(q(c) for c in trace) if trace else ''}
    FROM {q(table)}
    WHERE ({where}) AND {start} IS NOT NULL AND {freq} IN ({', '.join(lit(f) for f in FREQUENCIES)})
), spans AS (
    SELECT {sel_comma}frequency, {first} AS first_p, {last} AS last_p{', ' + trace_sql if trace else ''}
    FROM present GROUP BY ALL
), expected AS (
    SELECT s.*, CAST(unnest(generate_series(s.first_p, s.last_p, {_step('s.frequency')})) AS DATE) AS p FROM spans s
)
SELECT {', '.join(f'e.{q(c)}' for c in series) + ', ' if series else ''}e.frequency,
       {_period_code('e.p', 'e.frequency')} AS missing_period,
       {_period_code('e.first_p', 'e.frequency')} AS series_from, {_period_code('e.last_p', 'e.frequency')} AS series_to
       {''.join(f', e.{q(c + "s")}' for c in trace)}
FROM expected e
WHERE NOT EXISTS (SELECT 1 FROM present r WHERE r.frequency = e.frequency AND r.p = e.p AND {_series_match('r', 'e', series)})
  AND NOT ({_gap_filter(args.get('explained_gaps') or [], 'e', series)})
ORDER BY ALL"""
    span = f" from {args['from']}" if "from" in args else ""
    span += f" to at least {args['to']}" if "to" in args else ""
    return Check(query.strip(), f"every period of each series{span} has a figure, except the explained gaps",
                 "A period is missing: a snapshot lost a row (truncated file, CBS symbol '.' or 'x' instead of a figure) "
                 "or a source stopped delivering. Restore the figure, or, if the source really has no figure for it, "
                 "add the gap with its reason under explained_gaps in the contract.")


def rows_per_period(table: str, args: dict[str, Any], columns: list[str], column: str | None) -> Check:
    """The number of rows per ``period`` (and ``group`` columns) matching ``where`` lies in [``min``, ``max``]."""
    period = args.get("period", "period_code")
    group = [period, *args.get("group", [])]
    low, high = args.get("min"), args.get("max")
    if low is None and high is None:
        raise ValueError("give min and/or max")
    having = " OR ".join(([f"count(*) < {int(low)}"] if low is not None else []) + ([f"count(*) > {int(high)}"] if high is not None else []))
    query = (f"SELECT {', '.join(q(c) for c in group)}, count(*) AS n FROM {q(table)} WHERE {args.get('where', 'TRUE')} "
             f"GROUP BY ALL HAVING {having} ORDER BY ALL")
    return Check(query, f"between {low} and {high} row(s) per {period}" + (f" where {args['where']}" if "where" in args else ""))


def same_rows_per_period(table: str, args: dict[str, Any], columns: list[str], column: str | None) -> Check:
    """As many rows per ``period`` as table ``as`` (rows of both filtered by ``where``)."""
    other, period, where = args["as"], q(args.get("period", "period_code")), args.get("where", "TRUE")
    query = f"""
WITH here AS (SELECT {period} AS period, count(*) AS n FROM {q(table)} WHERE {where} GROUP BY ALL),
there AS (SELECT {period} AS period, count(*) AS n FROM {q(other)} WHERE {where} GROUP BY ALL)
SELECT coalesce(here.period, there.period) AS period, coalesce(there.n, 0) AS rows_in_{other}, coalesce(here.n, 0) AS rows_here
FROM here FULL OUTER JOIN there ON here.period = there.period
WHERE coalesce(here.n, 0) <> coalesce(there.n, 0) ORDER BY 1"""
    return Check(query.strip(), f"as many rows per period as {other} (no figure lost or doubled)",
                 f"Rows were lost or doubled between {other} and this table: check the SQL model of this table.")


def revisions_within_tolerance(table: str, args: dict[str, Any], columns: list[str], column: str | None) -> Check:
    """Between consecutive vintages of a figure, the value changes by at most ``tolerance`` (relative, default 0.1).

    ``key`` (default indicator_id, breakdown, period_code, unit), ``method_breaks``: list of {indicator_id (* as
    wildcard), at (date), reason}; vintages on both sides of a break are not compared. ``acknowledged``: a table of
    acknowledged revisions (the revisions register, raw_monitor__revisions: indicator_id, breakdown, period_code,
    superseded_/current_snapshot_id and _value); a change that an entry names, by both snapshots and both values,
    is not offending (so an entry stops applying when either figure changes).
    """
    key = list(args.get("key", ["indicator_id", "breakdown", "period_code", "unit"]))
    tolerance = float(args.get("tolerance", 0.1))
    breaks = []
    for b in args.get("method_breaks") or []:
        if "reason" not in b or "at" not in b:
            raise ValueError("every method break needs at and reason")
        breaks.append(f"(d.indicator_id LIKE {lit(str(b.get('indicator_id', '*')).replace('*', '%'))} "
                      f"AND d.previous_date < DATE '{b['at']}' AND d.vintage_date >= DATE '{b['at']}')")
    keys = ", ".join(q(c) for c in key)
    acknowledged = "FALSE"
    if args.get("acknowledged"):
        acknowledged = (f"EXISTS (SELECT 1 FROM {q(str(args['acknowledged']))} a WHERE a.indicator_id = d.indicator_id "
                        "AND a.breakdown = d.breakdown AND a.period_code = d.period_code AND ("
                        "(a.superseded_snapshot_id = d.previous_snapshot_id AND a.superseded_value = d.previous_value "
                        "AND a.current_snapshot_id = d.snapshot_id AND a.current_value = d.value) OR "
                        "(a.current_snapshot_id = d.previous_snapshot_id AND a.current_value = d.previous_value "
                        "AND a.superseded_snapshot_id = d.snapshot_id AND a.superseded_value = d.value)))")
    query = f"""
WITH v AS (
    SELECT {keys}, vintage, {vintage_date()} AS vintage_date, value, snapshot_id, source_row
    FROM {q(table)} WHERE value IS NOT NULL
), d AS (
    SELECT *, lag(value) OVER w AS previous_value, lag(vintage) OVER w AS previous_vintage,
           lag(vintage_date) OVER w AS previous_date, lag(snapshot_id) OVER w AS previous_snapshot_id
    FROM v WHERE vintage_date IS NOT NULL
    WINDOW w AS (PARTITION BY {keys} ORDER BY vintage_date, snapshot_id, source_row)
)
SELECT snapshot_id, source_row, {keys}, previous_vintage, previous_value, vintage, value,
       round(100 * (value - previous_value) / nullif(abs(previous_value), 0), 1) AS change_pct, previous_snapshot_id
FROM d
WHERE previous_value IS NOT NULL AND previous_date < vintage_date
  AND abs(value - previous_value) > {tolerance} * abs(previous_value)
  AND NOT ({' OR '.join(breaks) or 'FALSE'})
  AND NOT {acknowledged}
ORDER BY ALL"""
    return Check(query.strip(), f"a newer vintage changes a figure by at most {tolerance:.0%}"
                 + (" unless the change is acknowledged in the revisions register" if args.get("acknowledged") else ""),
                 "A figure changed by more than the tolerance between two vintages: compare the two snapshot files. A "
                 "transcription error is corrected in the snapshot; anything else (a revision by the producer, a method "
                 "break, a misprint in the source) is acknowledged in data_contracts/registers/revisions.yaml with its "
                 "kind, the value that is current and why (docs/sources.md, revision rule).")


def ratio_matches_parts(table: str, args: dict[str, Any], columns: list[str], column: str | None) -> Check:
    """A published ratio equals ``scale`` x numerator / denominator recomputed from parts, within rounding.

    ``ratio``, ``numerator``, ``denominator``: indicator ids; ``scale`` (default 100); ``parts``: ``as_of`` (default:
    the parts as known at the ratio's vintage, i.e. the latest vintage not after it; ratios without such parts are
    not checked, nor are ratios whose own ``published`` date is unknown, since their vintage is only an upper bound)
    or ``later`` (for those ratios: the earliest later parts, and ratios without any parts are listed). The tolerance is half a unit of the ratio's last decimal (``decimals``, else 0 for
    whole numbers, 1 otherwise) plus the rounding of both parts carried through the ratio.
    """
    scale, mode = float(args.get("scale", 100)), args.get("parts", "as_of")
    if mode not in ("as_of", "later"):
        raise ValueError("parts must be as_of or later")
    names = {k: lit(args[k]) for k in ("ratio", "numerator", "denominator")}
    # a row whose own page printed no date ('ongedateerd') carries its file's vintage as an upper bound only
    dated = r"regexp_matches(coalesce(published, ''), '^\d{4}')" if "published" in columns else "true"
    query = f"""
WITH obs AS (
    SELECT indicator_id, period_code, vintage, {vintage_date()} AS vintage_date, value, decimals, snapshot_id, source_row,
           {dated} AS dated
    FROM {q(table)} WHERE value IS NOT NULL
), ratio AS (
    SELECT * FROM obs WHERE indicator_id = {names['ratio']} AND vintage_date IS NOT NULL
), num AS (SELECT * FROM obs WHERE indicator_id = {names['numerator']} AND vintage_date IS NOT NULL),
den AS (SELECT * FROM obs WHERE indicator_id = {names['denominator']} AND vintage_date IS NOT NULL),
known AS (
    SELECT r.*, n.value AS n_value, n.decimals AS n_decimals, n.vintage AS n_vintage, n.snapshot_id AS n_snapshot,
           d.value AS d_value, d.decimals AS d_decimals, d.vintage AS d_vintage, d.snapshot_id AS d_snapshot
    FROM ratio r
    ASOF LEFT JOIN num n ON r.period_code = n.period_code AND r.vintage_date >= n.vintage_date
    ASOF LEFT JOIN den d ON r.period_code = d.period_code AND r.vintage_date >= d.vintage_date
), later AS (
    SELECT k.snapshot_id, k.source_row, k.period_code, k.vintage, k.vintage_date, k.value, k.decimals,
           n.value AS n_value, n.decimals AS n_decimals, n.vintage AS n_vintage, n.snapshot_id AS n_snapshot,
           d.value AS d_value, d.decimals AS d_decimals, d.vintage AS d_vintage, d.snapshot_id AS d_snapshot
    -- undated ratios (vintage only an upper bound) are compared with the earliest parts we hold
    FROM (SELECT *, CASE WHEN dated THEN vintage_date ELSE DATE '0001-01-01' END AS probe_date
          FROM known WHERE NOT dated OR n_value IS NULL OR d_value IS NULL) k
    ASOF LEFT JOIN num n ON k.period_code = n.period_code AND k.probe_date <= n.vintage_date
    ASOF LEFT JOIN den d ON k.period_code = d.period_code AND k.probe_date <= d.vintage_date
), compared AS (
    SELECT *, {scale} * n_value / nullif(d_value, 0) AS recomputed,
           0.5 * pow(10, -coalesce(decimals, CASE WHEN value = round(value) THEN 0 ELSE 1 END))
           + abs({scale} * n_value / nullif(d_value, 0)) * (0.5 * pow(10, -coalesce(n_decimals, 1)) / nullif(abs(n_value), 0)
                                                         + 0.5 * pow(10, -coalesce(d_decimals, 0)) / nullif(abs(d_value), 0))
           + 1e-9 AS tolerance
    FROM {'(SELECT * FROM known WHERE dated)' if mode == 'as_of' else 'later'}
)
SELECT snapshot_id, source_row, period_code, vintage, value AS published, round(recomputed, 3) AS recomputed,
       round(tolerance, 3) AS tolerance, n_value AS numerator, n_vintage AS numerator_vintage, n_snapshot AS numerator_snapshot,
       d_value AS denominator, d_vintage AS denominator_vintage, d_snapshot AS denominator_snapshot
FROM compared
WHERE {'n_value IS NOT NULL AND d_value IS NOT NULL AND ' if mode == 'as_of' else ''}
      (recomputed IS NULL OR abs(value - recomputed) > tolerance)
ORDER BY ALL"""
    what = (f"{args['ratio']} equals {scale:g} x {args['numerator']} / {args['denominator']} "
            + ("as known at its vintage, within rounding" if mode == "as_of" else "of the earliest later vintage (ratios published before the parts we hold)"))
    return Check(query.strip(), what,
                 "The published ratio and the ratio recomputed from its parts disagree beyond rounding: check the "
                 "transcription of all three figures (rows above) and whether they belong to the same vintage.")


def _unsigned_rows(table: str, column: str, condition: str) -> str:
    """Rows matching ``condition`` ({v} = the value column) whose figure is not a change or a balance."""
    v = q(column)
    return (f"SELECT snapshot_id, source_row, indicator_id, period_code, {lit(column)} AS field, unit, {v} AS value "
            f"FROM {q(table)} "
            f"WHERE ({condition.format(v=v)}) AND NOT regexp_matches(indicator_id, {lit(SIGNED_INDICATOR)}) "
            f"AND NOT regexp_matches(lower(unit), {lit(SIGNED_UNIT)}) ORDER BY ALL")


def not_negative(table: str, args: dict[str, Any], columns: list[str], column: str | None) -> Check:
    """Values (and bounds) are not negative unless the figure is a change or a balance."""
    query = _unsigned_rows(table, column or args.get("column", "value"), "{v} < 0 OR value_lower < 0")
    return Check(query, "counts, amounts and shares are not negative (changes and balances may be)",
                 "A negative figure where a count is expected: a minus sign crept in during transcription, or the "
                 "figure is a change or balance, which its indicator id must then say (..._verandering_..., ..._saldo_...).")


def share_at_most_100(table: str, args: dict[str, Any], columns: list[str], column: str | None) -> Check:
    """Percentages lie between 0 and 100, unless the figure is a change (indicator or unit says so)."""
    query = _unsigned_rows(table, column or args.get("column", "value"),
                           f"regexp_matches(lower(unit), {lit(PERCENT_UNIT)}) AND ({{v}} > 100 OR value_upper > 100)")
    return Check(query, "a percentage is at most 100 (changes excepted)",
                 "A share above 100 %: a transcription error (decimal separator, digit) or a change that its indicator id "
                 "or unit must then say.")


def period_not_in_future(table: str, args: dict[str, Any], columns: list[str], column: str | None) -> Check:
    """No figure describes a period that has not started yet, unless its status is a projection."""
    col = q(column or args.get("column", "period_start"))
    query = (f"SELECT snapshot_id, source_row, indicator_id, period_code, 'period_code' AS field, status FROM {q(table)} "
             f"WHERE {col} > current_date AND lower(status) NOT IN ({', '.join(lit(s) for s in FORWARD_STATUSES)}) ORDER BY ALL")
    return Check(query, "no figure for a period that has not started (projections excepted)",
                 "A figure for a future period: a typo in the period (2042 for 2024) or a projection, which must then "
                 f"carry status {' or '.join(FORWARD_STATUSES)}.")


CHECKS: dict[str, Callable[[str, dict[str, Any], list[str], str | None], Check]] = {
    f.__name__: f for f in (series_complete, rows_per_period, same_rows_per_period, revisions_within_tolerance,
                            ratio_matches_parts, not_negative, share_at_most_100, period_not_in_future)
}


def compile_check(table: str, implementation: dict[str, Any], columns: list[str], column: str | None = None) -> Check:
    name = implementation.get("check")
    if name not in CHECKS:
        raise ValueError(f"unknown check; known: {sorted(CHECKS)}")
    args = {k: v for k, v in implementation.items() if k != "check"}
    return CHECKS[name](table, args, columns, column)
