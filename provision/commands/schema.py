"""`provision schema`: the JSON Schema of the playbook language, or its key reference."""

from __future__ import annotations

import sys

from ..validate.schema import schema, schema_text


def run(*, fmt: str) -> int:
    if fmt == "markdown":
        from ..report.reference import render_reference

        sys.stdout.write(render_reference(schema()))
    else:
        sys.stdout.write(schema_text())
    return 0
