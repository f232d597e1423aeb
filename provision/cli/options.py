"""The options several commands share."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import click

FORMATS = ("text", "json")

playbook_argument = click.argument(
    "playbook", type=click.Path(exists=False, dir_okay=True, path_type=str)
)


def format_option(*choices: str) -> Callable[[Any], Any]:
    return click.option(
        "--format",
        "fmt",
        type=click.Choice(choices or FORMATS),
        default=(choices or FORMATS)[0],
        show_default=True,
        help="Output format.",
    )


vault_option = click.option(
    "--vault-password-file",
    envvar="PROVISION_VAULT_PASSWORD_FILE",
    type=click.Path(dir_okay=False),
    help="File holding the Ansible Vault password, or an executable that prints it "
    "(env: PROVISION_VAULT_PASSWORD_FILE).",
)

limit_option = click.option(
    "--limit",
    "-l",
    metavar="PATTERN",
    help="Only these sites or site/app names: globs, comma for union, ! to exclude "
    "(e.g. 'acme*,!acme-test,beta/fax').",
)
diff_option = click.option(
    "--diff", "show_diff", is_flag=True, help="Show unified diffs (secret values masked)."
)
prune_option = click.option(
    "--prune", is_flag=True, help="Delete files this tool wrote that the spec no longer produces."
)
jobs_option = click.option(
    "-j",
    "--jobs",
    type=click.IntRange(1, 256),
    default=8,
    show_default=True,
    help="Parallel network operations.",
)

timeout_option = click.option(
    "--timeout",
    type=click.FloatRange(0.1, 3600),
    default=15.0,
    show_default=True,
    help="Seconds to wait for any one network answer.",
)
