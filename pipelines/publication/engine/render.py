"""Render the Quarto project of a report to self-contained HTML and to PDF, once per profile (edition).

With a ``quarto`` executable on PATH (and ``MONITOR_PUBLICATION_ENGINE`` not ``offline``), ``quarto render
--profile <p>`` does the work. Otherwise the offline engine renders the same project, per profile:

1. configuration: ``_quarto.yml`` merged with ``_quarto-<profile>.yml`` and the front matter, every key
   checked (``project.py``);
2. source: includes resolved, cells and Markdown parsed, every option, class, shortcode and cross-reference
   checked, with file and line (``includes.py``, ``qmd.py``);
3. execution: the cells in one Jupyter kernel with ``QUARTO_PROFILE`` set as Quarto sets it (``execute.py``);
4. Markdown per format from the cell outputs (``assemble.py``);
5. pandoc (pypandoc-binary) with the engine's Lua filter (``pandoc/monitor.lua``: conditional content,
   callouts, numbering, cross-references) and citeproc -> self-contained HTML (Vega inlined once) and
   Typst (``pandoc/monitor.typ`` with the project's template partials) -> ``typst`` -> PDF (tagged, PDF/UA-1).

Everything is written to a work directory first; the results are moved into ``out_dir`` only when every
edition rendered, so a failure leaves ``out_dir`` as it was.

The edition label: ``title``, ``subtitle`` and ``edition`` of the configuration may name the edition being built
as ``{edition}`` (``_quarto-nl.yml``: ``edition: "Editie {edition}"``); both engines fill it in from
``MONITOR_EDITION`` in ``env`` (set by the build from the editions register, or by the edition's partition), the
offline engine in the metadata it gives pandoc, the Quarto path in a ``--metadata-file``. A placeholder without
``MONITOR_EDITION`` fails the render before any cell runs.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import yaml

from pipelines.publication.engine import project as projects
from pipelines.publication.engine.assemble import Assembler
from pipelines.publication.engine.errors import RenderError
from pipelines.publication.engine.execute import ExecutionError, execute
from pipelines.publication.engine.qmd import DIV_CLASSES, parse

PANDOC_DIR = Path(__file__).parent / "pandoc"
FILTER = PANDOC_DIR / "monitor.lua"
TYPST_TEMPLATE = PANDOC_DIR / "monitor.typ"
PDF_STANDARDS = ["ua-1"]
MARKDOWN = "markdown-implicit_figures"
PASSED_METADATA = ("title", "subtitle", "author", "date", "abstract", "lang", "edition", "toc", "toc-depth",
                   "toc-title", "number-sections", "link-citations", "crossref")
EDITION_PLACEHOLDER = "{edition}"
EDITION_KEYS = ("title", "subtitle", "edition")  # the keys that may name the edition being built
EDITION_ENV = "MONITOR_EDITION"


def engine_name() -> str:
    if os.environ.get("MONITOR_PUBLICATION_ENGINE", "").lower() == "offline":
        return "offline"
    return "quarto" if shutil.which("quarto") else "offline"


def edition_metadata(config: dict[str, Any], edition: str | None, source: Path) -> dict[str, str]:
    """The keys of ``config`` (``EDITION_KEYS``) that name the edition, with ``{edition}`` replaced by ``edition``."""
    filled = {}
    for key in EDITION_KEYS:
        value = config.get(key)
        if isinstance(value, str) and EDITION_PLACEHOLDER in value:
            if not (edition or "").strip():
                raise RenderError(f"{source}: '{key}: {value}' names the edition being built, but none was given: "
                                  f"set {EDITION_ENV} (`monitor build` and `monitor edition publish` set it from "
                                  "the editions register, data_contracts/registers/editions.yaml)")
            filled[key] = value.replace(EDITION_PLACEHOLDER, edition.strip())
    return filled


def render(qmd: Path, out_dir: Path, env: dict[str, str]) -> dict[str, Path]:
    """Render ``qmd`` (in a Quarto project directory) into ``out_dir``, every profile of the project's
    profile group: returns {file name: path}, e.g. monitor.html, monitor.pdf, monitor.en.html, monitor.en.pdf.
    Chart data (CSV), and any file a cell writes to ``MONITOR_DATA_DIR``, goes to ``out_dir/data``. Offline, nothing
    is written to ``out_dir`` unless every edition rendered."""
    qmd, out_dir = Path(qmd).resolve(), Path(out_dir).resolve()
    out_dir.mkdir(parents=True, exist_ok=True)
    if engine_name() == "quarto":
        return _render_quarto(qmd, out_dir, dict(env) | {"MONITOR_DATA_DIR": str(out_dir / "data")})
    work = out_dir / f".{qmd.stem}-render"
    if work.exists():
        shutil.rmtree(work)
    work.mkdir(parents=True)
    try:
        # every edition's configuration, source and files are checked before any cell runs
        editions = [(profile, projects.load(qmd.parent, profile)) for profile in projects.profiles(qmd.parent)]
        doc = parse(qmd)
        projects.check_front_matter(doc.front_matter, qmd)
        for profile, project in editions:
            _check_files(project, qmd)
            _check_citations(project, doc, qmd)
            edition_metadata(projects.merge(project.config, doc.front_matter), env.get(EDITION_ENV),
                             _profile_file(qmd.parent, profile))
        env = dict(env) | {"MONITOR_DATA_DIR": str(work / "data")}  # published data files, moved with the documents
        produced = _render_editions(qmd, doc, editions, work, env)
        placed = {}
        for data_file in sorted((work / "data").glob("*")):  # chart CSVs and any other file cells wrote there
            (out_dir / "data").mkdir(exist_ok=True)
            data_file.replace(out_dir / "data" / data_file.name)
        for name, path in produced.items():
            path.replace(out_dir / name)
            placed[name] = out_dir / name
        return placed
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _render_editions(qmd: Path, doc, editions: list, work: Path, env: dict[str, str]) -> dict[str, Path]:
    """Every edition rendered offline, ``policy.RENDER_PARALLEL_EDITIONS`` at a time (each writes only its own
    folder under ``work`` and its own chart CSVs). The first edition's error is raised, after the others ended."""
    from concurrent.futures import ThreadPoolExecutor

    from pipelines import policy

    workers = max(1, min(policy.RENDER_PARALLEL_EDITIONS, len(editions)))
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="render") as pool:
        futures = [pool.submit(_render_offline, qmd, doc, project, work, profile, env) for profile, project in editions]
    produced: dict[str, Path] = {}
    for future in futures:  # in the profiles' order; every future is done once the pool has shut down
        produced |= future.result()
    return produced


