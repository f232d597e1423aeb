"""Apply: carry out a plan (files, then registrations) and say what was done, item by
item. With `check`, nothing is done: the plan is reported as apply would carry it out."""

from __future__ import annotations

from dataclasses import dataclass

from ..plan import Plan
from .files import apply_files
from .registrations import (
    ExpiryWarning,
    RegistrationApplied,
    apply_registrations,
    registration_results,
)
from .results import ItemResult, recap

__all__ = ["ApplyResult", "ItemResult", "apply_plan"]


@dataclass(frozen=True)
class ApplyResult:
    """What apply did (with `check`: would do), item by item, and its recap."""

    plan: Plan
    check: bool
    files: tuple[ItemResult, ...]  # the failures of the plan, then one per file
    registrations: tuple[RegistrationApplied, ...]
    registration_results: tuple[ItemResult, ...]  # one per registration
    warnings: tuple[ExpiryWarning, ...]

    @property
    def results(self) -> tuple[ItemResult, ...]:
        return self.files + self.registration_results

    @property
    def recap(self) -> dict[str, dict[str, int]]:
        return recap(self.results)

    @property
    def failed(self) -> bool:
        return any(result.status == "failed" for result in self.results)


def apply_plan(plan: Plan, *, check: bool = False, jobs: int = 8) -> ApplyResult:
    if not plan.contents:
        raise ValueError("a plan made without its files' contents cannot be applied")
    model = plan.model
    failures = [ItemResult(f.item, "failed", message=f.message) for f in plan.failures]
    if check:
        files = [
            ItemResult(c.item, "changed" if c.pending else "ok", c.path, c.action)
            for c in plan.files
        ]
        registrations = [
            RegistrationApplied(p, error=p.error, hint=p.hint) for p in plan.registrations
        ]
    else:
        files = apply_files(plan.files, model.settings.output_dir, model.base_dir)
        registrations = apply_registrations(plan.registrations, model, plan.tokens, jobs=jobs)
    results, warnings = registration_results(
        registrations, model.settings.expiry_warning_days, check=check
    )
    return ApplyResult(
        plan, check, tuple(failures + files), tuple(registrations), tuple(results), tuple(warnings)
    )
