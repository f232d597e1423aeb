"""What to do about the errors of Entra ID and Exchange Online (AADSTS codes, SMTP 5.7.x),
as data: the first matching pattern wins, so specific patterns come before general ones.

Each hint says the likely cause in this setting (innovaphone apps and `provision` signing
a mailbox in for SMTP) and the fix: the place in the Entra admin center
(https://entra.microsoft.com) or the Exchange Online PowerShell command. The codes are
Microsoft's (https://login.microsoftonline.com/error?code=NNNN explains one); a pattern
matches the whole number, so AADSTS50011 never takes AADSTS500113's hint.
"""

from __future__ import annotations

from ...hints import Hints

APP = "Entra admin center > App registrations > the app"
SIGN_IN_LOGS = "Entra admin center > Monitoring & health > Sign-in logs > the failed sign-in"
REAUTHORIZE = (
    "authorize again in every app that uses this identity (and `provision authorize "
    "PLAYBOOK IDENTITY` for provision's own copy)"
)
SMTP_SCOPES = (
    "https://outlook.office.com/SMTP.Send (a signed-in mailbox, with offline_access) or "
    "https://outlook.office365.com/.default (app-only)"
)


def codes(*numbers: int) -> str:
    """A pattern for these AADSTS codes, each as a whole number."""
    return rf"AADSTS(?:{'|'.join(map(str, numbers))})\b"


