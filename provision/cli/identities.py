"""The commands on a playbook's identities: verify, authorize, test-mail."""

from __future__ import annotations

import sys

import click

from . import complete
from .group import cli
from .options import (
    email_address,
    format_option,
    limit_option,
    one_line_text,
    playbook_argument,
    timeout_option,
    vault_option,
)
from .streams import remember_format


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
    Every identity asks its identity provider anew (ROPC, service account and
    client credentials sign in; interactive identities redeem their stored
    refresh token): no cached access token ever proves anything. An
    interactive identity never authorized is reported as needs-authorization
    (run `provision authorize`) and does not fail the run; any failed identity
    exits 1. HTTPS goes through HTTPS_PROXY (or settings.proxy; NO_PROXY
    honoured); SMTP connects directly.
    Example:
      provision verify playbooks/example.yaml --smtp -j 16 --format json
    """
    remember_format(fmt)
    from ..commands.verify import run

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
@click.argument("identity", shell_complete=complete.interactive_identities)
@click.option(
    "--no-browser",
    is_flag=True,
    help="Only print the URL, and accept the redirected address pasted back (SSH sessions).",
)
@click.option(
    "--port",
    type=click.IntRange(0, 65535),
    default=0,
    help="Override the port of settings.authorize_redirect_uri for this run (the client "
    "must allow that redirect URI too; 0, the default: the setting's port).",
)
@click.option(
    "--device-code",
    is_flag=True,
    help="Use the device code flow (Microsoft; the app registration must allow public "
    "client flows).",
)
@click.option(
    "--timeout",
    type=click.FloatRange(1, 3600),
    default=300.0,
    show_default=True,
    help="Seconds to wait for the sign-in.",
)
@format_option()
@vault_option
def authorize(
    playbook: str,
    identity: str,
    no_browser: bool,
    port: int,
    device_code: bool,
    timeout: float,
    fmt: str,
    vault_password_file: str | None,
) -> None:
    """Authorize an interactive identity once; its refresh token is stored.

    \b
    Authorization code with PKCE, redirected to provision's own listener at
    settings.authorize_redirect_uri (default http://localhost:8400/, which
    `provision redirect-uris` lists for the client: register it first). The
    URL is printed and, unless --no-browser, opened. With --no-browser, when
    the browser runs on another machine (SSH) and its redirect to localhost
    fails there, paste the address from its address bar at the prompt; the
    listener keeps waiting too, whichever comes first counts. The refresh
    token goes to the playbook's state directory (mode 0600). What to do
    goes to stderr, the result to stdout (with --format json: one document).
    Example:
      provision authorize playbooks/example.yaml acme-mail --no-browser
    """
    from ..commands.authorize import run

    sys.exit(
        run(
            playbook,
            identity,
            open_browser=not no_browser,
            port=port,
            device_code=device_code,
            timeout=timeout,
            vault_password_file=vault_password_file,
            fmt=fmt,
        )
    )


@cli.command("test-mail")
@playbook_argument
@click.argument("identity", shell_complete=complete.identities)
@click.option("--to", "to", required=True, callback=email_address, help="Recipient address.")
@click.option("--subject", default="provision test mail", show_default=True, callback=one_line_text)
@timeout_option
@format_option()
@vault_option
def test_mail(
    playbook: str,
    identity: str,
    to: str,
    subject: str,
    timeout: float,
    fmt: str,
    vault_password_file: str | None,
) -> None:
    """Send a real test message through an identity's SMTP server with XOAUTH2.

    \b
    Example:
      provision test-mail playbooks/example.yaml acme-mail --to admin@acme.com
    """
    from ..commands.test_mail import run

    sys.exit(
        run(
            playbook,
            identity,
            to=to,
            subject=subject,
            timeout=timeout,
            vault_password_file=vault_password_file,
            fmt=fmt,
        )
    )
