"""The command line: parses arguments and calls the commands, nothing more."""

from __future__ import annotations

import gc
import os
import sys
from collections.abc import Callable
from typing import Any

import click

from . import __version__
from .errors import OperationError, PlaybookError

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


class _Group(click.Group):
    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except PlaybookError as exc:
            from .report import reporter

            reporter(ctx.meta.get("provision.format") or "text").problems(exc.problems)
            ctx.exit(2)
        except OperationError as exc:
            click.echo(f"provision: {exc.message}", err=True)
            if exc.hint:
                click.echo(f"hint: {exc.hint}", err=True)
            ctx.exit(1)
        except KeyboardInterrupt:
            click.echo("provision: interrupted", err=True)
            ctx.exit(130)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="provision")
def cli() -> None:
    """Declarative OAuth2 e-mail for innovaphone PBX and apps.

    \b
    Example:
      provision validate playbooks/example.yaml
      provision redirect-uris playbooks/example.yaml --client acme-azure
      provision apply playbooks/example.yaml
    """


def _remember_format(fmt: str) -> None:
    click.get_current_context().meta["provision.format"] = fmt


@cli.command()
@click.argument(
    "playbooks", nargs=-1, required=True, metavar="PLAYBOOK...", type=click.Path(path_type=str)
)
@format_option()
@vault_option
@click.option(
    "--no-secrets",
    is_flag=True,
    help="Do not resolve secret references (for pre-commit hooks and machines "
    "without the secrets).",
)
def validate(
    playbooks: tuple[str, ...], fmt: str, vault_password_file: str | None, no_secrets: bool
) -> None:
    """Check a playbook: schema, cross-references, secrets, lint.

    \b
    Every secret reference must resolve ({env}, {file}, {command}, !vault),
    unless --no-secrets. Exit 0 when valid (warnings go to stderr), 2 when not.
    Example:
      provision validate playbooks/example.yaml --format json
    """
    _remember_format(fmt)
    from .commands.validate import run

    sys.exit(
        run(
            playbooks,
            fmt=fmt,
            vault_password_file=vault_password_file,
            resolve_secrets=not no_secrets,
        )
    )


@cli.command()
@format_option("json", "markdown")
def schema(fmt: str) -> None:
    """Print the JSON Schema of the playbook language (or its key reference).

    \b
    Example:
      provision schema > playbook.schema.json
      provision schema --format markdown > docs/reference.md
    """
    from .commands.schema import run

    sys.exit(run(fmt=fmt))


@cli.command("redirect-uris")
@playbook_argument
@click.option("--client", "client_name", help="Only this client; text prints bare URIs.")
@format_option("text", "json", "azure", "google")
def redirect_uris_command(playbook: str, client_name: str | None, fmt: str) -> None:
    """Print the redirect URIs each OAuth2 client's console must hold.

    \b
    Formats: text (paste-ready), json, azure (manifest fragment),
    google (the console JSON's web object).
    Example:
      provision redirect-uris playbooks/example.yaml --client acme-azure
    """
    _remember_format("json" if fmt == "json" else "text")
    from .commands.redirect_uris import run

    sys.exit(run(playbook, client_name=client_name, fmt=fmt))


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


@cli.command()
@playbook_argument
@diff_option
@limit_option
@prune_option
@click.option("--detailed-exitcode", is_flag=True, help="Exit 4 when changes are pending.")
@jobs_option
@format_option()
@vault_option
def plan(
    playbook: str,
    show_diff: bool,
    limit: str | None,
    prune: bool,
    detailed_exitcode: bool,
    jobs: int,
    fmt: str,
    vault_password_file: str | None,
) -> None:
    """Show what apply would change, without writing anything.

    \b
    Also reads every app registration with manage_redirect_uris (merge or
    exact) through Microsoft Graph and shows its redirect URI additions and
    removals.
    Example:
      provision plan playbooks/example.yaml --diff --limit 'acme*'
    """
    _remember_format(fmt)
    from .commands.plan import run

    sys.exit(
        run(
            playbook,
            limit=limit,
            prune=prune,
            show_diff=show_diff,
            detailed_exitcode=detailed_exitcode,
            vault_password_file=vault_password_file,
            fmt=fmt,
            jobs=jobs,
        )
    )


@cli.command()
@playbook_argument
@click.option("--check", is_flag=True, help="Plan and report, write nothing.")
@diff_option
@limit_option
@prune_option
@jobs_option
@format_option()
@vault_option
def apply(
    playbook: str,
    check: bool,
    show_diff: bool,
    limit: str | None,
    prune: bool,
    jobs: int,
    fmt: str,
    vault_password_file: str | None,
) -> None:
    """Write every app's config and every client's redirect URI list.

    \b
    Writes under settings.output_dir: apps/<site>/<app>.json (mode 0600)
    and redirect-uris/<client>.txt; a second run with nothing changed
    writes nothing. App registrations with manage_redirect_uris get their
    redirect URIs through Microsoft Graph (a PATCH only when the list
    differs; none with --check), and a client secret that expires within
    settings.expiry_warning_days warns (expired: the client fails).
    Example:
      provision apply playbooks/example.yaml
      provision apply playbooks/example.yaml --check --diff
    """
    _remember_format(fmt)
    from .commands.apply import run

    sys.exit(
        run(
            playbook,
            limit=limit,
            prune=prune,
            check=check,
            show_diff=show_diff,
            vault_password_file=vault_password_file,
            fmt=fmt,
            jobs=jobs,
        )
    )


