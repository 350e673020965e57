"""A failed run leaves a one-screen summary of what failed and where to look, and POSTs it to the webhook."""

from __future__ import annotations

import json
import subprocess
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import dagster as dg
import pytest

from pipelines.operations.alerts import WEBHOOK_ENV, report_failure
from pipelines.operations.instance import dagster_home
from tests.conftest import MONITOR


class Webhook:
    """A local HTTP server that keeps every JSON body POSTed to it."""

    def __init__(self, status: int = 200):
        self.bodies: list[dict] = []
        hook = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                hook.bodies.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
                self.send_response(status)
                self.end_headers()

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/alert"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def webhook():
    hook = Webhook()
    yield hook
    hook.close()


@dg.op
def read_snapshot():
    raise dg.Failure("data/snapshots/x.csv row 3, field value: not a number")


@dg.job
def nightly():
    read_snapshot()


def _report_failed_run(work) -> tuple[str, object]:
    """Run the failing job in an instance under ``work``; returns (run id, summary file)."""
    with dg.DagsterInstance.from_config(str(dagster_home(work))) as instance:
        result = nightly.execute_in_process(instance=instance, raise_on_error=False)
        return result.run_id, report_failure(instance, result.run_id)


def test_failed_run_summary_is_written_and_posted(tmp_path, monkeypatch, webhook):
    monkeypatch.setenv("MONITOR_WORK_DIR", str(tmp_path / "work"))
    monkeypatch.setenv(WEBHOOK_ENV, webhook.url)
    run_id, text_file = _report_failed_run(tmp_path / "work")
    text = text_file.read_text()
    assert "nightly FAILED" in text and "step failed: read_snapshot" in text and "x.csv row 3" in text
    assert "Where to look" in text and len(text.splitlines()) <= 25
    [body] = webhook.bodies
    assert body["run_id"] == run_id and body["failures"][0]["where"] == "read_snapshot"
    assert json.loads((text_file.parent / f"{run_id}.json").read_text()) == body


def test_an_unanswering_webhook_is_not_fatal(tmp_path, monkeypatch):
    monkeypatch.setenv("MONITOR_WORK_DIR", str(tmp_path / "work"))
    monkeypatch.setenv(WEBHOOK_ENV, "http://127.0.0.1:9/alert")
    _run_id, text_file = _report_failed_run(tmp_path / "work")
    assert "x.csv row 3" in text_file.read_text()


def test_failed_cli_build_reports_the_damaged_file(built, webhook):
    target = built.snapshots / "wagweu"
    damaged = next(p for p in sorted(target.rglob("*.csv")))
    original = damaged.read_bytes()
    damaged.write_bytes(original + b"\n")
    env_hook = {WEBHOOK_ENV: webhook.url}
    try:
        result = subprocess.run([str(MONITOR), "build"], env=built.env() | env_hook, capture_output=True, text=True,
                                cwd=built.root, timeout=900)
    finally:
        damaged.write_bytes(original)
    assert result.returncode == 1
    summary = built.work / "alerts" / "last_failure.txt"
    assert f"Summary: {summary}" in result.stderr
    assert damaged.name in summary.read_text()
    assert webhook.bodies and webhook.bodies[0]["job"] == "build_monitor"
