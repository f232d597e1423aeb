"""`provision rotate-secret`'s output: per client, what is (or would be) done, and a
recap; text for people, JSON (`format_version` 1) for programs. No secret is ever in it:
key ids, names and dates only."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import click

from ..errors import Problem
from .base import dump_json
from .text import PAST

if TYPE_CHECKING:
    from ..apply.rotation import RotationResult
    from ..plan.rotation import RotationPlan

FORMAT_VERSION = 1


def status_of(result: RotationResult, check: bool) -> str:
    """due / not-due (with --check), rotated / retired / unchanged, or failed."""
    if result.failed:
        return "failed"
    if check:
        return "due" if result.plan.due else "not-due"
    return "unchanged" if result.outcome == "ok" else result.outcome


def _end(plan: RotationPlan) -> str:
    from ..providers.microsoft.graph import format_instant

    return format_instant(plan.end)


def _expires_line(plan: RotationPlan) -> str:
    if plan.client.client_secret_expires is None:
        return (
            "client_secret_expires is not set in the playbook: provision does not add it "
            "(Graph's end date is used)"
        )
    return f"client_secret_expires becomes {plan.end.date().isoformat()}"


def _apps_line(plan: RotationPlan) -> str | None:
    if not plan.apps:
        return None
    if plan.manual:
        return (
            "app configs rewritten; no deliver command: enter the new secret by hand in "
            + ", ".join(plan.manual)
            + " (they keep working with the old one until it is retired)"
        )
    return "app configs rewritten and delivered: " + ", ".join(plan.apps)


def print_text(results: Sequence[RotationResult], *, check: bool, retire: bool) -> None:
    for result in results:
        plan, status = result.plan, status_of(result, check)
        head = f"client {plan.client.name}: {status}"
        click.echo(head + (f" ({plan.reason})" if plan.reason and not result.failed else ""))
        if plan.due and not retire and status in ("due", "rotated", "failed"):
            click.echo(f"  new secret: '{plan.display_name}', valid until {_end(plan)}")
            click.echo(f"  stored in: {plan.store.describe()}; {_expires_line(plan)}")
            line = _apps_line(plan)
            if line:
                click.echo(f"  {line}")
            click.echo("  identities verified: " + ", ".join(plan.identities))
            if plan.replaces:
                click.echo(
                    "  replaces secret " + ", ".join(plan.replaces) + " (--retire removes it)"
                )
        if retire and plan.retire:
            keys = ", ".join(f"{p.key_id} '{p.display_name or ''}'" for p in plan.retire)
            click.echo(f"  {'would remove' if check else 'removes'}: {keys}")
            if plan.manual:
                click.echo(
                    "  apps without a deliver command must hold the new secret first: "
                    + ", ".join(plan.manual)
                )
        for note in plan.notes:
            click.echo(f"  note: {note}")
        for done in result.done:
            click.echo(f"  done: {done}")
        for identity in result.identities:
            text = f"  verified: {identity.name}: {identity.status}"
            click.echo(text + (f": {identity.error}" if identity.error else ""))
        for app in result.apps:
            if app.status == "changed":
                click.echo(f"  changed: [{app.item}] {app.path} ({PAST.get(app.action or '')})")
            elif app.status == "failed":
                click.echo(f"  failed: [{app.item}] {app.path}: {app.message}")
        if result.error:
            click.echo(f"  failed: {result.error}")
            if result.hint:
                click.echo(f"  hint: {result.hint}")
    click.echo()
    click.echo("RECAP " + ("(check mode) " if check else "") + "*" * 40)
    for result in results:
        status = status_of(result, check)
        changed = int(status in ("rotated", "retired", "due"))
        failed = int(status == "failed")
        click.echo(f"{result.plan.client.name} : ok={1 - failed} changed={changed} failed={failed}")


def document(
    results: Sequence[RotationResult],
    *,
    check: bool,
    retire: bool,
    warnings: Sequence[Problem] = (),
) -> dict[str, object]:
    clients = []
    for result in results:
        plan = result.plan
        clients.append(
            {
                "name": plan.client.name,
                "client_id": plan.client.client_id,
                "status": status_of(result, check),
                "reason": plan.reason,
                "display_name": plan.display_name,
                "end": _end(plan),
                "store": plan.store.describe(),
                "client_secret_expires": plan.client.client_secret_expires is not None,
                "apps": list(plan.apps),
                "manual_apps": list(plan.manual),
                "identities": list(plan.identities),
                "key_id": result.key_id,
                "replaces": list(plan.replaces),
                "retire": [p.as_json() for p in plan.retire],
                "removed": list(result.removed),
                "done": list(result.done),
                "verified": [
                    {"name": r.name, "status": r.status, "error": r.error, "hint": r.hint}
                    for r in result.identities
                ],
                "app_results": [r.as_json() for r in result.apps],
                "notes": list(plan.notes),
                "error": result.error,
                "hint": result.hint,
            }
        )
    return {
        "format_version": FORMAT_VERSION,
        "check": check,
        "retire": retire,
        "clients": clients,
        "playbook_warnings": [problem.as_json() for problem in warnings],
    }


def report(
    results: Sequence[RotationResult],
    *,
    fmt: str,
    check: bool,
    retire: bool,
    warnings: Sequence[Problem] = (),
) -> None:
    if fmt == "json":
        dump_json(document(results, check=check, retire=retire, warnings=warnings))
    else:
        print_text(results, check=check, retire=retire)
