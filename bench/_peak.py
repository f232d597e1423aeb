"""Run one command; report its wall time, exit code and peak memory as JSON.

    python bench/_peak.py STDOUT_FILE STDERR_FILE -- COMMAND [ARGS...]

The command's output goes to the two files; this wrapper prints one JSON line:
``{"rc": int, "wall": seconds, "maxrss_kb": int, "user": s, "sys": s}``.
``resource.getrusage(RUSAGE_CHILDREN)`` in the caller would report the maximum
over *all* children so far; in this fresh wrapper its only child is the
command, so ru_maxrss is that command's own peak (on Linux in KiB).
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import time


def main(argv: list[str]) -> int:
    if len(argv) < 4 or argv[2] != "--":
        print("usage: _peak.py STDOUT_FILE STDERR_FILE -- COMMAND [ARGS...]", file=sys.stderr)
        return 2
    stdout_path, stderr_path, command = argv[0], argv[1], argv[3:]
    with open(stdout_path, "wb") as out, open(stderr_path, "wb") as err:
        start = time.perf_counter()
        rc = subprocess.call(command, stdout=out, stderr=err, stdin=subprocess.DEVNULL)
        wall = time.perf_counter() - start
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    maxrss = usage.ru_maxrss
    if sys.platform == "darwin":  # bytes there
        maxrss //= 1024
    print(
        json.dumps(
            {
                "rc": rc,
                "wall": wall,
                "maxrss_kb": maxrss,
                "user": usage.ru_utime,
                "sys": usage.ru_stime,
            }
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
