"""Turning what the IdPs, the libraries and the network say into `TokenError`s, scrubbed
of every secret the request holds. Hints are looked up where the provider is known
(`hints.with_hint`)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from ..errors import shorten
from ..secret import Secret
from .request import Token, TokenError, TokenRequest

DEFAULT_LIFETIME = 3600  # seconds, when a token answer carries no expires_in


def token_error(
    req: TokenRequest,
    text: str,
    *,
    hint: str | None = None,
    needs_authorization: bool = False,
) -> TokenError:
    """A TokenError about `req`'s identity, `text` scrubbed of its secrets, on one line."""
    clean = shorten(" ".join(text.split()), 500)  # scrubbed, then cut
    return TokenError(f"{req.identity}: {clean}", hint, needs_authorization=needs_authorization)


def needs_reauthorization(exc: TokenError) -> TokenError:
    """`exc` marked as needing `provision authorize` when the identity provider turned the
    stored grant away (invalid_grant: expired, revoked, consent withdrawn)."""
    if "invalid_grant" not in exc.message:
        return exc
    return TokenError(exc.message, exc.hint, needs_authorization=True)


def from_exception(req: TokenRequest, action: str, exc: BaseException) -> TokenError:
    """A TokenError for an unexpected exception of a library or the network."""
    if isinstance(exc, TokenError):
        return exc
    return token_error(req, f"{action} failed: {describe(exc)}")


def describe(exc: BaseException) -> str:
    """One line about an exception, whatever library raised it."""
    text = str(exc.args[0]) if len(exc.args) == 1 else str(exc)
    if not text and exc.__context__ is not None:
        text = str(exc.__context__)
    name = type(exc).__name__
    return f"{name}: {shorten(text, 300)}" if text else name


def oauth_error_text(answer: dict[str, Any]) -> str:
    """`error: first line of error_description` of an OAuth2 error answer."""
    error = shorten(str(answer.get("error") or "error"), 100)
    description = str(answer.get("error_description") or "").strip().splitlines()
    return f"{error}: {shorten(description[0])}" if description else error


def token_from_answer(answer: dict[str, Any], now: datetime | None = None) -> Token:
    """A Token from a successful token endpoint answer."""
    try:
        lifetime = int(answer.get("expires_in") or DEFAULT_LIFETIME)
    except (TypeError, ValueError):
        lifetime = DEFAULT_LIFETIME
    refresh = answer.get("refresh_token")
    return Token(
        access_token=Secret(str(answer["access_token"]), "access token"),
        expires_at=(now or datetime.now(UTC)) + timedelta(seconds=lifetime),
        refresh_token=Secret(str(refresh), "refresh token") if refresh else None,
    )


def require(req: TokenRequest, **values: object) -> None:
    """Raise a TokenError naming the settings the mode needs but `req` lacks."""
    missing = [name for name, value in values.items() if value in (None, "")]
    if missing:
        raise TokenError(
            f"{req.identity}: mode {req.mode} needs {', '.join(missing)}",
            "set them on the identity's client in the playbook",
        )
