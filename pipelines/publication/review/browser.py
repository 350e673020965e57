"""Open a built page in headless Chromium with the network closed: its DOM after the scripts ran, a probe of
the rendered page (charts, horizontal scroll), and screenshots.

The network is closed by a proxy on a dead port and background networking switched off, so a page that needs
anything from outside shows it (a blank chart). Time is virtual (``--virtual-time-budget``): Chromium runs the
page's scripts and timers until they are idle or the budget is spent, however fast the machine is.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
from pathlib import Path

VIRTUAL_TIME_MS = 5000
PROBE_ID = "monitor-review-probe"

# Runs after the page's own scripts and timers: what rendered, and whether the page scrolls sideways.
PROBE_JS = """
<script>
window.addEventListener("load", () => setTimeout(() => {
  const embeds = [...document.scripts].map(s => s.textContent)
    .filter(t => t.length < 2000000 && !t.includes("function vegaEmbed"))
    .flatMap(t => [...t.matchAll(/vegaEmbed\\(\\s*["']#([^"']+)["']/g)].map(m => m[1]));
  const links = [...document.querySelectorAll("a[href]")];
  const charts = embeds.map((id, i) => {
    const box = document.getElementById(id);
    const next = i + 1 < embeds.length ? document.getElementById(embeds[i + 1]) : null;
    const after = el => box && (box.compareDocumentPosition(el) & Node.DOCUMENT_POSITION_FOLLOWING);
    const before = el => !next || (next.compareDocumentPosition(el) & Node.DOCUMENT_POSITION_PRECEDING);
    const csv = links.find(a => after(a) && before(a) && /\\.csv([?#].*)?$/i.test(a.getAttribute("href")));
    const svgs = box ? [...box.querySelectorAll("svg")].filter(s => s.matches(".marks, [role=graphics-document]")) : [];
    // the chart's accessible name: Vega writes the spec's description on the SVG, the container or a wrapper
    const holder = (svgs[0] || box) && (svgs[0] || box).closest("[aria-label]");
    return {
      id, found: !!box, rendered: svgs.length,
      alt: (holder && holder.getAttribute("aria-label")) || "",
      csv: csv ? csv.getAttribute("href") : null,
    };
  });
  const handlers = [...document.querySelectorAll("*")].flatMap(el => [...el.attributes]
    .filter(a => /^on/i.test(a.name)).map(a => `<${el.tagName.toLowerCase()} ${a.name}="${a.value}">`));
  const root = document.documentElement;
  const clipped = el => {  // inside a box that scrolls or clips on its own: does not widen the page
    for (let a = el.parentElement; a && a !== document.body; a = a.parentElement) {
      if (getComputedStyle(a).overflowX !== "visible") return true;
    }
    return false;
  };
  const wide = [...document.body.querySelectorAll("*")]
    .filter(el => el.getBoundingClientRect().right > root.clientWidth + 1 && !clipped(el))
    .filter(el => !el.parentElement || el.parentElement.getBoundingClientRect().right <= root.clientWidth + 1)
    .slice(0, 5).map(el => `<${el.tagName.toLowerCase()}${el.id ? "#" + el.id : ""}${el.className && typeof el.className === "string" ? "." + el.className.trim().split(/\\s+/).join(".") : ""}> ${Math.round(el.getBoundingClientRect().width)} px wide`);
  parent.postMessage(JSON.stringify({
    charts, svg_marks: document.querySelectorAll("svg.marks, svg[role=graphics-document]").length,
    handlers, scroll_width: root.scrollWidth, client_width: root.clientWidth,
    window_width: window.innerWidth, too_wide: wide,
  }), "*");
}, 1000));
</script>
"""

# The page is measured in a frame of the asked width (a headless window is at least 500 px wide); the frame
# posts the measurement up and the wrapper writes it into its own DOM, which --dump-dom prints.
PROBE_WRAPPER = """<!DOCTYPE html><html><body style="margin:0">
<iframe src="%(src)s" style="border:0;width:%(width)dpx;height:%(height)dpx"></iframe>
<script>
window.addEventListener("message", e => {
  const out = document.createElement("pre");
  out.id = "%(probe_id)s";
  out.textContent = e.data;
  document.body.appendChild(out);
});
</script></body></html>
"""


def chromium_executable() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")


def _run(page: Path, profile: Path, extra: list[str], scrollbars: bool = False) -> subprocess.CompletedProcess:
    chromium = chromium_executable()
    if not chromium:
        raise FileNotFoundError("Chromium is not installed (Debian: apt-get install chromium)")
    return subprocess.run(
        [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         *([] if scrollbars else ["--hide-scrollbars"]), f"--user-data-dir={profile}",
         "--proxy-server=http://127.0.0.1:9", f"--virtual-time-budget={VIRTUAL_TIME_MS}", *extra, Path(page).resolve().as_uri()],
        capture_output=True, text=True, timeout=180)


def dump_dom(page: Path, profile: Path, width: int = 1280, height: int = 900) -> str:
    """The DOM of ``page`` after its scripts ran, offline, in a window of ``width`` x ``height`` CSS px."""
    return _run(page, profile, [f"--window-size={width},{height}", "--dump-dom"]).stdout


def with_script(page: Path, script: str, directory: Path) -> Path:
    """A copy of ``page`` in ``directory`` with ``script`` (HTML) added at the end of its body."""
    html = Path(page).read_text(encoding="utf-8")
    cut = html.lower().rfind("</body>")
    copy = Path(directory) / Path(page).name
    copy.write_text(html[:cut] + script + html[cut:] if cut >= 0 else html + script, encoding="utf-8")
    return copy


def probe(page: Path, width: int = 1280, height: int = 900) -> dict:
    """Measure ``page`` rendered offline at ``width`` CSS px: per chart (the targets of ``vegaEmbed`` calls) the
    rendered Vega SVGs, its alt text and the first CSV link after it; event-handler attributes in the live
    DOM; the document's scroll width against the window's."""
    with tempfile.TemporaryDirectory(prefix="monitor-probe-") as tmp:
        copy = with_script(page, PROBE_JS, Path(tmp))
        wrapper = Path(tmp) / "probe.html"
        wrapper.write_text(PROBE_WRAPPER % {"src": copy.name, "width": width, "height": height,
                                            "probe_id": PROBE_ID}, encoding="utf-8")
        dom = dump_dom(wrapper, Path(tmp) / "profile", max(width, 1280), height)
    start = dom.find(f'<pre id="{PROBE_ID}">')
    if start < 0:
        raise RuntimeError(f"the probe did not report on {page} (the page's scripts did not finish?): "
                           f"{dom[:300]!r}")
    text = dom[start:].split(">", 1)[1].split("</pre>", 1)[0]
    from html import unescape

    return json.loads(unescape(text))


# Headless Chromium paints a scrolled page only in part, so a chart is shown by hiding what comes before it
# (all but the element just before it, often its heading or caption), which puts it at the top of the page.
SHOW_FROM_JS = """<script>(() => {
  const chart = document.getElementById(%s);
  if (!chart) return;
  let node = chart.closest("figure") || chart, keep = node.previousElementSibling;
  for (; node && node !== document.body; node = node.parentElement) {
    for (let s = node.previousElementSibling; s; s = s.previousElementSibling) {
      if (s !== keep && s.tagName !== "SCRIPT" && s.tagName !== "STYLE") s.style.display = "none";
    }
  }
})();</script>"""


def screenshot(page: Path, png: Path, width: int, height: int, show_from: str | None = None) -> Path:
    """A PNG of ``page`` as a ``width`` x ``height`` window shows it, offline; ``show_from``: the id of an
    element (a chart) to show at the top. Scrollbars are shown: a horizontal one tells the reviewer the page
    is too wide."""
    with tempfile.TemporaryDirectory(prefix="monitor-shot-") as tmp:
        target = page
        if show_from:
            target = with_script(page, SHOW_FROM_JS % json.dumps(show_from), Path(tmp))
        png.parent.mkdir(parents=True, exist_ok=True)
        result = _run(target, Path(tmp) / "profile",
                      [f"--window-size={width},{height}", f"--screenshot={png}"], scrollbars=True)
    if not png.exists():
        raise RuntimeError(f"Chromium made no screenshot of {page}: {result.stderr[-500:]}")
    return png
