"""`provision authorize`: one-time interactive authorization of an identity."""

from __future__ import annotations

import click

from .. import pipeline
from ..report import reporter


def run(
    playbook: str,
    identity: str,
    *,
    open_browser: bool,
    port: int,
    device_code: bool,
    timeout: float,
    vault_password_file: str | None,
    fmt: str = "text",
) -> int:
    checked = pipeline.check(
        playbook, vault_password_file=vault_password_file, resolve_secrets="used", identity=identity
    )
    result = pipeline.authorize(
        checked,
        identity,
        open_browser=open_browser,
        port=port,
        device_code=device_code,
        timeout=timeout,
        echo=lambda line: click.echo(line, err=True),  # stdout: the result alone
    )
    reporter(fmt).authorized(result)
    return 0
