"""A generic OAuth2 identity provider: the endpoints come from the playbook, the client
authenticates with its secret (`client_secret_post`) or a signed JWT (`private_key_jwt`),
and there is no default SMTP server. Token flows (authlib) in `flows`."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from ...errors import DocPath, Severity
from ...model import Client, ClientUris, Mode, ProviderName
from ..base import (
    ConsoleFormat,
    ConsoleState,
    Endpoints,
    KeyFiles,
    ModeSpec,
    Provider,
    Section,
    SheetClient,
    Step,
    uri_rule_problems,
)
from .hints import HINTS

if TYPE_CHECKING:
    import requests

    from ...tokens.flows import Acquired
    from ...tokens.loopback import Interaction
    from ...tokens.request import TokenRequest
    from ...tokens.store import StoredTokens

MODES: Mapping[Mode, ModeSpec] = {
    "client_secret_post": ModeSpec(
        "client_secret_post",
        "Client secret post",
        True,
        ("client_secret",),
        "client_secret",
        carries=("scope",),
        form=("token_endpoint", "authorization_url", "client_id", "client_secret"),
    ),
    "private_key_jwt": ModeSpec(
        "private_key_jwt",
        "Private key jwt",
        True,
        ("private_key",),
        "private_key",
        carries=("private_key_id", "scope"),
        form=("token_endpoint", "authorization_url", "client_id", "private_key_id", "private_key"),
    ),
}


def entra_app_only(client: SheetClient) -> bool:
    """A generic client at Entra's token endpoint without a browser sign-in: an app that
    sends as itself (client credentials), the Exchange Online SMTP.SendAsApp way."""
    host = urlsplit(client.token_endpoint or "").hostname or ""
    return host.startswith("login.microsoftonline.") and not client.uris


class Generic:
    name: ProviderName = "generic"
    modes = MODES
    console_format: ConsoleFormat | None = None
    hints = HINTS

    def endpoints(self, client: Mapping[str, Any]) -> Endpoints:
        # no default SMTP server: the playbook names one
        return Endpoints(
            client.get("token_endpoint"), client.get("authorization_url"), scope=client.get("scope")
        )

    def key_files(
        self, client: Mapping[str, Any], base_dir: Path, where: DocPath, *, read: bool = True
    ) -> KeyFiles:
        return KeyFiles()

    def uri_problems(self, entry: ClientUris) -> list[tuple[Severity, str]]:
        return uri_rule_problems(entry)

    def console_state(self, client: Client) -> ConsoleState | None:
        return None  # no console format to read

    def console_document(self, entry: ClientUris) -> dict[str, Any] | None:
        return None

    def checklist(self, client: SheetClient) -> tuple[Section, ...]:
        if entra_app_only(client):
            from ..microsoft import CLOUDS
            from ..microsoft.checklist import app_only_checklist

            return app_only_checklist(client, CLOUDS["global"].portal)
        steps = [Step(f"Client `{client.client_id}` registered at the identity provider")]
        if client.uris:
            steps.append(Step("Redirect URIs registered", items=client.uris))
        if client.secret:
            steps.append(Step(f"Its secret or key is kept in {client.secret}"))
        return (Section(None, tuple(steps)),)

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


PROVIDER: Provider = Generic()
