"""Microsoft: Entra ID app registrations, Exchange Online SMTP, MSAL.

Endpoints, scopes, modes, Entra's redirect URI rules, the exported app manifest, the
setup-sheet checklist and the error hints; token flows in `flows`, Microsoft Graph in
`graph`, both loaded only when they run.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ...errors import DocPath, Severity
from ...model import Client, ClientUris, Mode, ProviderName, Smtp
from ..base import (
    ConsoleFormat,
    ConsoleReadError,
    ConsoleState,
    Endpoints,
    KeyFiles,
    ModeSpec,
    Provider,
    Section,
    SheetClient,
    Step,
    apps_text,
    read_console_json,
    uri_rule_problems,
)
from .hints import HINTS

if TYPE_CHECKING:
    import requests

    from ...tokens.flows import Acquired
    from ...tokens.loopback import Interaction
    from ...tokens.request import TokenRequest
    from ...tokens.store import StoredTokens

AUTHORITY = "https://login.microsoftonline.com"
GRAPH_ENDPOINT = "https://graph.microsoft.com"
SMTP_SCOPE = "https://outlook.office.com/SMTP.Send"  # delegated: a user signs in
APP_SCOPE = "https://outlook.office365.com/.default"  # app-only (client credentials)
SMTP = Smtp("smtp.office365.com", 587, "starttls")

MAX_URIS = 256  # per app registration: a limit that cannot be raised
MAX_URIS_PERSONAL = 100  # when personal Microsoft accounts are allowed
MAX_URI_LENGTH = 256
FORBIDDEN = frozenset("!$'(),;")

MODES: Mapping[Mode, ModeSpec] = {
    "exchange": ModeSpec("exchange", "Exchange", True, ("client_secret",), "client_secret"),
    "microsoft365": ModeSpec(
        "microsoft365",
        "Microsoft 365",
        False,
        ("client_secret",),
        "client_secret",
        carries=("username", "password"),
    ),
}


def uri_limit(client: Client) -> int:
    """How many redirect URIs the client's app registration may hold."""
    return MAX_URIS_PERSONAL if client.personal_accounts else MAX_URIS


def entra_violations(uri: str) -> list[str]:
    """What Entra rejects in one redirect URI, beyond https."""
    problems = []
    if len(uri) > MAX_URI_LENGTH:
        problems.append(f"{uri} is {len(uri)} characters; Entra allows at most {MAX_URI_LENGTH}")
    bad = sorted(set(uri) & FORBIDDEN)
    if bad:
        problems.append(f"{uri} contains {' '.join(bad)}, which Entra does not allow")
    return problems


