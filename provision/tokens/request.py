"""The contract between the resolver and the token layer: what to acquire, where, and what
comes back. Imports no network library, so `provision validate` stays fast."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass, fields
from datetime import datetime, timezone

from provision.secret import PLACEHOLDER, Secret

MODES = (
    "exchange",
    "microsoft365",
    "gmail",
    "google_service_account",
    "client_secret_post",
    "private_key_jwt",
)
PUBLIC_AUTHORITY = "https://login.microsoftonline.com"
GOOGLE_TOKEN_ENDPOINT = "https://oauth2.googleapis.com/token"
MICROSOFT_SMTP_SCOPE = "https://outlook.office.com/SMTP.Send"
MICROSOFT_APP_SCOPE = "https://outlook.office365.com/.default"
GOOGLE_MAIL_SCOPE = "https://mail.google.com/"


@dataclass(frozen=True)
class TokenRequest:
    """One identity's token acquisition, fully resolved (endpoints, secrets, trust)."""

    identity: str  # identity name, used in messages and as the token-store key
    mode: str  # one of MODES
    provider: str  # microsoft | google | generic
    client_id: str | None
    client_secret: Secret | None
    tenant: str | None  # microsoft
    authority: str  # microsoft authority host URL (sovereign clouds override it)
    token_endpoint: str  # already resolved
    authorization_url: str | None  # base URL without innovaphone's params; None = not interactive
    sender: str  # mailbox
    username: str | None = None  # ROPC; defaults to sender
    password: Secret | None = None
    client_email: str | None = None
    private_key_id: str | None = None
    private_key: Secret | None = None  # PEM
    scope: str | None = None  # generic; the provider's default scope otherwise
    ca_file: str | None = None  # extra trust (private PKI), added to the default trust

    @property
    def mailbox(self) -> str:
        """The mailbox the token is issued for: the ROPC user, else the sender."""
        return self.username or self.sender

    def fingerprint(self) -> str:
        """A digest of what a token depends on, secrets excluded: a cached token issued
        for another client, endpoint or mailbox is not reused."""
        parts = (
            self.mode,
            self.provider,
            self.client_id,
            self.tenant,
            self.authority,
            self.token_endpoint,
            self.sender,
            self.username,
            self.client_email,
            self.private_key_id,
            self.scope,
        )
        return hashlib.sha256(json.dumps(parts).encode()).hexdigest()[:32]

    def secrets(self) -> tuple[Secret, ...]:
        """Every secret this request holds, to scrub from any text that leaves the layer."""
        return tuple(
            value for f in fields(self) if isinstance(value := getattr(self, f.name), Secret)
        )


@dataclass(frozen=True)
class SmtpTarget:
    host: str
    port: int
    security: str  # "starttls" | "tls"


@dataclass(frozen=True)
class Token:
    access_token: Secret
    expires_at: datetime  # UTC, timezone-aware
    refresh_token: Secret | None = None

    def valid_for(self, now: datetime | None = None) -> float:
        """Seconds until expiry (negative once expired)."""
        return (self.expires_at - (now or datetime.now(timezone.utc))).total_seconds()


class TokenError(Exception):
    """A token or SMTP step failed. `message` says what, `hint` what to do about it;
    `needs_authorization` marks an identity that was never authorized interactively.
    Neither ever contains a secret value."""

    def __init__(
        self, message: str, hint: str | None = None, *, needs_authorization: bool = False
    ) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint
        self.needs_authorization = needs_authorization

    def __str__(self) -> str:
        return self.message

    def __repr__(self) -> str:
        return f"TokenError({self.message!r}, hint={self.hint!r})"


def redact(text: str, secrets: Iterable[Secret | None]) -> str:
    """`text` with every occurrence of a secret's value replaced by the placeholder
    (a last line of defence: IdPs and libraries sometimes echo what they were sent)."""
    for secret in secrets:
        if secret is None:
            continue
        value = secret.reveal()
        if len(value) >= 4:  # shorter values would blank out ordinary words
            text = text.replace(value, PLACEHOLDER)
    return text
