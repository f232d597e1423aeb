"""The token flows a provider offers, as the token layer calls them (each provider module
implements them with its official library), and what a flow hands back."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from ..hints import Hints
from ..model import ProviderName
from ..secret import Secret
from .request import Token, TokenRequest

if TYPE_CHECKING:
    import requests

    from .loopback import Interaction
    from .store import StoredTokens


@dataclass(frozen=True)
class Acquired:
    """A token, and what the store should keep besides it."""

    token: Token
    msal_cache: Secret | None = None  # MSAL's serialized cache (Microsoft), holds tokens
    note: str | None = None  # something the person who signed in should know
    public_client: bool = False  # signed in as a public client: refresh as one

    def keep(self) -> dict[str, Any]:
        """What the token store records besides the token."""
        kept: dict[str, Any] = {"public_client": self.public_client}
        if self.msal_cache is not None:
            kept["msal_cache"] = self.msal_cache
        return kept


class Flows(Protocol):
    """A provider's token flows. Never called with a request of another provider."""

    name: ProviderName
    hints: Hints  # its identity provider's and mail service's errors, searched first

    def acquire(
        self, req: TokenRequest, stored: StoredTokens, session: requests.Session, *, fresh: bool
    ) -> Acquired:
        """A new access token for `req` (from `stored`'s authorization where the mode is
        interactive); `fresh`: never a token the library cached. Raises TokenError."""
        ...

    def authorize(
        self,
        req: TokenRequest,
        session: requests.Session,
        interaction: Interaction,
        *,
        device_code: bool,
    ) -> Acquired:
        """Sign `req.sender` in interactively; the token carries the refresh token."""
        ...
