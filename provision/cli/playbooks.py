"""The commands on a playbook's files and consoles: validate, schema, redirect-uris, plan,
apply, drift."""

from __future__ import annotations

import sys

import click

from . import complete
from .group import cli
from .options import (
    diff_option,
    format_option,
    jobs_option,
    limit_option,
    playbook_argument,
    prune_option,
    vault_option,
)
from .streams import remember_format


@cli.command()
@click.argument(
    "playbooks", nargs=-1, required=True, metavar="PLAYBOOK...", type=click.Path(path_type=str)
)
@format_option()
@vault_option
@click.option(
    "--no-secrets",
    is_flag=True,
    help="Do not resolve secret references nor open key files such as client_secrets_file "
    "(for pre-commit hooks and machines without the secrets).",
)
@click.option(
    "--changed",
    is_flag=True,
    help="The arguments are changed files (as pre-commit passes them): validate the "
    "playbook each belongs to, a directory playbook whole, each once.",
)
def validate(
    playbooks: tuple[str, ...],
    fmt: str,
    vault_password_file: str | None,
    no_secrets: bool,
    changed: bool,
) -> None:
    """Check a playbook: schema, cross-references, secrets, lint.

    \b
    Every secret reference must resolve ({env}, {file}, {command}, !vault),
    unless --no-secrets. Exit 0 when valid (warnings go to stderr), 2 when not.
    Example:
      provision validate playbooks/example.yaml --format json
    """
    remember_format(fmt)
    from ..commands.validate import run

    sys.exit(
        run(
            playbooks,
            fmt=fmt,
            vault_password_file=vault_password_file,
            resolve_secrets=not no_secrets,
            changed=changed,
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
    from ..commands.schema import run

    sys.exit(run(fmt=fmt))


@cli.command("redirect-uris")
@playbook_argument
@click.option(
    "--client",
    "client_name",
    shell_complete=complete.clients,
    help="Only this client; text prints bare URIs.",
)
@format_option("text", "json", "azure", "google")
def redirect_uris_command(playbook: str, client_name: str | None, fmt: str) -> None:
    """Print the redirect URIs each OAuth2 client's console must hold.

    \b
    Formats: text (paste-ready), json, azure (manifest fragment),
    google (the console JSON's web object).
    Example:
      provision redirect-uris playbooks/example.yaml --client acme-azure
    """
    remember_format("json" if fmt == "json" else "text")
    from ..commands.redirect_uris import run

    sys.exit(run(playbook, client_name=client_name, fmt=fmt))


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
    remember_format(fmt)
    from ..commands.plan import run

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
    differs; none with --check). A client secret that expires within
    settings.expiry_warning_days warns; one that has expired (by
    client_secret_expires, or Graph) fails its client and every app that
    would carry it, and their configs are not written.
    Example:
      provision apply playbooks/example.yaml
      provision apply playbooks/example.yaml --check --diff
    """
    remember_format(fmt)
    from ..commands.apply import run

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
    remember_format(fmt)
    from ..commands.drift import run

    sys.exit(run(playbook, fmt=fmt, vault_password_file=vault_password_file, jobs=jobs))