#: Entra ID's answers (AADSTS codes): unique numbers, safe to look up for any client that
#: talks to Entra (a generic one too).
ENTRA_HINTS: Hints = (
    # -- the redirect URI ----------------------------------------------------------------
    (
        codes(50011),
        "The redirect URI the sign-in was started with is not registered for the app (Entra "
        "compares it exactly: scheme, host, port, path, case, trailing slash): "
        f"{APP} > Authentication > Web > Redirect URIs: add it as the error quotes it, under "
        "the Web platform (not Single-page application or Mobile and desktop). `provision "
        "redirect-uris PLAYBOOK --client NAME` lists the URIs the apps need; with "
        "manage_redirect_uris, `provision apply` registers them.",
    ),
    (
        codes(500113),
        "The app registration has no redirect URI at all, so no interactive sign-in (mode "
        f"exchange, `provision authorize`) can finish: {APP} > Authentication > Add a "
        "platform > Web, and add every URI of `provision redirect-uris PLAYBOOK --client "
        "NAME`.",
    ),
    # -- consent -------------------------------------------------------------------------
    (
        codes(90094),
        "Administrator approval is required: the tenant does not let users consent to this "
        "app's permissions, and innovaphone's apps always send prompt=consent, which asks "
        "the signed-in mailbox for consent even after an administrator granted it. Grant "
        f"admin consent ({APP} > API permissions > Grant admin consent for the tenant) and "
        "let users consent to these permissions: Entra admin center > Enterprise "
        "applications > Consent and permissions > User consent settings (allow user "
        "consent for selected permissions) and Permission classifications (SMTP.Send, "
        "offline_access, openid, profile as low impact).",
    ),
    (
        codes(65004),
        "The consent prompt was declined (Cancel, or 'Return to the application without "
        "granting consent' on a 'Need admin approval' page): authorize again and accept. "
        "innovaphone's apps always send prompt=consent, so the prompt comes at every "
        "authorization and the mailbox must be allowed to accept it: Grant admin consent "
        f"({APP} > API permissions) and allow user consent for these permissions (Entra "
        "admin center > Enterprise applications > Consent and permissions > User consent "
        "settings).",
    ),
    (
        codes(65001),
        "Admin consent has not been granted (or the tenant is wrong): grant admin consent "
        f"for the app's API permissions ({APP} > API permissions > Grant admin consent for "
        "the tenant: SMTP.Send / SMTP.SendAsApp) and check the client's tenant.",
    ),
    # -- password sign-in (mode microsoft365, ROPC) -----------------------------------------
    (
        codes(530035),
        "Security defaults blocked the sign-in: they block legacy and password sign-ins "
        "such as mode microsoft365 (resource owner password credentials). Use mode "
        "exchange (an interactive authorization, no password kept), or replace security "
        "defaults with Conditional Access (Entra admin center > Overview > Properties > "
        "Manage security defaults: Disabled) and a policy that allows this mailbox.",
    ),
    (
        codes(53003),
        "A Conditional Access policy blocked the sign-in (one that blocks password sign-ins "
        "such as mode microsoft365, legacy authentication, or requires a compliant device, "
        f"a location or MFA): {SIGN_IN_LOGS} > Conditional Access names the policy; exclude "
        "this mailbox or app from it (Entra admin center > Conditional Access > Policies) "
        "or use mode exchange.",
    ),
    (
        codes(50076, 50079),
        "Multi-factor authentication is required for this account: the microsoft365 mode "
        "(resource owner password credentials) cannot do MFA. Use mode exchange (interactive "
        "authorization) or exclude the mailbox from MFA with a Conditional Access policy.",
    ),
    (
        codes(50126),
        "Invalid username or password for the microsoft365 (ROPC) identity: check username "
        "and password (no leading or trailing blanks; federated domains cannot sign in "
        "with a password here: use mode exchange).",
    ),
    (
        codes(50034),
        "The account does not exist in this tenant: check the identity's username (the "
        "user principal name, which may differ from the sender address: Entra admin center "
        "> Users) and the client's tenant.",
    ),
    (
        codes(50057),
        "The account is disabled (sign-in blocked): allow sign-in again (Microsoft 365 admin "
        "center > Users > Active users > the user > Block sign-in: clear it; Entra: the "
        "user's Account enabled). A mailbox "
        "that must stay blocked, such as a shared mailbox, can send with an app-only token "
        "(Office 365 Exchange Online > SMTP.SendAsApp) instead.",
    ),
    (
        codes(50055),
        "The account's password has expired: set a new one (Entra admin center > Users > "
        "the user > Reset password, or let the user change it), update the identity's "
        "password and every app that keeps it; for a service account consider a password "
        "that does not expire, if your policy allows.",
    ),
    # -- resource and scope --------------------------------------------------------------
    (
        codes(500011),
        "The resource of the requested scope is not in this tenant: the scope names a wrong "
        f"host (SMTP needs {SMTP_SCOPES}; a national cloud has its own: set the client's "
        "cloud), the tenant has no Exchange Online, or the request went to another tenant: "
        "check the client's tenant and scope.",
    ),
    (
        codes(650057),
        "The app registration does not list the permission requested: "
        f"{APP} > API permissions > Add a permission > Microsoft Graph > Delegated "
        "permissions > SMTP.Send and offline_access (a signed-in mailbox), or APIs my "
        "organization uses > Office 365 Exchange Online > Application permissions > "
        "SMTP.SendAsApp (app-only); then Grant admin consent for the tenant.",
    ),
    (
        codes(70011),
        f"The requested scope is invalid: SMTP needs exactly {SMTP_SCOPES}. SMTP.SendAsApp "
        "is an application permission, never a delegated scope, and .default cannot be "
        "mixed with other scopes: fix the client's scope or authorization_url.",
    ),
    # -- how the client authenticates --------------------------------------------------------
    (
        codes(7000218),
        "The token request carried no client secret or assertion, and the app registration "
        "does not allow public client flows (mode microsoft365 or the device code flow "
        "without the secret): set the client's client_secret (its Value) in every app, or "
        f"{APP} > Authentication > Advanced settings > Allow public client flows: Yes "
        "(`provision authorize --device-code` needs it).",
    ),
    (
        codes(700025),
        "The client is public, so it must not send a secret: the refresh token came from a "
        "public-client flow (the device code flow), or the app registration is treated as "
        "public (Allow public client flows: Yes, or its redirect URIs under Mobile and "
        f"desktop applications). Keep it confidential ({APP} > Authentication: redirect URIs "
        "under Web) and run `provision authorize` again (without --device-code) to start "
        "over.",
    ),
    (
        codes(7000215),
        "Invalid client secret: the secret's ID was probably pasted instead of its Value "
        f"({APP} > Certificates & secrets: copy the Value column, shown only once when the "
        "secret is created).",
    ),
    (
        codes(7000222),
        "The client secret has expired: create a new one, update every app that uses it, "
        "and re-authorize the interactive identities.",
    ),
    (
        codes(700027, 50012),
        "The client assertion (private_key_jwt) was refused: its signature does not verify "
        "with a certificate registered for the app, the certificate has expired, or the "
        f"assertion's key id does not name it. {APP} > Certificates & secrets > "
        "Certificates: upload the certificate of the private key the client signs with, "
        "and set the client's private_key_id to what Entra shows for it (its thumbprint).",
    ),
    (
        codes(700016),
        "The client id or tenant is not known to the authority: check client_id and tenant.",
    ),
    # -- codes and refresh tokens ------------------------------------------------------------
    (
        codes(54005),
        "The authorization code was already redeemed (a code works once: a double click, a "
        "retried request, or two apps sharing one redirect URI): authorize once more and "
        "let it finish.",
    ),
    (
        codes(70043),
        "A Conditional Access sign-in frequency policy ended the refresh token: the app must "
        "sign in again at that frequency. Exclude the sender mailbox or this app from the "
        "policy's Session > Sign-in frequency (Entra admin center > Conditional Access > "
        f"Policies), then {REAUTHORIZE}.",
    ),
    (
        codes(700082, 70008),
        "The refresh token expired because it was not used for too long (90 days by "
        "default): an app that was switched off or sent no mail lost its authorization; "
        f"{REAUTHORIZE}.",
    ),
    (
        codes(50173),
        "The authorization was revoked (the password changed, or an administrator revoked "
        f"the mailbox's sessions): {REAUTHORIZE}.",
    ),
    (
        rf"{codes(90002)}|Unable to get authority configuration",
        "The authority does not know this tenant: check the client's tenant (a GUID or "
        "a domain such as contoso.onmicrosoft.com), its authority and cloud.",
    ),
)

