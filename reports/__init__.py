"""The PDF reports, from plain DataFrames and values: they never read a store.

- :mod:`reports.evaluation`: the evaluator's before/after report with CSV tables
  (``pilot report evaluation``);
- :mod:`reports.household`: a household's monthly page, Vietnamese first
  (``pilot report household``);
- :mod:`reports.daily`: one page per line for one local day (``pilot report daily``).

All three are drawn on one page frame: :mod:`reports.layout` (A4 page, header, footer,
text flow, figure placement, the font with every Vietnamese letter, the PDF file) and
:mod:`reports.tables` (tables with column widths, wrapped cells and page breaks). Their
words and number formats are in :mod:`reports.i18n`.
"""
