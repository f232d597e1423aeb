"""A console's own format of the redirect URI lists (`redirect-uris --format azure|google`):
each provider says what its console holds."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ..model import ClientUris
from ..providers import PROVIDERS
from ..providers.base import ConsoleFormat
from .base import Reporter, dump_json


class ConsoleReporter(Reporter):
    def __init__(self, name: ConsoleFormat) -> None:
        self.name = name
        self.provider = next(p for p in PROVIDERS.values() if p.console_format == name)

    def documents(self, lists: Sequence[ClientUris]) -> dict[str, dict[str, Any]]:
        """Client name -> its console entry, for the clients of this console that have one."""
        documents = {}
        for entry in lists:
            if entry.client.provider == self.provider.name:
                document = self.provider.console_document(entry)
                if document is not None:
                    documents[entry.client.name] = document
        return documents

    def redirect_uris(self, lists: Sequence[ClientUris], *, single: bool) -> None:
        documents = self.documents(lists)
        dump_json(next(iter(documents.values())) if single and documents else documents)
