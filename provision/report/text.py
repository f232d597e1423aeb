"""Text for people: results on stdout, problems and warnings on stderr."""

from __future__ import annotations

import sys
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING

from ..errors import ERROR, Problem
from .base import Failure, Reporter

if TYPE_CHECKING:
    from ..apply import ApplyResult
    from ..identities import AuthorizeResult, MailResult, VerifyResult
    from ..model import ClientUris
    from ..pipeline import Checked
    from ..plan import Plan, RegistrationPlan
    from ..plan.drift import ClientDrift, Drift
    from ..status.report import StatusReport

SYMBOLS = {"create": "+", "update": "~", "delete": "-", "deliver": ">", "unchanged": " "}
PAST = {"create": "created", "update": "updated", "delete": "deleted", "deliver": "delivered"}
AUTHORIZE_MARK = "  # provision authorize (settings.authorize_redirect_uri)"


def _out(line: str = "") -> None:
    sys.stdout.write(line + "\n")


class TextReporter(Reporter):
    name = "text"

    def problems(self, problems: Sequence[Problem]) -> None:
        for problem in problems:
            sys.stderr.write(f"{problem}\n")
        errors = sum(1 for p in problems if p.severity == ERROR)
        if errors:
            sys.stderr.write(f"{errors} error{'s' if errors != 1 else ''} found\n")

    def warnings(
        self, problems: Sequence[Problem], *, brief: str | None = None, about: str = ""
    ) -> None:
        if brief is None:
            self.problems(problems)
            return
        shown = [p for p in problems if about and p.about == about]
        self.problems(shown)
        rest = len(problems) - len(shown)
        if rest:
            import shlex

            count = f"{rest} warning{'s' if rest != 1 else ''}"
            sys.stderr.write(
                f"provision: {count} about the playbook: `provision validate "
                f"{shlex.quote(brief)}` lists {'them' if rest != 1 else 'it'}\n"
            )

    def failed(self, failure: Failure) -> None:
        sys.stderr.write(f"provision: {failure.message}\n")
        if failure.hint:
            sys.stderr.write(f"hint: {failure.hint}\n")

    def validated(self, checked: Sequence[Checked], problems: Sequence[Problem]) -> None:
        self.problems(problems)
        for one in checked:
            model = one.model
            counts = (
                _count(len(model.sites), "site"),
                _count(len(model.apps()), "app"),
                _count(len(model.identities), "identity", "identities"),
                _count(len(model.clients), "client"),
            )
            _out(f"{one.playbook.path}: valid ({', '.join(counts)})")

    def planned(self, plan: Plan, *, show_diff: bool, warnings: Sequence[Problem] = ()) -> None:
        from ..plan import summary
        from ..plan.diff import diff

        for change in plan.pending:
            _out(f"{SYMBOLS[change.action]} {change.action} {change.path}  [{change.item}]")
            if show_diff:
                sys.stdout.write(diff(change))
        for failure in plan.failures:
            _out(f"! failed [{failure.item}]: {failure.message}")
        counts = summary(list(plan.files))
        again = f"{counts['deliver']} to deliver again, " if counts["deliver"] else ""
        failed = f", {len(plan.failures)} failed" if plan.failures else ""
        _out(
            f"Plan: {counts['create']} to create, {counts['update']} to update, "
            f"{counts['delete']} to delete, {again}{counts['unchanged']} unchanged{failed}."
        )
        _stale(plan.stale)
        if plan.managed:
            _registrations(plan.registrations)

    def applied(
        self, result: ApplyResult, *, show_diff: bool, warnings: Sequence[Problem] = ()
    ) -> None:
        from ..plan.diff import diff

        changes = {change.path: change for change in result.plan.files}
        _out(f"output directory: {result.plan.model.settings.output_dir}")
        for item in result.files:
            if item.status == "changed":
                _out(f"changed: [{item.item}] {item.path} ({PAST[item.action or '']})")
                if show_diff and item.path in changes:
                    sys.stdout.write(diff(changes[item.path]))
            elif item.status == "failed":
                where = f" {item.path}" if item.path else ""
                _out(f"failed: [{item.item}]{where}: {item.message}")
        for item, outcome in zip(result.registration_results, result.registrations, strict=True):
            if item.status == "changed":
                _out(f"changed: [{item.item}] {item.message}")
            elif item.status == "failed":
                _out(f"failed: [{item.item}]: {item.message}")
                if item.hint:
                    _out(f"  hint: {item.hint}")
            change = outcome.plan.change
            if change is not None and change.pending:
                for line in change.uri_lines():
                    _out(f"    {line}")
        for warning in result.warnings:
            _out(f"warning: [{warning.item}] {warning.message}")
        _stale(result.plan.stale)
        _out()
        _out("PLAY RECAP " + ("(check mode) " if result.check else "") + "*" * 40)
        for host, counts in result.recap.items():
            # unpadded: the contract's line reads `acme : ok=6 changed=0 failed=0 skipped=0`
            _out(
                f"{host} : ok={counts['ok']} changed={counts['changed']} "
                f"failed={counts['failed']} skipped={counts['skipped']}"
            )

    def drifted(self, drift: Drift) -> None:
        offline = [c for c in drift.clients if not c.graph]
        graph = [c for c in drift.clients if c.graph]
        if not drift.clients and not drift.errors:
            _out(
                "no console to compare: name a client_secrets_file (google) or a "
                "manifest_file (microsoft), or set manage_redirect_uris (microsoft)"
            )
        for result in offline:
            _out(f"{result.name}: {'DRIFT' if result.drifted else 'in sync'} ({result.source})")
            for line in _differences(result):
                _out(f"  {line}")
            if result.secret_expires:
                _out(f"  client secret expires {result.secret_expires}")
        if graph:
            _graph_table(graph)
        for error in drift.errors:
            sys.stderr.write(f"provision: {error}\n")

    def verified(self, result: VerifyResult) -> None:
        apps = {unit.name: len(unit.apps) for unit in result.units}
        width = max((len(r.name) for r in result.identities), default=0)
        for one in result.identities:
            line = f"{one.name.ljust(width)}  {one.mode:<22} {one.status}"
            if one.expires_at:
                line += f" (token valid until {one.expires_at:%Y-%m-%d %H:%M} UTC)"
            _out(line + f"  [{apps.get(one.name, 0)} apps]")
            if one.error:
                _out(f"  error: {one.error}")
            if one.hint:
                _out(f"  hint:  {one.hint}")
        counts = {
            s: sum(1 for r in result.identities if r.status == s)
            for s in ("ok", "failed", "needs-authorization")
        }
        _out(
            f"{_count(len(result.identities), 'identity', 'identities')}: "
            f"{counts['ok']} ok, {counts['failed']} failed, "
            f"{counts['needs-authorization']} need authorization"
        )

    def redirect_uris(self, lists: Sequence[ClientUris], *, single: bool) -> None:
        if single:
            sys.stdout.write("".join(f"{uri}\n" for uri in lists[0].uris))
            return
        blocks = []
        for entry in lists:
            client = entry.client
            head = f"# {client.name} ({client.provider}, client_id {client.client_id or '-'})"
            body = "".join(
                f"{uri}{AUTHORIZE_MARK if uri == entry.authorize_uri else ''}\n"
                for uri in entry.uris
            )
            body = body or "# (no interactive apps)\n"
            blocks.append(f"{head}\n{body}")
        sys.stdout.write("\n".join(blocks))

    def authorized(self, result: AuthorizeResult) -> None:
        _out(
            f"{result.unit.name}: authorized {result.unit.sender}; refresh token stored in "
            f"{result.store} (access token valid until {result.expires_at:%Y-%m-%d %H:%M} UTC)"
        )

    def mailed(self, result: MailResult) -> None:
        _out(
            f"{result.unit.name}: sent a test message from {result.mailbox} to {result.to} "
            f"({result.message_id})"
        )

    def status(self, report: StatusReport) -> str:
        from .status_text import status_text

        return status_text(report)


