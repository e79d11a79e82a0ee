"""The one page layout of the three PDF reports: page frame, text flow, fonts and the file.

Every report page is a matplotlib figure of an A4 sheet; positions are fractions of the
page (0 at the bottom, 1 at the top), so the figures of a page and its text share one
coordinate system. A :class:`Document` holds the pages: :meth:`Document.new_page` draws
the header (title, subtitle, what the document is about at the right), a :class:`Flow`
writes text from the top down with wrapping, :class:`reports.tables.Table` draws tables
with page breaks, and :meth:`Document.save` puts the page footers (``page i of n``) and
writes the PDF.

Text is drawn in DejaVu Sans, shipped with matplotlib itself and so present wherever
matplotlib is, which has every Vietnamese letter; TrueType embedding (``pdf.fonttype``
42) keeps the text extractable with its diacritics (``pdftotext``).

>>> wrap("id 6b3-pcddf-air", 14), wrap("id 6b3-pcddf-air", 14, hyphens=False)
(['id 6b3-pcddf-', 'air'], ['id', '6b3-pcddf-air'])
>>> round(line_height(10.0, A4_PORTRAIT) * A4_PORTRAIT[1] * 72, 6)  # [pt]
13.2
"""

from __future__ import annotations

import logging
import textwrap
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

__all__ = [
    "A4_LANDSCAPE",
    "A4_PORTRAIT",
    "FONT_RC",
    "GREY",
    "PALE",
    "PALE_RED",
    "RED",
    "Document",
    "Flow",
    "Margins",
    "Page",
    "font_path",
    "fonts",
    "line_height",
    "rule",
    "wrap",
]

#: Page sizes (width, height) [in].
A4_PORTRAIT: tuple[float, float] = (8.27, 11.69)
#: Mean advance of a DejaVu Sans character in running text [em], a little generous, for
#: wrapping by character count.
_CHAR_EM = 0.58
A4_LANDSCAPE: tuple[float, float] = (11.69, 8.27)
#: Colours shared by the reports: warnings, flagged rows, alternate rows, quiet text.
RED, PALE_RED, PALE, GREY = "#b2182b", "#fbe3e3", "#f3f3f3", "0.35"
#: matplotlib settings of every report: the font with the Vietnamese letters, embedded
#: as TrueType so text stays text.
FONT_RC: dict[str, object] = {
    "pdf.fonttype": 42,
    "font.family": "DejaVu Sans",
}
_LEADING = 1.32  # line height / font size [-]


def font_path() -> Path:
    """DejaVu Sans as shipped with matplotlib: present wherever matplotlib is."""
    import matplotlib

    return Path(matplotlib.get_data_path()) / "fonts" / "ttf" / "DejaVuSans.ttf"


def wrap(text: object, width: int, *, hyphens: bool = True) -> list[str]:
    """``text`` cut into lines of at most ``width`` characters (one empty line for "").

    ``hyphens=False`` keeps hyphenated words (factor ids such as ``6b3-pcddf-air``) whole
    unless longer than a line.
    """
    lines = textwrap.wrap(str(text), width=width, break_on_hyphens=hyphens)
    return lines or [""]


def line_height(size_pt: float, page_in: tuple[float, float]) -> float:
    """Height of one line of text of ``size_pt`` [page fraction]."""
    return size_pt * _LEADING / 72.0 / page_in[1]


@dataclass(frozen=True)
class Margins:
    """Left and right text edges, top of the content and bottom above the footer
    [page fraction]."""

    left: float
    right: float
    top: float
    bottom: float


@dataclass
class Page:
    """One page: its matplotlib figure, size [in] and margins."""

    figure: Any
    size_in: tuple[float, float]
    margins: Margins

    def flow(self, y: float | None = None) -> Flow:
        """A text cursor from ``y`` (default: the top of the content) down."""
        return Flow(self, self.margins.top if y is None else y)

    def axes(self, left: float, top: float, height: float):  # type: ignore[no-untyped-def]
        """A figure's axes placed from ``left`` to the right margin, ``height`` tall under
        ``top`` [page fraction]."""
        return self.figure.add_axes((left, top - height, self.margins.right - left, height))


def rule(page: Page, y: float, *, colour: str = "0.75", lw: float = 0.6) -> None:
    """A thin horizontal line across the text width at ``y``."""
    from matplotlib.lines import Line2D

    m = page.margins
    page.figure.add_artist(
        Line2D([m.left, m.right], [y, y], transform=page.figure.transFigure, color=colour, lw=lw)
    )


