"""Tables on report pages: column widths, wrapped cells, shaded rows and page breaks.

A :class:`Table` is drawn from a ``top`` down to the page's bottom margin; rows that do
not fit continue on a new page (``more``), under the header repeated. Cells wrap at a
width in characters, so the same table gives the same lines of text on every run
(``pdftotext`` reads them back).

>>> table = Table([Column("id", 0.5, 4), Column("value", 0.5, 8)], [["6b3-air", 40]])
>>> table.cells(0)
[['6b3-', 'air'], ['40']]
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from reports.layout import RED, Page, rule, wrap

__all__ = ["HEADER_BAND", "Column", "Table"]

#: Background of the header row.
HEADER_BAND = "#dde3ea"
_LEADING = 1.35  # row line height / font size [-]


@dataclass(frozen=True)
class Column:
    """A table column: heading, width [share of the text width], wrap width [characters]."""

    title: str
    width: float
    wrap: int


#: A new page to continue a table on, and the top of the table there [page fraction].
NextPage = Callable[[], tuple[Page, float]]


@dataclass
class Table:
    """Rows of cells under column headings.

    ``shade(i)`` gives the background of row ``i`` (or None); ``emphasis(i, j)`` draws
    the cell ``(i, j)`` in bold red (a flag the reader must see).
    """

    columns: Sequence[Column]
    rows: Sequence[Sequence[object]]
    fontsize: float = 6.5
    shade: Callable[[int], str | None] = lambda i: None
    emphasis: Callable[[int, int], bool] = lambda i, j: False

    def cells(self, i: int) -> list[list[str]]:
        """The wrapped lines of each cell of row ``i``."""
        return [wrap(v, c.wrap) for v, c in zip(self.rows[i], self.columns, strict=True)]

    def draw(
        self, page: Page, top: float, *, bottom: float | None = None, more: NextPage | None = None
    ) -> tuple[Page, float]:
        """Draw the table from ``top`` [page fraction]; continue on ``more()`` pages while
        rows do not fit above ``bottom`` (default: the page's bottom margin).

        Returns the last page and the bottom of the table on it. Without ``more`` the rows
        that do not fit are left out, so a caller should say so.
        """
        first = 0
        while True:
            low = page.margins.bottom if bottom is None else bottom
            end = self._draw_rows(page, first, top, low)
            if end[0] == len(self.rows) or more is None:
                return page, end[1]
            first = end[0]
            page, top = more()
            bottom = None

    def _draw_rows(self, page: Page, first: int, top: float, bottom: float) -> tuple[int, float]:
        """Header and rows ``first``.. that fit; (next row, bottom of the table)."""
        line_h = self.fontsize * _LEADING / 72 / page.size_in[1]
        header = [wrap(c.title, c.wrap) for c in self.columns]
        every = set(range(len(header)))
        y = top - self._band(page, top, header, line_h, HEADER_BAND, bold=every)
        i = first
        while i < len(self.rows):
            cells = self.cells(i)
            height = max(len(x) for x in cells) * line_h + line_h * 0.4
            # A row taller than a whole page is drawn anyway: no endless page breaks.
            if y - height < bottom and i > first:
                break
            red = {j for j in range(len(cells)) if self.emphasis(i, j)}
            y -= self._band(page, y, cells, line_h, self.shade(i), bold=red, red=red)
            rule(page, y, colour="0.8", lw=0.4)
            i += 1
        return i, y

    def _band(
        self,
        page: Page,
        top: float,
        cells: Sequence[Sequence[str]],
        line_h: float,
        colour: str | None,
        *,
        bold: set[int],
        red: set[int] | frozenset[int] = frozenset(),
    ) -> float:
        """One row of ``cells`` under ``top`` on a ``colour`` band; return its height."""
        from matplotlib.patches import Rectangle

        fig, m = page.figure, page.margins
        height = max(len(x) for x in cells) * line_h + line_h * 0.4
        if colour:
            fig.patches.append(
                Rectangle(
                    (m.left, top - height),
                    m.right - m.left,
                    height,
                    transform=fig.transFigure,
                    figure=fig,
                    facecolor=colour,
                    edgecolor="none",
                    zorder=-1,
                )
            )
        x = m.left
        for j, (lines, col) in enumerate(zip(cells, self.columns, strict=False)):
            fig.text(
                x + 0.003,
                top - line_h * 0.2,
                "\n".join(lines),
                fontsize=self.fontsize,
                va="top",
                linespacing=1.1,
                color=RED if j in red else "black",
                weight="bold" if j in bold else "normal",
            )
            x += col.width * (m.right - m.left)
        return height
