"""The quality banner at the top of the HTML report: one line per quality flag."""

from __future__ import annotations

import html

from seqsleepnet.quality import QualityReport

__all__ = ["quality_banner"]

_STYLE = "background:#fdecea;border-left:4px solid #d93025;padding:.6em 1em;margin:.8em 0"


def quality_banner(quality: QualityReport | None) -> str:
    """HTML of the quality section: a warning banner listing the flags, or a short all-clear.

    Thresholds and measured values are in ``<name>.stats.json`` (``quality``).
    """
    if quality is None:
        return ""
    if quality.ok:
        return (
            '<p class="muted">Quality checks (input distribution, hypnogram, confidence, '
            "channels, signal, recording): nothing flagged.</p>"
        )
    items = "".join(
        f"<li><b>{html.escape(flag.kind)}</b>: {html.escape(flag.message)}</li>"
        for flag in quality.flags
    )
    return (
        f'<div class="quality" style="{_STYLE}"><b>Quality flags: do not trust these stages '
        "as they are.</b>"
        f"<ul>{items}</ul>"
        '<span class="muted">Measured values and thresholds: the <code>quality</code> section '
        "of the .stats.json file.</span></div>"
    )