#: Exchange Online's SMTP replies: enhanced codes and texts of Exchange alone.
EXCHANGE_HINTS: Hints = (
    (
        r"5\.7\.139.*SmtpClientAuthentication is disabled",
        "Authenticated SMTP (SMTP AUTH) is disabled, which XOAUTH2 needs too: enable it for "
        "the tenant (Exchange admin center > Settings > Mail flow: untick Turn off SMTP AUTH "
        "protocol for your organization, or `Set-TransportConfig "
        "-SmtpClientAuthenticationDisabled $false`) or for the mailbox (Microsoft 365 admin "
        "center > Users > the user > Mail > Manage email apps: Authenticated SMTP, or "
        "`Set-CASMailbox -Identity <mailbox> -SmtpClientAuthenticationDisabled $false`).",
    ),
    (
        r"5\.7\.139.*security defaults",
        "Security Defaults block SMTP AUTH with a username and password (basic "
        "authentication), not OAuth2: configure the app's OAuth2 instead of its Password "
        "field, or replace Security Defaults with Conditional Access.",
    ),
    (
        r"5\.7\.139.*basic authentication is disabled|5\.7\.30\b|Basic authentication is not "
        r"supported",
        "The server refuses username/password SMTP: this is what OAuth2 replaces; check the "
        "app uses OAuth2 and not the password field.",
    ),
    (
        r"5\.7\.139.*credentials were incorrect",
        "The server checked a username and password (basic authentication) and found them "
        "wrong: configure the app's OAuth2 instead of its Password field (with OAuth2 the "
        "password is never sent to SMTP).",
    ),
    (
        r"5\.7\.139.*did not meet the criteria",
        f"Exchange Online refused the sign-in by policy: {SIGN_IN_LOGS} says why "
        "(Conditional Access, MFA, a blocked account); for SMTP AUTH with OAuth2 also check "
        "that authenticated SMTP is enabled for the mailbox (`Set-CASMailbox -Identity "
        "<mailbox> -SmtpClientAuthenticationDisabled $false`).",
    ),
    (
        r"5\.7\.139",
        "Authenticated SMTP (SMTP AUTH) is disabled or refused by policy: enable it for the "
        "tenant with `Set-TransportConfig -SmtpClientAuthenticationDisabled $false` or for "
        "the mailbox with `Set-CASMailbox -Identity <mailbox> -SmtpClientAuthenticationDisabled "
        "$false`; Security Defaults also block SMTP AUTH with a password.",
    ),
    (
        r"5\.7\.57\b",
        "The server got MAIL FROM before a successful AUTH: the client skipped or failed "
        "AUTH, or did not upgrade with STARTTLS (Exchange Online offers AUTH only after "
        "STARTTLS on port 587). Use smtp.office365.com:587 with security: starttls "
        "(innovaphone's apps upgrade when the server offers STARTTLS), configure and "
        "authorize the app's OAuth2, and enable SMTP AUTH for the mailbox (`Set-CASMailbox "
        "-Identity <mailbox> -SmtpClientAuthenticationDisabled $false`).",
    ),
    (
        r"5\.7\.60\b|SendAsDenied",
        "The signed-in mailbox may not send as this sender address: make the sender the "
        "signed-in mailbox, or grant it Send As on the sender's mailbox (`Add-"
        "RecipientPermission -Identity <sender> -Trustee <signed-in mailbox or the app's "
        "service principal> -AccessRights SendAs`).",
    ),
    (
        r"5\.7\.3\b|Authentication unsuccessful",
        "The SMTP server refused the token: its audience is wrong (SMTP needs "
        f"{SMTP_SCOPES}; Graph scopes such as Mail.Send or User.Read in the request make a "
        "Graph token), the SMTP.Send / SMTP.SendAsApp permission is missing or not "
        "consented, the token was issued for another mailbox than the sender, or, app-only, "
        "Exchange has no service principal for the app: `New-ServicePrincipal -AppId <client "
        "id> -ObjectId <the Object ID under Enterprise applications, not App registrations>` "
        "and `Add-MailboxPermission -Identity <mailbox> -User <service principal id> "
        "-AccessRights FullAccess`.",
    ),
)

HINTS: Hints = (*ENTRA_HINTS, *EXCHANGE_HINTS)
