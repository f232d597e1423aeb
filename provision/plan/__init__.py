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
from ..model import Model
from ..providers.microsoft.graph import GraphTokens
from ..resolve.secrets import SecretResolver
from .files import FileChange, plan_files, summary
from .registrations import RegistrationPlan, managed_clients, plan_registrations

__all__ = ["FileChange", "Plan", "RegistrationPlan", "make_plan", "summary"]


@dataclass(frozen=True)
class Plan:
    model: Model
    files: tuple[FileChange, ...]
    failures: tuple[Failure, ...]
    registrations: tuple[RegistrationPlan, ...]  # every Graph-managed registration
    # the Graph tokens got while planning, for apply to carry the plan out with
    tokens: GraphTokens = field(default_factory=GraphTokens, repr=False, compare=False)

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
) -> Plan:
    """The plan for the selected apps; registrations hold every app's URI, whatever
    --limit says (as the redirect-uris/ files do)."""
    tokens = GraphTokens()
    failures: list[Failure] = []
    desired = desired_files(model, secrets, limit, failures)
    files = plan_files(desired, failures, model.settings.output_dir, prune=prune, limit=limit)
    registrations = (
        plan_registrations(model, secrets, tokens, jobs=jobs) if managed_clients(model) else []
    )
    return Plan(model, tuple(files), tuple(failures), tuple(registrations), tokens)
