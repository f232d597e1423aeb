"""JSON for programs: one document on stdout per run, `"format_version": 1` its first key.

A command that stops without its result prints the error document instead:

    {"format_version": 1, "error": {"kind", "message", "hint"}, "problems": [...]}

(`"valid": false` too where the input was refused, exit 2: a playbook's problems are
validate's own document). Keys are only ever added."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from ..errors import ERROR, Problem
from .base import FORMAT_VERSION, Failure, Reporter, dump_json

if TYPE_CHECKING:
    from ..apply import ApplyResult
    from ..identities import AuthorizeResult, MailResult, VerifyResult
    from ..model import ClientUris
    from ..pipeline import Checked
    from ..plan import Plan
    from ..plan.drift import Drift
    from ..status.report import StatusReport


def _print(document: dict[str, Any]) -> None:
    dump_json({"format_version": FORMAT_VERSION, **document})


def _problems(problems: Sequence[Problem]) -> list[dict[str, object]]:
    return [p.as_json() for p in problems]


class JsonReporter(Reporter):
    name = "json"

    def problems(self, problems: Sequence[Problem]) -> None:
        errors = sum(1 for p in problems if p.severity == ERROR)
        if not errors:
            _print({"valid": True, "problems": _problems(problems)})
            return
        found = f"{errors} error{'s' if errors != 1 else ''} found"
        self.failed(Failure("input", f"the playbook is invalid: {found}", problems=problems))

    def failed(self, failure: Failure) -> None:
        refused = {"valid": False} if failure.kind == "input" else {}
        _print(
            {
                "error": {"kind": failure.kind, "message": failure.message, "hint": failure.hint},
                **refused,
                "problems": _problems(failure.problems),
            }
        )

    def warnings(
        self, problems: Sequence[Problem], *, brief: str | None = None, about: str = ""
    ) -> None:
        pass  # the command's own document carries them, or follows without them

    def validated(self, checked: Sequence[Checked], problems: Sequence[Problem]) -> None:
        self.problems(problems)

    def planned(self, plan: Plan, *, show_diff: bool, warnings: Sequence[Problem] = ()) -> None:
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
            "playbook_warnings": _problems(warnings),
        }
        if plan.managed:
            document["registrations"] = [r.as_json() for r in plan.registrations]
        _print(document)

    def applied(
        self, result: ApplyResult, *, show_diff: bool, warnings: Sequence[Problem] = ()
    ) -> None:
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
            "playbook_warnings": _problems(warnings),
        }
        if result.plan.managed:
            document["registrations"] = [r.as_json() for r in result.registrations]
        _print(document)

    def drifted(self, drift: Drift) -> None:
        _print({"clients": [c.as_json() for c in drift.clients], "errors": list(drift.errors)})

    def verified(self, result: VerifyResult) -> None:
        _print(
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
        _print({"clients": [entry.as_json() for entry in lists]})

    def authorized(self, result: AuthorizeResult) -> None:
        unit = result.unit
        _print(
            {
                "identity": unit.name,
                "status": "authorized",
                "mode": unit.identity.mode,
                "account": unit.sender,
                "redirect_uri": result.redirect_uri,  # None: the device code flow
                "token_store": str(result.store),
                "expires_at": result.expires_at.isoformat(),  # the access token's
            }
        )

    def mailed(self, result: MailResult) -> None:
        unit, smtp = result.unit, result.unit.identity.smtp
        _print(
            {
                "identity": unit.name,
                "status": "sent",
                "mode": unit.identity.mode,
                "account": result.mailbox,
                "sender": unit.sender,
                "recipients": [result.to],
                "message_id": result.message_id,
                "smtp": (
                    {"host": smtp.host, "port": smtp.port, "security": smtp.security}
                    if smtp is not None
                    else None
                ),
            }
        )

    def status(self, report: StatusReport) -> str:
        import json

        from .status_json import status_document

        return json.dumps(status_document(report), indent=2) + "\n"
