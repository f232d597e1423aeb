"""Microsoft: Entra ID app registrations, Exchange Online SMTP, MSAL.

Endpoints, scopes, modes, Entra's redirect URI rules, the exported app manifest, the
setup-sheet checklist and the error hints; token flows in `flows`, Microsoft Graph in
`graph`, both loaded only when they run.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from ...errors import DocPath, Severity
from ...model import Client, ClientUris, Mode, ProviderName, Smtp
from ...net.urls import is_loopback
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


@dataclass(frozen=True)
class Cloud:
    """One of Microsoft's clouds: where its tenants sign in, send and are managed. From
    Microsoft's national-cloud endpoint pages; the SMTP scopes and hosts of usgov and china
    are not in Microsoft's documentation (third-party sources agree): lint says so."""

    authority: str
    graph: str
    scope: str  # delegated SMTP: a user signs in
    app_scope: str  # app-only (client credentials)
    smtp_host: str
    portal: str  # where app registrations are made
    documented: bool = True


CLOUDS: Mapping[str, Cloud] = {
    "global": Cloud(
        "https://login.microsoftonline.com",
        "https://graph.microsoft.com",
        "https://outlook.office.com/SMTP.Send",
        "https://outlook.office365.com/.default",
        "smtp.office365.com",
        "https://entra.microsoft.com",
    ),
    "usgov": Cloud(
        "https://login.microsoftonline.us",
        "https://graph.microsoft.us",
        "https://outlook.office365.us/SMTP.Send",
        "https://outlook.office365.us/.default",
        "smtp.office365.us",
        "https://portal.azure.us",
        documented=False,
    ),
    "china": Cloud(
        "https://login.partner.microsoftonline.cn",
        "https://microsoftgraph.chinacloudapi.cn",
        "https://partner.outlook.cn/SMTP.Send",
        "https://partner.outlook.cn/.default",
        "smtp.partner.outlook.cn",
        "https://portal.azure.cn",
        documented=False,
    ),
}
# Authority hosts that name a cloud, for a playbook that sets only `authority`
CLOUD_OF_AUTHORITY = {
    "login.microsoftonline.com": "global",
    "login.microsoftonline.us": "usgov",
    "login.partner.microsoftonline.cn": "china",
    "login.chinacloudapi.cn": "china",
}
AUTHORITY = CLOUDS["global"].authority
GRAPH_ENDPOINT = CLOUDS["global"].graph
SMTP_SCOPE = CLOUDS["global"].scope
APP_SCOPE = CLOUDS["global"].app_scope

MAX_URIS = 256  # per app registration: a limit that cannot be raised
MAX_URIS_PERSONAL = 100  # when personal Microsoft accounts are allowed
MAX_URI_LENGTH = 256
FORBIDDEN = frozenset("!$'(),;")
ENTRA_LOOPBACK = ("localhost", "127.0.0.1")  # the IPv6 loopback [::1] is not supported

MODES: Mapping[Mode, ModeSpec] = {
    "exchange": ModeSpec(
        "exchange",
        "Exchange",
        True,
        ("client_secret",),
        "client_secret",
        form=("client_id", "client_secret", "tenant"),
    ),
    "microsoft365": ModeSpec(
        "microsoft365",
        "Microsoft 365",
        False,
        ("client_secret",),
        "client_secret",
        carries=("username", "password"),
        form=("client_id", "client_secret", "tenant"),
    ),
}


def cloud_of(client: Mapping[str, Any]) -> str:
    """The client's cloud: as given, else the one its authority names, else global."""
    if client.get("cloud"):
        return str(client["cloud"])
    host = urlsplit(str(client.get("authority") or "")).hostname or ""
    return CLOUD_OF_AUTHORITY.get(host.lower(), "global")


def uri_limit(client: Client) -> int:
    """How many redirect URIs the client's app registration may hold."""
    return MAX_URIS_PERSONAL if client.personal_accounts else MAX_URIS


def entra_violations(uri: str) -> list[str]:
    """What Entra rejects in one redirect URI, beyond https (which lets http through for
    any loopback host, where Entra takes localhost and 127.0.0.1, not [::1])."""
    problems = []
    host = urlsplit(uri).hostname if uri.startswith("http://") else None
    if is_loopback(host) and host not in ENTRA_LOOPBACK:
        problems.append(f"{uri}: Entra allows http only for localhost and 127.0.0.1")
    if len(uri) > MAX_URI_LENGTH:
        problems.append(f"{uri} is {len(uri)} characters; Entra allows at most {MAX_URI_LENGTH}")
    bad = sorted(set(uri) & FORBIDDEN)
    if bad:
        problems.append(f"{uri} contains {' '.join(bad)}, which Entra does not allow")
    return problems


class Microsoft:
    name: ProviderName = "microsoft"
    modes = MODES
    console_format: ConsoleFormat | None = "azure"
    hints = HINTS

    def endpoints(self, client: Mapping[str, Any]) -> Endpoints:
        name = cloud_of(client)
        cloud = CLOUDS[name]
        authority = str(client.get("authority") or cloud.authority).rstrip("/")
        scope = str(client.get("scope") or cloud.scope)
        base = f"{authority}/{client['tenant']}/oauth2/v2.0"
        return Endpoints(
            f"{base}/token",
            f"{base}/authorize?scope={scope} offline_access",
            authority,
            str(client.get("graph_endpoint") or cloud.graph).rstrip("/"),
            scope,
            Smtp(cloud.smtp_host, 587, "starttls"),
            name,
        )

    def key_files(
        self, client: Mapping[str, Any], base_dir: Path, where: DocPath, *, read: bool = True
    ) -> KeyFiles:
        return KeyFiles()  # an exported manifest is read by drift, not for the model

    def uri_problems(self, entry: ClientUris) -> list[tuple[Severity, str]]:
        problems = uri_rule_problems(entry, entra_violations)
        loopback = entry.authorize_uri
        if loopback is not None:  # no app needs it: uri_rule_problems does not see it
            problems += [
                ("error", f"{message} (settings.authorize_redirect_uri)")
                for message in entra_violations(loopback)
            ]
        limit = uri_limit(entry.client)
        if len(entry.uris) > limit:
            every = [address for addresses in entry.apps.values() for address in addresses]
            personal = " (personal accounts allowed)" if entry.client.personal_accounts else ""
            authorize = ", plus settings.authorize_redirect_uri" if loopback else ""
            problems.append(
                (
                    "error",
                    f"needs {len(entry.uris)} redirect URIs, but an Entra app registration holds "
                    f"at most {limit}{personal}, a limit that cannot be raised: split the sites "
                    f"over more registrations (apps {apps_text(every)}{authorize})",
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
        from .checklist import delegated_checklist

        return delegated_checklist(client, CLOUDS[client.cloud or "global"].portal)

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
