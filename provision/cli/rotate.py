"""The client secret command: rotate-secret."""

from __future__ import annotations

import sys

import click

from .group import cli
from .options import format_option, playbook_argument, timeout_option, vault_option
from .streams import remember_format


@cli.command("rotate-secret")
@playbook_argument
@click.argument("clients", nargs=-1, metavar="CLIENT...")
@click.option("--all", "every", is_flag=True, help="Every Entra (microsoft) client.")
@click.option(
    "--expiring-within",
    type=click.IntRange(0, 3650),
    metavar="DAYS",
    help="Only clients whose secret expires within DAYS (all of them without CLIENT).",
)
@click.option("--check", is_flag=True, help="Show the plan, change nothing; exit 4 when due.")
@click.option(
    "--retire", is_flag=True, help="Remove the secrets provision's finished rotations replaced."
)
@click.option(
    "--lifetime",
    type=click.IntRange(1, 730),
    metavar="DAYS",
    help="Days the new secret stays valid [default: settings.secret_lifetime_days, 730].",
)
@format_option()
@timeout_option
@vault_option
def rotate_secret(
    playbook: str,
    clients: tuple[str, ...],
    every: bool,
    expiring_within: int | None,
    check: bool,
    retire: bool,
    lifetime: int | None,
    fmt: str,
    timeout: float,
    vault_password_file: str | None,
) -> None:
    """Rotate an Entra client secret: add, store, deliver, verify.

    \b
    Per client: Graph addPassword (as the client or its graph_client), the
    value into the store the playbook's client_secret names ({file: path},
    an inline !vault value re-encrypted in place, or {command: [...],
    store: [...]}; not {env} or plain text), client_secret_expires
    updated in place, every app config that carries it written and
    delivered, every identity verified with it. The old secret stays
    valid; --retire later removes only what provision's rotations replaced,
    once every identity verifies. A stopped run resumes; a client rotated
    today is not rotated again. Google clients: the console steps (exit 2).
    Exit 0 done, 1 a step failed, 2 bad input, 4 with --check: due.
    Example:
      provision rotate-secret playbooks/example.yaml acme-azure
      provision rotate-secret playbooks/example.yaml --all --expiring-within 30 --check
      provision rotate-secret playbooks/example.yaml acme-azure --retire
    """
    remember_format(fmt)
    from ..commands.rotate_secret import run

    sys.exit(
        run(
            playbook,
            clients=clients,
            every=every,
            expiring_within=expiring_within,
            check=check,
            retire=retire,
            lifetime=lifetime,
            fmt=fmt,
            vault_password_file=vault_password_file,
            timeout=timeout,
        )
    )
