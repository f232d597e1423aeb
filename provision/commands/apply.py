"""`provision apply`: make the output directory (and managed app registrations) match the spec."""

from __future__ import annotations

import sys

from ..apply import CHANGED, FAILED, apply_changes, recap
from ..graph import managed_clients, reconcile, registration_results
from ..plan import diff
from ..report import dump_json
from .plan import prepare

PAST = {"create": "created", "update": "updated", "delete": "deleted", "deliver": "delivered"}


def run(
    playbook: str,
    *,
    limit: str | None,
    prune: bool,
    check: bool,
    show_diff: bool,
    vault_password_file: str | None,
    fmt: str,
    jobs: int = 8,
) -> int:
    planned = prepare(
        playbook, limit=limit, prune=prune, vault_password_file=vault_password_file, fmt=fmt
    )
    model = planned.model
    output_dir = model.settings.output_dir
    results = apply_changes(
        planned.changes, planned.state, output_dir, check=check, base_dir=model.base_dir
    )
    # Registrations hold every app's URI, whatever --limit says (as redirect-uris/ does).
    managed = bool(managed_clients(model))
    registrations = (
        reconcile(model, planned.secrets, jobs=jobs, write=not check) if managed else []
    )
    graph_results, warnings = registration_results(
        registrations, model.settings.expiry_warning_days, check=check
    )
    results += graph_results
    totals = recap(results)
    if fmt == "json":
        document: dict[str, object] = {
            "check": check,
            "output_dir": str(output_dir),
            "results": [r.as_json() for r in results if r.status != "ok"],
            "warnings": [w.as_json() for w in warnings],
            "recap": totals,
        }
        if managed:
            document["registrations"] = [r.as_json() for r in registrations]
        dump_json(document)
    else:
        out = sys.stdout
        diffs = {c.path: c for c in planned.changes}
        for result in results[: len(results) - len(graph_results)]:
            if result.status == CHANGED:
                out.write(f"changed: [{result.item}] {result.path} ({PAST[result.action or '']})\n")
                if show_diff and result.path in diffs:
                    out.write(diff(diffs[result.path]))
            elif result.status == FAILED:
                where = f" {result.path}" if result.path else ""
                out.write(f"failed: [{result.item}]{where}: {result.message}\n")
        for result, outcome in zip(graph_results, registrations, strict=True):
            if result.status == CHANGED:
                out.write(f"changed: [{result.item}] {result.message}\n")
            elif result.status == FAILED:
                out.write(f"failed: [{result.item}]: {result.message}\n")
                if result.hint:
                    out.write(f"  hint: {result.hint}\n")
            if outcome.change is not None and outcome.change.pending:
                for line in outcome.change.uri_lines():
                    out.write(f"    {line}\n")
        for warning in warnings:
            out.write(f"warning: [{warning.item}] {warning.message}\n")
        out.write("\nPLAY RECAP " + ("(check mode) " if check else "") + "*" * 40 + "\n")
        for host, counts in totals.items():
            # unpadded: the contract's line reads `acme : ok=6 changed=0 failed=0 skipped=0`
            out.write(
                f"{host} : ok={counts['ok']} changed={counts['changed']} "
                f"failed={counts['failed']} skipped={counts['skipped']}\n"
            )
    return 1 if any(r.status == FAILED for r in results) else 0