class Microsoft:
    name: ProviderName = "microsoft"
    modes = MODES
    smtp: Smtp | None = SMTP
    console_format: ConsoleFormat | None = "azure"
    hints = HINTS

    def endpoints(self, client: Mapping[str, Any]) -> Endpoints:
        authority = str(client.get("authority") or AUTHORITY).rstrip("/")
        base = f"{authority}/{client['tenant']}/oauth2/v2.0"
        return Endpoints(
            f"{base}/token",
            f"{base}/authorize?scope={SMTP_SCOPE} offline_access",
            authority,
            str(client.get("graph_endpoint") or GRAPH_ENDPOINT).rstrip("/"),
        )

    def key_files(self, client: Mapping[str, Any], base_dir: Path, where: DocPath) -> KeyFiles:
        return KeyFiles()  # an exported manifest is read by drift, not for the model

    def uri_problems(self, entry: ClientUris) -> list[tuple[Severity, str]]:
        problems = uri_rule_problems(entry, entra_violations)
        limit = uri_limit(entry.client)
        if len(entry.uris) > limit:
            every = [address for addresses in entry.apps.values() for address in addresses]
            personal = " (personal accounts allowed)" if entry.client.personal_accounts else ""
            problems.append(
                (
                    "error",
                    f"needs {len(entry.uris)} redirect URIs, but an Entra app registration holds "
                    f"at most {limit}{personal}, a limit that cannot be raised: split the sites "
                    f"over more registrations (apps {apps_text(every)})",
                )
            )
        return problems

    def console_state(self, client: Client) -> ConsoleState | None:
        """An exported app manifest, in the Microsoft Graph or the older AAD Graph format."""
        if client.manifest_file is None:
            return None
        path = client.manifest_file
        document = read_console_json(path)
        if not isinstance(document, dict):
            raise ConsoleReadError(f"{path}: expected an app manifest (a JSON object)")
        if isinstance(document.get("web"), dict):
            uris = document["web"].get("redirectUris") or []
        else:
            uris = [
                entry.get("url")
                for entry in document.get("replyUrlsWithType") or []
                if isinstance(entry, dict) and entry.get("type", "Web") == "Web"
            ] or list(document.get("replyUrls") or [])
        credentials = document.get("passwordCredentials") or []
        ends = [
            c.get("endDateTime") or c.get("endDate") for c in credentials if isinstance(c, dict)
        ]
        return ConsoleState(
            str(path),
            document.get("appId"),
            tuple(u for u in uris if isinstance(u, str)),
            max((e for e in ends if e), default=None),
        )

    def console_document(self, entry: ClientUris) -> dict[str, Any] | None:
        """The app manifest's fragment that holds the redirect URIs."""
        return {"web": {"redirectUris": list(entry.uris)}}

    def checklist(self, client: SheetClient) -> tuple[Section, ...]:
        expires = (
            f"; expires **{client.secret_expires}**: renew before then, update every app, "
            "re-authorize"
            if client.secret_expires
            else "; record its expiry as `client_secret_expires` (at most 2 years)"
        )
        uris = (
            ": managed by provision through Microsoft Graph"
            if client.graph_managed
            else f": paste `redirect-uris/{client.name}.txt`"
        )
        entra = [
            Step(
                f"App registration created (client ID `{client.client_id}`, tenant "
                f"`{client.tenant}`)",
                bool(client.client_id),
            ),
            Step(
                "Client secret created; its **Value** (not its ID) is in the playbook's "
                f"vault{expires}",
                client.has_secret,
            ),
            Step(
                "API permission *Office 365 Exchange Online* > SMTP (SMTP.Send) added, "
                "**admin consent granted**"
            ),
            Step(f"Redirect URIs (Authentication > Web){uris}", client.graph_managed, client.uris),
        ]
        if "microsoft365" in client.modes:
            entra.append(
                Step("*Allow public client flows* enabled (needed by microsoft365 mode, ROPC)")
            )
        return (
            Section("Azure portal (https://portal.azure.com), Microsoft Entra ID:", tuple(entra)),
            Section(
                "Microsoft 365 admin center (https://admin.cloud.microsoft), for each "
                "sender mailbox:",
                (
                    Step("A Microsoft 365 licence is assigned to the user"),
                    Step("The user is active"),
                    Step("Mail > *Authenticated SMTP* is allowed"),
                ),
            ),
            Section(
                "Exchange admin center (https://admin.exchange.microsoft.com):",
                (
                    Step(
                        "SMTP AUTH is not disabled for the organization (`Set-TransportConfig "
                        "-SmtpClientAuthenticationDisabled $false`) or the mailbox "
                        "(`Set-CASMailbox`); Security Defaults must not block it"
                    ),
                ),
            ),
        )

    def acquire(
        self, req: TokenRequest, stored: StoredTokens, session: requests.Session, *, fresh: bool
    ) -> Acquired:
        from . import flows

        return flows.acquire(req, stored, session, fresh=fresh)

    def authorize(
        self,
        req: TokenRequest,
        session: requests.Session,
        interaction: Interaction,
        *,
        device_code: bool,
    ) -> Acquired:
        from . import flows

        return flows.authorize(req, session, interaction, device_code=device_code)


PROVIDER: Provider = Microsoft()
