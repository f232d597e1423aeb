"""The status page's inline style and script (data: the page carries both itself, and
its Content-Security-Policy admits exactly these two by their hashes)."""

from __future__ import annotations

import base64
import hashlib

CSS = """
:root { --failed: #b71c1c; --warning: #a85d00; --ok: #1b5e20; --line: #d0d4da;
  --muted: #5f6670; --bg: #f6f7f9; }
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif;
  color: #1d2127; background: var(--bg); }
header, main { max-width: 1180px; margin: 0 auto; padding: 0 20px; }
header { padding-top: 20px; }
h1 { font-size: 24px; margin: 0 0 4px; }
h2 { font-size: 18px; margin: 28px 0 10px; }
h3 { font-size: 16px; margin: 0; display: flex; gap: 10px; align-items: baseline; }
.meta { color: var(--muted); margin: 0 0 14px; }
.cards { display: flex; flex-wrap: wrap; gap: 12px; margin: 12px 0; }
.card { background: #fff; border: 1px solid var(--line); border-radius: 8px;
  padding: 10px 16px; min-width: 120px; }
.card b { display: block; font-size: 26px; }
.card.failed b { color: var(--failed); } .card.warning b { color: var(--warning); }
.card.ok b { color: var(--ok); }
.badge { display: inline-block; padding: 1px 8px; border-radius: 10px; font-size: 12px;
  font-weight: 600; text-transform: uppercase; letter-spacing: .03em; color: #fff;
  white-space: nowrap; overflow-wrap: normal; }
.badge.failed { background: var(--failed); } .badge.warning { background: var(--warning); }
.badge.ok { background: var(--ok); }
table { width: 100%; border-collapse: collapse; background: #fff; margin: 6px 0 0; }
th, td { text-align: left; padding: 6px 10px; border-bottom: 1px solid var(--line);
  vertical-align: top; overflow-wrap: anywhere; }
th { background: #eceff3; font-size: 13px; }
table.checks td:nth-child(2), table.checks td:nth-child(3) { white-space: nowrap; }
th { overflow-wrap: normal; white-space: nowrap; }
td.fix { color: var(--muted); width: 32%; font-family: ui-monospace, Menlo, Consolas, monospace;
  font-size: 13px; }
section.site { background: #fff; border: 1px solid var(--line); border-radius: 8px;
  padding: 12px 14px; margin: 12px 0; }
section.site table { margin-top: 8px; }
.sub { color: var(--muted); font-weight: normal; font-size: 14px; }
.filter { position: sticky; top: 0; background: var(--bg); padding: 10px 0; z-index: 1;
  display: flex; gap: 10px; align-items: center; flex-wrap: wrap; }
.filter input { font: inherit; padding: 6px 10px; width: 340px; max-width: 100%;
  border: 1px solid #9aa1ab; border-radius: 6px; }
.filter select { font: inherit; padding: 5px; }
#shown { color: var(--muted); }
svg.timeline { width: 100%; height: auto; background: #fff; border: 1px solid var(--line);
  border-radius: 8px; }
svg .axis { stroke: #8a929c; } svg .tick { font-size: 11px; fill: var(--muted); }
svg .past { fill: #fdecea; } svg .soon { fill: #fff4e0; }
svg .today { stroke: #1d2127; stroke-width: 1.5; }
svg .label { font-size: 11px; fill: #1d2127; }
svg .m-failed { fill: var(--failed); } svg .m-warning { fill: var(--warning); }
svg .m-ok { fill: var(--ok); }
[hidden] { display: none !important; }
footer { max-width: 1180px; margin: 30px auto; padding: 0 20px; color: var(--muted);
  font-size: 13px; }
"""

# Filtering only: without it the page shows everything, and the filter box stays hidden.
SCRIPT = """
(function () {
  "use strict";
  var box = document.getElementById("filter");
  var query = document.getElementById("q");
  var wanted = document.getElementById("st");
  var shown = document.getElementById("shown");
  var rows = Array.prototype.slice.call(document.querySelectorAll("tr[data-text]"));
  var sites = Array.prototype.slice.call(document.querySelectorAll("section.site"));
  function apply() {
    var text = query.value.trim().toLowerCase();
    var status = wanted.value;
    var count = 0;
    rows.forEach(function (row) {
      var hit = (!text || row.getAttribute("data-text").indexOf(text) !== -1) &&
        (!status || row.getAttribute("data-status") === status);
      row.hidden = !hit;
      if (hit) { count += 1; }
    });
    sites.forEach(function (site) {
      site.hidden = !site.querySelector("tr[data-text]:not([hidden])");
    });
    shown.textContent = count + " of " + rows.length + " rows shown";
  }
  query.addEventListener("input", apply);
  wanted.addEventListener("change", apply);
  box.hidden = false;
  apply();
}());
"""


def digest(text: str) -> str:
    """A CSP source for an inline block: `'sha256-...'`."""
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() + "'"


POLICY = (
    f"default-src 'none'; style-src {digest(CSS)}; script-src {digest(SCRIPT)}; "
    "img-src data:; base-uri 'none'; form-action 'none'"
)
