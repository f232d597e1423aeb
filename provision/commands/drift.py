"""`provision drift`: consoles against the spec. Never writes."""

from __future__ import annotations

import sys
from collections.abc import Iterator

from ..drift import ClientDrift, ConsoleReadError, compare, entra_manifest, google_console
from ..errors import OperationError
from ..graph import managed_clients, reconcile, registration_drift
from ..report import dump_json
from ..secret import SecretResolver
from ..validate import check_playbook

DRIFT_EXIT = 4


def run(
    playbook: str, *, fmt: str, vault_password_file: str | None = None, jobs: int = 8
) -> int:
    checked = check_playbook(playbook)
    model = checked.model
    results: list[ClientDrift] = []
    errors: list[str] = []
    for entry in model.redirect_uri_lists:
        client = entry.client
        try:
            if client.provider == "google" and client.client_secrets_file is not None:
                results.append(compare(entry, google_console(client.client_secrets_file)))
            elif client.provider == "microsoft" and client.manifest_file is not None:
                results.append(compare(entry, entra_manifest(client.manifest_file)))
        except ConsoleReadError as exc:
            errors.append(f"client '{client.name}': {exc}")
    registrations: list[ClientDrift] = []
    if managed_clients(model):
        secrets = SecretResolver(model.base_dir, vault_password_file)
        for outcome in reconcile(model, secrets, jobs=jobs, write=False):
            if outcome.change is not None:
                registrations.append(registration_drift(outcome))
            else:
                hint = f" hint: {outcome.hint}" if outcome.hint else ""
                errors.append(f"client '{outcome.client.name}': {outcome.error}{hint}")
    if fmt == "json":
        every = results + registrations
        dump_json({"clients": [r.as_json() for r in every], "errors": errors})
    else:
        _print_text(results, registrations, errors)
    if errors:
        if fmt == "text":
            raise OperationError(f"{len(errors)} console(s) could not be read")
        return 1
    return DRIFT_EXIT if any(r.drifted for r in results + registrations) else 0


def _print_text(
    results: list[ClientDrift], registrations: list[ClientDrift], errors: list[str]
) -> None:
    out = sys.stdout
    if not results and not registrations and not errors:
        out.write("no console to compare: name a client_secrets_file (google) or a "
                  "manifest_file (microsoft), or set manage_redirect_uris (microsoft)\n")
    for result in results:
        state = "DRIFT" if result.drifted else "in sync"
        out.write(f"{result.name}: {state} ({result.source})\n")
        for line in _differences(result):
            out.write(f"  {line}\n")
        if result.secret_expires:
            out.write(f"  client secret expires {result.secret_expires}\n")
    if registrations:
        _print_table(registrations)
    for error in errors:
        sys.stderr.write(f"provision: {error}\n")


def _print_table(registrations: list[ClientDrift]) -> None:
    """One line per app registration read through Graph, then the URIs that differ."""
    out = sys.stdout
    header = ("CLIENT", "MODE", "MISSING", "EXTRA", "FOREIGN", "SECRET EXPIRES", "STATE")
    rows = [
        (
            r.name,
            str(r.extra_fields.get("mode", "")),
            str(len(r.missing)),
            str(len(r.extra)),
            str(len(r.extra_fields.get("foreign", ()))),
            r.secret_expires or "-",
            "DRIFT" if r.drifted else "in sync",
        )
        for r in registrations
    ]
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]
    numeric = {2, 3, 4}
    out.write("Microsoft Graph app registrations:\n")
    for row in [header, *rows]:
        cells = [
            cell.rjust(widths[i]) if i in numeric else cell.ljust(widths[i])
            for i, cell in enumerate(row)
        ]
        out.write("  " + "  ".join(cells).rstrip() + "\n")
    for r in registrations:
        for line in _differences(r):
            out.write(f"{r.name}: {line}\n")


def _differences(result: ClientDrift) -> Iterator[str]:
    """One line per missing URI, extra URI and problem."""
    yield from (f"missing  {uri}" for uri in result.missing)
    yield from (f"extra    {uri}" for uri in result.extra)
    yield from (f"problem  {problem}" for problem in result.problems)
