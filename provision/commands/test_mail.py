"""`provision test-mail`: send one real message through an identity."""

from __future__ import annotations

import click

from ..credentials import identity_unit, named_request, smtp_target
from ..errors import OperationError
from ..secret import SecretResolver
from ..validate import check_playbook


def run(
    playbook: str,
    identity: str,
    *,
    to: str,
    subject: str,
    timeout: float,
    vault_password_file: str | None,
) -> int:
    from ..tokens.http import make_session
    from ..tokens.request import TokenError
    from ..tokens.smtp import send_mail
    from ..tokens.store import TokenStore
    from ..tokens.verify import acquire_token

    model = check_playbook(playbook).model
    unit = identity_unit(model, identity)
    target = smtp_target(unit.identity)
    if target is None:
        raise OperationError(
            f"{unit.name}: no SMTP server: a generic provider has none by default; set the "
            "identity's smtp (host, port, security)"
        )
    _, request = named_request(model, identity, SecretResolver(model.base_dir, vault_password_file))
    store = TokenStore(model.settings.state_dir / "tokens")
    session = make_session(request.ca_file, timeout)
    try:
        token = acquire_token(request, store, session)
        message_id = send_mail(
            target, request.mailbox, token.access_token, to=to, subject=subject,
            body=(
                f"This is a test message from provision for identity {unit.name} "
                f"({unit.identity.mode}), sent through {target.host}:{target.port} with "
                "OAuth2 (XOAUTH2).\nIf you can read it, e-mail for the apps using this "
                "identity works.\n"
            ),
            ca_file=request.ca_file, timeout=timeout, sender_name=unit.identity.sender_name,
        )
    except TokenError as exc:
        raise OperationError(str(exc) + (f"\nhint: {exc.hint}" if exc.hint else "")) from None
    finally:
        session.close()
    click.echo(f"{unit.name}: sent a test message from {request.mailbox} to {to} ({message_id})")
    return 0
