"""`provision verify`: a token (and an SMTP XOAUTH2 login) for every identity in use."""

from __future__ import annotations

import sys
import threading
from typing import TYPE_CHECKING

import click

from ..credentials import Unit, smtp_target, token_request, units
from ..limit import Limit
from ..report import dump_json
from ..secret import SecretError, SecretResolver
from ..validate import check_playbook

if TYPE_CHECKING:
    from ..tokens.verify import IdentityResult


def run(
    playbook: str,
    *,
    smtp: bool,
    limit: str | None,
    jobs: int,
    fmt: str,
    vault_password_file: str | None,
    timeout: float,
) -> int:
    from ..tokens.store import TokenStore
    from ..tokens.verify import IdentityResult, verify_identities

    checked = check_playbook(playbook)
    model = checked.model
    selection = Limit.parse(limit)
    selected = [a for a in model.apps() if selection.selects(a.site, a.name)]
    secrets = SecretResolver(model.base_dir, vault_password_file)
    store = TokenStore(model.settings.state_dir / "tokens")
    results: dict[str, IdentityResult] = {}
    work = []
    for unit in units(selected):
        try:
            work.append((token_request(unit, model, secrets), smtp_target(unit.identity)))
        except SecretError as exc:
            results[unit.name] = IdentityResult(unit.name, unit.identity.mode, "failed",
                                                f"{unit.name}: {exc}")
    progress = _Progress(len(work)) if fmt == "text" and sys.stderr.isatty() else None
    for result in verify_identities(
        work, store, jobs=jobs, smtp=smtp, timeout=timeout,
        on_done=progress.advance if progress else None,
    ):
        results[result.name] = result
    if progress:
        progress.finish()
    ordered = [results[name] for name in sorted(results)]
    if fmt == "json":
        dump_json({"identities": [_as_json(r) for r in ordered]})
    else:
        _print_text(ordered, units(selected))
    return 1 if any(r.status == "failed" for r in ordered) else 0


def _as_json(result: IdentityResult) -> dict[str, object]:
    return {
        "name": result.name,
        "mode": result.mode,
        "status": result.status,
        "error": result.error,
        "hint": result.hint,
        "expires_at": result.expires_at.isoformat() if result.expires_at else None,
    }


def _print_text(results: list[IdentityResult], used: list[Unit]) -> None:
    apps = {unit.name: len(unit.apps) for unit in used}
    width = max((len(r.name) for r in results), default=0)
    for result in results:
        line = f"{result.name.ljust(width)}  {result.mode:<22} {result.status}"
        if result.expires_at:
            line += f" (token valid until {result.expires_at:%Y-%m-%d %H:%M} UTC)"
        line += f"  [{apps.get(result.name, 0)} apps]"
        click.echo(line)
        if result.error:
            click.echo(f"  error: {result.error}")
        if result.hint:
            click.echo(f"  hint:  {result.hint}")
    counts = {s: sum(1 for r in results if r.status == s)
              for s in ("ok", "failed", "needs-authorization")}
    click.echo(
        f"{len(results)} identities: {counts['ok']} ok, {counts['failed']} failed, "
        f"{counts['needs-authorization']} need authorization"
    )


class _Progress:
    """A progress bar on stderr, advanced from worker threads."""

    def __init__(self, total: int) -> None:
        self._bar = click.progressbar(length=total, label="verifying", file=sys.stderr)
        self._bar.__enter__()
        self._lock = threading.Lock()

    def advance(self, _result: object) -> None:
        with self._lock:
            self._bar.update(1)

    def finish(self) -> None:
        self._bar.__exit__(None, None, None)
