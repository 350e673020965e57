"""Is each source fresh? From the data: the end of the newest period a source holds, plus the lag after which
its next period is due (pipelines/policy.py ``SOURCE_FRESHNESS``), against today's date."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date, timedelta

from pipelines import policy

FRESH, STALE, NEVER, UNKNOWN = "fresh", "stale", "never expected", "unknown"


@dataclass(frozen=True)
class Freshness:
    source_id: str
    state: str
    frequency: str | None
    newest_period_end: date | None
    next_due: date | None
    detail: str

    def as_dict(self) -> dict:
        return {k: (v.isoformat() if isinstance(v, date) else v) for k, v in asdict(self).items()}

    @property
    def short(self) -> str:
        if self.state == FRESH:
            return f"fresh until {self.next_due}"
        if self.state == STALE and self.next_due:
            return f"STALE since {self.next_due}"
        return self.state.upper() if self.state in (STALE, UNKNOWN) else self.state


def judge(source_id: str, newest_end_by_type: dict[str, date | None], today: date) -> Freshness:
    """``newest_end_by_type``: period type -> end of the newest period of that type the source holds."""
    if source_id not in policy.SOURCE_FRESHNESS:
        return Freshness(source_id, UNKNOWN, None, None, None,
                         f"no freshness rule for source '{source_id}': add it to SOURCE_FRESHNESS in pipelines/policy.py")
    rule = policy.SOURCE_FRESHNESS[source_id]
    if rule is None:
        return Freshness(source_id, NEVER, None, None, None, "one-off studies and estimates: no new period is expected")
    period_type, lag = rule
    newest = newest_end_by_type.get(period_type)
    if newest is None:
        return Freshness(source_id, STALE, period_type, None, None, f"holds no {period_type} figures at all")
    due = newest + timedelta(days=lag)
    state = FRESH if today <= due else STALE
    detail = (f"newest {period_type} ends {newest.isoformat()}; the next was due by {due.isoformat()} "
              f"({(today - due).days} days ago)" if state == STALE else
              f"newest {period_type} ends {newest.isoformat()}; the next is due by {due.isoformat()}")
    return Freshness(source_id, state, period_type, newest, due, detail)


NEWEST_PERIODS_SQL = """
    SELECT source_id, period_type, max(period_end) AS newest_end
    FROM {table}
    WHERE period_end IS NOT NULL AND value IS NOT NULL AND status <> 'projection'
    GROUP BY ALL"""


def sources_freshness(con, table: str = "mart__figures_current", today: date | None = None) -> list[Freshness]:
    """Freshness of every source with figures in ``table`` (any table of the observation shape, statuses in the
    monitor's vocabulary: staging or marts)."""
    newest: dict[str, dict[str, date]] = {}
    for source_id, period_type, end in con.execute(NEWEST_PERIODS_SQL.format(table=f'"{table}"')).fetchall():
        newest.setdefault(source_id, {})[period_type] = end
    return [judge(source_id, ends, today or date.today()) for source_id, ends in sorted(newest.items())]
