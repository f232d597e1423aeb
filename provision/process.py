"""The one way to run a command: no shell, a timeout, bounded output, and a message that
says what went wrong (not found, timed out, exit status with the end of its stderr)."""

from __future__ import annotations

import os
import selectors
import subprocess
import time
from collections.abc import Sequence
from pathlib import Path

MAX_OUTPUT = 1 << 20  # bytes of stdout a command may print: secrets and passwords are short
STDERR_TAIL = 300  # characters of stderr quoted in a failure message


class ProcessError(Exception):
    """A command could not be run or failed; the message names it (`what argv[0]`)."""


def run(
    argv: Sequence[str],
    *,
    what: str,
    timeout: float,
    cwd: Path | None = None,
    stdin: bytes | None = None,
    max_output: int = MAX_OUTPUT,
    capture_stderr: bool = True,
) -> bytes:
    """Run `argv` and return its stdout. `what` names the command in messages ("command",
    "deliver command"). Output beyond `max_output` bytes, or a run beyond `timeout`
    seconds, stops the command. With `capture_stderr` false its stderr stays the
    terminal's (a password script may prompt there) and is never quoted."""
    name = argv[0] if argv else "?"
    try:
        process = subprocess.Popen(
            list(argv),
            stdin=subprocess.PIPE if stdin is not None else subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE if capture_stderr else None,
            cwd=cwd,
        )
    except FileNotFoundError:
        raise ProcessError(f"{what} not found: {name}") from None
    except ValueError:  # a NUL in an argument
        raise ProcessError(f"cannot run {name}: an argument holds a NUL character") from None
    except OSError as exc:
        raise ProcessError(f"cannot run {what} {name}: {exc.strerror}") from None
    try:
        stdout, stderr = _communicate(process, stdin, timeout, max_output, what, name)
    finally:
        if process.poll() is None:
            process.kill()
        process.wait()
    if process.returncode != 0:
        tail = _tail(stderr)
        raise ProcessError(
            f"{what} {name} exited with status {process.returncode}" + (f": {tail}" if tail else "")
        )
    return stdout


def _communicate(
    process: subprocess.Popen[bytes],
    stdin: bytes | None,
    timeout: float,
    max_output: int,
    what: str,
    name: str,
) -> tuple[bytes, bytes]:
    """Feed stdin, read stdout and stderr until both close, within the bounds."""
    deadline = time.monotonic() + timeout
    out, err = bytearray(), bytearray()
    pending = memoryview(stdin or b"")
    with selectors.DefaultSelector() as selector:
        for stream, buffer in ((process.stdout, out), (process.stderr, err)):
            if stream is not None:
                selector.register(stream, selectors.EVENT_READ, buffer)
        if process.stdin is not None:
            if pending:
                selector.register(process.stdin, selectors.EVENT_WRITE, None)
            else:
                process.stdin.close()
        while selector.get_map():
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise ProcessError(f"{what} {name} did not finish within {timeout:g} s")
            for key, _ in selector.select(remaining):
                if key.data is None:  # stdin is writable
                    try:
                        pending = pending[os.write(key.fd, pending[:65536]) :]
                    except BrokenPipeError:  # it stopped reading: what it read is its answer
                        pending = pending[:0]
                    if not pending:
                        selector.unregister(key.fileobj)
                        key.fileobj.close()  # type: ignore[union-attr]
                    continue
                chunk = os.read(key.fd, 65536)
                if not chunk:
                    selector.unregister(key.fileobj)
                    continue
                target: bytearray = key.data
                target += chunk
                if target is out and len(out) > max_output:
                    raise ProcessError(
                        f"{what} {name} printed more than {max_output:,} bytes; stopped it"
                    )
                if target is err and len(err) > 4 * STDERR_TAIL:
                    del err[: len(err) - 2 * STDERR_TAIL]  # only the tail is ever quoted
    remaining = max(deadline - time.monotonic(), 0.01)
    try:
        process.wait(remaining)
    except subprocess.TimeoutExpired:
        raise ProcessError(f"{what} {name} did not finish within {timeout:g} s") from None
    return bytes(out), bytes(err)


def _tail(stderr: bytes) -> str:
    """The last line(s) of stderr, on one line, at most STDERR_TAIL characters."""
    text = " ".join(stderr.decode("utf-8", "replace").split())
    return text if len(text) <= STDERR_TAIL else "..." + text[-STDERR_TAIL:]
