"""Plan: everything apply will do, computed before anything is done.

File changes (the desired files against the output directory) and registration changes
(the redirect URIs of each Graph-managed app registration against what Graph holds), and
the items that failed on the way. Apply carries out exactly this plan.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..desired import desired_files
from ..desired.state import Failure
from ..limit import Limit
from ..model import Item, Model
from ..providers import mode_spec
from ..providers.microsoft.graph import GraphTokens
from ..resolve.secrets import SecretResolver
from .expiry import expired_clients
from .files import FileChange, plan_files, summary
from .registrations import RegistrationPlan, managed_clients, plan_registrations

__all__ = ["FileChange", "Plan", "RegistrationPlan", "make_plan", "summary"]


@dataclass(frozen=True)
class Plan:
    """Everything apply will do: file changes, registration changes, and the items that
    failed on the way (carried out by apply exactly as planned)."""

    model: Model
    files: tuple[FileChange, ...]
    failures: tuple[Failure, ...]
    registrations: tuple[RegistrationPlan, ...]  # every Graph-managed registration
    # the Graph tokens got while planning, for apply to carry the plan out with
    tokens: GraphTokens = field(default_factory=GraphTokens, repr=False, compare=False)
    # files an earlier apply wrote that the playbook no longer makes (without --prune)
    stale: tuple[str, ...] = ()
    contents: bool = True  # False: the changes hold no content, to report on, not to apply

    @property
    def pending(self) -> list[FileChange]:
        return [change for change in self.files if change.pending]

    @property
    def managed(self) -> bool:
        return bool(self.registrations)


def make_plan(
    model: Model,
    secrets: SecretResolver,
    *,
    limit: Limit,
    prune: bool = False,
    jobs: int = 8,
    contents: bool = True,
) -> Plan:
    """The plan for the selected apps; registrations hold every app's URI, whatever
    --limit says (as the redirect-uris/ files do). `contents` False: a plan to report on
    (status; plan without --diff), which keeps no file's content and makes none of the
    package's files that are not in the output directory yet (each is to be created,
    whatever it holds)."""
    tokens = GraphTokens()
    failures: list[Failure] = []
    desired = desired_files(model, secrets, limit, failures, lazy=not contents)
    files, stale = plan_files(
        desired, failures, model.settings.output_dir, prune=prune, limit=limit, contents=contents
    )
    registrations = (
        plan_registrations(model, secrets, tokens, jobs=jobs) if managed_clients(model) else []
    )
    graph = {
        p.client.name: p.change.registration.secret_expires
        for p in registrations
        if p.change is not None
    }
    expired = expired_clients(model, graph)
    if expired:
        files = _fail_expired(model, files, failures, expired)
    return Plan(
        model,
        tuple(files),
        tuple(failures),
        tuple(registrations),
        tokens,
        tuple(stale),
        contents,
    )


def _fail_expired(
    model: Model, files: list[FileChange], failures: list[Failure], expired: dict[str, str]
) -> list[FileChange]:
    """The changes without the apps whose client secret expired: each of those apps, and
    the client, fails instead (a config holding a dead secret sends no mail)."""
    dead = {}
    for app in model.apps():
        client = app.identity.client.name
        if client in expired and mode_spec(app.identity.mode).secret == "client_secret":
            dead[app.item] = f"client '{client}': {expired[client]}"
    failures += [Failure(Item("client", name), message) for name, message in expired.items()]
    failures += [Failure(item, message) for item, message in dead.items()]
    return [c for c in files if c.action == "delete" or c.item.task not in dead]
