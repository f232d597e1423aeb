"""The credentials a text shows in the open, whether or not this process held them: bearer
tokens, Authorization headers, and the credential fields of a token request or answer
as a library logs them (a form body, JSON, a dict's repr). The scrubber masks them
before it replaces every held secret (secret.py)."""

from __future__ import annotations

import re
from collections.abc import Iterator

PLACEHOLDER = "<secret>"


def masked_credentials(text: str) -> str:
    """`text` with each credential it shows replaced by the placeholder."""
    text = _masked_headers(text)
    if "=" in text:
        text = _FORM_VALUE.sub(_form_field, text)
    if ":" in text and ('"' in text or "'" in text):  # a search costs even where none is
        text = _QUOTED_FIELD.sub(_keep_key, text)
    return text


# `Bearer <token>`, `Authorization: <credentials>` (as an HTTP library prints a request)
_HEADERS = re.compile(
    r"(?i)(\bbearer\s+|\bauthorization['\"]?\s*[:=]\s*['\"]?(?:basic\s+|bearer\s+)?)"
    r"[A-Za-z0-9._~+/=-]{6,}"
)


# The credential fields of a token request or answer, as a library logs them (MSAL's
# token cache events, a form body, a dict's repr): an authorization code, a token, a
# client assertion, a password, a client secret, wherever no held secret covers them.
_CREDENTIALS = (
    "refresh_token|access_token|id_token|client_assertion|assertion|password|client_secret"
    "|code_verifier|device_code"
)
_FORM_NAMES = frozenset(_CREDENTIALS.split("|"))
# `name=value` in a URL-encoded form or query: found by its `=` (a pattern that starts
# with the names would try them at every character of every text), the name read before
_FORM_VALUE = re.compile(r"=[^&\s\"'<>]{6,}")
_FORM_NAME = re.compile(r"(?<![\w.%-])[a-z_]+\Z")
# `"name": "value"` in JSON or `'name': 'value'` in a repr; `code` and `secret` (MSAL's
# cache keeps each token under `secret`) only for values of 20 or more characters with a
# digit: Graph's error codes (`"code": "Authorization_RequestDenied"`) stay
_QUOTED_FIELD = re.compile(
    r"(?P<head>(?P<q>[\"'])"
    rf"(?:{_CREDENTIALS}|(?:code|secret)(?=[\"']\s*:\s*[\"'](?=[^\"']*\d)[^\"']{{20}}))"
    r"(?P=q)\s*:\s*(?P<v>[\"']))"
    rf"(?!{PLACEHOLDER}(?P=v)|\*+(?P=v))(?:\\.|(?!(?P=v))[^\\\n])+(?P=v)"
)


def _keep_name(match: re.Match[str]) -> str:
    return match.group(1) + PLACEHOLDER


def _masked_headers(text: str) -> str:
    """_HEADERS replaced, as re.sub would, but tried only where `bearer` or `authorization`
    starts: a search tries every character, slowly (case-insensitive), and a status report
    is megabytes. ASCII text is lowered to find them (other text might not keep its length)."""
    if not text.isascii():
        return _HEADERS.sub(_keep_name, text)
    lower = text.lower()
    starts = sorted(start for word in ("bearer", "authorization") for start in _finds(lower, word))
    pieces, last = [], 0
    for start in starts:
        match = _HEADERS.match(text, start) if start >= last else None
        if match is not None:
            pieces += [text[last:start], _keep_name(match)]
            last = match.end()
    return "".join(pieces) + text[last:] if pieces else text


def _finds(text: str, word: str) -> Iterator[int]:
    start = text.find(word)
    while start >= 0:
        yield start
        start = text.find(word, start + 1)


def _form_field(match: re.Match[str]) -> str:
    """`name=<secret>` for a credential's name; a bare `code=` only with a long value (an
    authorization code: Entra's are about 1 KB), so `error?code=7000215` in a hint stays."""
    found = _FORM_NAME.search(match.string, max(0, match.start() - 20), match.start())
    name = found.group(0) if found else ""
    if name in _FORM_NAMES or (name == "code" and len(match.group(0)) > 16):
        return "=" + PLACEHOLDER
    return match.group(0)


def _keep_key(match: re.Match[str]) -> str:
    """`"name": "<secret>"`: the key and its quotes as they were."""
    return match.group("head") + PLACEHOLDER + match.group("v")
