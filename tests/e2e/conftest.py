"""End-to-end tests: real processes (such as the YAML language server under node)."""

from __future__ import annotations

import pytest


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "e2e: real processes")