def _registrations(plans: Sequence[RegistrationPlan]) -> None:
    """Redirect URI additions and removals per managed app registration."""
    counts = {"update": 0, "unchanged": 0, "failed": 0}
    for plan in plans:
        change, client = plan.change, plan.client
        if plan.failed:
            counts["failed"] += 1
            _out(f"! failed [client:{client.name}]: {plan.error}")
            if plan.hint:
                _out(f"    hint: {plan.hint}")
        elif change is not None and change.pending:
            counts["update"] += 1
            _out(
                f"~ update registration {client.name} ({client.manage_redirect_uris}, appId "
                f"{change.registration.app_id}): {len(change.add)} to add, "
                f"{len(change.remove)} to remove"
            )
        else:
            counts["unchanged"] += 1
        for line in change.uri_lines() if change is not None else ():
            _out(f"    {line}")
    failed = f", {counts['failed']} failed" if counts["failed"] else ""
    _out(f"Registrations: {counts['update']} to update, {counts['unchanged']} unchanged{failed}.")


def _graph_table(registrations: Sequence[ClientDrift]) -> None:
    """One line per app registration read through Graph, then the URIs that differ."""
    header = ("CLIENT", "MODE", "MISSING", "EXTRA", "FOREIGN", "SECRET EXPIRES", "STATE")
    rows = [
        (
            r.name,
            str(r.extra_fields.get("mode", "")),
            str(len(r.missing)),
            str(len(r.extra)),
            str(len(r.extra_fields.get("foreign", ()))),
            r.secret_expires or "-",
            "DRIFT" if r.drifted else "in sync",
        )
        for r in registrations
    ]
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]
    numeric = {2, 3, 4}
    _out("Microsoft Graph app registrations:")
    for row in [header, *rows]:
        cells = [
            cell.rjust(widths[i]) if i in numeric else cell.ljust(widths[i])
            for i, cell in enumerate(row)
        ]
        _out("  " + "  ".join(cells).rstrip())
    for r in registrations:
        for line in _differences(r):
            _out(f"{r.name}: {line}")


def _differences(result: ClientDrift) -> Iterator[str]:
    """One line per missing URI, extra URI and problem."""
    yield from (f"missing  {uri}" for uri in result.missing)
    yield from (f"extra    {uri}" for uri in result.extra)
    yield from (f"problem  {problem}" for problem in result.problems)


def _stale(paths: Sequence[str]) -> None:
    if paths:
        shown = ", ".join(paths[:3]) + (", ..." if len(paths) > 3 else "")
        files = "file is" if len(paths) == 1 else "files are"
        _out(f"{len(paths)} {files} no longer in the playbook ({shown}); --prune deletes them")


def _count(number: int, one: str, many: str | None = None) -> str:
    return f"{number:,} {one if number == 1 else many or one + 's'}"
