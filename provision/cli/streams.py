"""The command line's output streams: every text scrubbed of secrets, and what the
command was given that its output needs (the playbook hints name, the format errors take)."""

from __future__ import annotations

import re
import shlex

import click

from ..secret import ScrubbingStream

# A hint names a command to run as `provision authorize PLAYBOOK ...`: the playbook given
_HINTED = re.compile(r"(`provision [a-z-]+ )PLAYBOOK\b")


class Output(ScrubbingStream):
    """The command line's stdout or stderr: scrubbed of secrets, and a hint's PLAYBOOK
    replaced by the playbook the command was given (a hint cannot know it)."""

    playbook: str | None = None
    used = False  # something was written (a JSON document): none is printed after it

    def write(self, text: str) -> int:
        written = len(text)
        self.used = self.used or bool(text)
        if Output.playbook is not None and "PLAYBOOK" in text:
            given = shlex.quote(Output.playbook)
            text = _HINTED.sub(lambda match: match.group(1) + given, text)
        super().write(text)
        return written


def remember_playbook(_ctx: click.Context, _param: click.Parameter, value: str) -> str:
    """The playbook argument's callback: hints name it."""
    Output.playbook = value
    return value


def remember_format(fmt: str) -> None:
    click.get_current_context().meta["provision.format"] = fmt
