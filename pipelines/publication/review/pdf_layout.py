"""Check a PDF's layout from the PDF itself, with the word boxes of ``pdftotext -bbox-layout`` (poppler-utils;
and pypdf, to see text that lies outside the page).

A problem is one of:

- ``size``: a page that is not A4 (595 x 842 pt, within 1 pt);
- ``overlap``: two words drawn on top of each other (their boxes share more than 30 % of the smaller box's
  area; set text never does, overprinted rows do);
- ``outside``: a word whose box does not lie inside the page;
- ``lonely``: a page (other than the title page) whose only text, leaving out the running header and footer,
  is at most one line: a heading alone at a page break, a widowed line, or an empty page.

    python -m pipelines.publication.review.pdf_layout output/monitor.pdf [more.pdf ...]
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tempfile
from collections import Counter, defaultdict
from dataclasses import dataclass
from html import unescape
from pathlib import Path

A4 = (595.0, 842.0)
SIZE_TOLERANCE = 1.0  # pt
EDGE_TOLERANCE = 0.5  # pt a word box may reach past the page edge (rounding in pdftotext)
OVERLAP_SHARE = 0.3
MAX_LINES_OF_A_LONELY_PAGE = 1
RUNNING_Y_TOLERANCE = 2.0  # pt: a running header/footer line sits at the same height on every page
EXAMPLES = 3
SEE_BEYOND = 1000.0  # pt past each page edge that the check still sees

_BOX = r'xMin="([-\d.]+)" yMin="([-\d.]+)" xMax="([-\d.]+)" yMax="([-\d.]+)"'
_PAGE = re.compile(r'<page width="([\d.]+)" height="([\d.]+)">(.*?)</page>', re.S)
_LINE = re.compile(r"<line [^>]*>(.*?)</line>", re.S)
_WORD = re.compile(rf"<word {_BOX}>(.*?)</word>", re.S)


class ToolMissing(RuntimeError):
    pass


@dataclass(frozen=True)
class Word:
    x0: float
    y0: float
    x1: float
    y1: float
    text: str

    @property
    def area(self) -> float:
        return max(self.x1 - self.x0, 0.0) * max(self.y1 - self.y0, 0.0)


@dataclass(frozen=True)
class Line:
    words: tuple[Word, ...]

    @property
    def text(self) -> str:
        return " ".join(w.text for w in self.words)

    @property
    def y(self) -> float:
        return min(w.y0 for w in self.words)

    def shape(self) -> tuple[str, int]:
        """What a running header or footer line repeats: its text with digits as '#', and its height."""
        return re.sub(r"\d+", "#", self.text), round(self.y / RUNNING_Y_TOLERANCE)


@dataclass(frozen=True)
class Page:
    number: int
    width: float
    height: float
    lines: tuple[Line, ...]

    @property
    def words(self) -> list[Word]:
        return [w for line in self.lines for w in line.words]


@dataclass(frozen=True)
class Problem:
    pdf: str
    page: int
    kind: str  # size | overlap | outside | lonely
    detail: str

    def __str__(self) -> str:
        return f"{self.pdf} page {self.page}: {self.detail}"


def parse_bbox_layout(xhtml: str) -> list[Page]:
    """Pages, lines and word boxes from the output of ``pdftotext -bbox-layout``."""
    pages = []
    for number, (width, height, body) in enumerate(_PAGE.findall(xhtml), 1):
        lines = []
        for line in _LINE.findall(body):
            words = tuple(Word(float(a), float(b), float(c), float(d), unescape(t)) for a, b, c, d, t in
                          _WORD.findall(line))
            if words:
                lines.append(Line(words))
        pages.append(Page(number, float(width), float(height), tuple(lines)))
    return pages


def _widened(pdf: Path, target: Path) -> None:
    """A copy of ``pdf`` whose pages reach SEE_BEYOND pt past every edge: pdftotext leaves out what lies
    outside a page, so the check reads the copy and measures against the original page."""
    from pypdf import PdfReader, PdfWriter  # dev dependency: the review tools run in the test environment
    from pypdf.generic import RectangleObject

    writer = PdfWriter()
    for page in PdfReader(pdf).pages:
        x0, y0, x1, y1 = (float(v) for v in page.mediabox)
        page.mediabox = RectangleObject([x0 - SEE_BEYOND, y0 - SEE_BEYOND, x1 + SEE_BEYOND, y1 + SEE_BEYOND])
        for box in ("/CropBox", "/TrimBox", "/BleedBox", "/ArtBox"):
            if box in page:
                del page[box]
        writer.add_page(page)
    with open(target, "wb") as fh:
        writer.write(fh)


def _shifted(page: Page) -> Page:
    d = SEE_BEYOND
    lines = tuple(Line(tuple(Word(w.x0 - d, w.y0 - d, w.x1 - d, w.y1 - d, w.text) for w in line.words))
                  for line in page.lines)
    return Page(page.number, page.width - 2 * d, page.height - 2 * d, lines)


def read_pages(pdf: Path) -> list[Page]:
    """The pages of ``pdf`` with their size and every word box, in pt from the page's top left corner (text
    outside the page included, at negative or too large coordinates)."""
    pdftotext = shutil.which("pdftotext")
    if not pdftotext:
        raise ToolMissing("pdftotext is not installed (Debian: apt-get install poppler-utils)")
    with tempfile.TemporaryDirectory(prefix="pdf-layout-") as tmp:
        wide = Path(tmp) / "widened.pdf"
        _widened(Path(pdf), wide)
        result = subprocess.run([pdftotext, "-bbox-layout", str(wide), "-"], capture_output=True, text=True,
                                timeout=300)
    if result.returncode != 0:
        raise RuntimeError(f"pdftotext -bbox-layout {pdf} failed: {result.stderr.strip()}")
    return [_shifted(page) for page in parse_bbox_layout(result.stdout)]


def overlapping_pairs(words: list[Word]) -> list[tuple[Word, Word]]:
    """Pairs of words whose boxes share more than OVERLAP_SHARE of the smaller box's area."""
    cells: dict[tuple[int, int], list[int]] = defaultdict(list)  # a grid of 20 pt cells, so pairs stay local
    for i, w in enumerate(words):
        for gx in range(int(w.x0 // 20), int(w.x1 // 20) + 1):
            for gy in range(int(w.y0 // 20), int(w.y1 // 20) + 1):
                cells[gx, gy].append(i)
    seen: set[tuple[int, int]] = set()
    found = []
    for members in cells.values():
        for a, i in enumerate(members):
            for j in members[a + 1:]:
                if (i, j) in seen:
                    continue
                seen.add((i, j))
                p, q = words[i], words[j]
                ix = min(p.x1, q.x1) - max(p.x0, q.x0)
                iy = min(p.y1, q.y1) - max(p.y0, q.y0)
                if ix > 0 and iy > 0 and ix * iy > OVERLAP_SHARE * (min(p.area, q.area) or 1.0):
                    found.append((p, q))
    return found


def outside_words(page: Page) -> list[Word]:
    t = EDGE_TOLERANCE
    return [w for w in page.words
            if w.x0 < -t or w.y0 < -t or w.x1 > page.width + t or w.y1 > page.height + t]


def running_shapes(pages: list[Page]) -> set[tuple[str, int]]:
    """Lines that recur with the same text (digits aside) at the same height on two or more pages: the running
    header and the page numbers."""
    counts = Counter(shape for page in pages for shape in {line.shape() for line in page.lines})
    return {shape for shape, n in counts.items() if n >= 2}


def body_lines(page: Page, running: set[tuple[str, int]]) -> list[Line]:
    return [line for line in page.lines if line.shape() not in running]


def _quote(text: str, limit: int = 60) -> str:
    return repr(text if len(text) <= limit else text[:limit] + "…")


def check_pages(pages: list[Page], pdf: str = "pdf") -> list[Problem]:
    problems = []
    w, h = A4
    sizes: dict[str, list[int]] = defaultdict(list)
    for page in pages:
        portrait = abs(page.width - w) <= SIZE_TOLERANCE and abs(page.height - h) <= SIZE_TOLERANCE
        landscape = abs(page.width - h) <= SIZE_TOLERANCE and abs(page.height - w) <= SIZE_TOLERANCE  # A4 turned
        if not (portrait or landscape):
            sizes[f"{page.width:g} x {page.height:g} pt"].append(page.number)
    for size, numbers in sizes.items():
        where = f"pages {numbers[0]}-{numbers[-1]}" if len(numbers) == len(pages) > 1 else \
            "pages " + ", ".join(map(str, numbers)) if len(numbers) > 1 else "the page"
        problems.append(Problem(pdf, numbers[0], "size", f"{where}: {size}, not A4 ({w:g} x {h:g} pt)"))
    running = running_shapes(pages)
    for page in pages:
        pairs = overlapping_pairs(page.words)
        if pairs:
            examples = "; ".join(f"{_quote(a.text)} over {_quote(b.text)}" for a, b in pairs[:EXAMPLES])
            problems.append(Problem(pdf, page.number, "overlap",
                                    f"{len(pairs)} pairs of words drawn on top of each other, e.g. {examples}"))
        off = outside_words(page)
        if off:
            examples = ", ".join(f"{_quote(x.text)} at ({x.x0:.0f}, {x.y0:.0f})-({x.x1:.0f}, {x.y1:.0f})"
                                 for x in off[:EXAMPLES])
            problems.append(Problem(pdf, page.number, "outside",
                                    f"{len(off)} words outside the {page.width:g} x {page.height:g} pt page, "
                                    f"e.g. {examples}"))
        lines = body_lines(page, running)
        if page.number > 1 and len(lines) <= MAX_LINES_OF_A_LONELY_PAGE:
            shown = _quote(lines[0].text) if lines else "no text"
            problems.append(Problem(pdf, page.number, "lonely",
                                    f"the page holds only {len(lines)} line of text ({shown}) besides the "
                                    "running header and footer: a heading or line left alone at a page break"))
    return problems


def check_pdf(pdf: Path) -> list[Problem]:
    return check_pages(read_pages(pdf), Path(pdf).name)


def summary(pdf: Path) -> str:
    """One line per PDF: pages and sizes."""
    pages = read_pages(pdf)
    sizes = sorted({f"{p.width:g} x {p.height:g} pt" for p in pages})
    return f"{Path(pdf).name}: {len(pages)} pages, {', '.join(sizes)}"


def main(argv: list[str]) -> int:
    if not argv:
        print(__doc__)
        return 2
    try:
        bad = 0
        for pdf in argv:
            print(summary(Path(pdf)))
            for problem in check_pdf(Path(pdf)):
                print(f"  {problem}")
                bad += 1
    except ToolMissing as exc:
        print(exc)
        return 2
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
