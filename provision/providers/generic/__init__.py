"""A generic OAuth2 identity provider: the endpoints come from the playbook, the client
authenticates with its secret (`client_secret_post`) or a signed JWT (`private_key_jwt`),
and there is no default SMTP server. Token flows (authlib) in `flows`."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ...errors import DocPath, Severity
from ...hints import Hints
from ...model import Client, ClientUris, Mode, ProviderName, Smtp
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

if TYPE_CHECKING:
    import requests

    from ...tokens.flows import Acquired
    from ...tokens.loopback import Interaction
    from ...tokens.request import TokenRequest
    from ...tokens.store import StoredTokens

MODES: Mapping[Mode, ModeSpec] = {
    "client_secret_post": ModeSpec(
        "client_secret_post", "Client secret post", True, ("client_secret",), "client_secret"
    ),
    "private_key_jwt": ModeSpec(
        "private_key_jwt",
        "Private key jwt",
        True,
        ("private_key",),
        "private_key",
        carries=("private_key_id",),
    ),
}

HINTS: Hints = (
    (
        r"invalid_grant",
        "The refresh token is no longer valid (expired or revoked): run `provision "
        "authorize` again.",
    ),
)


class Generic:
    name: ProviderName = "generic"
    modes = MODES
    smtp: Smtp | None = None  # a generic provider has no default SMTP server
    console_format: ConsoleFormat | None = None
    hints = HINTS

    def endpoints(self, client: Mapping[str, Any]) -> Endpoints:
        return Endpoints(client.get("token_endpoint"), client.get("authorization_url"))

    def key_files(self, client: Mapping[str, Any], base_dir: Path, where: DocPath) -> KeyFiles:
        return KeyFiles()

    def uri_problems(self, entry: ClientUris) -> list[tuple[Severity, str]]:
        return uri_rule_problems(entry)

    def console_state(self, client: Client) -> ConsoleState | None:
        return None  # no console format to read

    def console_document(self, entry: ClientUris) -> dict[str, Any] | None:
        return None

    def checklist(self, client: SheetClient) -> tuple[Section, ...]:
        steps = [Step(f"Client `{client.client_id}` registered at the identity provider")]
        steps += [Step(f"Redirect URI `{uri}` registered") for uri in client.uris]
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
