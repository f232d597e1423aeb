"""The fleet-health command: status."""

from __future__ import annotations

import sys

import click

from .group import cli
from .options import (
    format_option,
    jobs_option,
    limit_option,
    playbook_argument,
    timeout_option,
    vault_option,
)
from .streams import remember_format


@cli.command()
@playbook_argument
@click.option("--verify", is_flag=True, help="Run verify first (a token for every identity).")
@click.option("--smtp", is_flag=True, help="With --verify: also log in to each SMTP server.")
@limit_option
@format_option("text", "json", "prometheus", "junit", "html")
@click.option(
    "--output",
    "-o",
    metavar="FILE",
    type=click.Path(dir_okay=False, path_type=str),
    help="Write the document to FILE (atomically) instead of printing it.",
)
@jobs_option
@timeout_option
@vault_option
def status(
    playbook: str,
    verify: bool,
    smtp: bool,
    limit: str | None,
    fmt: str,
    output: str | None,
    jobs: int,
    timeout: float,
    vault_password_file: str | None,
) -> None:
    """Fleet health: which customer's mail will break, and the command that fixes it.

    \b
    Checks each client's secret expiry (client_secret_expires, or Graph's
    passwordCredentials where Graph is read), a rotate-secret that stopped
    or left replaced secrets to retire, its redirect URIs in every console
    compared (the Google download, an Entra manifest, Graph), the changes
    apply would make (the plan), each identity's last verify and the age of
    its stored refresh token (an estimate). Each check is ok, a warning or
    failed. Reads only: nothing is written but --output (with --verify,
    verify keeps its tokens and results as it always does). A secret that
    cannot be had fails the sites that need it; the others are reported.
    Exit 0 all ok, 4 warnings only, 1 something failed, 2 bad input.
    Formats: text, json, prometheus (node_exporter's textfile collector),
    junit (CI), html (one self-contained page).
    Example:
      provision status playbooks/example.yaml
      provision status playbooks/example.yaml --verify --format prometheus \\
        --output /var/lib/node_exporter/textfile/provision.prom
    """
    remember_format("json" if fmt == "json" else "text")  # how problems are told
    from ..commands.status import run

    sys.exit(
        run(
            playbook,
            verify=verify,
            smtp=smtp,
            limit=limit,
            jobs=jobs,
            timeout=timeout,
            fmt=fmt,
            output=output,
            vault_password_file=vault_password_file,
        )
    )
