"""URL rules: https everywhere, http only for a loopback host."""

from __future__ import annotations

from ipaddress import ip_address
from urllib.parse import urlsplit

LOOPBACK_NAMES = ("localhost",)


def is_loopback(host: str | None) -> bool:
    if not host:
        return False
    if host in LOOPBACK_NAMES:
        return True
    try:
        return ip_address(host).is_loopback
    except ValueError:
        return False


def insecure(url: str) -> bool:
    """True for a URL that is not https and not http to a loopback host."""
    if url.startswith("https://"):  # parse only what is not plainly https
        return False
    parts = urlsplit(url)
    return not (parts.scheme == "http" and is_loopback(parts.hostname))
