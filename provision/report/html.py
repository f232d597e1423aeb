"""`provision status --format html`: one self-contained page for people. No network: the
style, the script and the SVG timeline are inline, and the page's Content-Security-Policy
forbids loading anything. It reads fully without JavaScript; the script only filters.

Summary, a timeline of client secret expiries, the checks worst first (reason and fix),
then a table per site: app -> identity -> client, each with its status."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from ..errors import Problem
from .base import Reporter
from .markup import escape

if TYPE_CHECKING:
    from ..status.report import Check, CheckStatus, ClientStatus, SiteStatus, StatusReport
    from .html_timeline import Marker

STATUS_ORDER: tuple[CheckStatus, ...] = ("failed", "warning", "ok")


class HtmlReporter(Reporter):
    name = "html"

    def warnings(
        self, problems: Sequence[Problem], *, brief: str | None = None, about: str = ""
    ) -> None:
        pass  # the page shows the checks only

    def status(self, report: StatusReport) -> str:
        from ..status.report import instant
        from .html_assets import CSS, POLICY, SCRIPT
        from .html_timeline import timeline_svg

        title = f"provision status: {report.playbook}"
        body = [
            "<header>",
            f"<h1>Fleet health {_badge(report.status)}</h1>",
            f'<p class="meta">{escape(report.playbook)} &middot; generated '
            f"{instant(report.generated_at)} &middot; secrets warn "
            f"{report.warning_days} days ahead</p>",
            _cards(report),
            "</header>",
            "<main>",
            _filter(),
            "<h2>Client secret expiries</h2>",
            timeline_svg(_markers(report.clients), report.generated_at, report.warning_days),
            "<h2>Checks, worst first</h2>",
            _checks_table(report.worst_first()),
            "<h2>Sites</h2>",
            *(_site(site) for site in report.sites),
            "</main>",
            "<footer>Refresh-token figures are estimates from the token store and the verify "
            "records (provision's own authorization; each app holds its own).</footer>",
        ]
        return "\n".join(
            [
                "<!DOCTYPE html>",
                '<html lang="en">',
                "<head>",
                '<meta charset="utf-8">',
                '<meta name="viewport" content="width=device-width, initial-scale=1">',
                f'<meta http-equiv="Content-Security-Policy" content="{POLICY}">',
                f"<title>{escape(title)}</title>",
                f"<style>{CSS}</style>",
                "</head>",
                "<body>",
                *body,
                f"<script>{SCRIPT}</script>",
                "</body>",
                "</html>",
                "",
            ]
        )


def _badge(status: str) -> str:
    return f'<span class="badge {status}">{status}</span>'


def _cards(report: StatusReport) -> str:
    counts = report.counts()
    cards = [
        f'<div class="card {status}"><b>{counts[status]}</b>{status} checks</div>'
        for status in STATUS_ORDER
    ]
    cards += [
        f'<div class="card"><b>{len(report.clients)}</b>clients</div>',
        f'<div class="card"><b>{len(report.identities)}</b>identities</div>',
        f'<div class="card"><b>{len(report.sites)}</b>sites</div>',
    ]
    return f'<div class="cards">{"".join(cards)}</div>'


def _filter() -> str:
    options = "".join(f'<option value="{s}">{s}</option>' for s in STATUS_ORDER)
    return (
        '<div class="filter" id="filter" hidden>'
        '<label for="q">Filter</label>'
        '<input type="search" id="q" placeholder="site, app, identity, client or any text" '
        'autocomplete="off">'
        f'<select id="st" aria-label="status"><option value="">any status</option>{options}'
        '</select><span id="shown"></span></div>'
    )


def _markers(clients: Iterable[ClientStatus]) -> list[Marker]:
    from .html_timeline import Marker

    markers = []
    for client in clients:
        if client.secret is None:
            continue
        check = next((c for c in client.checks if c.check == "secret_expiry"), None)
        status = check.status if check is not None else "ok"
        markers.append(Marker(client.name, client.secret.at, status, client.secret.source))
    return markers


def _row(cells: Sequence[str], status: str, text: str) -> str:
    """A row the filter can find: its words (lower case) and its status as attributes."""
    return (
        f'<tr data-status="{status}" data-text="{escape(text.lower())}">'
        + "".join(f"<td>{cell}</td>" for cell in cells[:-1])
        + cells[-1]
        + "</tr>"
    )


def _checks_table(checks: Sequence[Check]) -> str:
    rows = []
    for check in checks:
        fix = escape(check.fix) if check.fix and check.status != "ok" else ""
        cells = [
            _badge(check.status),
            escape(f"{check.subject} {check.name}"),
            escape(check.check),
            escape(check.reason),
            f'<td class="fix">{fix}</td>',
        ]
        words = f"{check.subject} {check.name} {check.check} {check.reason} {check.fix or ''}"
        rows.append(_row(cells, check.status, words))
    return (
        '<table class="checks"><thead><tr><th>Status</th><th>Subject</th><th>Check</th>'
        "<th>Reason</th><th>Fix</th></tr></thead><tbody>" + "".join(rows) + "</tbody></table>"
    )


def _site(site: SiteStatus) -> str:
    pending = next((c for c in site.checks if c.check == "pending_changes"), None)
    note = escape(pending.reason) if pending is not None else ""
    rows = []
    for app in site.apps:
        cells = [
            escape(app.name),
            escape(app.kind),
            escape(app.identity),
            escape(app.client),
            f"<td>{_badge(app.status)}</td>",
        ]
        words = f"{site.name} {site.domain} {app.name} {app.kind} {app.identity} {app.client}"
        rows.append(_row(cells, app.status, f"{words} {app.status}"))
    return (
        f'<section class="site" id="site-{escape(site.name)}">'
        f'<h3>{escape(site.name)} <span class="sub">{escape(site.domain)}</span> '
        f'{_badge(site.status)}</h3><p class="sub">{note}</p>'
        "<table><thead><tr><th>App</th><th>Kind</th><th>Identity</th><th>Client</th>"
        "<th>Status</th></tr></thead><tbody>" + "".join(rows) + "</tbody></table></section>"
    )
