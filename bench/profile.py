"""Profile provision validate, plan and apply on a synthetic playbook.

    .venv/bin/python bench/profile.py [--sites 2000] [--top 25] [--tool cprofile|pyinstrument]
                                      [--steps validate,plan,apply,apply-nochange]

Each step runs as its own subprocess (``python -m cProfile -o FILE -m provision
...``) on bench/work/profile-n<N>/playbook.yaml; ``plan`` and ``apply`` start
from an empty output directory, ``apply-nochange`` follows ``apply``. Prints the
top functions by cumulative time and by own time. cProfile's per-call overhead
inflates functions called very often; ``--tool pyinstrument`` (a sampling
profiler: ``.venv/bin/pip install pyinstrument``, not a project dependency)
shows wall time without that bias. Profiles are kept in the work directory
(``*.prof`` for snakeviz or pstats, ``*.txt`` for pyinstrument).
"""

from __future__ import annotations

import argparse
import io
import os
import pstats
import shutil
import subprocess
import sys
import time
import uuid
from pathlib import Path

BENCH = Path(__file__).resolve().parent
WORK = BENCH / "work"
sys.path.insert(0, str(BENCH))

from generate import environment, generate  # noqa: E402

STEPS = ("validate", "plan", "apply", "apply-nochange")
TRASH = WORK / "trash-profile"


def clean(path: Path) -> None:
    """Move path aside; deleted at the end (a mass delete slows the next file
    creations down on ext4: see clean() in bench/run.py)."""
    if path.exists():
        TRASH.mkdir(parents=True, exist_ok=True)
        path.rename(TRASH / f"{path.name}-{uuid.uuid4().hex[:12]}")


def command_args(step: str, playbook: str) -> list[str]:
    return {
        "validate": ["validate", playbook],
        "plan": ["plan", playbook],
        "apply": ["apply", playbook],
        "apply-nochange": ["apply", playbook],
    }[step]


def run(command: list[str], cwd: Path, env: dict[str, str], label: str) -> float:
    start = time.perf_counter()
    done = subprocess.run(
        command,
        cwd=cwd,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        check=False,
    )
    wall = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"profile.py: {label} exited {done.returncode}:\n{done.stderr[-3000:]}")
    return wall


def report_cprofile(path: Path, top: int) -> str:
    buffer = io.StringIO()
    stats = pstats.Stats(str(path), stream=buffer)
    stats.strip_dirs()
    buffer.write(f"--- top {top} by cumulative time ---\n")
    stats.sort_stats("cumulative").print_stats(top)
    buffer.write(f"--- top {top} by own time ---\n")
    stats.sort_stats("tottime").print_stats(top)
    lines = [
        line
        for line in buffer.getvalue().splitlines()
        if line.strip() and not line.startswith(("   Ordered by", "   List reduced"))
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sites", type=int, default=2000)
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--tool", choices=("cprofile", "pyinstrument"), default="cprofile")
    parser.add_argument(
        "--steps", default=",".join(STEPS), help=f"comma-separated, from {', '.join(STEPS)}"
    )
    args = parser.parse_args(argv)
    steps = [s.strip() for s in args.steps.split(",") if s.strip()]
    unknown = set(steps) - set(STEPS)
    if unknown:
        parser.error(f"unknown steps: {', '.join(sorted(unknown))}")

    directory = WORK / f"profile-n{args.sites}"
    clean(directory)
    playbook = generate(args.sites, directory)
    env = {**os.environ, **environment(args.sites)}
    out = directory / "out"

    for step in steps:
        if step in ("plan", "apply"):
            clean(out)
        if step == "apply-nochange" and not out.exists():
            run(
                [sys.executable, "-m", "provision", "apply", playbook.name],
                directory,
                env,
                "apply (setup for apply-nochange)",
            )
        plain = run(
            [sys.executable, "-m", "provision", *command_args(step, playbook.name)],
            directory,
            env,
            step,
        )
        if step in ("plan", "apply"):
            clean(out)
        prefix = [sys.executable, "-m"]
        if args.tool == "cprofile":
            result = directory / f"{step}.prof"
            profiler = [*prefix, "cProfile", "-o", str(result)]
        else:
            result = directory / f"{step}.txt"
            profiler = [*prefix, "pyinstrument", "--outfile", str(result)]
        wall = run(
            [*profiler, "-m", "provision", *command_args(step, playbook.name)],
            directory,
            env,
            f"{step} under {args.tool}",
        )
        print(
            f"\n===== {step}, {args.sites:,} sites: {plain:.2f} s plain, {wall:.2f} s "
            f"under {args.tool} ====="
        )
        if args.tool == "cprofile":
            print(report_cprofile(result, args.top))
        else:
            print(result.read_text())
    if TRASH.exists():
        shutil.rmtree(TRASH)
    return 0


if __name__ == "__main__":
    sys.exit(main())
