"""What to acquire, where, and what comes back: the contract between the desired state
(which builds requests from the model) and the providers' token flows. Imports no network
library."""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import UTC, datetime
from typing import Literal

from ..errors import OperationError
from ..model import Mode, ProviderName
from ..secret import Secret


@dataclass(frozen=True)
class TokenRequest:
    """One identity's token acquisition, fully resolved (endpoints, secrets, trust)."""

    identity: str  # identity name, used in messages and as the token-store key
    mode: Mode | Literal["client_credentials"]  # client credentials: a Graph caller
    provider: ProviderName
    client_id: str | None
    client_secret: Secret | None
    tenant: str | None  # microsoft
    authority: str | None  # microsoft: the authority host URL
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
    proxy: str | None = None  # settings.proxy; else the environment's HTTPS_PROXY

    @property
    def mailbox(self) -> str:
        """The mailbox the token is issued for: the ROPC user, else the sender."""
        return self.username or self.sender

    def secrets(self) -> tuple[Secret, ...]:
        """Every secret this request holds, to scrub from any text that leaves the layer."""
        return tuple(
            value for f in fields(self) if isinstance(value := getattr(self, f.name), Secret)
        )


@dataclass(frozen=True)
class Token:
    access_token: Secret
    expires_at: datetime  # UTC, timezone-aware
    refresh_token: Secret | None = None

    def valid_for(self, now: datetime | None = None) -> float:
        """Seconds until expiry (negative once expired)."""
        return (self.expires_at - (now or datetime.now(UTC))).total_seconds()


class TokenError(OperationError):
    """A token or SMTP step failed. `message` says what, `hint` what to do about it;
    `needs_authorization` marks an identity that was never authorized interactively (or
    whose authorization the identity provider no longer accepts). Neither ever contains
    a secret value."""

    def __init__(
        self, message: str, hint: str | None = None, *, needs_authorization: bool = False
    ) -> None:
        super().__init__(message, hint)
        self.needs_authorization = needs_authorization

    def __repr__(self) -> str:
        return f"TokenError({self.message!r}, hint={self.hint!r})"
