"""The first half of every command: load, validate and resolve a playbook into the frozen
model, and resolve the secrets the command needs; every problem located."""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Literal

from .. import log
from ..errors import ERROR, PlaybookError, Problem
from ..load import Playbook, load_playbook
from ..model import Identity, Model
from ..resolve import resolve
from ..resolve.secrets import SecretResolver, check_secrets
from ..validate.limits import check_limits
from ..validate.lint import lint
from ..validate.parts import passed_parts
from ..validate.schema import check_schema


@dataclass(frozen=True)
class Checked:
    """A playbook that passed: its model, the warnings found on the way, and the secrets
    resolved while checking (each is resolved once a run)."""

    playbook: Playbook
    model: Model
    warnings: tuple[Problem, ...]
    resolver: SecretResolver | None = None
    vault_password_file: str | None = None

    def secrets(self) -> SecretResolver:
        if self.resolver is not None:
            return self.resolver
        return SecretResolver(self.model.base_dir, self.vault_password_file)


def check(
    path: str | os.PathLike[str],
    *,
    vault_password_file: str | None = None,
    resolve_secrets: bool | Literal["all", "used"] = False,
    limit: str | None = None,
    identity: str | None = None,
    key_files: bool = True,
) -> Checked:
    """Load, validate and resolve a playbook, and resolve its secrets: "all" (or True)
    every one it references, "used" those the apps `limit` selects need (or `identity`);
    without `key_files` no client's key file (which holds secrets) is opened.
    PlaybookError lists every error, with the warnings found before them: a secret that
    cannot be had is the playbook's problem, located, in every command that resolves them
    here (status resolves none: it reports each where it is needed)."""
    started = log.clock()
    playbook = load_playbook(path)
    log.info("load", "loaded %s: %d file(s)", path, len(playbook.sources), since=started)
    started = log.clock()
    problems = check_schema(playbook)
    log.info("validate", "schema: %d problem(s)", len(problems), since=started)
    if problems:
        raise PlaybookError(
            sorted(problems + _beyond_schema(playbook, problems, key_files), key=Problem.order)
        )
    started = log.clock()
    model = resolve(playbook, key_files=key_files)
    apps = sum(len(site.apps) for site in model.sites)
    log.info("resolve", "resolved %d site(s), %d app(s)", len(model.sites), apps, since=started)
    started = log.clock()
    problems = [
        *model.warnings,
        *check_limits(model.redirect_uris, playbook.locate),
        *lint(model, playbook.locate),
    ]
    log.info("validate", "limits and lint: %d problem(s)", len(problems), since=started)
    resolver = None
    if resolve_secrets:
        started = log.clock()
        resolver = SecretResolver(model.base_dir, vault_password_file)
        used = None if resolve_secrets in (True, "all") else _needing(model, limit, identity)
        problems = check_secrets(model, resolver, playbook.locate, used) + problems
        scope = "every identity" if used is None else f"{len(used)} identities"
        log.info("resolve", "secrets resolved for %s", scope, since=started)
    if any(p.severity == ERROR for p in problems):
        raise PlaybookError(problems)
    return Checked(playbook, model, tuple(problems), resolver, vault_password_file)


def _needing(model: Model, limit: str | None, identity: str | None) -> list[Identity]:
    """The identities a command works for: those of the apps --limit selects, or one."""
    from ..limit import Limit

    if identity is not None:
        from ..desired.credentials import identity_unit

        return [identity_unit(model, identity).identity]
    selection = Limit.parse(limit)  # matching nothing is the step's to report
    return [app.identity for app in model.apps() if selection.selects(app.site, app.name)]


def _beyond_schema(playbook: Playbook, problems: list[Problem], key_files: bool) -> list[Problem]:
    """What resolving finds in the parts of the playbook that passed the schema."""
    parts = passed_parts(playbook, problems)
    if parts is None:
        return []
    try:
        resolve(*parts, key_files=key_files)
    except PlaybookError as exc:
        return list(exc.problems)
    return []
