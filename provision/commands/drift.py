"""`provision drift`: every console against the spec. Never writes."""

from __future__ import annotations

from .. import pipeline
from ..errors import OperationError
from ..report import reporter

DRIFT_EXIT = 4


def run(playbook: str, *, fmt: str, vault_password_file: str | None = None, jobs: int = 8) -> int:
    checked = pipeline.check(playbook, vault_password_file=vault_password_file)
    found = pipeline.drift(checked, jobs=jobs)
    reporter(fmt).drifted(found)
    if found.errors:
        if fmt == "text":
            raise OperationError(f"{len(found.errors)} console(s) could not be read")
        return 1
    return DRIFT_EXIT if found.drifted else 0
