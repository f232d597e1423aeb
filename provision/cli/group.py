"""The command group: maps what commands raise to exit codes, and the entry point."""

from __future__ import annotations

import gc
import os
import signal
import sys
from typing import TYPE_CHECKING, Any

import click

from .. import __version__
from ..errors import ERROR, InputError, OperationError, PlaybookError, Problem
from ..secret import scrub
from .options import verbose_option
from .streams import Output

if TYPE_CHECKING:
    from ..report import Reporter
    from ..report.base import Failure


class _Group(click.Group):
    def add_command(self, cmd: click.Command, name: str | None = None) -> None:
        """Every command takes -v after its name too (`provision verify -v PLAYBOOK`)."""
        cmd.params.append(verbose_option())
        super().add_command(cmd, name)

    def invoke(self, ctx: click.Context) -> Any:
        """Run the command with its output scrubbed; map what it raises to exit codes."""
        streams = sys.stdout, sys.stderr
        sys.stdout, sys.stderr = Output(sys.stdout), Output(sys.stderr)
        try:
            return self._invoke(ctx)
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
            sys.stdout, sys.stderr = streams

    def _invoke(self, ctx: click.Context) -> Any:
        """Exit 2 for bad input, 1 for a failed operation, 130 when interrupted; with
        --format json, stdout carries one JSON document whatever happens."""
        from ..report.base import Failure

        try:
            return super().invoke(ctx)
        except PlaybookError as exc:
            _reporter(ctx).problems(exc.problems)
            ctx.exit(2)
        except InputError as exc:
            problems = [Problem(ERROR, str(exc))]
            _reporter(ctx).failed(Failure("input", str(exc), problems=problems))
            ctx.exit(2)
        except OperationError as exc:
            _reporter(ctx).failed(Failure("operation", exc.message, exc.hint))
            ctx.exit(1)
        except KeyboardInterrupt:
            _reporter(ctx).failed(Failure("interrupted", "interrupted"))
            ctx.exit(130)
        except click.UsageError as exc:  # click shows the usage on stderr and exits 2
            usage = f"`{exc.ctx.command_path} --help` shows the usage" if exc.ctx else None
            message = exc.format_message()
            _json_only(ctx, Failure("input", message, usage, [Problem(ERROR, message)]))
            raise
        except (click.ClickException, click.exceptions.Exit, click.exceptions.Abort):
            raise
        except Exception as exc:  # main() reports it on stderr (or raises it to debug)
            what = f"internal error: {type(exc).__name__}: {exc}"
            _json_only(ctx, Failure("internal", what, "set PROVISION_DEBUG=1 for a traceback"))
            raise


def _format(ctx: click.Context) -> str:
    """How the command reports: "json", or "text" (also once stdout has its document)."""
    fmt = ctx.meta.get("provision.format") or "text"
    return "text" if getattr(sys.stdout, "used", False) else str(fmt)


def _reporter(ctx: click.Context) -> Reporter:
    from ..report import reporter

    return reporter(_format(ctx))


def _json_only(ctx: click.Context, failure: Failure) -> None:
    """The error document on stdout, where the command speaks JSON (click or main() tells
    people on stderr)."""
    if _format(ctx) == "json":
        _reporter(ctx).failed(failure)


@click.group(
    cls=_Group,
    params=[verbose_option()],
    context_settings={"help_option_names": ["-h", "--help"]},
)
@click.version_option(__version__, prog_name="provision")
def cli() -> None:
    """Declarative OAuth2 e-mail for innovaphone PBX and apps.

    \b
    Example:
      provision validate playbooks/example.yaml
      provision redirect-uris playbooks/example.yaml --client acme-azure
      provision apply playbooks/example.yaml
    """


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
