"""The whole flow, in order:

    load -> validate (schema) -> resolve -> validate (limits, lint) -> desired -> plan
         -> apply                                       (validate, plan, apply)
         -> drift | verify | authorize | test-mail      (the consoles and the identities)
         -> status                                      (plan, consoles, verify records)

Each step hands frozen data to the next; the commands call these and give the results
to a reporter. What only a later step needs is imported there, so `validate` starts fast.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from .errors import ERROR, PlaybookError, Problem
from .load import Playbook, load_playbook
from .model import Identity, Model
from .resolve import resolve
from .resolve.secrets import SecretResolver, check_secrets
from .validate.limits import check_limits
from .validate.lint import lint
from .validate.parts import passed_parts
from .validate.schema import check_schema

if TYPE_CHECKING:
    from .apply import ApplyResult
    from .identities import AuthorizeResult, MailResult, VerifyResult
    from .plan import Plan
    from .plan.drift import Drift
    from .status.report import StatusReport
    from .tokens.verify import IdentityResult


@dataclass(frozen=True)
class Checked:
    """A playbook that passed: its model, the warnings found on the way, and the secrets
    resolved while checking (each is resolved once a run)."""

    playbook: Playbook
    model: Model
    warnings: tuple[Problem, ...]
    resolver: SecretResolver | None = None

    def secrets(self, vault_password_file: str | None) -> SecretResolver:
        if self.resolver is not None:
            return self.resolver
        return SecretResolver(self.model.base_dir, vault_password_file)


def check(
    path: str | os.PathLike[str],
    *,
    vault_password_file: str | None = None,
    resolve_secrets: bool | Literal["all", "used"] = False,
    limit: str | None = None,
    identity: str | None = None,
) -> Checked:
    """Load, validate and resolve a playbook, and resolve its secrets: "all" (or True)
    every one it references, "used" those the apps `limit` selects need (or `identity`).
    PlaybookError lists every error, with the warnings found before them: a secret that
    cannot be had is the playbook's problem, located, in every command."""
    playbook = load_playbook(path)
    problems = check_schema(playbook)
    if problems:
        raise PlaybookError(
            sorted(problems + _beyond_schema(playbook, problems), key=Problem.order)
        )
    model = resolve(playbook)
    problems = [
        *model.warnings,
        *check_limits(model.redirect_uris, playbook.locate),
        *lint(model, playbook.locate),
    ]
    resolver = None
    if resolve_secrets:
        resolver = SecretResolver(model.base_dir, vault_password_file)
        used = None if resolve_secrets in (True, "all") else _needing(model, limit, identity)
        problems = check_secrets(model, resolver, playbook.locate, used) + problems
    if any(p.severity == ERROR for p in problems):
        raise PlaybookError(problems)
    return Checked(playbook, model, tuple(problems), resolver)


def _needing(model: Model, limit: str | None, identity: str | None) -> list[Identity]:
    """The identities a command works for: those of the apps --limit selects, or one."""
    from .limit import Limit

    if identity is not None:
        from .desired.credentials import identity_unit

        return [identity_unit(model, identity).identity]
    selection = Limit.parse(limit)  # matching nothing is the step's to report
    return [app.identity for app in model.apps() if selection.selects(app.site, app.name)]


def _beyond_schema(playbook: Playbook, problems: list[Problem]) -> list[Problem]:
    """What resolving finds in the parts of the playbook that passed the schema."""
    parts = passed_parts(playbook, problems)
    if parts is None:
        return []
    try:
        resolve(*parts)
    except PlaybookError as exc:
        return list(exc.problems)
    return []


def plan(
    model: Model,
    *,
    limit: str | None,
    prune: bool = False,
    jobs: int = 8,
    vault_password_file: str | None = None,
    secrets: SecretResolver | None = None,
) -> Plan:
    """desired state -> file changes and registration changes. Takes the model alone: the
    loaded YAML, as big as everything after it together, can be let go before."""
    from .limit import Limit
    from .plan import make_plan
    from .plan.manifest import recorded_sites

    recorded = recorded_sites(model.settings.output_dir) if prune and limit else ()
    return make_plan(
        model,
        secrets or SecretResolver(model.base_dir, vault_password_file),
        limit=Limit.select(limit, model.sites, recorded),
        prune=prune,
        jobs=jobs,
    )