@cli.command()
@playbook_argument
@jobs_option
@format_option()
@vault_option
def drift(playbook: str, jobs: int, fmt: str, vault_password_file: str | None) -> None:
    """Compare the consoles with the spec: missing and extra redirect URIs.

    \b
    Reads each Google client's client_secrets_file (the console's download),
    each Microsoft client's manifest_file (an exported app manifest), and,
    through Microsoft Graph, each app registration with manage_redirect_uris
    (missing: what apply would add; extra: what it would remove; foreign:
    URIs merge keeps). Never writes.
    Exit 0 in sync, 4 when drift is found, 1 when a console cannot be read.
    Example:
      provision drift playbooks/example.yaml --format json
    """
    _remember_format(fmt)
    from .commands.drift import run

    sys.exit(run(playbook, fmt=fmt, vault_password_file=vault_password_file, jobs=jobs))


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
    from .commands.encrypt_string import run

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
@click.option("--domain", default="example.com", show_default=True, help="Its PBX domain.")
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
    from .commands.init import run

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
    from .commands.completion import run

    sys.exit(run(cli, shell))


timeout_option = click.option(
    "--timeout",
    type=click.FloatRange(0.1, 3600),
    default=15.0,
    show_default=True,
    help="Seconds to wait for any one network answer.",
)


@cli.command()
@playbook_argument
@click.option("--smtp", is_flag=True, help="Also log in to each SMTP server with XOAUTH2.")
@limit_option
@click.option(
    "-j",
    "--jobs",
    type=click.IntRange(1, 256),
    default=8,
    show_default=True,
    help="Identities verified in parallel.",
)
@timeout_option
@format_option()
@vault_option
def verify(
    playbook: str,
    smtp: bool,
    limit: str | None,
    jobs: int,
    timeout: float,
    fmt: str,
    vault_password_file: str | None,
) -> None:
    """Acquire a token for every identity in use (and, with --smtp, log in to SMTP).

    \b
    An interactive identity never authorized is reported as needs-authorization
    (run `provision authorize`) and does not fail the run; any failed identity
    exits 1. Cached tokens still valid are reused.
    Example:
      provision verify playbooks/example.yaml --smtp -j 16 --format json
    """
    _remember_format(fmt)
    from .commands.verify import run

    sys.exit(
        run(
            playbook,
            smtp=smtp,
            limit=limit,
            jobs=jobs,
            fmt=fmt,
            vault_password_file=vault_password_file,
            timeout=timeout,
        )
    )


@cli.command()
@playbook_argument
@click.argument("identity")
@click.option("--no-browser", is_flag=True, help="Only print the URL (SSH sessions).")
@click.option(
    "--port",
    type=click.IntRange(0, 65535),
    default=0,
    show_default=True,
    help="Loopback port for the redirect (0: any free port).",
)
@click.option("--device-code", is_flag=True, help="Use the device code flow (Microsoft).")
@click.option(
    "--timeout",
    type=click.FloatRange(1, 3600),
    default=300.0,
    show_default=True,
    help="Seconds to wait for the sign-in.",
)
@vault_option
def authorize(
    playbook: str,
    identity: str,
    no_browser: bool,
    port: int,
    device_code: bool,
    timeout: float,
    vault_password_file: str | None,
) -> None:
    """Authorize an interactive identity once; its refresh token is stored.

    \b
    Authorization code with PKCE and a loopback redirect (http://localhost:PORT);
    the URL is printed and, unless --no-browser, opened. The refresh token goes
    to the playbook's state directory (mode 0600).
    Example:
      provision authorize playbooks/example.yaml acme-mail --no-browser
    """
    from .commands.authorize import run

    sys.exit(
        run(
            playbook,
            identity,
            open_browser=not no_browser,
            port=port,
            device_code=device_code,
            timeout=timeout,
            vault_password_file=vault_password_file,
        )
    )


@cli.command("test-mail")
@playbook_argument
@click.argument("identity")
@click.option("--to", "to", required=True, help="Recipient address.")
@click.option("--subject", default="provision test mail", show_default=True)
@timeout_option
@vault_option
def test_mail(
    playbook: str,
    identity: str,
    to: str,
    subject: str,
    timeout: float,
    vault_password_file: str | None,
) -> None:
    """Send a real test message through an identity's SMTP server with XOAUTH2.

    \b
    Example:
      provision test-mail playbooks/example.yaml acme-mail --to admin@acme.com
    """
    from .commands.test_mail import run

    sys.exit(
        run(
            playbook,
            identity,
            to=to,
            subject=subject,
            timeout=timeout,
            vault_password_file=vault_password_file,
        )
    )


def main(argv: list[str] | None = None) -> None:
    # A large playbook allocates millions of long-lived objects (YAML nodes, the model);
    # the default thresholds make the collector rescan them again and again (a quarter
    # of a no-change apply's time). Collect far less often; cycles are still collected.
    gc.set_threshold(100_000, 50, 100)
    try:
        cli.main(args=argv, prog_name="provision", standalone_mode=True)
    except SystemExit:
        raise
    except Exception as exc:  # noqa: BLE001 - a bug must not dump a traceback on users
        if os.environ.get("PROVISION_DEBUG"):
            raise
        click.echo(
            f"provision: internal error: {type(exc).__name__}: {exc} "
            "(set PROVISION_DEBUG=1 for a traceback)",
            err=True,
        )
        sys.exit(1)
