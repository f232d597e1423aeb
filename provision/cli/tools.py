"""The helpers around playbooks: encrypt-string, init, completion."""

from __future__ import annotations

import sys

import click

from .group import cli
from .options import domain_name, vault_option


@cli.command("encrypt-string")
@click.option("--name", default="secret", show_default=True, help="The key to print.")
@click.option("--vault-id", help="Vault ID (writes a 1.2 header).")
@vault_option
def encrypt_string(name: str, vault_id: str | None, vault_password_file: str | None) -> None:
    """Encrypt a secret read from standard input as an Ansible Vault value.

    \b
    The value is read from stdin (or asked for, hidden, on a terminal), never
    from the command line. The output is what `ansible-vault encrypt_string`
    prints, ready to paste into a playbook.
    Example:
      pass show acme/azure | provision encrypt-string --name client_secret \\
          --vault-password-file ~/.vault-pass
    """
    from ..commands.encrypt_string import run

    if sys.stdin.isatty():
        value = click.prompt("Value to encrypt", hide_input=True, confirmation_prompt=True)
    else:
        value = sys.stdin.read().rstrip("\r\n")
    if not value:
        raise click.UsageError("nothing to encrypt: the value is empty")
    sys.exit(
        run(name=name, value=value, vault_id=vault_id, vault_password_file=vault_password_file)
    )


@cli.command()
@click.argument("directory", type=click.Path(file_okay=False))
@click.option("--site", default="example", show_default=True, help="Name of the first site.")
@click.option(
    "--domain",
    default="example.com",
    show_default=True,
    callback=domain_name,
    help="Its PBX domain.",
)
def init(directory: str, site: str, domain: str) -> None:
    """Scaffold a playbook (one site, an exchange identity) that validates at once.

    \b
    Example:
      provision init customers --site acme --domain acme.com
    """
    import re

    if not re.fullmatch(r"[a-z0-9][a-z0-9_.-]*", site):
        raise click.BadParameter(
            "use lower-case letters, digits, '_', '.', '-'", param_hint="--site"
        )
    from ..commands.init import run

    sys.exit(run(directory, site=site, domain=domain))


@cli.command()
@click.argument("shell", type=click.Choice(["bash", "zsh", "fish"]))
def completion(shell: str) -> None:
    """Print the shell completion script.

    \b
    Example (bash):
      eval "$(provision completion bash)"
    or put it in ~/.bashrc; zsh and fish likewise.
    """
    from ..commands.completion import run

    sys.exit(run(cli, shell))
