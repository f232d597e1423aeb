"""What to do about the errors of Entra ID and Exchange Online (AADSTS codes, SMTP 5.7.x),
as data: the first matching pattern wins, so specific patterns come before general ones."""

from __future__ import annotations

from ...hints import Hints

HINTS: Hints = (
    (
        r"AADSTS7000218",
        "The app registration does not allow public client flows, which the device code "
        "flow (and ROPC without a secret) needs: Entra admin center > App registrations > "
        "the app > Authentication > Advanced settings > Allow public client flows: Yes.",
    ),
    (
        r"AADSTS700025",
        "This authorization was given to a public client (the device code flow), so its "
        "refresh token must be redeemed without the client secret: run `provision "
        "authorize` again (with or without --device-code) to start over.",
    ),
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
        r"Unable to get authority configuration|AADSTS90002",
        "The authority does not know this tenant: check the client's tenant (a GUID or "
        "a domain such as contoso.onmicrosoft.com) and authority.",
    ),
)
