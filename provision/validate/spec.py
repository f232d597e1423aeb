"""The JSON Schema of spec v1, as the package ships it (schemas/playbook.schema.json)."""

from __future__ import annotations

import json
from functools import lru_cache
from importlib.resources import files
from typing import Any


def schema_text() -> str:
    return files("provision").joinpath("schemas/playbook.schema.json").read_text(encoding="utf-8")


@lru_cache(maxsize=1)
def schema() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(schema_text())
    return loaded