def _profile_file(directory: Path, profile: str | None) -> Path:
    return directory / (f"_quarto-{profile}.yml" if profile else "_quarto.yml")


def _render_quarto(qmd: Path, out_dir: Path, env: dict[str, str]) -> dict[str, Path]:
    import tempfile

    produced = {}
    for profile in projects.profiles(qmd.parent):
        project = projects.load(qmd.parent, profile)
        stem = project.output_stem or qmd.stem
        labels = edition_metadata(project.config, env.get(EDITION_ENV), _profile_file(qmd.parent, profile))
        with tempfile.TemporaryDirectory(prefix="monitor-quarto-") as tmp:
            extra = []
            if labels:  # the edition's label (Markdown, as in the profile file), over the profile's placeholder
                meta_file = Path(tmp) / "edition.yml"
                meta_file.write_text(yaml.safe_dump(labels, allow_unicode=True, sort_keys=True), encoding="utf-8")
                extra = ["--metadata-file", str(meta_file)]
            for fmt, to in (("html", "html"), ("pdf", "typst")):
                cmd = [shutil.which("quarto") or "quarto", "render", qmd.name, "--to", to, "--output-dir", str(out_dir)]
                if profile:
                    cmd += ["--profile", profile]
                cmd += extra
                proc = subprocess.run(cmd, cwd=qmd.parent, env=dict(os.environ) | env, capture_output=True, text=True)
                if proc.returncode != 0:
                    raise RenderError(f"{' '.join(cmd[1:])} failed (exit {proc.returncode}):\n{proc.stderr[-4000:]}")
                target = out_dir / f"{stem}.{fmt}"
                if not target.exists():
                    raise RenderError(f"{' '.join(cmd[1:])} did not produce {target}")
                produced[target.name] = target
    return produced


def _pandoc(markdown: str, to: str, output: Path, extra: list[str]) -> None:
    import pypandoc

    try:
        pypandoc.convert_text(markdown, to, format=MARKDOWN, outputfile=str(output), extra_args=extra)
    except RuntimeError as exc:
        raise RenderError(f"pandoc -t {to} failed: {exc}") from exc


def _metadata(config: dict[str, Any], profile: str | None, project_dir: Path, fmt: str,
              edition: str | None = None) -> dict[str, Any]:
    meta = {k: config[k] for k in PASSED_METADATA if k in config}
    meta |= edition_metadata(config, edition, _profile_file(project_dir, profile))
    meta["monitor-profile"] = profile or ""
    meta["monitor-div-classes"] = sorted(DIV_CLASSES)
    if config.get("bibliography"):
        bibs = config["bibliography"] if isinstance(config["bibliography"], list) else [config["bibliography"]]
        meta["bibliography"] = [str(project_dir / b) for b in bibs]
    if config.get("csl"):
        meta["csl"] = str(project_dir / config["csl"])
    options = (config.get("format") or {}).get(fmt) or {}
    if fmt == "typst" and options.get("papersize"):
        meta["papersize"] = options["papersize"]
    if "toc" in options:
        meta["toc"] = options["toc"]
    return meta


