"""`provision apply`: make the output directory match the spec."""

from __future__ import annotations

import sys

from ..apply import CHANGED, FAILED, apply_changes, recap
from ..plan import diff
from ..report import dump_json
from .plan import prepare


def run(
    playbook: str,
    *,
    limit: str | None,
    prune: bool,
    check: bool,
    show_diff: bool,
    vault_password_file: str | None,
    fmt: str,
) -> int:
    planned = prepare(
        playbook, limit=limit, prune=prune, vault_password_file=vault_password_file, fmt=fmt
    )
    output_dir = planned.model.settings.output_dir
    results = apply_changes(
        planned.changes, planned.state, output_dir, check=check, base_dir=planned.model.base_dir
    )
    totals = recap(results)
    if fmt == "json":
        dump_json(
            {
                "check": check,
                "output_dir": str(output_dir),
                "results": [r.as_json() for r in results if r.status != "ok"],
                "recap": totals,
            }
        )
    else:
        out = sys.stdout
        diffs = {c.path: c for c in planned.changes}
        for result in results:
            if result.status == CHANGED:
                out.write(f"changed: [{result.item}] {result.path} ({result.action}d)\n")
                if show_diff and result.path in diffs:
                    out.write(diff(diffs[result.path]))
            elif result.status == FAILED:
                where = f" {result.path}" if result.path else ""
                out.write(f"failed: [{result.item}]{where}: {result.message}\n")
        out.write("\nPLAY RECAP " + ("(check mode) " if check else "") + "*" * 40 + "\n")
        for host, counts in totals.items():
            # unpadded: the contract's line reads `acme : ok=6 changed=0 failed=0 skipped=0`
            out.write(
                f"{host} : ok={counts['ok']} changed={counts['changed']} "
                f"failed={counts['failed']} skipped={counts['skipped']}\n"
            )
    return 1 if any(r.status == FAILED for r in results) else 0
