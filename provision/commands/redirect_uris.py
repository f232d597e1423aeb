"""`provision redirect-uris`: what each console must hold."""

from __future__ import annotations

from .. import pipeline
from ..errors import ERROR, InputError, PlaybookError, Problem, unknown_name
from ..model import Client
from ..report import REPORTERS, reporter
from ..report.consoles import ConsoleReporter


def run(playbook: str, *, client_name: str | None, fmt: str) -> int:
    checked = pipeline.check(playbook)
    # stderr, whatever the format: a list past Google's 100 URIs must not pass unnoticed
    REPORTERS["text"].warnings(checked.warnings, brief=playbook, about="redirect_uris")
    lists = list(checked.model.redirect_uris)
    out = reporter(fmt)
    if client_name is not None:
        lists = [entry for entry in lists if entry.client.name == client_name]
        if not lists:
            raise InputError(unknown_name("client", client_name, checked.model.clients))
        client = lists[0].client
        if isinstance(out, ConsoleReporter) and not out.documents(lists):
            raise PlaybookError([Problem(ERROR, _not_a_console_client(fmt, out, client))])
    out.redirect_uris(lists, single=client_name is not None)
    return 0


def _not_a_console_client(fmt: str, out: ConsoleReporter, client: Client) -> str:
    console = out.provider.name
    what = " without a client_id (a service account)" if client.provider == console else ""
    return (
        f"--format {fmt} prints a {console} OAuth client's console entry, but client "
        f"'{client.name}' is {client.provider}{what}: use --format text or json"
    )
