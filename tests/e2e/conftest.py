"""End-to-end tests: real processes (provision itself, the YAML language server under node,
pre-commit) and the CLI against the local identity provider, SMTP and Graph servers.
Every test here is marked `e2e`: `pytest -m "not e2e"` runs the fast unit subset."""

from __future__ import annotations

from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "e2e: real processes and local servers (slow)")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if item.path.is_relative_to(HERE):
            item.add_marker(pytest.mark.e2e)
