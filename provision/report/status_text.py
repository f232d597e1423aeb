"""`provision status` for people: a summary line, then one row per check, worst first,
each not-ok row followed by the command that fixes it; one line each, whatever a message
holds. A fleet's thousands of ok checks are counted rather than listed (every check is
in the other formats)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..errors import one_line

if TYPE_CHECKING:
    from ..status.report import StatusReport

HEADER = ("STATUS", "SUBJECT", "CHECK", "REASON")
WIDEST = 40
OK_ROWS = 50  # ok checks listed; beyond that only counted


def status_text(report: StatusReport) -> str:
    checks = report.worst_first()
    ok = sum(1 for c in checks if c.status == "ok")
    hidden = ok if ok > OK_ROWS else 0
    shown = checks[: len(checks) - hidden]
    rows = [(c.status, f"{c.subject}:{c.name}", c.check, one_line(c.reason)) for c in shown]
    # a column is as wide as its longest cell, up to WIDEST: a longer one shifts its row
    widths = [min(WIDEST, max(len(row[i]) for row in [HEADER, *rows])) for i in range(3)]
    lines = [f"provision status: {report.summary_line()}"]
    for row, check in zip([HEADER, *rows], [None, *shown], strict=True):
        cells = [cell.ljust(widths[i]) for i, cell in enumerate(row[:3])]
        lines.append("  ".join([*cells, row[3]]).rstrip())
        if check is not None and check.status != "ok" and check.fix:
            lines.append(f"    fix: {one_line(check.fix)}")
    if hidden:
        lines.append(f"ok       ({hidden} ok checks not listed: --format json or html lists all)")
    return "\n".join(lines) + "\n"
