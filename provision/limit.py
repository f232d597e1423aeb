"""`--limit`: Ansible host patterns over `site` and `site/app` names."""

from __future__ import annotations

from dataclasses import dataclass
from fnmatch import fnmatchcase


@dataclass(frozen=True)
class Limit:
    """Globs, comma for union, `!` to exclude (`acme*,!acme-test,beta/fax`)."""

    include: tuple[str, ...]
    exclude: tuple[str, ...]

    @classmethod
    def parse(cls, pattern: str | None) -> Limit:
        include: list[str] = []
        exclude: list[str] = []
        for part in (pattern or "").split(","):
            part = part.strip()
            if part.startswith("!"):
                exclude.append(part[1:].strip())
            elif part:
                include.append(part)
        return cls(tuple(include), tuple(exclude))

    @property
    def everything(self) -> bool:
        return not self.include and not self.exclude

    def selects(self, site: str, app: str | None = None) -> bool:
        names = (site,) if app is None else (site, f"{site}/{app}")
        if self.include and not any(fnmatchcase(n, p) for n in names for p in self.include):
            return False
        return not any(fnmatchcase(n, p) for n in names for p in self.exclude)
