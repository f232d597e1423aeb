"""What to do about an error: known error texts mapped to actionable hints, as data.

Each provider keeps the table of its identity provider's and mail service's errors
(`Provider.hints`); this one holds what any network, TLS, OAuth2 or SMTP peer may say. The
provider's table is searched first, and the first matching pattern wins, so specific
patterns come before general ones. A hint says the likely cause and the fix (a console
path or a command), and never holds a value of the request: it is the same text for
everyone.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache

from .errors import OperationError

Hints = tuple[tuple[str, str], ...]

# An identity provider refusing the redirect URI a sign-in was started with, in words
_REDIRECT_WORDS = (
    r"redirect_uri_mismatch|redirect.?ur[il]\b.{0,200}(?:does not match|mismatch|not registered)"
)
#: ... and with Entra's codes (not registered; none registered at all).
REDIRECT_REFUSED = rf"AADSTS50011\b|AADSTS500113\b|{_REDIRECT_WORDS}"
#: A redirect URI refusal as every provider words it: looked up in a provider's table, it
#: finds that provider's hint on where to register a redirect URI.
REDIRECT_REFUSAL = "redirect_uri_mismatch (AADSTS50011)"

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
        _REDIRECT_WORDS,
        "The identity provider does not accept the redirect URI the sign-in was started "
        "with: register it with the client exactly as sent (scheme, host, port, path and "
        "trailing slash count). `provision redirect-uris PLAYBOOK --client NAME` lists the "
        "URIs the playbook's apps need.",
    ),
    (
        r"access_denied|consent_required|interaction_required",
        "The sign-in was cancelled, refused, or needs the user's consent: sign in again as "
        "the sender and accept what the identity provider asks; its error text says why.",
    ),
    (
        r"too_many_requests|\b429\b",
        "The identity provider is throttling requests: retry later, or verify fewer "
        "identities at a time (-j).",
    ),
    (
        # not an SMTP reply such as "503 5.5.1 Bad sequence of commands"
        r"temporarily_unavailable|server_error|HTTP Error: 5\d\d|\b50[234]\b(?! ?\d\.\d)",
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
    (
        r"\b535[ -]",  # an SMTP reply, not a port
        "The SMTP server refused the token: check that the client asks for the scope this "
        "mail server accepts and that the token is issued for the sender's mailbox (the "
        "account that signed in, or the mailbox a service account acts for).",
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
