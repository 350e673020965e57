"""A test that needs a system tool skips on a developer's machine without it, and fails under CI."""

import pytest

from tests.conftest import require_tool

ABSENT = "monitor-no-such-tool-x9"


def test_a_missing_tool_skips_with_the_reason_on_a_developer_machine(monkeypatch):
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match=f"{ABSENT} is not installed \\(apt-get install x\\)"):
        require_tool(ABSENT, install="apt-get install x")


@pytest.mark.parametrize("value", ["true", "1", "True"])
def test_a_missing_tool_fails_under_ci(monkeypatch, value):
    monkeypatch.setenv("CI", value)
    with pytest.raises(pytest.fail.Exception, match="CI must run this test"):
        require_tool(ABSENT, install="apt-get install x")


def test_ci_false_is_a_developer_machine(monkeypatch):
    monkeypatch.setenv("CI", "false")
    with pytest.raises(pytest.skip.Exception):
        require_tool(ABSENT, install="apt-get install x")


def test_a_present_tool_is_found_by_any_of_its_names(monkeypatch):
    monkeypatch.setenv("CI", "true")
    assert require_tool(ABSENT, "sh", install="-").endswith("/sh")
