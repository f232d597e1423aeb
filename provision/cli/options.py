"""The options several commands share."""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

import click

from . import complete
from .streams import remember_format, remember_playbook

FORMATS = ("text", "json")


def _verbosity(ctx: click.Context, _param: click.Parameter, count: int) -> int:
    """-v's callback, on the group and on each command: the counts add up (`provision -v
    verify -v` is -vv), PROVISION_LOG may say more; logging is set up at once."""
    if ctx.resilient_parsing:  # shell completion: nothing is run, nothing is logged
        return count
    from ..log import configure, verbosity

    root = ctx.find_root()
    total = root.meta.get("provision.verbose", 0) + count
    root.meta["provision.verbose"] = total
    try:
        level = verbosity(total, os.environ.get("PROVISION_LOG"))
    except ValueError as exc:
        raise click.UsageError(str(exc), ctx) from None
    configure(level)
    return count


def verbose_option() -> click.Option:
    """-v / -vv: a new option object each time (the group and every command hold one)."""
    return click.Option(
        ["-v", "--verbose"],
        count=True,
        expose_value=False,
        callback=_verbosity,
        help="Log provision's steps to stderr; -vv also MSAL, google-auth, urllib3 and "
        "authlib (secrets scrubbed). env: PROVISION_LOG=info|debug.",
    )


playbook_argument = click.argument(
    "playbook",
    type=click.Path(exists=False, dir_okay=True, path_type=str),
    callback=remember_playbook,
)


def _remember_format(ctx: click.Context, _param: click.Parameter, value: str) -> str:
    if ctx.resilient_parsing:  # shell completion: nothing is run, nothing is told
        return value
    remember_format("json" if value == "json" else "text")  # how errors are told
    return value


def format_option(*choices: str) -> Callable[[Any], Any]:
    return click.option(
        "--format",
        "fmt",
        type=click.Choice(choices or FORMATS),
        default=(choices or FORMATS)[0],
        show_default=True,
        help="Output format.",
        # eager: known before any other option fails, so that error is JSON too
        is_eager=True,
        callback=_remember_format,
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
    shell_complete=complete.limit_items,
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


def email_address(_ctx: click.Context, param: click.Parameter, value: str) -> str:
    """An --to address: one line, one address (no header can be smuggled in)."""
    from ..validate.formats import EMAIL

    if not EMAIL.match(value):
        raise click.BadParameter(f"{value!r} is not an e-mail address (name@domain)", param=param)
    return value


def one_line_text(_ctx: click.Context, param: click.Parameter, value: str) -> str:
    """Text that goes into a mail header: printable, one line, at most 200 characters."""
    if not value.isprintable() or len(value) > 200:
        raise click.BadParameter(
            "use one line of printable text (no line break or control character), at "
            "most 200 characters",
            param=param,
        )
    return value


def domain_name(_ctx: click.Context, param: click.Parameter, value: str) -> str:
    """A DNS name such as acme.com (no port, no path, nothing YAML would read otherwise)."""
    from ..validate.formats import HOST

    if ":" in value or "[" in value or len(value) > 253 or not HOST.match(value):
        raise click.BadParameter(f"{value!r} is not a domain name such as acme.com", param=param)
    return value.lower()
