"""provision as a library: validate, plan, apply and verify a playbook from Python.

The same steps the commands run, minus the reporter: each function takes a playbook (a
`PlaybookPath`: a YAML file, or a directory whose *.yaml files make one) and returns typed,
frozen results; nothing is printed. The playbook's warnings (lint, readable secret files)
are `validate`'s result, and what `on_warnings` receives from plan, apply and verify.

- Bad input raises: PlaybookError (the playbook cannot be used; `.problems` lists every
  problem, located at file, line and column) or InputError (an argument cannot be used,
  e.g. a `limit` that selects nothing). `validate` alone returns problems instead.
- What fails while carrying out a plan or proving an identity is in the result, item by
  item (`ApplyResult.failed`, `VerifyResult.failed`), as the command line reports it. What
  stops a whole run (the output directory unusable, another apply holding its lock)
  raises OperationError, whose `message` and `hint` say what and what to do.
- Messages never hold a secret's value. Text of your own that may quote one (a library's
  log) can go through `scrub`, which replaces every secret this process has held.

README's "Python API" shows them at work."""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from . import pipeline
from .apply import ApplyResult, ItemResult
from .apply.registrations import ExpiryWarning, RegistrationApplied
from .desired.state import Failure
from .errors import ERROR, WARNING, InputError, Location, OperationError, PlaybookError, Problem
from .identities import VerifyResult
from .model import Item
from .plan import FileChange, Plan, RegistrationPlan
from .secret import scrub as _scrub
from .tokens.verify import IdentityResult

__all__ = [
    "ApplyResult",
    "Counts",
    "ExpiryWarning",
    "Failure",
    "FileChange",
    "IdentityResult",
    "InputError",
    "Item",
    "ItemResult",
    "Location",
    "OperationError",
    "Plan",
    "PlaybookError",
    "PlaybookPath",
    "Problem",
    "RegistrationApplied",
    "RegistrationPlan",
    "Validation",
    "VerifyResult",
    "apply",
    "plan",
    "scrub",
    "validate",
    "verify",
]

PlaybookPath = str | os.PathLike[str]
# Called once with the playbook's warnings, in file order, before the step runs (what the
# command line prints first).
_Warnings = Callable[[Sequence[Problem]], None]


@dataclass(frozen=True)
class Counts:
    """What a valid playbook defines."""

    sites: int
    apps: int
    identities: int
    clients: int


@dataclass(frozen=True)
class Validation:
    """The outcome of `validate`: every problem found (errors and warnings, as they stand
    in the files) and, for a valid playbook, what it defines."""

    playbook: Path
    problems: tuple[Problem, ...]
    counts: Counts | None  # None when the playbook is not valid

    @property
    def valid(self) -> bool:
        """No problem is an error (warnings may remain)."""
        return not self.errors

    @property
    def errors(self) -> tuple[Problem, ...]:
        return tuple(p for p in self.problems if p.severity == ERROR)

    @property
    def warnings(self) -> tuple[Problem, ...]:
        return tuple(p for p in self.problems if p.severity == WARNING)


def validate(
    playbook: PlaybookPath, *, secrets: bool = True, vault_password_file: str | None = None
) -> Validation:
    """Check a playbook as `provision validate` does: schema, cross-references, console
    limits, lint and (with `secrets`) that every secret reference resolves.

    Args:
        playbook: the playbook file or directory.
        secrets: resolve every secret reference ({env}, {file}, {command}, !vault); False
            for machines without the secrets (a pre-commit hook, CI): then no key file
            (client_secrets_file, service_account_file) is opened either.
        vault_password_file: the Ansible Vault password file (default: the environment's
            PROVISION_VAULT_PASSWORD_FILE).

    Returns:
        A Validation: `valid`, `problems` (each with its `location`), `counts`. A playbook
        that cannot be read at all is invalid too, with one problem saying why.

    Raises:
        Nothing for a bad playbook: its problems are the result.
    """
    try:
        checked = pipeline.check(
            playbook,
            vault_password_file=vault_password_file,
            resolve_secrets=secrets,
            key_files=secrets,
        )
    except PlaybookError as exc:
        return Validation(Path(playbook), tuple(exc.problems), None)
    model = checked.model
    counts = Counts(len(model.sites), len(model.apps()), len(model.identities), len(model.clients))
    return Validation(Path(playbook), checked.warnings, counts)


