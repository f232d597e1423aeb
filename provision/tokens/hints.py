"""What to do about an error: known error texts mapped to actionable hints, as data.

The first matching pattern wins, so specific patterns come before general ones."""

from __future__ import annotations

import re

HINTS: tuple[tuple[str, str], ...] = (
    (
        r"AADSTS7000215",
        "Invalid client secret: the secret's ID was probably pasted instead of its Value "
        "(Entra admin center > App registrations > Certificates & secrets: copy the Value "
        "column, shown only once when the secret is created).",
    ),
    (
        r"AADSTS7000222",
        "The client secret has expired: create a new one, update every app that uses it, "
        "and re-authorize the interactive identities.",
    ),
    (
        r"AADSTS65001",
        "Admin consent has not been granted (or the tenant is wrong): grant admin consent "
        "for the app's API permissions (SMTP.Send / SMTP.SendAsApp) and check the tenant.",
    ),
    (
        r"AADSTS5007[69]",
        "Multi-factor authentication is required for this account: the microsoft365 mode "
        "(resource owner password credentials) cannot do MFA. Use mode exchange (interactive "
        "authorization) or exclude the mailbox from MFA with a Conditional Access policy.",
    ),
    (
        r"AADSTS50126",
        "Invalid username or password for the microsoft365 (ROPC) identity: check username "
        "and password.",
    ),
    (
        r"AADSTS700016",
        "The client id or tenant is not known to the authority: check client_id and tenant.",
    ),
    (
        r"AADSTS(70008|700082|50173)",
        "The refresh token has expired or was revoked: run `provision authorize` again.",
    ),
    (
        r"5\.7\.139.*security defaults",
        "Security Defaults block SMTP AUTH for this tenant: disable Security Defaults "
        "(use Conditional Access instead) or use another way to send.",
    ),
    (
        r"5\.7\.139",
        "Authenticated SMTP (SMTP AUTH) is disabled: enable it for the tenant with "
        "`Set-TransportConfig -SmtpClientAuthenticationDisabled $false` or for the mailbox "
        "with `Set-CASMailbox -Identity <mailbox> -SmtpClientAuthenticationDisabled $false`; "
        "Security Defaults also block SMTP AUTH.",
    ),
    (
        r"5\.7\.3\b|535[ -]5\.7\.8|Authentication unsuccessful|Username and Password not accepted",
        "The SMTP server refused the token: wrong scope (SMTP needs "
        "https://outlook.office.com/SMTP.Send or, for app-only tokens, "
        "https://outlook.office365.com/.default), the SMTP.Send / SMTP.SendAsApp permission "
        "is missing, or the token was issued for another mailbox than the sender.",
    ),
    (
        r"5\.7\.60|SendAsDenied",
        "The signed-in mailbox may not send as this sender address: grant it Send As "
        "permission on the sender's mailbox, or make the sender the signed-in mailbox.",
    ),
    (
        r"5\.7\.30|Basic authentication is not supported",
        "The server refuses username/password SMTP: this is what OAuth2 replaces; check the "
        "app uses OAuth2 and not the password field.",
    ),
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
        r"invalid_client",
        "The client authentication failed: check client id and client secret (or the "
        "private key and its key id).",
    ),
    (
        r"Unable to get authority configuration|AADSTS90002",
        "The authority does not know this tenant: check the client's tenant (a GUID or "
        "a domain such as contoso.onmicrosoft.com) and authority.",
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

_COMPILED = tuple((re.compile(pattern, re.IGNORECASE | re.DOTALL), hint) for pattern, hint in HINTS)


def hint_for(text: str) -> str | None:
    """The hint for the first known pattern in `text`, or None."""
    for pattern, hint in _COMPILED:
        if pattern.search(text):
            return hint
    return None
