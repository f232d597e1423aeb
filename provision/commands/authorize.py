"""`provision authorize`: one-time interactive authorization of an identity."""

from __future__ import annotations

import click

from ..credentials import named_request
from ..errors import OperationError
from ..secret import SecretResolver
from ..validate import check_playbook


def run(
    playbook: str,
    identity: str,
    *,
    open_browser: bool,
    port: int,
    device_code: bool,
    timeout: float,
    vault_password_file: str | None,
) -> int:
    from ..tokens.authorize import authorize
    from ..tokens.request import TokenError
    from ..tokens.store import TokenStore

    model = check_playbook(playbook).model
    unit, request = named_request(
        model, identity, SecretResolver(model.base_dir, vault_password_file)
    )
    store = TokenStore(model.settings.state_dir / "tokens")
    try:
        token = authorize(
            request, store, open_browser=open_browser, port=port, timeout=timeout,
            device_code=device_code, echo=lambda line: click.echo(line, err=True),
        )
    except TokenError as exc:
        raise OperationError(str(exc) + (f"\nhint: {exc.hint}" if exc.hint else "")) from None
    click.echo(
        f"{unit.name}: authorized {unit.sender}; refresh token stored in {store.directory} "
        f"(access token valid until {token.expires_at:%Y-%m-%d %H:%M} UTC)"
    )
    return 0
