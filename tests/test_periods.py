from datetime import date

import pytest

from pipelines.core.periods import parse_period


@pytest.mark.parametrize(
    ("code", "kind", "start", "end"),
    [
        ("2024JJ00", "year", date(2024, 1, 1), date(2024, 12, 31)),
        ("2024", "year", date(2024, 1, 1), date(2024, 12, 31)),
        ("2024KW03", "quarter", date(2024, 7, 1), date(2024, 9, 30)),
        ("2024MM02", "month", date(2024, 2, 1), date(2024, 2, 29)),
        ("2023-06", "month", date(2023, 6, 1), date(2023, 6, 30)),
        ("2022T3", "tertial", date(2022, 9, 1), date(2022, 12, 31)),
        ("2024HJ02", "half_year", date(2024, 7, 1), date(2024, 12, 31)),
    ],
)
def test_period_codes(code, kind, start, end):
    p = parse_period(code)
    assert (p.type, p.start, p.end) == (kind, start, end)


def test_year_is_normalised_to_cbs_code():
    assert parse_period(" 2024 ").code == "2024JJ00"


def test_unknown_cbs_code_is_kept_not_rejected():
    p = parse_period("2020G900")
    assert (p.type, p.start, p.code) == ("other", None, "2020G900")


@pytest.mark.parametrize("text", ["", "2024-04 (begin KW2)", "Q3 2024", "24KW03"])
def test_non_periods_are_rejected(text):
    with pytest.raises(ValueError, match="not a period code"):
        parse_period(text)
