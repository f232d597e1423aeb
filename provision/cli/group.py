"""The command group: maps what commands raise to exit codes, and the entry point."""

from __future__ import annotations

import gc
import os
import re
import shlex
import signal
import sys
from typing import Any

import click

from .. import __version__
from ..errors import ERROR, InputError, OperationError, PlaybookError, Problem
from ..secret import ScrubbingStream, scrub

# A hint names a command to run as `provision authorize PLAYBOOK ...`: the playbook given
_HINTED = re.compile(r"(`provision [a-z-]+ )PLAYBOOK\b")


class _Output(ScrubbingStream):
    """The command line's stdout or stderr: scrubbed of secrets, and a hint's PLAYBOOK
    replaced by the playbook the command was given (a hint cannot know it)."""

    playbook: str | None = None

    def write(self, text: str) -> int:
        written = len(text)
        if _Output.playbook is not None and "PLAYBOOK" in text:
            given = shlex.quote(_Output.playbook)
            text = _HINTED.sub(lambda match: match.group(1) + given, text)
        super().write(text)
        return written


def remember_playbook(_ctx: click.Context, _param: click.Parameter, value: str) -> str:
    """The playbook argument's callback: hints name it."""
    _Output.playbook = value
    return value


class _Group(click.Group):
    def invoke(self, ctx: click.Context) -> Any:
        """Run the command with its output scrubbed; map what it raises to exit codes."""
        streams = sys.stdout, sys.stderr
        sys.stdout, sys.stderr = _Output(sys.stdout), _Output(sys.stderr)
        try:
            return self._invoke(ctx)
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
            sys.stdout, sys.stderr = streams

    def _invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except PlaybookError as exc:
            from ..report import reporter

            reporter(ctx.meta.get("provision.format") or "text").problems(exc.problems)
            ctx.exit(2)
        except InputError as exc:
            fmt = ctx.meta.get("provision.format") or "text"
            if fmt == "text":
                click.echo(f"provision: {exc}", err=True)
            else:
                from ..report import reporter

                reporter(fmt).problems([Problem(ERROR, str(exc))])
            ctx.exit(2)
        except OperationError as exc:
            click.echo(f"provision: {exc.message}", err=True)
            if exc.hint:
                click.echo(f"hint: {exc.hint}", err=True)
            ctx.exit(1)
        except KeyboardInterrupt:
            click.echo("provision: interrupted", err=True)
            ctx.exit(130)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="provision")
def cli() -> None:
    """Declarative OAuth2 e-mail for innovaphone PBX and apps.

    \b
    Example:
      provision validate playbooks/example.yaml
      provision redirect-uris playbooks/example.yaml --client acme-azure
      provision apply playbooks/example.yaml
    """


def remember_format(fmt: str) -> None:
    click.get_current_context().meta["provision.format"] = fmt


def main(argv: list[str] | None = None) -> None:
    # A large playbook allocates millions of long-lived objects (YAML nodes, the model);
    # the default thresholds make the collector rescan them again and again (a quarter
    # of a no-change apply's time). Collect far less often; cycles are still collected.
    gc.set_threshold(100_000, 50, 100)
    # Past a file size limit (ulimit -f) a write fails with EFBIG, reported per file,
    # instead of the signal killing the process midway.
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    try:
        cli.main(args=argv, prog_name="provision", standalone_mode=True)
    except SystemExit:
        raise
    except Exception as exc:  # noqa: BLE001 - a bug must not dump a traceback on users
        if os.environ.get("PROVISION_DEBUG"):
            raise
        click.echo(
            scrub(
                f"provision: internal error: {type(exc).__name__}: {exc} "
                "(set PROVISION_DEBUG=1 for a traceback)"
            ),
            err=True,
        )
        sys.exit(1)
