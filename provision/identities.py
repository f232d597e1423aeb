"""Proving that identities work: `verify` (a token, and an SMTP login, for every identity
the selected apps use), `authorize` (sign one interactive identity in once) and a test
mail. Each identity's provider supplies the token flows; the token layer runs them."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path

from .desired.credentials import Unit, identity_unit, named_request, token_request, units
from .errors import OperationError
from .hints import with_hint
from .limit import Limit
from .model import Model
from .providers import mode_spec, provider
from .resolve.secrets import SecretResolver
from .secret import SecretError
from .tokens.request import TokenError
from .tokens.store import TokenStore
from .tokens.verify import IdentityResult, Job, verify_identities


@dataclass(frozen=True)
class VerifyResult:
    """The outcome of verify: one result per identity the selected apps use."""

    identities: tuple[IdentityResult, ...]  # by name
    units: tuple[Unit, ...]  # the identities (and mailboxes) the selected apps use

    @property
    def failed(self) -> bool:
        return any(r.status == "failed" for r in self.identities)


@dataclass(frozen=True)
class AuthorizeResult:
    unit: Unit
    store: Path
    expires_at: datetime
    redirect_uri: str | None = None  # where the sign-in was sent back; None: device code


@dataclass(frozen=True)
class MailResult:
    unit: Unit
    mailbox: str
    to: str
    message_id: str


def _store(model: Model) -> TokenStore:
    return TokenStore(model.settings.state_dir / "tokens")


def verify_units(
    model: Model,
    secrets: SecretResolver,
    *,
    smtp: bool,
    limit: str | None,
    jobs: int,
    timeout: float,
    on_start: Callable[[int], Callable[[IdentityResult], None] | None] = lambda total: None,
) -> VerifyResult:
    """`on_start(number of identities)` may return a callback run as each one finishes."""
    selection = Limit.select(limit, model.sites)
    used = units(a for a in model.apps() if selection.selects(a.site, a.name))
    results: dict[str, IdentityResult] = {}
    work = []
    for unit in used:
        try:
            request = token_request(unit, model, secrets)
        except SecretError as exc:
            results[unit.name] = IdentityResult(
                unit.name, unit.identity.mode, "failed", f"{unit.name}: {exc}"
            )
            continue
        work.append(Job(request, provider(request.provider), unit.identity.smtp))
    on_done = on_start(len(work))
    for result in verify_identities(
        work, _store(model), workers=jobs, smtp=smtp, timeout=timeout, on_done=on_done
    ):
        results[result.name] = result
    ordered = _recorded(model, [results[name] for name in sorted(results)], smtp=smtp)
    return VerifyResult(ordered, tuple(used))


def _recorded(
    model: Model, results: Sequence[IdentityResult], *, smtp: bool
) -> tuple[IdentityResult, ...]:
    """Keep every result under the state directory for `provision status`; one that cannot
    be kept fails its identity (as a token that cannot be stored does)."""
    from .tokens.records import record_results

    failed = record_results(model.settings.state_dir / "verify", results, smtp=smtp)
    return tuple(
        replace(
            r,
            status="failed",
            error=f"{r.error or f'{r.name}: verified {r.status}'}; the result could not be "
            f"recorded: {failed[r.name]}",
            hint=r.hint or "settings.state_dir must be writable",
        )
        if r.name in failed
        else r
        for r in results
    )


def authorize_unit(
    model: Model,
    secrets: SecretResolver,
    identity: str,
    *,
    open_browser: bool,
    port: int,
    device_code: bool,
    timeout: float,
    echo: Callable[[str], None],
) -> AuthorizeResult:
    from .tokens.authorize import authorize
    from .tokens.loopback import Interaction

    unit, request = named_request(model, identity, secrets)
    mode = unit.identity.mode
    if not mode_spec(mode).interactive:
        raise TokenError(
            f"{unit.name}: mode {mode} does not authorize interactively",
            "only exchange, gmail and generic modes with an authorization_url need "
            "`provision authorize`",
        )
    if request.authorization_url is None:
        raise TokenError(
            f"{unit.name}: no authorization_url: this client cannot authorize interactively",
            "set authorization_url on the client",
        )
    store = _store(model)
    token = authorize(
        request,
        provider(request.provider),
        store,
        Interaction.on_terminal(
            echo,
            open_browser=open_browser,
            port=port,
            timeout=timeout,
            loopback_uri=model.settings.authorize_redirect_uri,
        ),
        device_code=device_code,
    )
    _record_authorized(model, unit)
    redirect_uri = None if device_code else _loopback_uri(model, port)
    return AuthorizeResult(unit, store.directory, token.expires_at, redirect_uri)


def _loopback_uri(model: Model, port: int) -> str:
    """The redirect URI authorize listens on: settings.authorize_redirect_uri, its port
    replaced by --port."""
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(model.settings.authorize_redirect_uri)
    if port:
        host = parts.hostname or "localhost"
        parts = parts._replace(netloc=f"[{host}]:{port}" if ":" in host else f"{host}:{port}")
    return urlunsplit(parts)


def _record_authorized(model: Model, unit: Unit) -> None:
    """When the stored refresh token was issued, for `provision status` (Google revokes
    one 7 days after issue while the consent screen is in Testing)."""

    from .tokens.records import record_authorized

    now = datetime.now(UTC)
    directory = model.settings.state_dir / "verify"
    failure = record_authorized(directory, unit.name, unit.identity.mode, now)
    if failure is not None:
        raise OperationError(
            f"{unit.name}: authorized and the refresh token is stored, but the time could "
            f"not be recorded: {failure}",
            "settings.state_dir must be writable",
        )


def send_test_mail(
    model: Model,
    secrets: SecretResolver,
    identity: str,
    *,
    to: str,
    subject: str,
    timeout: float,
) -> MailResult:
    from .net.http import make_session
    from .tokens.smtp import send_mail
    from .tokens.verify import acquire_token

    unit = identity_unit(model, identity)
    target = unit.identity.smtp
    if target is None:
        raise OperationError(
            f"{unit.name}: no SMTP server: a generic provider has none by default; set the "
            "identity's smtp (host, port, security)"
        )
    _, request = named_request(model, identity, secrets)
    flows = provider(request.provider)
    session = make_session(request.ca_file, timeout, proxy=request.proxy)
    try:
        # a test mail may use the cached token: it was issued for today's credentials
        token = acquire_token(request, flows, _store(model), session, reuse=True)
    finally:
        session.close()
    try:
        message_id = send_mail(
            target,
            request.mailbox,
            token.access_token,
            to=to,
            subject=subject,
            body=(
                f"This is a test message from provision for identity {unit.name} "
                f"({unit.identity.mode}), sent through {target.host}:{target.port} with "
                "OAuth2 (XOAUTH2).\nIf you can read it, e-mail for the apps using this "
                "identity works.\n"
            ),
            ca_file=request.ca_file,
            timeout=timeout,
            sender_name=unit.identity.sender_name,
        )
    except TokenError as exc:
        raise with_hint(exc, (flows.hints,)) from None
    return MailResult(unit, request.mailbox, to, message_id)
