"""`provision validate` starts fast: the token and network stack stay unimported.

Timings belong to the benchmark; this checks the cause of slow start-ups, the
modules loaded, in a fresh interpreter.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = "playbooks/example.yaml"
# Heavy packages only token acquisition, SMTP and Graph need.
HEAVY = (
    "msal",
    "google.auth",
    "google.oauth2",
    "requests",
    "authlib",
    "urllib3",
    "cryptography",
    "aiosmtpd",
    "provision.tokens",
)

# Runs the real entry point and reports what it imported, after it exits.
WRAPPER = """
import json, sys
from provision.cli import main
try:
    main(sys.argv[1:])
except SystemExit as exc:
    code = exc.code
print("MODULES=" + json.dumps(sorted(sys.modules)))
sys.exit(code)
"""


def loaded_modules(*args: str) -> tuple[int, set[str]]:
    done = subprocess.run(
        [sys.executable, "-c", WRAPPER, *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    marker = next(line for line in done.stdout.splitlines() if line.startswith("MODULES="))
    return done.returncode, set(json.loads(marker.removeprefix("MODULES=")))


def heavy(modules: set[str]) -> list[str]:
    return sorted(m for m in modules if any(m == h or m.startswith(h + ".") for h in HEAVY))


@pytest.mark.parametrize(
    "args",
    [
        ("validate", EXAMPLE),
        ("validate", EXAMPLE, "--format", "json"),
        ("validate", "tests/acceptance/invalid/templates.yaml"),
        ("schema",),
    ],
)
def test_validate_imports_no_token_or_network_stack(args: tuple[str, ...]) -> None:
    code, modules = loaded_modules(*args)
    assert code in (0, 2)
    assert "provision.cli" in modules
    assert heavy(modules) == []


def test_the_check_sees_a_heavy_import() -> None:
    """The wrapper really reports imports (else the test above proves nothing)."""
    code, modules = loaded_modules("validate", EXAMPLE)
    assert code == 0
    assert {"yaml", "click", "provision.validate"} <= modules
    assert heavy({"msal.application", "requests", "provision.tokens.microsoft"}) == [
        "msal.application",
        "provision.tokens.microsoft",
        "requests",
    ]


def test_importtime_of_the_real_command() -> None:
    """`python -X importtime -m provision validate`: the interpreter's own record."""
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "provision", "validate", EXAMPLE],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0
    imported = {
        line.rsplit("|", 1)[-1].strip()
        for line in done.stderr.splitlines()
        if line.startswith("import time:") and "|" in line
    }
    assert "provision.cli" in imported
    assert heavy(imported) == []
