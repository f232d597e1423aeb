"""Benchmark `provision verify`: 500 identities against the local IdP, 50 ms per token request.

Starts tests.fakes' LocalIdP in this process (TLS on 127.0.0.1, a throw-away CA),
writes a playbook of N identities of one mode (N/5 sites of 5 apps, one identity per
app), and times `python -m provision verify PLAYBOOK -j J --format json` as a real
process for each J, each time with an empty token store (a second run would reuse the
tokens). The latency is the IdP's own `hang_next` knob: each of the next N token
requests waits 50 ms before it is answered. Every identity must come back "ok", and the
IdP must have seen exactly N token requests, or the run stops. Prints a markdown table;
not part of the test suite.

    .venv/bin/python bench/verify_bench.py
    .venv/bin/python bench/verify_bench.py --identities 100 --jobs 1,4,16 \\
        --modes client_secret_post
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.fakes.idp import LocalIdP  # noqa: E402
from tests.fakes.pki import PKI, make_pki  # noqa: E402

SECRET = "bench-client-secret"
PASSWORD = "bench-user-password"
AZURE_CLIENT_ID = "0d8f6c2e-5b1a-4c3e-9f7d-2a6b8c4e1f00"
GENERIC_CLIENT_ID = "bench-generic"
APP_KINDS = ("pbx", "fax", "users", "connect", "reporting")
MODES = ("client_secret_post", "microsoft365")


@dataclass(frozen=True)
class Result:
    identities: int
    mode: str
    jobs: int
    seconds: float
    token_requests: int
    latency: float

    @property
    def floor(self) -> float:
        """The time the latency alone costs at this parallelism."""
        per_worker = -(-self.identities // self.jobs)  # ceiling division
        return per_worker * self.latency


def register(idp: LocalIdP, identities: int) -> None:
    idp.add_client(
        GENERIC_CLIENT_ID, secret=SECRET, token_endpoint_auth_method="client_secret_post"
    )
    idp.add_client(AZURE_CLIENT_ID, secret=SECRET)
    for number in range(identities):
        idp.add_user(mailbox("microsoft365", number), PASSWORD)


def mailbox(mode: str, number: int) -> str:
    return f"{'ropc' if mode == 'microsoft365' else 'mail'}-{number:04d}@bench.example"


def playbook(
    idp: LocalIdP, pki: PKI, mode: str, identities: int, state_dir: Path
) -> dict[str, Any]:
    """N identities of `mode`, one per app, five apps per site."""
    if mode == "microsoft365":
        client: dict[str, Any] = {
            "provider": "microsoft",
            "tenant": "bench.onmicrosoft.com",
            "client_id": AZURE_CLIENT_ID,
            "client_secret": {"env": "BENCH_CLIENT_SECRET"},
            "authority": idp.base_url,
        }
    else:
        client = {
            "provider": "generic",
            "client_id": GENERIC_CLIENT_ID,
            "client_secret": {"env": "BENCH_CLIENT_SECRET"},
            "token_endpoint": idp.generic_token_endpoint,
        }
    smtp = {"host": "127.0.0.1", "port": 587, "security": "starttls"}
    names = [f"id-{number:04d}" for number in range(identities)]
    identity_specs: dict[str, Any] = {}
    for number, name in enumerate(names):
        spec: dict[str, Any] = {
            "client": "bench",
            "mode": mode,
            "sender": mailbox(mode, number),
            "smtp": smtp,
        }
        if mode == "microsoft365":
            spec["password"] = {"env": "BENCH_PASSWORD"}
        identity_specs[name] = spec
    sites: dict[str, Any] = {}
    for start in range(0, identities, len(APP_KINDS)):
        site = f"site-{start // len(APP_KINDS):04d}"
        apps = {
            kind: {"identity": name}
            for kind, name in zip(APP_KINDS, names[start : start + len(APP_KINDS)], strict=True)
        }
        sites[site] = {
            "domain": f"{site}.example",
            "pbx": f"pbx.{site}.example",
            "app_platform": f"ap.{site}.example",
            "apps": apps,
        }
    return {
        "version": 1,
        "settings": {"ca_file": str(pki.ca_file), "state_dir": str(state_dir)},
        "clients": {"bench": client},
        "identities": identity_specs,
        "sites": sites,
    }


def run_verify(
    idp: LocalIdP, pki: PKI, work: Path, mode: str, identities: int, jobs: int, latency: float
) -> Result:
    state_dir = work / f"state-{mode}-{jobs}"
    shutil.rmtree(state_dir, ignore_errors=True)  # an empty token store: nothing reused
    path = work / f"verify-{mode}.yaml"
    path.write_text(yaml.safe_dump(playbook(idp, pki, mode, identities, state_dir)))
    env = {k: v for k, v in os.environ.items() if k != "PROVISION_DEBUG"}
    env.update(BENCH_CLIENT_SECRET=SECRET, BENCH_PASSWORD=PASSWORD)
    posts_before = sum(1 for entry in idp.requests_log if entry[0] == "POST")
    idp.hang_next(latency, count=identities)  # each token request waits `latency`
    started = time.perf_counter()
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "provision",
            "verify",
            str(path),
            "-j",
            str(jobs),
            "--format",
            "json",
            "--timeout",
            "30",
        ],
        cwd=work,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    seconds = time.perf_counter() - started
    try:
        results = json.loads(done.stdout)["identities"]
    except ValueError:
        raise SystemExit(
            f"verify -j {jobs} ({mode}) exited {done.returncode}:\n{done.stderr}"
        ) from None
    not_ok = [r for r in results if r["status"] != "ok"]
    if done.returncode != 0 or len(results) != identities or not_ok:
        raise SystemExit(
            f"verify -j {jobs} ({mode}) exited {done.returncode}, "
            f"{len(results)} results, {len(not_ok)} not ok: {not_ok[:3]}"
        )
    posts = sum(1 for entry in idp.requests_log if entry[0] == "POST") - posts_before
    if posts != identities:
        raise SystemExit(
            f"verify -j {jobs} ({mode}): {posts} token requests, expected {identities}"
        )
    return Result(identities, mode, jobs, seconds, posts, latency)


def table(results: Sequence[Result]) -> str:
    lines = [
        "| identities | mode | -j | wall time | latency floor | identities/s |",
        "|---:|---|---:|---:|---:|---:|",
    ]
    for r in results:
        lines.append(
            f"| {r.identities} | {r.mode} | {r.jobs} | {r.seconds:.2f} s | "
            f"{r.floor:.2f} s | {r.identities / r.seconds:.0f} |"
        )
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--identities", type=int, default=500)
    parser.add_argument("--jobs", default="1,16", help="comma-separated -j values")
    parser.add_argument("--modes", default=",".join(MODES), help="comma-separated modes")
    parser.add_argument("--latency", type=float, default=0.05, help="seconds per token request")
    args = parser.parse_args(argv)
    jobs = [int(j) for j in args.jobs.split(",")]
    modes = [m for m in args.modes.split(",") if m]
    if any(m not in MODES for m in modes) or args.identities % len(APP_KINDS):
        parser.error(f"modes: {', '.join(MODES)}; identities: a multiple of {len(APP_KINDS)}")
    results = []
    with tempfile.TemporaryDirectory(prefix="verify-bench-") as tmp:
        work = Path(tmp)
        pki = make_pki(work / "pki")
        with LocalIdP(pki) as idp:
            register(idp, args.identities)
            for mode in modes:
                for j in jobs:
                    result = run_verify(idp, pki, work, mode, args.identities, j, args.latency)
                    print(f"{mode} -j {j}: {result.seconds:.2f} s", file=sys.stderr)
                    results.append(result)
    print(
        f"`provision verify`, {args.identities} identities, LocalIdP on 127.0.0.1 with "
        f"{args.latency * 1000:.0f} ms per token request; {platform.python_implementation()} "
        f"{platform.python_version()}, {os.cpu_count()} CPUs.\n"
    )
    print(table(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
