"""The command line: parses arguments and calls the commands, nothing more."""

from __future__ import annotations

from . import identities, playbooks, rotate, status, tools  # noqa: F401 - each registers its commands
from .group import cli, main

__all__ = ["cli", "main"]
