"""`--limit`: Ansible host patterns over `site` and `site/app` names."""

from __future__ import annotations

import difflib
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from fnmatch import fnmatchcase

from .errors import InputError
from .model import Site

SHOWN = 20  # names listed when a limit matches nothing


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

    @classmethod
    def select(
        cls, pattern: str | None, sites: Sequence[Site], recorded: Collection[str] = ()
    ) -> Limit:
        """The limit of `pattern`; InputError when it selects nothing of these sites (nor
        of the `recorded` site names, whose files --prune may delete), naming what there is
        (as Ansible does) and the likely meant name."""
        limit = cls.parse(pattern)
        if (
            limit.everything
            or any(limit.selects(site.name, app.name) for site in sites for app in site.apps)
            or any(not site.apps and limit.selects(site.name) for site in sites)
            or any(limit.selects(name) for name in recorded)
        ):
            return limit
        sites_first = [site.name for site in sites] + sorted(recorded)
        apps = [f"{site.name}/{app.name}" for site in sites for app in site.apps]
        message = f"--limit '{pattern}' matches no site and no app"
        guess = limit.guess(sites_first) or limit.guess(apps)
        if guess:
            message += f"; did you mean '{guess}'?"
        shown = ", ".join(site.name for site in sites[:SHOWN]) or "none"
        more = f" and {len(sites) - SHOWN} more" if len(sites) > SHOWN else ""
        raise InputError(
            f"{message} (sites: {shown}{more}; patterns are site or site/app globs, "
            "comma-separated, ! to exclude)"
        )

    def guess(self, names: Sequence[str]) -> str | None:
        """A name the user likely meant: one its patterns match ignoring case, or one a
        pattern is a near spelling of."""
        for pattern in self.include:
            folded = pattern.lower()
            for name in names:
                if fnmatchcase(name.lower(), folded):
                    return name
            close = difflib.get_close_matches(pattern, names, n=1)
            if close:
                return close[0]
        return None

    @property
    def everything(self) -> bool:
        return not self.include and not self.exclude

    def selects(self, site: str, app: str | None = None) -> bool:
        names = (site,) if app is None else (site, f"{site}/{app}")
        if self.include and not any(fnmatchcase(n, p) for n in names for p in self.include):
            return False
        return not any(fnmatchcase(n, p) for n in names for p in self.exclude)
