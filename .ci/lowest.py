"""Print pip constraints pinning every dependency of pyproject.toml (the package's and
its test extra's) to its lower bound: `pip install -c <(python3 .ci/lowest.py) ...`
then tests that the floors pyproject.toml states are honest."""

import re
import sys
import tomllib
from pathlib import Path

project = tomllib.loads(Path(__file__).parent.parent.joinpath("pyproject.toml").read_text())[
    "project"
]
requirements = project["dependencies"] + project["optional-dependencies"]["test"]
for requirement in requirements:
    floor = re.fullmatch(r"\s*([A-Za-z0-9_.\-\[\]]+)\s*>=\s*([^,;\s]+)\s*", requirement)
    if floor is None:
        if ">" in requirement or "<" in requirement or "=" in requirement:
            sys.exit(f"cannot pin {requirement!r} to its lowest version")
        continue  # no lower bound stated: whatever pip picks
    name = re.sub(r"\[.*\]", "", floor.group(1))
    print(f"{name}=={floor.group(2)}")
