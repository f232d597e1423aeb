"""One-time interactive authorization of an identity: the provider's flow signs the
mailbox in, and the refresh token it hands out is stored."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..hints import with_hint
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
    try:
        acquired = flows.authorize(req, session, interaction, device_code=device_code)
        store.save_token(req, acquired.token, **acquired.keep())
    except TokenError as exc:
        raise with_hint(exc, (flows.hints,)) from None
    if acquired.note:
        interaction.echo(acquired.note)
    return acquired.token
