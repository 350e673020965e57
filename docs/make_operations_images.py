#!/usr/bin/env python3
"""Screenshots of what an operator sees in `dagster dev`, for docs/operations.md.

    .venv/bin/monitor build                      # first: the UI shows that build's run and checks
    .venv/bin/monitor edition publish 2026       # and an edition's partition
    .venv/bin/python docs/make_operations_images.py

Starts `dagster dev` on the checkout's Dagster home (.monitor/dagster_home) on a free local port, opens each page
in headless Chromium (driven over the DevTools protocol, so the UI's first-visit dialog can be dismissed), saves
PNG screenshots into docs/operations/ and stops both. Needs Chromium (Debian: chromium).
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "docs" / "operations"
PAGES = [  # (file, path in the UI, what it shows)
    ("lineage.png", "/asset-groups", "the asset lineage snapshots → raw → staging → marts → publication"),
    ("checks.png", "/assets/raw_cbs__observations?view=checks", "a table's blocking contract check"),
    ("freshness.png", "/assets/raw_cbs__observations?view=checks&checkDetail=freshness",
     "a source's non-blocking freshness check"),
    ("partitions.png", "/assets/publication__edition?view=partitions", "the edition partitions"),
    ("automation.png", "/automation", "schedules and sensors, off by default"),
    ("runs.png", "/runs", "the runs of `monitor build` and the UI"),
]
DISMISS = ("(() => { const b = [...document.querySelectorAll('button')].find(x => x.textContent.trim() === 'Skip');"
           " if (b) { b.click(); return true } return false })()")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(url: str, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:
            time.sleep(0.5)
    raise SystemExit(f"{url} did not answer within {seconds:.0f} s")


class Browser:
    def __init__(self, chromium: str):
        self.profile = tempfile.mkdtemp(prefix="monitor-chromium-")
        port = free_port()
        self.proc = subprocess.Popen(
            [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
             "--disable-background-networking", "--disable-component-update", "--disable-sync",
             f"--user-data-dir={self.profile}", f"--remote-debugging-port={port}", "--window-size=1400,900",
             "about:blank"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_for(f"http://127.0.0.1:{port}/json/version", 30)
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list") as r:
            target = next(t for t in json.load(r) if t["type"] == "page")
        self.url = target["webSocketDebuggerUrl"]
        self.ws = None
        self.next_id = 0

    def call(self, method: str, **params):
        self.next_id += 1
        self.ws.send(json.dumps({"id": self.next_id, "method": method, "params": params}))
        while True:
            message = json.loads(self.ws.recv())
            if message.get("id") == self.next_id:
                return message.get("result", {})

    def shot(self, url: str, target: Path) -> None:
        self.call("Page.navigate", url=url)
        time.sleep(6)  # the UI loads its data over GraphQL after the page
        for _ in range(3):
            if self.call("Runtime.evaluate", expression=DISMISS, returnByValue=True).get("result", {}).get("value"):
                time.sleep(1)
        data = self.call("Page.captureScreenshot", format="png")["data"]
        target.write_bytes(base64.b64decode(data))

    def close(self) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=10)
        shutil.rmtree(self.profile, ignore_errors=True)


def main() -> int:
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if not chromium:
        print("Chromium is not installed (Debian: apt-get install chromium)", file=sys.stderr)
        return 2
    home = ROOT / ".monitor" / "dagster_home"
    if not (home / "dagster.yaml").exists():
        print(f"{home} does not exist: run `.venv/bin/monitor build` first", file=sys.stderr)
        return 2
    port = free_port()
    dagster = Path(sys.executable).with_name("dagster")
    ui = subprocess.Popen([str(dagster), "dev", "-p", str(port), "-h", "127.0.0.1"], cwd=ROOT,
                          env=dict(os.environ, DAGSTER_HOME=str(home)), start_new_session=True,
                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    browser = None
    try:
        wait_for(f"http://127.0.0.1:{port}/server_info", 90)
        from websockets.sync.client import connect

        browser = Browser(chromium)
        OUT.mkdir(parents=True, exist_ok=True)
        with connect(browser.url, max_size=64 * 2**20) as browser.ws:
            for name, path, what in PAGES:
                browser.shot(f"http://127.0.0.1:{port}{path}", OUT / name)
                print(f"{OUT / name}: {what}")
    finally:
        if browser:
            browser.close()
        os.killpg(ui.pid, signal.SIGTERM)
        ui.wait(timeout=30)
    return 0


if __name__ == "__main__":
    sys.exit(main())