def apply(planned: Plan, *, check: bool = False, jobs: int = 8) -> ApplyResult:
    """Carry out the plan (with `check`: only say what carrying it out would do)."""
    from .apply import apply_plan

    return apply_plan(planned, check=check, jobs=jobs)


def drift(checked: Checked, *, jobs: int = 8, vault_password_file: str | None = None) -> Drift:
    """Every console the playbook names against the spec; never writes."""
    from .plan.drift import drift as compare_consoles
    from .plan.registrations import managed_clients, plan_registrations
    from .providers.microsoft.graph import GraphTokens

    model = checked.model
    registrations = (
        plan_registrations(model, checked.secrets(vault_password_file), GraphTokens(), jobs=jobs)
        if managed_clients(model)
        else []
    )
    return compare_consoles(model, registrations)


def status(
    model: Model,
    *,
    playbook: str,
    limit: str | None,
    jobs: int = 8,
    verified: VerifyResult | None = None,
    smtp: bool = False,
    vault_password_file: str | None = None,
    secrets: SecretResolver | None = None,
) -> StatusReport:
    """Fleet health as checks: the plan (files against the output directory, every
    Graph-managed registration), the consoles' offline copies, the verify records and the
    token store. `verified`: a verify run just before (`smtp`: with SMTP logins). Writes
    nothing."""
    from datetime import datetime, timezone

    from .status.checks import build_status, scope
    from .status.graph import read_secret_ends, unmanaged_graph_clients
    from .status.observe import observe

    now = datetime.now(timezone.utc)
    chosen = scope(model, limit)
    secrets = secrets or SecretResolver(model.base_dir, vault_password_file)
    planned = plan(model, limit=limit, jobs=jobs, secrets=secrets)
    unmanaged = unmanaged_graph_clients(model, [client.name for client in chosen.clients])
    reads = read_secret_ends(model, unmanaged, secrets, planned.tokens, jobs=jobs)
    return build_status(
        model,
        planned,
        observe(model, chosen.clients, chosen.units),
        reads,
        chosen,
        playbook=playbook,
        now=now,
        verified=verified.identities if verified is not None else (),
        smtp=smtp,
    )


def verify(
    checked: Checked,
    *,
    smtp: bool,
    limit: str | None,
    jobs: int,
    timeout: float,
    vault_password_file: str | None = None,
    on_start: Callable[[int], Callable[[IdentityResult], None] | None] = lambda total: None,
) -> VerifyResult:
    """A token (and an SMTP login) for every identity the selected apps use;
    `on_start(count)` may return a callback run as each identity finishes."""
    from .identities import verify_units

    return verify_units(
        checked.model,
        checked.secrets(vault_password_file),
        smtp=smtp,
        limit=limit,
        jobs=jobs,
        timeout=timeout,
        on_start=on_start,
    )


def authorize(
    checked: Checked,
    identity: str,
    *,
    open_browser: bool,
    port: int,
    device_code: bool,
    timeout: float,
    echo: Callable[[str], None],
    vault_password_file: str | None = None,
) -> AuthorizeResult:
    """Sign one interactive identity in once; its refresh token is stored. What the person
    signing in must read goes through `echo`."""
    from .identities import authorize_unit

    return authorize_unit(
        checked.model,
        checked.secrets(vault_password_file),
        identity,
        open_browser=open_browser,
        port=port,
        device_code=device_code,
        timeout=timeout,
        echo=echo,
    )


def test_mail(
    checked: Checked,
    identity: str,
    *,
    to: str,
    subject: str,
    timeout: float,
    vault_password_file: str | None = None,
) -> MailResult:
    """Send one real message through an identity's SMTP server."""
    from .identities import send_test_mail

    return send_test_mail(
        checked.model,
        checked.secrets(vault_password_file),
        identity,
        to=to,
        subject=subject,
        timeout=timeout,
    )
