"""The package's metadata: one version, the license, the changelog, honest floors."""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib
from importlib.metadata import metadata
from pathlib import Path

import provision

ROOT = Path(__file__).resolve().parents[2]
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]


def test_the_version_is_defined_once_and_installed_as_such() -> None:
    assert "version" in PROJECT["dynamic"] and "version" not in PROJECT
    assert metadata("provision-oauth2")["Version"] == provision.__version__


def test_the_distribution_name_is_not_the_unrelated_pypi_project() -> None:
    assert PROJECT["name"] == "provision-oauth2"
    assert PROJECT["scripts"] == {"provision": "provision.cli:main"}


def test_license_and_classifiers() -> None:
    assert PROJECT["license"] == "MIT" and PROJECT["license-files"] == ["LICENSE"]
    assert (ROOT / "LICENSE").read_text(encoding="utf-8").startswith("MIT License\n")
    assert "Operating System :: POSIX" in PROJECT["classifiers"]  # fcntl, dir fds
    assert PROJECT["requires-python"] == ">=3.11"
    assert {"Homepage", "Changelog", "Issues"} <= set(PROJECT["urls"])


def test_the_changelog_has_this_version() -> None:
    changelog = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    assert "## [Unreleased]" in changelog
    assert re.search(
        rf"^## \[{re.escape(provision.__version__)}\] - \d{{4}}-\d\d-\d\d$", changelog, re.MULTILINE
    )


def test_every_dependency_has_a_floor_the_ci_installs() -> None:
    pins = subprocess.run(
        [sys.executable, str(ROOT / ".ci" / "lowest.py")],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    every = PROJECT["dependencies"] + PROJECT["optional-dependencies"]["test"]
    floored = [r for r in every if ">=" in r]
    assert len(pins) == len(floored) and all("==" in pin for pin in pins)
    assert "click==8.2.1" in pins and "urllib3==2.0.2" in pins
