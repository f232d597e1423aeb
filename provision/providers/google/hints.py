"""What to do about the errors of Google's OAuth2 and Gmail's SMTP, as data: the first
matching pattern wins."""

from __future__ import annotations

from ...hints import Hints

HINTS: Hints = (
    (
        r"unauthorized_client",
        "Domain-wide delegation is not granted: in the Google Workspace admin console "
        "(Security > API controls > Domain-wide delegation) authorize the service account's "
        "client id for the scope https://mail.google.com/.",
    ),
    (
        r"invalid_grant",
        "The refresh token is no longer valid. If the Google OAuth consent screen is in "
        '"Testing", refresh tokens expire after 7 days: publish the app (In production) and '
        "run `provision authorize` again; otherwise it was revoked or the password changed.",
    ),
    (
        r"535[ -]5\.7\.8|Username and Password not accepted",
        "Gmail refused the token: it must carry the scope https://mail.google.com/ and be "
        "issued for the sender's mailbox (a service account: domain-wide delegation for that "
        "scope, acting as the sender).",
    ),
)
