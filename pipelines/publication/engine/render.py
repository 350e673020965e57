"""Render a report to self-contained HTML and to PDF.

With a ``quarto`` executable on PATH (and ``MONITOR_PUBLICATION_ENGINE`` not ``offline``), ``quarto render``
does the work. Otherwise the offline engine renders the same .qmd: execute its cells in a Jupyter kernel,
assemble Markdown per format, then pandoc (pypandoc-binary) -> self-contained HTML and pandoc -> Typst ->
``typst`` (PyPI) -> PDF. See docs/publication-engine.md for what the offline engine supports.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import yaml

from pipelines.publication.engine.assemble import Assembler
from pipelines.publication.engine.execute import ExecutionError, execute
from pipelines.publication.engine.qmd import parse


class RenderError(Exception):
    pass


def engine_name() -> str:
    if os.environ.get("MONITOR_PUBLICATION_ENGINE", "").lower() == "offline":
        return "offline"
    return "quarto" if shutil.which("quarto") else "offline"


def _project_config(project_dir: Path) -> dict:
    path = project_dir / "_quarto.yml"
    return yaml.safe_load(path.read_text(encoding="utf-8")) or {} if path.exists() else {}


def render(qmd: Path, out_dir: Path, env: dict[str, str]) -> dict[str, Path]:
    """Render ``qmd`` into ``out_dir`` as ``<stem>.html`` and ``<stem>.pdf``; returns the paths."""
    qmd, out_dir = Path(qmd), Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    if engine_name() == "quarto":
        return _render_quarto(qmd, out_dir, env)
    return _render_offline(qmd, out_dir, env)


def _render_quarto(qmd: Path, out_dir: Path, env: dict[str, str]) -> dict[str, Path]:
    produced = {}
    for fmt, to in (("html", "html"), ("pdf", "typst")):
        cmd = [shutil.which("quarto") or "quarto", "render", qmd.name, "--to", to, "--output-dir", str(out_dir)]
        proc = subprocess.run(cmd, cwd=qmd.parent, env=dict(os.environ) | env, capture_output=True, text=True)
        if proc.returncode != 0:
            raise RenderError(f"quarto render {qmd.name} --to {to} failed (exit {proc.returncode}):\n{proc.stderr[-4000:]}")
        target = out_dir / f"{qmd.stem}.{fmt}"
        if not target.exists():
            raise RenderError(f"quarto render {qmd.name} --to {to} did not produce {target}")
        produced[fmt] = target
    return produced


def _pandoc(markdown: str, to: str, output: Path, extra: list[str]) -> None:
    import pypandoc

    try:
        pypandoc.convert_text(markdown, to, format="markdown", outputfile=str(output), extra_args=extra)
    except RuntimeError as exc:
        raise RenderError(f"pandoc -t {to} failed: {exc}") from exc


def _render_offline(qmd: Path, out_dir: Path, env: dict[str, str]) -> dict[str, Path]:
    import typst
    import vl_convert

    project = _project_config(qmd.parent)
    defaults = {"echo": False, "warning": False} | ((project.get("execute") or {}))
    doc = parse(qmd)
    defaults |= doc.front_matter.get("execute") or {}
    try:
        executed = execute(doc, env)
    except ExecutionError as exc:
        raise RenderError(str(exc)) from exc
    metadata = doc.pandoc_metadata | {k: v for k, v in project.items() if k in ("lang",) and k not in doc.pandoc_metadata}
    front = "---\n" + yaml.safe_dump(metadata, allow_unicode=True, sort_keys=False) + "---\n\n"
    work = out_dir / f".{qmd.stem}-build"
    if work.exists():
        shutil.rmtree(work)
    work.mkdir(parents=True)

    # HTML: self-contained, Vega libraries inlined once in the header when the document has charts.
    html_doc = Assembler(doc, executed, "html", work / "figures", defaults)
    html_md = front + html_doc.markdown()
    args = ["--standalone", "--embed-resources", f"--resource-path={qmd.parent}", "--toc", "--section-divs"]
    html_opts = ((project.get("format") or {}).get("html") or {})
    for css in ([html_opts["css"]] if isinstance(html_opts.get("css"), str) else html_opts.get("css") or []):
        args.append(f"--css={qmd.parent / css}")
    if html_doc.charts:
        header = work / "vega-header.html"
        header.write_text("<script>" + vl_convert.javascript_bundle() + "</script>\n", encoding="utf-8")
        args.append(f"--include-in-header={header}")
    html_out = out_dir / f"{qmd.stem}.html"
    _pandoc(html_md, "html5", html_out, args)

    # PDF: pandoc -> Typst, charts as SVG files beside the .typ, then the Typst compiler.
    typst_doc = Assembler(doc, executed, "typst", work / "figures", defaults)
    typ = work / f"{qmd.stem}.typ"
    _pandoc(front + typst_doc.markdown(), "typst", typ, ["--standalone", "--toc"])
    pdf_out = out_dir / f"{qmd.stem}.pdf"
    try:
        typst.compile(str(typ), output=str(pdf_out), root=str(work))
    except Exception as exc:  # typst raises its own error type with the diagnostics
        raise RenderError(f"typst could not compile {typ.name}: {exc}") from exc
    shutil.rmtree(work)
    return {"html": html_out, "pdf": pdf_out}
