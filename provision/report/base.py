"""The reporter interface: one method per kind of result, one class per `--format`."""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final, Literal, TextIO

from ..errors import OperationError, Problem

if TYPE_CHECKING:
    from ..apply import ApplyResult
    from ..identities import AuthorizeResult, MailResult, VerifyResult
    from ..model import ClientUris
    from ..pipeline import Checked
    from ..plan import Plan
    from ..plan.drift import Drift
    from ..status.report import StatusReport

#: Every JSON document provision prints carries it first; it grows when a key changes
#: meaning or goes away (keys are only ever added within a version).
FORMAT_VERSION: Final = 1

#: input: the playbook or the command line (exit 2); operation: a token, a file, a
#: console (exit 1); interrupted: Ctrl-C (exit 130); internal: a bug (exit 1).
FailureKind = Literal["input", "operation", "interrupted", "internal"]


@dataclass(frozen=True)
class Failure:
    """Why a command stopped without its result: what happened, what to do about it, and
    the playbook's problems where it was the playbook. Never holds a secret."""

    kind: FailureKind
    message: str
    hint: str | None = None
    problems: Sequence[Problem] = ()


def dump_json(document: Any, stream: TextIO | None = None) -> None:
    stream = stream or sys.stdout
    json.dump(document, stream, indent=2, sort_keys=False, default=str)
    stream.write("\n")


class Reporter:
    """Renders results for people or programs. A format that does not print a kind of
    result says so (the command line offers a format only where it prints)."""

    name = "?"

    def _unsupported(self, what: str) -> None:
        raise OperationError(f"--format {self.name} does not print {what}")

    def problems(self, problems: Sequence[Problem]) -> None:
        """The problems of a playbook that cannot be used, or warnings before a result."""
        self._unsupported("problems")

    def warnings(
        self, problems: Sequence[Problem], *, brief: str | None = None, about: str = ""
    ) -> None:
        """Warnings found while checking, before a command's own result. With `brief` (the
        playbook), only a count naming the command that lists them, but those `about` the
        command's own subject in full: `validate` and `plan` list warnings, the commands
        after them do not say it all again."""
        self._unsupported("warnings")

    def failed(self, failure: Failure) -> None:
        """A command stopped without its result (the command line maps it to an exit
        code); the playbook's problems go through `problems`."""
        self._unsupported("errors")

    def validated(self, checked: Sequence[Checked], problems: Sequence[Problem]) -> None:
        self._unsupported("validation results")

    def planned(self, plan: Plan, *, show_diff: bool, warnings: Sequence[Problem] = ()) -> None:
        """The plan; `warnings`: the playbook's, which `warnings` was given before (a
        format that prints one document carries them in it)."""
        self._unsupported("plans")

    def applied(
        self, result: ApplyResult, *, show_diff: bool, warnings: Sequence[Problem] = ()
    ) -> None:
        """What apply did; `warnings` as for `planned`."""
        self._unsupported("apply results")

    def drifted(self, drift: Drift) -> None:
        self._unsupported("drift")

    def verified(self, result: VerifyResult) -> None:
        self._unsupported("verify results")

    def redirect_uris(self, lists: Sequence[ClientUris], *, single: bool) -> None:
        self._unsupported("redirect URIs")

    def authorized(self, result: AuthorizeResult) -> None:
        self._unsupported("authorizations")

    def mailed(self, result: MailResult) -> None:
        self._unsupported("test mails")

    def status(self, report: StatusReport) -> str:
        """Fleet health as one document: the command prints it or writes it to --output."""
        self._unsupported("status")
        return ""
