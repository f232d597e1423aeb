"""`provision test-mail`: send one real message through an identity."""

from __future__ import annotations

from .. import pipeline
from ..report import reporter


def run(
    playbook: str,
    identity: str,
    *,
    to: str,
    subject: str,
    timeout: float,
    vault_password_file: str | None,
    fmt: str = "text",
) -> int:
    checked = pipeline.check(
        playbook, vault_password_file=vault_password_file, resolve_secrets="used", identity=identity
    )
    result = pipeline.test_mail(
        checked,
        identity,
        to=to,
        subject=subject,
        timeout=timeout,
    )
    reporter(fmt).mailed(result)
    return 0
