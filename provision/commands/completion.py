"""`provision completion`: the shell completion script."""

from __future__ import annotations

import click
from click.shell_completion import get_completion_class


def run(cli: click.Command, shell: str) -> int:
    completion_class = get_completion_class(shell)
    assert completion_class is not None  # the command line offers only known shells
    click.echo(completion_class(cli, {}, "provision", "_PROVISION_COMPLETE").source())
    return 0
