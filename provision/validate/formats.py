"""The value formats of the playbook language (host names, e-mail addresses, web URLs,
dates), shared by the schema check and the resolver, which checks rendered values."""

from __future__ import annotations

import re
from datetime import date
from urllib.parse import urlsplit

HOST = re.compile(
    r"^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
    r"(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*)(:[0-9]{1,5})?$"
)
EMAIL = re.compile(r"^[^@\s<>\"]+@[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9-]+)+$")


def is_template(text: str) -> bool:
    return "{{" in text or "{%" in text


def _host_port(value: object) -> bool:
    if not isinstance(value, str) or is_template(value):
        return True
    if len(value) > 253 or not HOST.match(value):
        return False
    _, colon, port = value.rpartition(":")
    return not (colon and port.isdigit()) or int(port) <= 65535


def _host_name(value: object) -> bool:
    """A host name without a port (an EHLO name)."""
    if not isinstance(value, str) or is_template(value):
        return True
    return _host_port(value) and not re.search(r":\d+$", value)


def _email(value: object) -> bool:
    return not isinstance(value, str) or is_template(value) or bool(EMAIL.match(value))


def _web_url(value: object) -> bool:
    if not isinstance(value, str) or is_template(value):
        return True
    if any(c.isspace() for c in value):
        return False
    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018 - raises on a bad port
    except ValueError:
        return False
    return parts.scheme in ("https", "http") and bool(parts.hostname)


def _date(value: object) -> bool:
    if not isinstance(value, str):
        return True
    try:
        date.fromisoformat(value)
    except ValueError:
        return False
    return bool(re.fullmatch(r"\d{4}-\d{2}-\d{2}", value))


FORMATS = {
    "host-port": _host_port,
    "host-name": _host_name,
    "templated-email": _email,
    "web-url": _web_url,
    "date": _date,
}
FORMAT_NAMES = {
    "host-port": "host name",
    "host-name": "host name (without a port)",
    "templated-email": "e-mail address",
    "web-url": "http(s) URL",
    "date": "date (YYYY-MM-DD)",
}
