"""Google: OAuth clients and service accounts of a Google Cloud project, Gmail SMTP.

Endpoints, scope, modes, the console's client JSON download and the service account's
key JSON, the setup-sheet checklist and the error hints; token flows (google-auth) in
`flows`, loaded only when they run. Google has no API for an OAuth client's redirect
URIs: the list is compared with the console's download.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ...errors import DocPath, Severity
from ...model import Client, ClientUris, Mode, ProviderName, Smtp
from ...secret import SecretRef
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

TOKEN_ENDPOINT = "https://oauth2.googleapis.com/token"
AUTH_URI = "https://accounts.google.com/o/oauth2/auth"
MAIL_SCOPE = "https://mail.google.com/"
AUTHORIZATION_URL = f"{AUTH_URI}?access_type=offline&scope={MAIL_SCOPE}"
SMTP = Smtp("smtp.gmail.com", 587, "starttls")
WARN_URIS = 100  # past this a console's list gets unwieldy

MODES: Mapping[Mode, ModeSpec] = {
    "gmail": ModeSpec(
        "gmail",
        "Gmail",
        True,
        ("client_id", "client_secret"),
        "client_secret",
        form=("client_id", "client_secret"),
    ),
    "google_service_account": ModeSpec(
        "google_service_account",
        "Google Service Account",
        False,
        ("client_email", "private_key_id", "private_key"),
        "private_key",
        carries=("client_email", "private_key_id"),
        needs_note=" (inline, or through service_account_file)",
        form=("client_email", "private_key_id", "private_key"),
    ),
}


def _text(value: object) -> bool:
    """A non-empty string, as a key file's fields must be."""
    return isinstance(value, str) and bool(value)


class Google:
    name: ProviderName = "google"
    modes = MODES
    console_format: ConsoleFormat | None = "google"
    hints = HINTS

    def endpoints(self, client: Mapping[str, Any]) -> Endpoints:
        return Endpoints(
            str(client.get("token_endpoint") or TOKEN_ENDPOINT),
            str(client.get("authorization_url") or AUTHORIZATION_URL),
            smtp=SMTP,
        )

    def key_files(
        self, client: Mapping[str, Any], base_dir: Path, where: DocPath, *, read: bool = True
    ) -> KeyFiles:
        """client_id and client_secret from the console's client JSON download; the
        service account's fields from its key JSON."""
        found = KeyFiles(unread=not read)
        if client.get("client_secrets_file"):
            self._client_secrets(client["client_secrets_file"], base_dir, where, found)
        if client.get("service_account_file"):
            self._service_account(client["service_account_file"], base_dir, where, found)
        return found

    def _client_secrets(self, name: str, base_dir: Path, where: DocPath, found: KeyFiles) -> None:
        path = where + ("client_secrets_file",)
        stand_in = {"web": {"client_id": f"<client_id in {name}>", "client_secret": ""}}
        loaded = found.read(base_dir / name, path, stand_in)
        if loaded is None:
            return
        if isinstance(loaded.get("installed"), dict):
            found.problem(
                'this is a Desktop app client ("installed"), whose redirect URIs can only be '
                "http://localhost: innovaphone's apps need a *Web application* client (Google "
                "Auth Platform > Clients > Create client > Web application); download its JSON",
                path,
            )
            return
        section = "web" if isinstance(loaded.get("web"), dict) else None
        if section is None or not _text(loaded[section].get("client_id")):
            found.problem('expected the console\'s download: {"web": {"client_id", ...}}', path)
            return
        # A client_id in the spec that differs from the download is drift, reported there.
        found.values["client_id"] = loaded[section]["client_id"]
        if "client_secret" in loaded[section]:
            found.secrets["client_secret"] = SecretRef(
                "json", (name, section, "client_secret"), path
            )

    def _service_account(self, name: str, base_dir: Path, where: DocPath, found: KeyFiles) -> None:
        path = where + ("service_account_file",)
        stand_in = {key: f"<{key} in {name}>" for key in ("client_email", "private_key_id")}
        loaded = found.read(base_dir / name, path, {**stand_in, "private_key": "unread"})
        if loaded is None:
            return
        keys = ("client_email", "private_key_id", "private_key")
        missing = [key for key in keys if not _text(loaded.get(key))]
        if missing:
            found.problem(f"the key file lacks {', '.join(missing)}", path)
            return
        found.values.update(
            client_email=loaded["client_email"], private_key_id=loaded["private_key_id"]
        )
        if _text(loaded.get("client_id")):  # the numeric one, for domain-wide delegation
            found.values["service_account_client_id"] = loaded["client_id"]
        found.secrets["private_key"] = SecretRef("json", (name, "private_key"), path)

    def uri_problems(self, entry: ClientUris) -> list[tuple[Severity, str]]:
        problems = uri_rule_problems(entry)
        if len(entry.uris) > WARN_URIS:
            problems.append(
                (
                    "warning",
                    f"needs {len(entry.uris)} redirect URIs; Google consoles get unwieldy past "
                    f"{WARN_URIS}: consider more OAuth clients",
                )
            )
        return problems

    def console_state(self, client: Client) -> ConsoleState | None:
        """The console's client JSON download (`{"web": {...}}`); its secret is not kept."""
        path = client.client_secrets_file
        if path is None:
            return None
        document = read_console_json(path)
        section = None
        if isinstance(document, dict):
            section = document.get("web") or document.get("installed")
        if not isinstance(section, dict):
            raise ConsoleReadError(f'{path}: expected the console\'s download {{"web": {{...}}}}')
        return ConsoleState(
            str(path), section.get("client_id"), tuple(section.get("redirect_uris") or ())
        )

    def console_document(self, entry: ClientUris) -> dict[str, Any] | None:
        """The `web` object of the console's client JSON (a service account has none)."""
        client = entry.client
        if client.client_id is None:
            return None
        return {
            "web": {
                "client_id": client.client_id,
                "auth_uri": AUTH_URI,
                "token_uri": client.token_endpoint or TOKEN_ENDPOINT,
                "redirect_uris": list(entry.uris),
            }
        }

    def checklist(self, client: SheetClient) -> tuple[Section, ...]:
        from .checklist import google_checklist

        return google_checklist(client)

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


PROVIDER: Provider = Google()
