"""What to do about the errors of Google's OAuth2 and Gmail's SMTP, as data: the first
matching pattern wins, so specific patterns come before general ones.

Consoles: the Google Cloud console's Google Auth Platform (https://console.cloud.google.com/auth:
Clients, Audience) for OAuth clients, the Workspace Admin console (https://admin.google.com)
for what a Workspace allows.
"""

from __future__ import annotations

from ...hints import Hints

AUTH_PLATFORM = "Google Cloud console > Google Auth Platform"
API_CONTROLS = (
    "Admin console (admin.google.com) > Security > Access and data control > API controls"
)
REFRESH_EXPIRED = (
    "The refresh token is no longer valid. If the Google OAuth consent screen "
    f'({AUTH_PLATFORM} > Audience) is External and in "Testing", refresh tokens expire 7 '
    "days after consent: publish the app (In production) or use an Internal audience "
    "(Workspace), then run `provision authorize` again and authorize every app anew; "
    "otherwise it was revoked, unused for six months, or the password changed."
)

GMAIL_REFUSED = (
    "Gmail refused the token: it must carry the scope https://mail.google.com/ and be "
    "issued for the sender's mailbox (a service account: domain-wide delegation for that "
    "scope, acting as the sender)."
)

#: Texts only Google sends: safe to look up for any client that talks to Google (a generic
#: one too).
GOOGLE_SIGNATURES: Hints = (
    (
        r"admin_policy_enforced",
        "The Workspace administrator's API access policy does not allow this OAuth client: "
        f"{API_CONTROLS} > Manage Third-Party App Access > Add app > OAuth App Name Or "
        "Client ID: find it by its client ID and set its access to Trusted.",
    ),
    (
        r"org_internal",
        "The OAuth client's audience is Internal: only accounts of the Google Cloud "
        "project's own organization may authorize it. Sign in as a mailbox of that "
        f"Workspace, or set {AUTH_PLATFORM} > Audience > User type to External (then, while "
        'in "Testing", add the mailbox as a test user; refresh tokens last 7 days).',
    ),
    (r"invalid_grant.*Token has been expired or revoked", REFRESH_EXPIRED),
    (r"Username and Password not accepted|support\.google\.com/mail", GMAIL_REFUSED),
)

HINTS: Hints = (
    (
        r"redirect_uri_mismatch",
        "The redirect URI the sign-in was started with is not among the OAuth client's "
        f"Authorized redirect URIs (compared exactly): {AUTH_PLATFORM} > Clients > the Web "
        "application client > Authorized redirect URIs: add it, save, and allow a few "
        "minutes. `provision redirect-uris PLAYBOOK --client NAME` lists the URIs the apps "
        "need; a Desktop app client cannot take them: innovaphone's apps need a Web "
        "application client.",
    ),
    (
        r"unauthorized_client",
        "Domain-wide delegation is not granted: a Workspace super admin authorizes the "
        f"service account in {API_CONTROLS} > Manage Domain Wide Delegation > Add new, with "
        "its numeric Client ID (client_id in its key JSON; IAM & Admin > Service accounts > "
        "the account > Unique ID) and exactly the scope https://mail.google.com/. The "
        "sender must be a user of that Workspace; a change can take up to 24 hours.",
    ),
    *GOOGLE_SIGNATURES,
    (r"invalid_grant", REFRESH_EXPIRED),
    (r"\b535[ -]5\.7\.8\b", GMAIL_REFUSED),  # Gmail's code, in other words
    (
        r"access_denied",
        'The sign-in was refused or cancelled. While the consent screen is in "Testing", '
        f"only its test users may authorize: add the mailbox under {AUTH_PLATFORM} > "
        "Audience > Test users, or publish the app; then authorize again and accept.",
    ),
)
