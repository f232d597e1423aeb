"""The front of the pipeline: load -> schema -> resolve -> limits -> lint."""

from __future__ import annotations

import os
from dataclasses import dataclass

from .errors import ERROR, PlaybookError, Problem
from .lint import lint
from .load import Playbook, load_playbook
from .model import Model
from .redirect_uris import check_limits
from .resolve import resolve
from .schema import check_schema
from .secret import SecretError, SecretRef, SecretResolver


@dataclass(frozen=True)
class Checked:
    """A playbook that passed: its model, and the warnings found on the way."""

    playbook: Playbook
    model: Model
    warnings: tuple[Problem, ...]


def check_playbook(path: str | os.PathLike[str]) -> Checked:
    """Load, validate and resolve a playbook; PlaybookError lists every error
    (and the warnings found before them)."""
    playbook = load_playbook(path)
    problems = check_schema(playbook)
    if problems:
        raise PlaybookError(problems)
    model = resolve(playbook)
    problems = check_limits(model.redirect_uri_lists, playbook.locate)
    problems += lint(model, playbook.locate)
    if any(p.severity == ERROR for p in problems):
        raise PlaybookError(problems)
    return Checked(playbook, model, tuple(problems))


def secret_refs(model: Model) -> list[SecretRef]:
    """Every secret reference the model's used and unused objects hold, once each."""
    refs: dict[SecretRef, None] = {}
    for client in model.clients.values():
        for ref in (client.client_secret, client.private_key):
            if ref is not None:
                refs[ref] = None
    for identity in model.identities.values():
        if identity.password is not None:
            refs[identity.password] = None
    return list(refs)


def check_secrets(checked: Checked, resolver: SecretResolver) -> list[Problem]:
    """A problem for every secret reference that does not resolve."""
    problems = []
    for ref in secret_refs(checked.model):
        try:
            resolver.resolve(ref)
        except SecretError as exc:
            problems.append(
                Problem(ERROR, f"{exc} ({ref.describe()})", checked.playbook.locate(ref.where),
                        ref.where)
            )
    return problems
