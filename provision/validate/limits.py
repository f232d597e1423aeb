"""The limits a console would enforce on a client's redirect URI list, checked before any
console sees it: each provider says what its console rejects."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from ..errors import DocPath, Location, Problem
from ..model import ClientUris
from ..providers import provider


def check_limits(
    lists: Iterable[ClientUris], locate: Callable[[DocPath], Location | None]
) -> list[Problem]:
    """The problems a console would reject (errors) or make unwieldy (warnings)."""
    problems = []
    for entry in lists:
        client = entry.client
        where: DocPath = ("clients", client.name)
        for severity, message in provider(client.provider).uri_problems(entry):
            problems.append(
                Problem(
                    severity,
                    f"client '{client.name}': {message}",
                    locate(where),
                    where,
                    about="redirect_uris",
                )
            )
    return problems
