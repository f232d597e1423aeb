"""`provision status`: fleet health as checks, for cron, monitoring, CI and people.
Writes nothing but its own --output (with --verify, verify keeps its tokens and records)."""

from __future__ import annotations

import sys
from pathlib import Path

from .. import log, pipeline
from ..errors import OperationError
from ..files import write_file
from ..report import reporter
from ..secret import scrub


def run(
    playbook: str,
    *,
    verify: bool,
    smtp: bool,
    limit: str | None,
    jobs: int,
    timeout: float,
    fmt: str,
    output: str | None,
    vault_password_file: str | None,
) -> int:
    # no secret resolved up front: one that cannot be had fails its apps' site (and its
    # identities' verify) in the report, which a fleet's other sites still get
    checked = pipeline.check(playbook, vault_password_file=vault_password_file, limit=limit)
    out = reporter(fmt)
    out.warnings(checked.warnings, brief=playbook)
    verified = None
    if verify:
        verified = pipeline.verify(checked, smtp=smtp, limit=limit, jobs=jobs, timeout=timeout)
    model, secrets = checked.model, checked.secrets()
    del checked  # the loaded YAML: as big as all that follows
    report = pipeline.status(
        model,
        secrets=secrets,
        playbook=playbook,
        limit=limit,
        jobs=jobs,
        verified=verified,
        smtp=smtp,
    )
    started = log.clock()
    document = out.status(report)
    log.info("report", "%s: %d character(s)", fmt, len(document), since=started)
    if output is None:
        sys.stdout.write(document)
        return report.exit_code
    try:  # atomically: node_exporter's textfile collector must never read half a file
        write_file(Path(output), scrub(document).encode(), 0o644)
    except OSError as exc:
        raise OperationError(f"cannot write {output}: {exc}") from None
    return report.exit_code
