"""The identities' steps: prove them (verify), sign one in once (authorize), send a real
message through one (test-mail)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from .check import Checked

if TYPE_CHECKING:
    from ..identities import AuthorizeResult, MailResult, VerifyResult
    from ..tokens.verify import IdentityResult


def verify(
    checked: Checked,
    *,
    smtp: bool,
    limit: str | None,
    jobs: int,
    timeout: float,
    on_start: Callable[[int], Callable[[IdentityResult], None] | None] = lambda total: None,
) -> VerifyResult:
    """A token (and an SMTP login) for every identity the selected apps use;
    `on_start(count)` may return a callback run as each identity finishes."""
    from ..identities import verify_units

    return verify_units(
        checked.model,
        checked.secrets(),
        smtp=smtp,
        limit=limit,
        jobs=jobs,
        timeout=timeout,
        on_start=on_start,
    )


def authorize(
    checked: Checked,
    identity: str,
    *,
    open_browser: bool,
    port: int,
    device_code: bool,
    timeout: float,
    echo: Callable[[str], None],
) -> AuthorizeResult:
    """Sign one interactive identity in once; its refresh token is stored. What the person
    signing in must read goes through `echo`."""
    from ..identities import authorize_unit

    return authorize_unit(
        checked.model,
        checked.secrets(),
        identity,
        open_browser=open_browser,
        port=port,
        device_code=device_code,
        timeout=timeout,
        echo=echo,
    )


def test_mail(
    checked: Checked,
    identity: str,
    *,
    to: str,
    subject: str,
    timeout: float,
) -> MailResult:
    """Send one real message through an identity's SMTP server."""
    from ..identities import send_test_mail

    return send_test_mail(
        checked.model,
        checked.secrets(),
        identity,
        to=to,
        subject=subject,
        timeout=timeout,
    )