def plan(
    playbook: PlaybookPath,
    *,
    limit: str | None = None,
    prune: bool = False,
    jobs: int = 8,
    vault_password_file: str | None = None,
    on_warnings: _Warnings | None = None,
) -> Plan:
    """What `apply` would change, changing nothing (`provision plan`): the file changes in
    the output directory and the redirect URI changes of Graph-managed registrations.

    Args:
        playbook: the playbook file or directory.
        limit: only these sites and apps, as `--limit` takes them (`acme`, `acme/fax`,
            `beta,gamma`, patterns); None: all.
        prune: also delete files an earlier apply wrote that the playbook no longer makes.
        jobs: parallel network operations (reading registrations from Graph).
        vault_password_file: as for `validate`.
        on_warnings: receives the playbook's warnings.

    Returns:
        The Plan: `files` (FileChange, `pending` the ones to carry out), `failures` (items
        that cannot be made, e.g. a secret that does not resolve), `registrations`,
        `stale`. Pass it to `apply` to carry out exactly this plan.

    Raises:
        PlaybookError: the playbook has errors (`.problems`).
        InputError: `limit` selects nothing.
    """
    checked = _check(playbook, limit, vault_password_file, on_warnings)
    model, secrets = checked.model, checked.resolver
    del checked  # the loaded YAML (kept to locate problems): as big as all that follows
    return pipeline.plan(model, limit=limit, prune=prune, jobs=jobs, secrets=secrets)


def apply(
    playbook: PlaybookPath | Plan,
    *,
    limit: str | None = None,
    prune: bool = False,
    check: bool = False,
    jobs: int = 8,
    vault_password_file: str | None = None,
    on_warnings: _Warnings | None = None,
) -> ApplyResult:
    """Make the output directory (and managed registrations) match the playbook
    (`provision apply`): plan, then carry the plan out.

    Args:
        playbook: the playbook file or directory, or a Plan from `plan` to carry out as it
            is (then `limit`, `prune`, `vault_password_file` and `on_warnings` belong to
            that call, not this one).
        limit, prune, jobs, vault_password_file, on_warnings: as for `plan`.
        check: change nothing; the result says what carrying the plan out would do.

    Returns:
        The ApplyResult: one ItemResult per file and registration (`status` ok, changed,
        failed or skipped, with `message` and `hint` for a failure), `recap` per site, and
        `failed` when any item failed.

    Raises:
        PlaybookError: the playbook has errors.
        InputError: `limit` selects nothing.
        OperationError: the run cannot start (the output directory is unusable, another
            apply holds its lock).
        TypeError: a Plan was given with arguments that only planning takes.
    """
    if isinstance(playbook, Plan):
        if limit is not None or prune or vault_password_file or on_warnings:
            raise TypeError(
                "apply(plan): limit, prune, vault_password_file and "
                "on_warnings are plan()'s arguments"
            )
        planned = playbook
    else:
        planned = plan(
            playbook,
            limit=limit,
            prune=prune,
            jobs=jobs,
            vault_password_file=vault_password_file,
            on_warnings=on_warnings,
        )
    return pipeline.apply(planned, check=check, jobs=jobs)


def verify(
    playbook: PlaybookPath,
    *,
    limit: str | None = None,
    smtp: bool = False,
    jobs: int = 8,
    timeout: float = 15.0,
    vault_password_file: str | None = None,
    on_warnings: _Warnings | None = None,
    on_result: Callable[[IdentityResult], None] | None = None,
) -> VerifyResult:
    """Prove every identity the selected apps use (`provision verify`): a new token from
    its identity provider, and with `smtp` an XOAUTH2 login to its SMTP server. The
    outcome of each is recorded for `provision status`.

    Args:
        playbook: the playbook file or directory.
        limit: only the identities of these sites and apps, as for `plan`.
        smtp: also log in to each identity's SMTP server (nothing is sent).
        jobs: identities verified in parallel.
        timeout: seconds to wait for any one network answer.
        vault_password_file, on_warnings: as for `plan`.
        on_result: called (from a worker thread) as each identity finishes.

    Returns:
        The VerifyResult: one IdentityResult per identity, by name (`status` ok, failed or
        needs-authorization, with `error` and `hint`), and `failed` when any failed.

    Raises:
        PlaybookError: the playbook has errors (a secret the selected apps need that does
            not resolve among them).
        InputError: `limit` selects nothing.
    """
    return pipeline.verify(
        _check(playbook, limit, vault_password_file, on_warnings),
        smtp=smtp,
        limit=limit,
        jobs=jobs,
        timeout=timeout,
        on_start=lambda _total: on_result,
    )


def scrub(text: str) -> str:
    """Replace in `text` every secret value this process has held (and bearer tokens,
    Authorization headers), as the command line does with all it prints.

    Args:
        text: what you are about to log or show, e.g. a library's message.

    Returns:
        `text` with each such value replaced by `<secret>`.
    """
    return _scrub(text)


def _check(
    playbook: PlaybookPath,
    limit: str | None,
    vault_password_file: str | None,
    on_warnings: _Warnings | None,
) -> pipeline.Checked:
    """The playbook checked, with the secrets the apps `limit` selects need; its warnings
    handed to `on_warnings`."""
    checked = pipeline.check(
        playbook, vault_password_file=vault_password_file, resolve_secrets="used", limit=limit
    )
    if on_warnings is not None:
        on_warnings(checked.warnings)
    return checked
