"""JSON for programs: one document on stdout per run."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from ..errors import ERROR, Problem
from .base import Reporter, dump_json

if TYPE_CHECKING:
    from ..apply import ApplyResult
    from ..identities import VerifyResult
    from ..model import ClientUris
    from ..pipeline import Checked
    from ..plan import Plan
    from ..plan.drift import Drift
    from ..status.report import StatusReport


class JsonReporter(Reporter):
    name = "json"

    def problems(self, problems: Sequence[Problem]) -> None:
        dump_json(
            {
                "valid": not any(p.severity == ERROR for p in problems),
                "problems": [p.as_json() for p in problems],
            }
        )

    def warnings(
        self, problems: Sequence[Problem], *, brief: str | None = None, about: str = ""
    ) -> None:
        pass  # the command's own document follows

    def validated(self, checked: Sequence[Checked], problems: Sequence[Problem]) -> None:
        self.problems(problems)

    def planned(self, plan: Plan, *, show_diff: bool) -> None:
        from ..plan import summary
        from ..plan.diff import diff

        document: dict[str, object] = {
            "output_dir": str(plan.model.settings.output_dir),
            "changes": [
                {
                    **c.as_json(),
                    "file": str(plan.model.settings.output_dir / c.path),
                    **({"diff": diff(c)} if show_diff else {}),
                }
                for c in plan.pending
            ],
            "summary": summary(list(plan.files)),
            "failures": [
                {"item": str(f.item), "site": f.item.site, "message": f.message}
                for f in plan.failures
            ],
            "stale": list(plan.stale),
        }
        if plan.managed:
            document["registrations"] = [r.as_json() for r in plan.registrations]
        dump_json(document)

    def applied(self, result: ApplyResult, *, show_diff: bool) -> None:
        out = result.plan.model.settings.output_dir
        document: dict[str, object] = {
            "check": result.check,
            "output_dir": str(result.plan.model.settings.output_dir),
            "results": [
                {**r.as_json(), **({"file": str(out / r.path)} if r.path else {})}
                for r in result.results
                if r.status != "ok"
            ],
            "warnings": [w.as_json() for w in result.warnings],
            "recap": result.recap,
            "stale": list(result.plan.stale),
        }
        if result.plan.managed:
            document["registrations"] = [r.as_json() for r in result.registrations]
        dump_json(document)

    def drifted(self, drift: Drift) -> None:
        dump_json({"clients": [c.as_json() for c in drift.clients], "errors": list(drift.errors)})

    def verified(self, result: VerifyResult) -> None:
        dump_json(
            {
                "identities": [
                    {
                        "name": r.name,
                        "mode": r.mode,
                        "status": r.status,
                        "error": r.error,
                        "hint": r.hint,
                        "expires_at": r.expires_at.isoformat() if r.expires_at else None,
                    }
                    for r in result.identities
                ]
            }
        )

    def redirect_uris(self, lists: Sequence[ClientUris], *, single: bool) -> None:
        dump_json({"clients": [entry.as_json() for entry in lists]})

    def status(self, report: StatusReport) -> str:
        import json

        from .status_json import status_document

        return json.dumps(status_document(report), indent=2) + "\n"
