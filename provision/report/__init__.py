"""Reporters: `--format` looks up the one that renders results for people or programs."""

from __future__ import annotations

from collections.abc import Mapping

from .base import Reporter, dump_json
from .consoles import ConsoleReporter
from .html import HtmlReporter
from .json import JsonReporter
from .junit import JUnitReporter
from .prometheus import PrometheusReporter
from .text import TextReporter

__all__ = ["REPORTERS", "Reporter", "dump_json", "reporter"]

REPORTERS: Mapping[str, Reporter] = {
    "text": TextReporter(),
    "json": JsonReporter(),
    "azure": ConsoleReporter("azure"),
    "google": ConsoleReporter("google"),
    "prometheus": PrometheusReporter(),
    "junit": JUnitReporter(),
    "html": HtmlReporter(),
}


def reporter(fmt: str) -> Reporter:
    return REPORTERS[fmt]
