"""One-time interactive authorization of an identity: the provider's flow signs the
mailbox in, and the refresh token it hands out is stored."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field, fields
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlsplit

from ..hints import REDIRECT_REFUSAL, REDIRECT_REFUSED, Hints, hint_for, with_hint
from .flows import Flows
from .loopback import Interaction
from .request import Token, TokenError, TokenRequest

if TYPE_CHECKING:
    import requests

    from .store import TokenStore


def authorize(
    req: TokenRequest,
    flows: Flows,
    store: TokenStore,
    interaction: Interaction,
    *,
    device_code: bool = False,
    session: requests.Session | None = None,
) -> Token:
    """Sign `req.sender` in interactively and store the refresh token; a note for the
    person who signed in (another account signed in) goes through `interaction.echo`."""
    from ..net.http import make_session

    if req.authorization_url is None:
        raise TokenError(
            f"{req.identity}: mode {req.mode} does not authorize interactively",
            "only exchange, gmail and generic modes with an authorization_url need "
            "`provision authorize`",
        )
    if session is None:
        session = make_session(req.ca_file, proxy=req.proxy)
    shown = _Remembering.around(interaction)
    try:
        acquired = flows.authorize(req, session, shown, device_code=device_code)
        store.save_token(req, acquired.token, **acquired.keep())
    except TokenError as exc:
        tables = (flows.hints,)
        with_hint(exc, tables)
        raise _naming_redirect_uri(exc, shown.redirect_uri_sent, tables) from None
    if acquired.note:
        interaction.echo(acquired.note)
    return acquired.token


@dataclass(frozen=True)
class _Remembering(Interaction):
    """The interaction, remembering the redirect URI of the authorization URL presented."""

    seen: list[str] = field(default_factory=list)

    @classmethod
    def around(cls, interaction: Interaction) -> _Remembering:
        return cls(**{f.name: getattr(interaction, f.name) for f in fields(interaction)})

    def present(self, url: str, *args: Any, **kwargs: Any) -> None:
        self.seen.extend(v for k, v in parse_qsl(urlsplit(url).query) if k == "redirect_uri")
        super().present(url, *args, **kwargs)

    @property
    def redirect_uri_sent(self) -> str | None:
        return self.seen[-1] if self.seen else None


def _naming_redirect_uri(exc: TokenError, sent: str | None, tables: Sequence[Hints]) -> TokenError:
    """`exc` with the redirect URI the sign-in was started with in its hint, where the
    identity provider refused that URI, or where no answer came back: a refused redirect
    URI is shown in the browser, and provision never hears of it."""
    if sent is None:
        return exc
    if re.search(REDIRECT_REFUSED, exc.message, re.IGNORECASE):
        exc.hint = f"{exc.hint or ''} provision sent the redirect URI {sent}.".lstrip()
    elif "no authorization response" in exc.message:
        register = hint_for(REDIRECT_REFUSAL, tables) or ""
        exc.hint = (
            f"{(exc.hint or '').rstrip('.')}. If the sign-in page showed a redirect URI error "
            f"instead (such as AADSTS50011 or redirect_uri_mismatch): provision sent {sent}, "
            f"which the client does not allow. {register}"
        ).rstrip()
    return exc
