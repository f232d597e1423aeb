"""What to do about an error: known error texts mapped to actionable hints, as data.

Each provider keeps the table of its identity provider's and mail service's errors
(`Provider.hints`); this one holds what any network, TLS or SMTP peer may say. The
provider's table is searched first, and the first matching pattern wins, so specific
patterns come before general ones.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache

from .errors import OperationError

Hints = tuple[tuple[str, str], ...]

COMMON_HINTS: Hints = (
    (
        r"with a redirect to .*: refused",
        "The server answered with a redirect (HTTP 3xx); provision never follows one with "
        "credentials. Set the endpoint to its final address (the client's authority, "
        "token_endpoint or graph_endpoint), or check what proxy or portal answers instead.",
    ),
    (
        r"bytes: refused",
        "The server's answer was far larger than any token, registration or error: check "
        "that the endpoint is the identity provider's (not a web page or a proxy's), or "
        "ask its operator what it sends.",
    ),
    (
        r"invalid_client",
        "The client authentication failed: check client id and client secret (or the "
        "private key and its key id).",
    ),
    (
        r"too_many_requests|\b429\b",
        "The identity provider is throttling requests: retry later, or verify fewer "
        "identities at a time (-j).",
    ),
    (
        r"temporarily_unavailable|server_error|HTTP Error: 5\d\d|\b50[234]\b",
        "The identity provider is temporarily unavailable: retry later.",
    ),
    (
        r"CERTIFICATE_VERIFY_FAILED|certificate verify failed",
        "The server's certificate is not trusted: for a private PKI set settings.ca_file to "
        "the CA certificate (PEM).",
    ),
    (
        r"WRONG_VERSION_NUMBER|wrong version number",
        "The port does not speak implicit TLS: use security: starttls for a submission port "
        "(587); security: tls is for port 465.",
    ),
    (
        r"timed? ?out",
        "The server did not answer in time: check the host name, port and firewall (for "
        "SMTP also that security matches the port: starttls for 587, tls for 465).",
    ),
    (
        r"Connection refused|Name or service not known|nodename nor servname|getaddrinfo",
        "The server cannot be reached: check the host name, port and firewall.",
    ),
)


@lru_cache(maxsize=16)
def _compiled(table: Hints) -> tuple[tuple[re.Pattern[str], str], ...]:
    return tuple((re.compile(pattern, re.IGNORECASE | re.DOTALL), hint) for pattern, hint in table)


def hint_for(text: str, tables: Sequence[Hints] = ()) -> str | None:
    """The hint for the first known pattern in `text`: the given tables first, then the
    common one; None when nothing matches."""
    for table in (*tables, COMMON_HINTS):
        for pattern, hint in _compiled(table):
            if pattern.search(text):
                return hint
    return None


def with_hint(error: OperationError, tables: Sequence[Hints] = ()) -> OperationError:
    """`error` with its hint looked up when the raiser gave none."""
    if error.hint is None:
        error.hint = hint_for(error.message, tables)
    return error
