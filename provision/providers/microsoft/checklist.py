"""The setup sheet's console checklist for an Entra app registration, mode by mode.

exchange and microsoft365 sign in as a user: Microsoft Graph > Delegated > SMTP.Send and
offline_access, admin consent (the token is for https://outlook.office.com/SMTP.Send).
Sending app-only (client credentials, a generic client at Entra's token endpoint) needs
Office 365 Exchange Online > Application > SMTP.SendAsApp and an Exchange service
principal with mailbox rights. Sources: Microsoft's "Authenticate an IMAP, POP or SMTP
connection using OAuth" and the Entra ID portal.
"""

from __future__ import annotations

from ..base import Section, SheetClient, Step


def delegated_checklist(client: SheetClient, portal: str) -> tuple[Section, ...]:
    """exchange (authorization code) and microsoft365 (ROPC): a user's delegated token."""
    registration = (
        Step(
            f"App registration `{client.client_id}` in tenant `{client.tenant}` (Overview: "
            "Application (client) ID, Directory (tenant) ID)"
        ),
        _secret_step(client),
        Step(
            "API permissions > Add a permission > **Microsoft Graph** > **Delegated "
            "permissions**: **SMTP.Send** and **offline_access** > Add permissions"
        ),
        Step(
            "API permissions > **Grant admin consent** for the tenant (the apps ask with "
            "prompt=consent; without admin consent every mailbox owner must consent, and "
            "tenants that forbid user consent answer AADSTS90094)"
        ),
        *_modes_steps(client),
    )
    return (
        Section(f"Microsoft Entra admin center ({portal}) > App registrations:", registration),
        _mailbox_section(client),
        _smtp_auth_section(),
    )


def app_only_checklist(client: SheetClient, portal: str) -> tuple[Section, ...]:
    """Client credentials at Entra's token endpoint: the app sends as itself."""
    app_id = client.client_id or "<application (client) ID>"
    registration = (
        Step(f"App registration `{app_id}` (Overview: Application (client) ID)"),
        _secret_step(client),
        Step(
            "API permissions > Add a permission > **APIs my organization uses** > **Office "
            "365 Exchange Online** > **Application permissions** > **SMTP.SendAsApp** > Add "
            "permissions; then **Grant admin consent**"
        ),
        Step("The token is requested for `https://outlook.office365.com/.default`"),
    )
    shell = (
        Step(
            "Exchange Online PowerShell: `Connect-ExchangeOnline -Organization <tenant ID>`",
        ),
        Step(
            f"`New-ServicePrincipal -AppId {app_id} -ObjectId <object ID>`: the Object ID "
            "of the **Enterprise application** (Enterprise applications > the app > "
            "Overview), not the App registration's"
        ),
        Step(
            "For each mailbox: `Add-MailboxPermission -Identity <mailbox> -User <service "
            "principal ID> -AccessRights FullAccess` (`Get-ServicePrincipal` shows the ID)",
            items=client.mailboxes,
        ),
    )
    return (
        Section(f"Microsoft Entra admin center ({portal}) > App registrations:", registration),
        Section("Exchange Online:", shell),
        _smtp_auth_section(),
    )


def _secret_step(client: SheetClient) -> Step:
    expires = (
        f"; it expires **{client.secret_expires}**: renew it before then in every app"
        if client.secret_expires
        else "; record its end date as `client_secret_expires` (at most 2 years)"
    )
    kept = f"; the playbook reads it from {client.secret}" if client.secret else ""
    return Step(
        "Certificates & secrets > New client secret: copy its **Value** (shown only once), "
        f"not its Secret ID{kept}{expires}"
    )


def _modes_steps(client: SheetClient) -> tuple[Step, ...]:
    steps = []
    if "exchange" in client.modes:
        how = (
            "managed by `provision apply` through Microsoft Graph"
            if client.graph_managed
            else f"paste `redirect-uris/{client.name}.txt`"
        )
        steps.append(
            Step(
                f"Authentication > Add a platform > **Web** > Redirect URIs: {how}",
                items=client.uris,
            )
        )
    if "microsoft365" in client.modes:
        steps.append(
            Step(
                "Authentication > Advanced settings > **Allow public client flows**: Yes "
                "(microsoft365 signs in with the mailbox's password, ROPC)"
            )
        )
        steps.append(
            Step(
                "The mailbox needs no MFA: security defaults (AADSTS530035) and Conditional "
                "Access (AADSTS53003, 50076) block password sign-ins; prefer mode exchange"
            )
        )
    return tuple(steps)


def _mailbox_section(client: SheetClient) -> Section:
    return Section(
        "Microsoft 365 admin center > Users > Active users, for each sender:",
        (
            Step("A licence with an Exchange Online mailbox; the user is not blocked"),
            Step(
                "Mail > Manage email apps: **Authenticated SMTP** on",
                items=client.mailboxes,
            ),
        ),
    )


def _smtp_auth_section() -> Section:
    return Section(
        "Exchange admin center > Settings > Mail flow:",
        (
            Step(
                "SMTP AUTH is not turned off for the organization (`Set-TransportConfig "
                "-SmtpClientAuthenticationDisabled $false`; per mailbox `Set-CASMailbox "
                "-SmtpClientAuthenticationDisabled $false`)"
            ),
        ),
    )
