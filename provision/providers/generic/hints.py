"""What to do about the errors of a generic OAuth2 identity provider, as data: the first
matching pattern wins.

A generic client is often Entra or Google configured by hand (innovaphone's howto gives
both as its examples of the generic modes), so the answers only they give (AADSTS codes,
Google's own error names, Exchange's and Gmail's SMTP replies) get their hints here too;
the generic wording comes after them.
"""

from __future__ import annotations

from ...hints import Hints
from ..google.hints import GOOGLE_SIGNATURES
from ..microsoft.hints import ENTRA_HINTS, EXCHANGE_HINTS

HINTS: Hints = (
    (
        r"redirect_uri_mismatch",
        "The identity provider does not accept the redirect URI the sign-in was started "
        "with: register it with the client at the identity provider exactly as sent "
        "(scheme, host, port, path and trailing slash count). `provision redirect-uris "
        "PLAYBOOK --client NAME` lists the URIs the playbook's apps need.",
    ),
    *ENTRA_HINTS,
    *GOOGLE_SIGNATURES,
    *EXCHANGE_HINTS,
    (
        r"invalid_grant",
        "The refresh token is no longer valid (expired or revoked): run `provision "
        "authorize` again.",
    ),
)
