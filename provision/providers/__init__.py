"""Providers behind one small interface: endpoints, scopes, interactive modes.

Token acquisition lives in `provision.tokens` (imported only where tokens are
needed); this module is pure data so `validate` and `plan` stay fast.
"""

from __future__ import annotations

import string
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import parse_qsl, quote, urlencode, urlsplit, urlunsplit

MICROSOFT_AUTHORITY = "https://login.microsoftonline.com"
MICROSOFT_SMTP_SCOPE = "https://outlook.office.com/SMTP.Send offline_access"
MICROSOFT_APP_SCOPE = "https://outlook.office365.com/.default"
GOOGLE_TOKEN_ENDPOINT = "https://oauth2.googleapis.com/token"
GOOGLE_AUTHORIZATION_URL = (
    "https://accounts.google.com/o/oauth2/auth?access_type=offline&scope=https://mail.google.com/"
)
GOOGLE_SCOPE = "https://mail.google.com/"


@dataclass(frozen=True)
class SmtpDefaults:
    host: str
    port: int
    security: str


@dataclass(frozen=True)
class Provider:
    name: str
    modes: tuple[str, ...]
    # modes that need a redirect URI (generic ones only when an authorization URL is set)
    interactive_modes: tuple[str, ...]
    smtp: SmtpDefaults | None

    def token_endpoint(self, client: dict[str, object]) -> str | None:
        if self.name == "microsoft":
            return f"{authority(client)}/{client['tenant']}/oauth2/v2.0/token"
        if self.name == "google":
            return str(client.get("token_endpoint") or GOOGLE_TOKEN_ENDPOINT)
        return str(client["token_endpoint"]) if client.get("token_endpoint") else None

    def authorization_url(self, client: dict[str, object]) -> str | None:
        """The base authorization URL, as typed into the innovaphone UI."""
        if self.name == "microsoft":
            return (
                f"{authority(client)}/{client['tenant']}/oauth2/v2.0/authorize"
                f"?scope={MICROSOFT_SMTP_SCOPE}"
            )
        if self.name == "google":
            return str(client.get("authorization_url") or GOOGLE_AUTHORIZATION_URL)
        return str(client["authorization_url"]) if client.get("authorization_url") else None


def authority(client: dict[str, object]) -> str:
    return str(client.get("authority") or MICROSOFT_AUTHORITY).rstrip("/")


PROVIDERS: dict[str, Provider] = {
    "microsoft": Provider(
        "microsoft",
        ("exchange", "microsoft365"),
        ("exchange",),
        SmtpDefaults("smtp.office365.com", 587, "starttls"),
    ),
    "google": Provider(
        "google",
        ("gmail", "google_service_account"),
        ("gmail",),
        SmtpDefaults("smtp.gmail.com", 587, "starttls"),
    ),
    "generic": Provider(
        "generic",
        ("client_secret_post", "private_key_jwt"),
        ("client_secret_post", "private_key_jwt"),
        None,  # a generic provider has no default SMTP server
    ),
}

MODE_PROVIDER = {mode: p.name for p in PROVIDERS.values() for mode in p.modes}


def is_interactive(mode: str, authorization_url: str | None) -> bool:
    """Whether apps in this mode authorize through a browser and need a redirect URI."""
    provider = PROVIDERS[MODE_PROVIDER[mode]]
    return mode in provider.interactive_modes and authorization_url is not None


_UNRESERVED = frozenset(string.ascii_letters + string.digits + "-._~")
_PERCENT = {code: f"%{code:02X}" for code in range(128) if chr(code) not in _UNRESERVED}


def _quote(text: str) -> str:
    """quote(text, safe=""), at str.translate speed for the (usual) ASCII text."""
    return text.translate(_PERCENT) if text.isascii() else quote(text, safe="")


@lru_cache(maxsize=1024)
def _encoded_base(base: str) -> tuple[str, str, str]:
    """`base` split into (prefix, re-encoded query, fragment)."""
    parts = urlsplit(base)
    query = urlencode(parse_qsl(parts.query, keep_blank_values=True), quote_via=quote, safe="")
    fragment = f"#{parts.fragment}" if parts.fragment else ""
    return urlunsplit(parts._replace(query="", fragment="")), query, fragment


def full_authorization_url(base: str, *, sender: str, redirect_uri: str, client_id: str) -> str:
    """`base` with the parameters the innovaphone UI appends, URL-encoded."""
    prefix, query, fragment = _encoded_base(base)
    appended = (
        f"response_type=code&prompt=consent&login_hint={_quote(sender)}"
        f"&redirect_uri={_quote(redirect_uri)}&client_id={_quote(client_id)}"
    )
    return f"{prefix}?{query + '&' if query else ''}{appended}{fragment}"
