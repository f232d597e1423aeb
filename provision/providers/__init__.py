"""The providers, by name: adding one is a module beside these and a line below."""

from __future__ import annotations

from collections.abc import Mapping

from ..model import Mode, ProviderName
from .base import ModeSpec, Provider
from .generic import PROVIDER as GENERIC
from .google import PROVIDER as GOOGLE
from .microsoft import PROVIDER as MICROSOFT

PROVIDERS: Mapping[ProviderName, Provider] = {p.name: p for p in (MICROSOFT, GOOGLE, GENERIC)}
# every mode, with the provider that offers it
MODES: Mapping[Mode, tuple[Provider, ModeSpec]] = {
    mode: (provider, spec)
    for provider in PROVIDERS.values()
    for mode, spec in provider.modes.items()
}


def provider(name: ProviderName) -> Provider:
    return PROVIDERS[name]


def mode_spec(mode: Mode) -> ModeSpec:
    return MODES[mode][1]
