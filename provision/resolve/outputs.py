"""The playbook's own outputs, typed, each with where its path is given."""

from __future__ import annotations

from typing import cast

from ..model import Output, OutputPer
from .context import Context


def resolve_outputs(ctx: Context) -> tuple[Output, ...]:
    outputs = []
    for name, raw in (ctx.data.get("outputs") or {}).items():
        deliver = raw.get("deliver")
        outputs.append(
            Output(
                name=name,
                per=cast(OutputPer, raw["per"]),
                path=str(raw["path"]),
                template=str(raw["template"]),
                secret=bool(raw.get("secret", True)),
                deliver=tuple(str(arg) for arg in deliver) if isinstance(deliver, list) else None,
                at=ctx.playbook.locate(("outputs", name, "path")),
            )
        )
    return tuple(outputs)
