"""Verbose logs (`-v`, `-vv`, PROVISION_LOG): provision's own steps at INFO (load,
validate, resolve, plan, apply, each HTTP request, each identity verified, with timings);
at DEBUG also MSAL, google-auth, urllib3 and authlib. Every record goes to stderr through
one handler whose formatter passes the rendered text (message, arguments, traceback)
through the scrubber, so no secret a library logs (MSAL logs the authorization code and
its token requests at DEBUG) reaches the terminal. Without either, nothing is set up and
nothing is logged (`logging` is not even imported: `provision validate` starts fast)."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import logging

#: PROVISION_LOG's values and the verbosity each means (`-v` counts alike)
LEVELS = {"off": 0, "warning": 0, "info": 1, "debug": 2}
#: the libraries whose records -vv shows (google: google-auth's base logger)
LIBRARIES = ("msal", "google", "urllib3", "authlib")
NAME = "provision"
FORMAT = "%(asctime)s.%(msecs)03d %(levelname)s %(name)s: %(message)s"

_verbosity = 0
_handler: logging.Handler | None = None


def verbosity(count: int, env: str | None) -> int:
    """The verbosity asked for: `-v` counted, or PROVISION_LOG (a level name or 0-2),
    whichever says more. ValueError names the values PROVISION_LOG takes."""
    level = 0
    if env is not None and env.strip():
        word = env.strip().lower()
        if word in LEVELS:
            level = LEVELS[word]
        elif word in ("0", "1", "2"):
            level = int(word)
        else:
            raise ValueError(
                f"PROVISION_LOG={env!r}: use off, info (provision's steps) or debug "
                "(also MSAL, google-auth, urllib3, authlib)"
            )
    return max(min(count, 2), level)


def configure(level: int) -> None:
    """Log at `level` (0 nothing, 1 provision's steps, 2 also the libraries) from now on;
    again with another level replaces what was set up before."""
    global _verbosity, _handler
    _verbosity = level
    if level <= 0 and _handler is None:
        return
    import logging

    root = logging.getLogger()
    if _handler is not None:
        root.removeHandler(_handler)
        _handler = None
    own = logging.getLogger(NAME)
    own.setLevel(logging.INFO if level == 1 else logging.DEBUG if level > 1 else logging.NOTSET)
    for library in LIBRARIES:
        logger = logging.getLogger(library)
        logger.setLevel(logging.DEBUG if level > 1 else logging.NOTSET)
        # google-auth stops its records at its base logger until someone configures it
        logger.propagate = logger.propagate or level > 1
    if level <= 0:
        return
    from .logformat import scrubbing_handler

    _handler = scrubbing_handler(FORMAT)
    root.addHandler(_handler)
    if root.level > logging.WARNING or root.level == logging.NOTSET:
        root.setLevel(logging.WARNING)  # other libraries: their warnings, scrubbed alike


def enabled() -> bool:
    """Whether provision's steps are logged (cheap: no `logging` import when not)."""
    return _verbosity > 0


def info(area: str, message: str, *args: object, since: float | None = None) -> None:
    """Log one of provision's steps under `provision.<area>`; `since`: a
    `time.perf_counter()` reading, for the step's duration in milliseconds."""
    if _verbosity <= 0:
        return
    import logging

    if since is not None:
        message, args = f"{message} (%.0f ms)", (*args, (time.perf_counter() - since) * 1000)
    logging.getLogger(f"{NAME}.{area}").info(message, *args)


def clock() -> float:
    """A reading for `info(..., since=)`."""
    return time.perf_counter()
