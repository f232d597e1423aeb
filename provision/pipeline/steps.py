"""The steps after the check: plan and apply; drift against the consoles, fleet status
and client secret rotation, which plan and apply in their own way."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from .. import log
from ..model import Model
from ..resolve.secrets import SecretResolver
from .check import Checked, check

if TYPE_CHECKING:
    from ..apply import ApplyResult
    from ..apply.rotation import RotationResult
    from ..apply.rotation_verify import Reloaded
    from ..identities import VerifyResult
    from ..plan import Plan
    from ..plan.drift import Drift
    from ..plan.rotation import Selection
    from ..status.report import StatusReport


def plan(
    model: Model,
    *,
    limit: str | None,
    prune: bool = False,
    jobs: int = 8,
    vault_password_file: str | None = None,
    secrets: SecretResolver | None = None,
    contents: bool = True,
) -> Plan:
    """desired state -> file changes and registration changes. Takes the model alone: the
    loaded YAML, as big as everything after it together, can be let go before. `contents`
    False: a plan to report on, not to apply (see make_plan)."""
    from ..limit import Limit
    from ..plan import make_plan
    from ..plan.manifest import recorded_sites

    started = log.clock()
    recorded = recorded_sites(model.settings.output_dir) if prune and limit else ()
    planned = make_plan(
        model,
        secrets or SecretResolver(model.base_dir, vault_password_file),
        limit=Limit.select(limit, model.sites, recorded),
        prune=prune,
        jobs=jobs,
        contents=contents,
    )
    log.info(
        "plan",
        "planned %d file(s), %d failure(s)",
        len(planned.files),
        len(planned.failures),
        since=started,
    )
    return planned


def apply(planned: Plan, *, check: bool = False, jobs: int = 8) -> ApplyResult:
    """Carry out the plan (with `check`: only say what carrying it out would do)."""
    from ..apply import apply_plan

    started = log.clock()
    result = apply_plan(planned, check=check, jobs=jobs)
    log.info("apply", "checked" if check else "applied", since=started)
    return result


def drift(checked: Checked, *, jobs: int = 8) -> Drift:
    """Every console the playbook names against the spec; never writes."""
    from ..plan.drift import drift as compare_consoles
    from ..plan.registrations import managed_clients, plan_registrations
    from ..providers.microsoft.graph import GraphTokens

    model = checked.model
    registrations = (
        plan_registrations(model, checked.secrets(), GraphTokens(), jobs=jobs)
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
    secrets: SecretResolver | None = None,
) -> StatusReport:
    """Fleet health as checks: the plan (files against the output directory, every
    Graph-managed registration), the consoles' offline copies, the verify records and the
    token store. `verified`: a verify run just before (`smtp`: with SMTP logins). Writes
    nothing."""
    from ..status.checks import build_status, scope
    from ..status.graph import read_secret_ends, unmanaged_graph_clients
    from ..status.observe import observe

    now = datetime.now(UTC)
    chosen = scope(model, limit)
    secrets = secrets or SecretResolver(model.base_dir, None)
    planned = plan(model, limit=limit, jobs=jobs, secrets=secrets, contents=False)
    started = log.clock()
    unmanaged = unmanaged_graph_clients(model, [client.name for client in chosen.clients])
    reads = read_secret_ends(model, unmanaged, secrets, planned.tokens, jobs=jobs)
    observed = observe(model, chosen.clients, chosen.units)
    log.info(
        "status", "read %d Graph registration(s) and the state directory", len(reads), since=started
    )
    started = log.clock()
    report = build_status(
        model,
        planned,
        observed,
        reads,
        chosen,
        playbook=playbook,
        now=now,
        verified=verified.identities if verified is not None else (),
        smtp=smtp,
    )
    log.info(
        "status",
        "checks of %d client(s), %d identities, %d site(s)",
        len(report.clients),
        len(report.identities),
        len(report.sites),
        since=started,
    )
    return report


def rotate(
    checked: Checked,
    selection: Selection,
    *,
    dry_run: bool,
    progress: Callable[[str], None],
    timeout: float,
) -> list[RotationResult]:
    """Each selected Entra client's secret rotation planned and, unless `dry_run`, carried
    out: added through Graph, stored, its apps rendered and delivered, its identities
    verified (or, with selection.retire, the secrets earlier rotations replaced removed)."""
    from functools import partial

    from ..apply.rotation import RotationResult, carry_out
    from ..apply.rotation_verify import Options
    from ..plan.rotation import plan_rotations

    plans = plan_rotations(checked.model, checked.playbook, checked.secrets(), selection)
    if dry_run:
        return [
            RotationResult(p, "failed" if p.failed else "ok", error=p.error, hint=p.hint)
            for p in plans
        ]
    path, vault = str(checked.playbook.path), checked.vault_password_file
    options = Options(path, vault, progress, partial(_reloaded, path, vault), timeout=timeout)
    return [carry_out(plan, options) for plan in plans]


def _reloaded(playbook: str, vault_password_file: str | None, apps: Sequence[str]) -> Reloaded:
    """The playbook checked again, the secrets of `apps` resolved (a new one is stored)."""
    from ..apply.rotation_verify import Reloaded

    limit = ",".join(apps) or None
    again = check(
        playbook,
        vault_password_file=vault_password_file,
        resolve_secrets="used" if apps else False,
        limit=limit,
    )
    return Reloaded(again.model, again.secrets())
