"""GX Data Docs of one run, as a static site that opens offline.

The contract checks of a run wrote one GX validation result per table (``results.py``). Here a throw-away
GX file context receives those results and the suites they came from, GX renders its Data Docs, and the
pages are made self-contained: GX's templates load Bootstrap, jQuery, bootstrap-table, Font Awesome and Vega
from CDNs (a blank index page offline). Those references are rewritten to copies shipped in
``datadocs_static/`` (exact files, see its README) and placed in the site's ``static/vendor/``; Vega (not
used by these pages), the dark theme, the GX newsletter footer and the remote logo are dropped; icons come
from a small stylesheet instead of the Font Awesome font. ``external_resources`` lists what a page would
still load from the network (nothing; the tests check).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import tempfile
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

VENDOR_SOURCE = Path(__file__).with_name("datadocs_static")
VENDOR_DIR = "static/vendor"

# CDN address (as GX 1.24's templates write it) -> shipped file
VENDORED = {
    "https://code.jquery.com/jquery-3.7.1.min.js": "jquery-3.7.1.min.js",
    "https://cdnjs.cloudflare.com/ajax/libs/popper.js/1.12.9/umd/popper.min.js": "popper-1.12.9.min.js",
    "https://stackpath.bootstrapcdn.com/bootstrap/4.3.1/js/bootstrap.min.js": "bootstrap-4.3.1.min.js",
    "https://maxcdn.bootstrapcdn.com/bootstrap/4.3.1/css/bootstrap.min.css": "bootstrap-4.3.1.min.css",
    "https://unpkg.com/bootstrap-table@1.19.1/dist/bootstrap-table.min.js": "bootstrap-table-1.19.1.min.js",
    "https://unpkg.com/bootstrap-table@1.19.1/dist/bootstrap-table.min.css": "bootstrap-table-1.19.1.min.css",
    "https://unpkg.com/bootstrap-table@1.19.1/dist/extensions/filter-control/bootstrap-table-filter-control.min.js":
        "bootstrap-table-filter-control-1.19.1.min.js",
    "https://unpkg.com/bootstrap-table@1.19.0/dist/extensions/filter-control/bootstrap-table-filter-control.min.css":
        "bootstrap-table-filter-control-1.19.1.min.css",
    "https://unpkg.com/bootstrap-table@1.19.0/dist/extensions/filter-control/bootstrap-table-filter-control.css":
        "bootstrap-table-filter-control-1.19.1.min.css",
    "https://cdnjs.cloudflare.com/ajax/libs/bootstrap-datepicker/1.9.0/js/bootstrap-datepicker.min.js":
        "bootstrap-datepicker-1.9.0.min.js",
    "https://cdnjs.cloudflare.com/ajax/libs/bootstrap-datepicker/1.9.0/css/bootstrap-datepicker.min.css":
        "bootstrap-datepicker-1.9.0.min.css",
    "https://cdnjs.cloudflare.com/ajax/libs/font-awesome/6.6.0/css/all.min.css": "monitor-icons.css",
}
_DROP = (  # remote resources the pages do without
    re.compile(r'<script[^>]*src="https://cdn\.jsdelivr\.net/npm/vega[^"]*"[^>]*>\s*</script>\s*'),
    re.compile(r'<link[^>]*href="https://cdn\.jsdelivr\.net/npm/@forevolve/bootstrap-dark[^"]*"[^>]*>\s*'),
)
_REMOTE_LOGO = re.compile(r'src="https://great-expectations-web-assets\.s3[^"]*/(logo-long\.png)[^"]*"')
_NEWSLETTER = re.compile(r'<p>Stay current on everything GX.*?</p>', re.S)
_STATIC_REF = re.compile(r'\b(src|href)="(?:\./|(?:\.\./)+)static/([^"]+)"')
_SRI = re.compile(r'\s(integrity|crossorigin)="[^"]*"')
_EXTERNAL = re.compile(r'<(script|link|img|iframe|source)\b[^>]*\b(src|href)="((https?:)?//[^"]+)"', re.I)


def external_resources(html: str) -> list[str]:
    """Addresses a page would load from the network (scripts, stylesheets, images); links are not counted."""
    return [m.group(3) for m in _EXTERNAL.finditer(html)]


def make_offline(site: Path) -> list[str]:
    """Rewrite every page of ``site`` to load only local files; returns what had to be dropped unknown."""
    vendor = site / VENDOR_DIR
    vendor.mkdir(parents=True, exist_ok=True)
    for name in sorted({*VENDORED.values()}):
        shutil.copyfile(VENDOR_SOURCE / name, vendor / name)
    shutil.copytree(VENDOR_SOURCE / "licenses", vendor / "licenses", dirs_exist_ok=True)
    dropped: list[str] = []
    for page in site.rglob("*.html"):
        html = page.read_text(encoding="utf-8")
        rel = Path(os.path.relpath(vendor, page.parent)).as_posix()
        images = Path(os.path.relpath(site / "static" / "images", page.parent)).as_posix()
        for url, name in VENDORED.items():
            html = html.replace(f'"{url}"', f'"{rel}/{name}"')
        for pattern in _DROP:
            html = pattern.sub("", html)
        html = _REMOTE_LOGO.sub(lambda m: f'src="{images}/{m.group(1)}"', html)
        static = Path(os.path.relpath(site / "static", page.parent)).as_posix()
        html = _STATIC_REF.sub(lambda m: f'{m.group(1)}="{static}/{m.group(2)}"', html)  # GX miscounts the depth of some pages
        html = _NEWSLETTER.sub("", html)
        html = _SRI.sub("", html)
        for url in external_resources(html):  # anything a newer GX adds: drop it rather than load it
            dropped.append(url)
            html = re.sub(r'<(script|link|img|iframe|source)\b[^>]*\b(src|href)="' + re.escape(url) + r'"[^>]*>(\s*</script>)?', "", html)
        page.write_text(html, encoding="utf-8")
    _prune_unused_static(site)
    return sorted(set(dropped))


def _prune_unused_static(site: Path) -> None:
    """GX copies ~3 MB of images (tutorial GIFs) the pages never show; keep what a page or stylesheet names."""
    texts = "\n".join(p.read_text(encoding="utf-8", errors="replace") for p in [*site.rglob("*.html"), *site.rglob("*.css")])
    for folder in ("images", "fonts"):
        for f in (site / "static" / folder).rglob("*"):
            if f.is_file() and f.name not in texts:
                f.unlink()


def build_data_docs(results: list[dict[str, Any]], target: Path, run_name: str) -> Path:
    """Render GX Data Docs for ``results`` (GX validation result JSON, one per table) into ``target``.

    ``target`` is replaced as a whole. Returns the path of its ``index.html``.
    """
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")
    import great_expectations as gx  # lazy: ~5 s
    from great_expectations.core.expectation_validation_result import ExpectationSuiteValidationResultSchema
    from great_expectations.core.run_identifier import RunIdentifier
    from great_expectations.data_context.types.resource_identifiers import (
        ExpectationSuiteIdentifier,
        ValidationResultIdentifier,
    )
    from great_expectations.expectations.expectation_configuration import ExpectationConfiguration

    target = Path(target)
    with tempfile.TemporaryDirectory(prefix="monitor-datadocs-") as tmp:
        context = gx.get_context(mode="file", project_root_dir=tmp)
        run_time = datetime.now(timezone.utc)
        schema = ExpectationSuiteValidationResultSchema()
        for data in results:
            table = data["meta"]["active_batch_definition"]["data_asset_name"]
            suite = gx.ExpectationSuite(name=data["suite_name"], meta={"contract": data["meta"].get("contract"),
                                                                      "owner": data["meta"].get("owner")})
            for entry in data["results"]:
                config = entry["expectation_config"]
                suite.add_expectation(ExpectationConfiguration(  # not add_expectation_configuration: it upserts by domain
                    type=config["type"], kwargs=config["kwargs"], meta=config.get("meta"),
                    description=config.get("description"), severity=config.get("severity", "critical"),
                    notes=config.get("notes")).to_domain_obj())
            context.suites.add_or_update(suite)
            result = schema.load(json.loads(json.dumps(data)))
            key = ValidationResultIdentifier(ExpectationSuiteIdentifier(name=data["suite_name"]),
                                             RunIdentifier(run_name=run_name, run_time=run_time), table)
            context.validation_results_store.set(key, result)
        context.build_data_docs()
        site = Path(tmp) / "gx" / "uncommitted" / "data_docs" / "local_site"
        make_offline(site)
        partial = target.with_name(f".{target.name}.partial")
        shutil.rmtree(partial, ignore_errors=True)
        shutil.copytree(site, partial)
    shutil.rmtree(target, ignore_errors=True)
    partial.rename(target)
    return target / "index.html"
