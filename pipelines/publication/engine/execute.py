"""Execute a parsed .qmd's Python cells in one Jupyter kernel (nbclient + ipykernel).

Inline expressions of a Markdown block are evaluated right after the cells that precede the block, in a
hidden cell, so they see the same variables Quarto would.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

from pipelines.publication.engine.qmd import Cell, Document, Markdown

KERNEL_NAME = "monitor-python"
_INLINE_MARKER = "__MONITOR_INLINE__"


class ExecutionError(Exception):
    pass


@dataclass
class Executed:
    outputs: dict[int, list[dict[str, Any]]] = field(default_factory=dict)  # block index -> nbformat outputs
    inline: dict[int, list[str]] = field(default_factory=dict)  # block index -> rendered inline values


def _inline_source(expressions: list[str]) -> str:
    """As in Quarto, a value is shown as text; an object with ``_repr_markdown_`` (IPython ``Markdown``) as
    Markdown. Text is escaped (``markdown_text.escape``), so a value from the data never becomes markup."""
    items = ", ".join(f"_monitor_inline({e})" for e in expressions)
    return (
        "def _monitor_inline(v):\n"
        "    from pipelines.publication.kit.markdown_text import escape\n"
        "    markdown = getattr(v, '_repr_markdown_', None)\n"
        "    return markdown() if callable(markdown) else escape(v)\n"
        f"print({_INLINE_MARKER!r} + __import__('json').dumps([{items}]))"
    )


def _kernel_dir(root: Path) -> Path:
    """A kernelspec that runs this interpreter, so cells see the project's environment."""
    spec = root / "kernels" / KERNEL_NAME
    spec.mkdir(parents=True, exist_ok=True)
    (spec / "kernel.json").write_text(json.dumps({
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "Monitor (project Python)",
        "language": "python",
    }))
    return root


def execute(doc: Document, env: dict[str, str], timeout: int = 600) -> Executed:
    nb = nbformat.v4.new_notebook()
    index: list[tuple[int, str]] = []  # notebook cell -> (block index, kind)
    for b, block in enumerate(doc.blocks):
        if isinstance(block, Cell):
            nb.cells.append(nbformat.v4.new_code_cell(block.source))
            index.append((b, "cell"))
        elif isinstance(block, Markdown) and block.inline_expressions:
            nb.cells.append(nbformat.v4.new_code_cell(_inline_source(block.inline_expressions)))
            index.append((b, "inline"))
    result = Executed()
    if not nb.cells:
        return result
    from jupyter_client.kernelspec import KernelSpecManager
    from jupyter_client.manager import KernelManager

    with tempfile.TemporaryDirectory(prefix="monitor-kernel-") as tmp:
        kernel_root = _kernel_dir(Path(tmp))
        kernel_env = dict(os.environ) | env | {"JUPYTER_PATH": str(kernel_root), "PYDEVD_DISABLE_FILE_VALIDATION": "1"}
        # The kernelspec is found through this manager, not through os.environ, so that editions can be executed
        # in parallel threads (render.py), each with its own kernel.
        specs = KernelSpecManager(kernel_dirs=[str(kernel_root / "kernels")])
        try:
            client = NotebookClient(nb, km=KernelManager(kernel_name=KERNEL_NAME, kernel_spec_manager=specs),
                                    timeout=timeout, allow_errors=False,
                                    extra_arguments=["--IPKernelApp.log_level=ERROR"],
                                    resources={"metadata": {"path": str(doc.path.parent)}})
            client.execute(env=kernel_env)
        except CellExecutionError as exc:
            failed = next((i for i, c in enumerate(nb.cells) if any(o.get("output_type") == "error" for o in c.get("outputs", []))), None)
            where = "unknown cell"
            if failed is not None:
                b, kind = index[failed]
                block = doc.blocks[b]
                where = (f"{block.line.where}: cell {block.label}" if isinstance(block, Cell)
                         else f"{block.line.where}: an inline expression in the text from here")
            raise ExecutionError(f"{where} failed:\n{exc}") from exc
    for cell, (b, kind) in zip(nb.cells, index):
        if kind == "cell":
            result.outputs[b] = cell.get("outputs", [])
        else:
            text = "".join(o.get("text", "") for o in cell.get("outputs", []) if o.get("output_type") == "stream")
            line = next(line for line in text.splitlines() if line.startswith(_INLINE_MARKER))
            result.inline[b] = json.loads(line[len(_INLINE_MARKER):])
    return result
