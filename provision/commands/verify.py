"""`provision verify`: a token (and an SMTP XOAUTH2 login) for every identity in use."""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable

import click

from .. import pipeline
from ..report import reporter
from ..tokens.verify import IdentityResult


def run(
    playbook: str,
    *,
    smtp: bool,
    limit: str | None,
    jobs: int,
    fmt: str,
    vault_password_file: str | None,
    timeout: float,
) -> int:
    checked = pipeline.check(
        playbook, vault_password_file=vault_password_file, resolve_secrets="used", limit=limit
    )
    bar = _Progress() if fmt == "text" and sys.stderr.isatty() else None
    result = pipeline.verify(
        checked,
        smtp=smtp,
        limit=limit,
        jobs=jobs,
        timeout=timeout,
        on_start=bar.start if bar else lambda total: None,
    )
    if bar:
        bar.finish()
    reporter(fmt).verified(result)
    return 1 if result.failed else 0


class _Progress:
    """A progress bar on stderr, advanced from worker threads."""

    def start(self, total: int) -> Callable[[IdentityResult], None]:
        self._bar = click.progressbar(length=total, label="verifying", file=sys.stderr)
        self._bar.__enter__()
        self._lock = threading.Lock()
        return self.advance

    def advance(self, _result: IdentityResult) -> None:
        with self._lock:
            self._bar.update(1)

    def finish(self) -> None:
        if hasattr(self, "_bar"):
            self._bar.__exit__(None, None, None)