@dataclass
class Flow:
    """A top-down text cursor on a page: ``y`` is the top of the next text [fraction]."""

    page: Page
    y: float

    def text(
        self,
        text: str,
        *,
        size: float = 10,
        width: int = 95,
        gap: float = 0.25,
        x: float | None = None,
        hyphens: bool = False,
        **style: object,
    ) -> list[str]:
        """Wrap ``text`` at ``width`` characters, draw it and move below it (``gap``
        lines of space after); return the lines drawn."""
        lines = wrap(text, width, hyphens=hyphens)
        x = self.page.margins.left if x is None else x
        self.page.figure.text(x, self.y, "\n".join(lines), fontsize=size, va="top", **style)
        self.y -= line_height(size, self.page.size_in) * (len(lines) + gap)
        return lines

    def pair(self, label: str, value: str, *, size: float, value_size: float, **style: Any) -> None:
        """``label`` at the left edge and ``value`` at the right edge of one line; ``style``
        keys ``label_*`` and ``value_*`` style each side."""
        m, fig = self.page.margins, self.page.figure
        left = {k[6:]: v for k, v in style.items() if k.startswith("label_")}
        right = {k[6:]: v for k, v in style.items() if k.startswith("value_")}
        fig.text(m.left, self.y, label, fontsize=size, va="top", **left)
        fig.text(m.right, self.y, value, fontsize=value_size, ha="right", va="top", **right)

    def rule(self) -> None:
        """A thin horizontal line across the text width, with space around it."""
        self.y -= 0.006
        rule(self.page, self.y)
        self.y -= 0.012

    def skip(self, fraction: float) -> None:
        """Move down by ``fraction`` of the page height."""
        self.y -= fraction


#: Footer lines of a page from (page number, page count).
FooterText = Callable[[int, int], Sequence[str]]


@dataclass
class Document:
    """The pages of one PDF with the same frame.

    Parameters
    ----------
    size_in, margins
        Page size [in] and margins of every page.
    about
        Text at the top right of every page (deployment, scope), or "".
    footer
        Footer lines of each page from (number, count); ``page i of n`` is added at the
        right of the last line when ``numbered``.
    """

    size_in: tuple[float, float]
    margins: Margins
    about: str = ""
    footer: FooterText | None = None
    numbered: bool = True
    footer_size: float = 6.5
    pages: list[Page] = field(default_factory=list)

    def blank_page(self) -> Page:
        """A new empty page (no header)."""
        import matplotlib.pyplot as plt

        figure = plt.figure(figsize=self.size_in)
        page = Page(figure, self.size_in, self.margins)
        self.pages.append(page)
        return page

    def new_page(self, title: str, subtitle: str = "", *, aside: str = "") -> Page:
        """A new page with the header drawn: bold ``title``, quiet ``subtitle`` under it,
        ``aside`` (what this page is about, e.g. its date) at the top right and
        :attr:`about` at the right under it."""
        page = self.blank_page()
        fig, m = page.figure, self.margins
        fig.text(m.left, 0.955, title, fontsize=14, weight="bold")
        if aside:
            fig.text(m.right, 0.955, aside, fontsize=11, ha="right")
        if self.about:
            fig.text(
                m.right,
                0.945 if aside else 0.955,
                self.about,
                fontsize=7,
                ha="right",
                va="top" if aside else "bottom",
                color="0.3",
            )
        if subtitle:
            # Wrapped to the text width: a long subtitle ran off the page's right edge.
            width = int((m.right - m.left) * self.size_in[0] * 72 / (8 * _CHAR_EM))
            lines = "\n".join(wrap(subtitle, width))
            fig.text(m.left, 0.925, lines, fontsize=8, color="0.25", va="top")
        return page

    def _draw_footers(self) -> None:
        if self.footer is None:
            return
        total = len(self.pages)
        step = line_height(self.footer_size, self.size_in) * 1.05
        for number, page in enumerate(self.pages, start=1):
            lines = list(self.footer(number, total))
            rule(page, 0.022 + step * len(lines) + 0.004, colour="0.8", lw=0.4)
            for i, line in enumerate(lines):
                y = 0.022 + step * (len(lines) - 1 - i)
                page.figure.text(
                    self.margins.left, y, line, fontsize=self.footer_size, va="top", color="0.2"
                )
            if self.numbered:
                page.figure.text(
                    self.margins.right,
                    0.022,
                    f"page {number} of {total}",
                    fontsize=self.footer_size,
                    ha="right",
                    va="top",
                )

    def save(self, out: Path, *, title: str, subject: str, keywords: str = "") -> Path:
        """Draw the footers and write every page to the PDF ``out``; return ``out``."""
        import matplotlib.pyplot as plt
        from matplotlib.backends.backend_pdf import PdfPages

        self._draw_footers()
        out.parent.mkdir(parents=True, exist_ok=True)
        with fonts(), PdfPages(out) as pdf:
            for page in self.pages:
                pdf.savefig(page.figure)
                plt.close(page.figure)
            info = pdf.infodict()
            info["Title"] = title
            info["Subject"] = subject
            if keywords:
                info["Keywords"] = keywords
        return out


def fonts():  # type: ignore[no-untyped-def]
    """The report font settings (:data:`FONT_RC`) for a ``with`` block, on the headless
    backend: build and save the pages inside it."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    # fontTools logs every glyph of the embedded font subset at INFO, which would bury
    # the command's own messages on stderr.
    logging.getLogger("fontTools").setLevel(logging.WARNING)
    return plt.rc_context(FONT_RC)
