"""Pieces of the self-contained HTML pages: style, tables, inline images, the confusion matrix."""

from __future__ import annotations

import base64
import html
import io

import numpy as np
import numpy.typing as npt
from matplotlib.figure import Figure

from seqsleepnet.evaluation.metrics import row_normalised
from seqsleepnet.stages import STAGE_NAMES

__all__ = ["STYLE", "confusion_table", "definitions", "figure_png", "img", "png", "table"]

STYLE = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:2em auto;
max-width:1100px;color:#222;line-height:1.4;padding:0 1em}
h1{font-size:1.6em;margin-bottom:.2em}
h2{font-size:1.2em;margin-top:1.6em;border-bottom:1px solid #ddd}
h3{font-size:1.05em;margin:1.2em 0 .3em}
table{border-collapse:collapse;margin:.5em 0}td,th{padding:.25em .8em;border-bottom:1px solid #eee;
text-align:right}th{background:#f6f6f6}td:first-child,th:first-child{text-align:left}
img{max-width:100%}.note{background:#fff6e0;border-left:4px solid #f2b134;padding:.6em 1em}
.muted{color:#777;font-size:.9em}.grid{display:flex;gap:2em;flex-wrap:wrap;align-items:flex-start}
.grid p{max-width:32em}
table.cm td{text-align:center;min-width:3.4em;padding:.25em .5em}
table.cm th:first-child{width:5.5em;font-size:.85em;line-height:1.1}
table.cm td:first-child{font-weight:600}
.footnote{font-size:.85em;color:#555;border-top:1px solid #ddd;margin-top:2em;padding-top:.5em}
.footnote dt{font-weight:600;display:inline}.footnote dd{display:inline;margin:0}
.footnote div{margin:.15em 0}
"""


def figure_png(fig: Figure, dpi: int = 90) -> bytes:
    """A figure as PNG bytes."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi)
    return buffer.getvalue()


def img(png_bytes: bytes, alt: str = "figure") -> str:
    """An ``<img>`` with the PNG inline (base64), so the page needs no other file."""
    data = base64.b64encode(png_bytes).decode("ascii")
    return f'<img alt="{html.escape(alt)}" src="data:image/png;base64,{data}">'


def png(fig: Figure, alt: str = "figure", dpi: int = 90) -> str:
    """A figure as an inline ``<img>``."""
    return img(figure_png(fig, dpi), alt)


def table(header: list[str], rows: list[list[str]], css: str = "") -> str:
    """An HTML table; every cell is escaped."""
    head = "".join(f"<th>{html.escape(h)}</th>" for h in header)
    body = "".join(
        "<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in row) + "</tr>" for row in rows
    )
    attribute = f' class="{css}"' if css else ""
    return f"<table{attribute}><tr>{head}</tr>{body}</table>"


def confusion_table(confusion: npt.ArrayLike) -> str:
    """The confusion matrix as a table: rows expert, columns predicted.

    Each cell gives the percent of the expert stage and the count of epochs,
    shaded by the percent (the diagonal is agreement).
    """
    cm = np.asarray(confusion, dtype=np.int64)
    share = 100 * row_normalised(cm)
    head = "".join(f"<th>{name}</th>" for name in STAGE_NAMES)
    rows = []
    for i, name in enumerate(STAGE_NAMES):
        cells = []
        for j in range(len(STAGE_NAMES)):
            alpha = share[i, j] / 100
            colour = "#fff" if alpha > 0.6 else "#222"
            cells.append(
                f'<td style="background:rgba(58,120,181,{alpha:.2f});color:{colour}">'
                f"{share[i, j]:.1f}%<br><small>{cm[i, j]}</small></td>"
            )
        rows.append(f"<tr><td>{name}</td>{''.join(cells)}<td>{int(cm[i].sum())}</td></tr>")
    return (
        f'<table class="cm"><tr><th>expert \\ predicted</th>{head}<th>epochs</th></tr>'
        f"{''.join(rows)}</table>"
    )


def definitions(terms: list[tuple[str, str]]) -> str:
    """A footnote that defines each term shown on the page."""
    items = "".join(
        f"<div><dt>{html.escape(term)}</dt>: <dd>{html.escape(text)}</dd></div>"
        for term, text in terms
    )
    return f'<dl class="footnote"><div><b>Definitions</b></div>{items}</dl>'
