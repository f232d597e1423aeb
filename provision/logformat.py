"""The one handler and formatter of every log record (`provision.log` sets them up, and
imports this only when a log is asked for): records go to stderr, each rendered text
(message, arguments, traceback) passed through the scrubber first."""

from __future__ import annotations

import logging
import sys
from typing import Any, TextIO

from .secret import scrub


class ScrubbingFormatter(logging.Formatter):
    """Renders a record, then scrubs it: every secret held, Authorization headers, bearer
    tokens, and the credential fields of forms and JSON (codes, tokens, assertions,
    passwords, client secrets), whatever a library put in its message."""

    def format(self, record: logging.LogRecord) -> str:
        return scrub(super().format(record))


class StderrHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes to whatever sys.stderr is when a record comes: the command line's scrubbing
    stream, or a test runner's."""

    def __init__(self) -> None:
        super().__init__(sys.stderr)

    @property
    def stream(self) -> TextIO:
        return sys.stderr

    @stream.setter
    def stream(self, _value: Any) -> None:
        pass  # StreamHandler sets it; the stream is looked up at each record instead


def scrubbing_handler(fmt: str) -> logging.Handler:
    handler = StderrHandler()
    handler.setFormatter(ScrubbingFormatter(fmt, "%H:%M:%S"))
    return handler
