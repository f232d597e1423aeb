"""`provision drift`: consoles against the spec. Never writes."""

from __future__ import annotations

import sys

from ..drift import ClientDrift, ConsoleReadError, compare, entra_manifest, google_console
from ..errors import OperationError
from ..redirect_uris import redirect_uris
from ..report import dump_json
from ..validate import check_playbook

DRIFT_EXIT = 4


def run(playbook: str, *, fmt: str) -> int:
    checked = check_playbook(playbook)
    results: list[ClientDrift] = []
    errors: list[str] = []
    for entry in redirect_uris(checked.model):
        client = entry.client
        try:
            if client.provider == "google" and client.client_secrets_file is not None:
                results.append(compare(entry, google_console(client.client_secrets_file)))
            elif client.provider == "microsoft" and client.manifest_file is not None:
                results.append(compare(entry, entra_manifest(client.manifest_file)))
        except ConsoleReadError as exc:
            errors.append(f"client '{client.name}': {exc}")
    if fmt == "json":
        dump_json({"clients": [r.as_json() for r in results], "errors": errors})
    else:
        _print_text(results, errors)
    if errors:
        if fmt == "text":
            raise OperationError(f"{len(errors)} console(s) could not be read")
        return 1
    return DRIFT_EXIT if any(r.drifted for r in results) else 0


def _print_text(results: list[ClientDrift], errors: list[str]) -> None:
    out = sys.stdout
    if not results and not errors:
        out.write("no console to compare: name a client_secrets_file (google) or a "
                  "manifest_file (microsoft)\n")
    for result in results:
        state = "DRIFT" if result.drifted else "in sync"
        out.write(f"{result.name}: {state} ({result.source})\n")
        for uri in result.missing:
            out.write(f"  missing  {uri}\n")
        for uri in result.extra:
            out.write(f"  extra    {uri}\n")
        for problem in result.problems:
            out.write(f"  problem  {problem}\n")
        if result.secret_expires:
            out.write(f"  client secret expires {result.secret_expires}\n")
    for error in errors:
        sys.stderr.write(f"provision: {error}\n")
