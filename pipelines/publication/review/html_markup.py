"""What a built HTML page would run: its scripts, event-handler attributes, frames and ``javascript:`` URLs.

The publication may run two kinds of script: the Vega bundle (the vl-convert JavaScript bundle, inlined once)
and one ``vegaEmbed("#id", {spec}, {options})`` call per chart whose spec is plain JSON. Anything else that can
run (an ``onerror`` on an ``<img>`` from a sidecar's text, a ``<script>`` from a CBS title) is live markup that
came from source text.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser

EMBED = re.compile(r'^\s*vegaEmbed\(\s*"#([\w-]+)"\s*,\s*(\{.*\})\s*,\s*(\{[^{}]*\})\s*\)\s*;?\s*$', re.S)
RUNNABLE_TAGS = {"iframe", "object", "embed", "frame", "frameset", "base", "form"}
URL_ATTRIBUTES = {"href", "src", "action", "formaction", "xlink:href", "data"}


@dataclass
class Markup:
    scripts: list[str] = field(default_factory=list)  # the text of every <script> element
    script_sources: list[str] = field(default_factory=list)  # <script src=...>
    handlers: list[str] = field(default_factory=list)  # '<img onerror="...">'
    runnable_tags: list[str] = field(default_factory=list)
    script_urls: list[str] = field(default_factory=list)


class _Collector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.markup = Markup()
        self._script: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if name.lower().startswith("on"):
                self.markup.handlers.append(f'<{tag} {name}="{value}">')
            if name.lower() in URL_ATTRIBUTES and (value or "").strip().lower().startswith("javascript:"):
                self.markup.script_urls.append(f'<{tag} {name}="{value}">')
        if tag in RUNNABLE_TAGS:
            self.markup.runnable_tags.append(f"<{tag}>")
        if tag == "script":
            src = dict(attrs).get("src")
            if src:
                self.markup.script_sources.append(src)
            self._script = []

    def handle_data(self, data):
        if self._script is not None:
            self._script.append(data)

    def handle_endtag(self, tag):
        if tag == "script" and self._script is not None:
            self.markup.scripts.append("".join(self._script))
            self._script = None


def read_markup(html: str) -> Markup:
    collector = _Collector()
    collector.feed(html)
    collector.close()
    return collector.markup


def embed_target(script: str) -> str | None:
    """The chart container id when ``script`` is exactly one vegaEmbed call with a JSON spec, else None."""
    match = EMBED.match(script)
    if not match:
        return None
    try:
        json.loads(match.group(2))
        json.loads(match.group(3))
    except ValueError:
        return None
    return match.group(1)


def same_code(a: str, b: str) -> bool:
    """The same JavaScript, whitespace aside (pandoc re-indents the inlined bundle)."""
    return re.sub(r"\s+", "", a) == re.sub(r"\s+", "", b)
