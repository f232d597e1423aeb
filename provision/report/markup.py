"""Text made safe to stand in HTML, for the status page and its timeline."""

from __future__ import annotations


def escape(text: str) -> str:
    """html.escape without importing `html` (its entity table slows every start-up)."""
    return (
        text.replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace('"', "&quot;")
        .replace("'", "&#x27;")
    )
