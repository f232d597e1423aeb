"""The full authorization URL of an app: the client's base URL with the parameters the
innovaphone UI appends itself (`response_type=code&prompt=consent&login_hint=<sender>
&redirect_uri=<uri>&client_id=<id>`), URL-encoded, so an admin can open it."""

from __future__ import annotations

import string
from functools import lru_cache
from urllib.parse import parse_qsl, quote, urlencode, urlsplit, urlunsplit

from ..model import App

_UNRESERVED = frozenset(string.ascii_letters + string.digits + "-._~")
_PERCENT = {code: f"%{code:02X}" for code in range(128) if chr(code) not in _UNRESERVED}


def _quote(text: str) -> str:
    """quote(text, safe=""), at str.translate speed for the (usual) ASCII text."""
    return text.translate(_PERCENT) if text.isascii() else quote(text, safe="")


@lru_cache(maxsize=1 << 16)  # one per client: a playbook may hold tens of thousands
def _encoded_base(base: str) -> tuple[str, str, str]:
    """`base` split into (prefix, re-encoded query, fragment)."""
    parts = urlsplit(base)
    query = urlencode(parse_qsl(parts.query, keep_blank_values=True), quote_via=quote, safe="")
    fragment = f"#{parts.fragment}" if parts.fragment else ""
    return urlunsplit(parts._replace(query="", fragment="")), query, fragment


def encoded_base(base: str) -> str:
    """`base` with its query URL-encoded, as the innovaphone UI's field takes it (no raw
    space in `scope=... offline_access`)."""
    prefix, query, fragment = _encoded_base(base)
    return f"{prefix}{'?' + query if query else ''}{fragment}"


def full_authorization_url(base: str, *, sender: str, redirect_uri: str, client_id: str) -> str:
    """`base` with the parameters the innovaphone UI appends, URL-encoded."""
    prefix, query, fragment = _encoded_base(base)
    appended = (
        f"response_type=code&prompt=consent&login_hint={_quote(sender)}"
        f"&redirect_uri={_quote(redirect_uri)}&client_id={_quote(client_id)}"
    )
    return f"{prefix}?{query + '&' if query else ''}{appended}{fragment}"


def authorization_url(app: App) -> str | None:
    """The app's full authorization URL, where its identity authorizes interactively."""
    client = app.identity.client
    if app.redirect_uri is None or client.authorization_url is None:
        return None
    return full_authorization_url(
        client.authorization_url,
        sender=app.sender,
        redirect_uri=app.redirect_uri,
        client_id=client.client_id or "",
    )