def _check_files(project: projects.Project, qmd: Path) -> None:
    config_file = qmd.parent / "_quarto.yml"
    css = project.format_options("html").get("css")
    for sheet in [css] if isinstance(css, str) else css or []:
        if not (qmd.parent / sheet).is_file():
            raise RenderError(f"{config_file}: css file not found: {sheet}")
    partials = project.format_options("typst").get("template-partials") or []
    for partial in partials:
        if not (qmd.parent / partial).is_file():
            raise RenderError(f"{config_file}: template partial not found: {partial}")
    for needed in ("typst-template.typ", "typst-show.typ"):
        if needed not in [Path(p).name for p in partials]:
            raise RenderError(f"{config_file}: format.typst.template-partials must list {needed} "
                              "(the title page and page layout of the PDF)")
    bibliography = project.config.get("bibliography") or []
    for bib in [bibliography] if isinstance(bibliography, str) else bibliography:
        if not (qmd.parent / bib).is_file():
            raise RenderError(f"{config_file}: bibliography file not found: {bib}")


_BIB_KEY = re.compile(r"^\s*@\w+\s*\{\s*([^,\s]+)\s*,", re.M)


def _check_citations(project: projects.Project, doc, qmd: Path) -> None:
    """Every ``@key`` must be in the bibliography (citeproc would print '(key?)' and carry on)."""
    bibliography = project.config.get("bibliography") or []
    keys = set()
    for bib in [bibliography] if isinstance(bibliography, str) else bibliography:
        keys |= set(_BIB_KEY.findall((qmd.parent / bib).read_text(encoding="utf-8")))
    for key, line in doc.citations:
        if key not in keys:
            raise RenderError(f"{line.where}: citation @{key} is not in the bibliography "
                              f"({bibliography or 'no bibliography: set bibliography in _quarto.yml'})")


def _render_offline(qmd: Path, doc, project: projects.Project, work: Path, profile: str | None,
                    env: dict[str, str]) -> dict[str, Path]:
    import typst
    import vl_convert

    config = projects.merge(project.config, doc.front_matter)
    stem = str(config.get("output-file") or qmd.stem).removesuffix(".html").removesuffix(".pdf")
    defaults = {"echo": False, "warning": False} | (config.get("execute") or {})
    kernel_env = env | {"QUARTO_PROFILE": profile or "", "MONITOR_PUBLICATION_ENGINE": "offline"}
    try:
        executed = execute(doc, kernel_env)
    except ExecutionError as exc:
        raise RenderError(str(exc)) from exc
    edition = work / (profile or "default")
    edition.mkdir(parents=True, exist_ok=True)
    # --fail-if-warnings: an unknown citation key, a missing image, a duplicate id ... fails instead of passing
    common = ["--lua-filter", str(FILTER), "--citeproc", f"--resource-path={qmd.parent}", "--fail-if-warnings"]

    # HTML: self-contained, Vega libraries inlined once in the header when the document has charts.
    html_doc = Assembler(doc, executed, "html", edition / "figures", defaults)
    html_md = html_doc.markdown()
    meta_file = edition / "html-metadata.yaml"
    meta = _metadata(config, profile, qmd.parent, "html", env.get(EDITION_ENV))
    meta_file.write_text(yaml.safe_dump(meta, allow_unicode=True, sort_keys=False), encoding="utf-8")
    args = ["--standalone", "--embed-resources", "--section-divs", f"--metadata-file={meta_file}", *common]
    if meta.get("toc"):
        args += ["--toc", f"--toc-depth={meta.get('toc-depth', 2)}"]
    css = project.format_options("html").get("css")
    for sheet in [css] if isinstance(css, str) else css or []:
        args.append(f"--css={qmd.parent / sheet}")
    if html_doc.charts:
        header = edition / "vega-header.html"
        header.write_text("<script>" + vl_convert.javascript_bundle() + "</script>\n", encoding="utf-8")
        args.append(f"--include-in-header={header}")
    html_out = edition / f"{stem}.html"
    _pandoc(html_md, "html5", html_out, args)

    # PDF: pandoc -> Typst (engine template + the project's partials), charts as SVG files, then Typst.
    for partial in project.format_options("typst").get("template-partials") or []:
        shutil.copy(qmd.parent / partial, edition / Path(partial).name)
    template = edition / "monitor-main.typ"
    shutil.copy(TYPST_TEMPLATE, template)
    typst_doc = Assembler(doc, executed, "typst", edition / "figures", defaults)
    meta_file = edition / "typst-metadata.yaml"
    meta_file.write_text(yaml.safe_dump(_metadata(config, profile, qmd.parent, "typst", env.get(EDITION_ENV)),
                                        allow_unicode=True, sort_keys=False), encoding="utf-8")
    typ = edition / f"{stem}.typ"
    _pandoc(typst_doc.markdown(), "typst", typ,
            ["--standalone", f"--template={template}", f"--metadata-file={meta_file}", *common])
    pdf_out = edition / f"{stem}.pdf"
    stamp = env.get("SOURCE_DATE_EPOCH") or os.environ.get("SOURCE_DATE_EPOCH")
    try:
        typst.compile(str(typ), output=str(pdf_out), root=str(edition), pdf_standards=PDF_STANDARDS,
                      timestamp=int(stamp) if stamp else None)
    except Exception as exc:  # typst raises its own error type with the diagnostics
        raise RenderError(f"typst could not compile {typ.name} (profile {profile}): {exc}") from exc
    return {html_out.name: html_out, pdf_out.name: pdf_out}
