"""Chart versions as Helm compares them, and what a plan asks of one. Pure.

Published OpenStack-Helm tarballs are versioned `<year>.<number>.<patch>+<build>` (the patch
counts the chart's commits since the release tag, the build metadata names the commit), and
Helm resolves `--version` through semantic version precedence: build metadata takes no part
in equality or order. Comparing version strings instead made a plan pinned at `2025.1.0`
differ forever from the `2025.1.0+0ee5adeff` Helm recorded, and every pass upgraded again.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache, total_ordering

_SEMVER = re.compile(
    r"^v?(?P<major>0|[1-9]\d*)\.(?P<minor>0|[1-9]\d*)\.(?P<patch>0|[1-9]\d*)"
    r"(?:-(?P<pre>[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*))?"
    r"(?:\+(?P<build>[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*))?$"
)
_LINE = re.compile(r"^v?(?P<major>0|[1-9]\d*)\.(?P<minor>0|[1-9]\d*)$")


@total_ordering
@dataclass(frozen=True, eq=False)
class Version:
    """A semantic version; `==` and `<` follow SemVer precedence (build metadata ignored)."""

    major: int
    minor: int
    patch: int
    prerelease: tuple[str, ...] = ()
    build: str = field(default="")

    @classmethod
    def parse(cls, text: str) -> Version:
        return _parsed(text)

    @classmethod
    def _parse(cls, text: str) -> Version:
        match = _SEMVER.match(text.strip())
        if match is None:
            raise ValueError(f"{text!r} is not a semantic version (<major>.<minor>.<patch>)")
        pre = match.group("pre")
        return cls(int(match.group("major")), int(match.group("minor")),
                   int(match.group("patch")), tuple(pre.split(".")) if pre else (),
                   match.group("build") or "")

    def _key(self) -> tuple:
        # A release sorts after its pre-releases; numeric identifiers before alphanumeric.
        pre = tuple((0, int(p), "") if p.isdigit() else (1, 0, p) for p in self.prerelease)
        return (self.major, self.minor, self.patch, not self.prerelease, pre)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Version) and self._key() == other._key()

    def __lt__(self, other: Version) -> bool:
        return self._key() < other._key()

    def __hash__(self) -> int:
        return hash(self._key())

    def __str__(self) -> str:
        text = f"{self.major}.{self.minor}.{self.patch}"
        if self.prerelease:
            text += "-" + ".".join(self.prerelease)
        return text + (f"+{self.build}" if self.build else "")


# Versions are immutable and a pass compares the same few every time (each release's against
# its pin): parsed once each.
_parsed = lru_cache(maxsize=1024)(Version._parse)


@dataclass(frozen=True)
class VersionPin:
    """What a plan asks of a chart's version: a release line or one exact version.

    - a release line `<year>.<number>` (e.g. `2025.1`): the newest patch of the line when
      helm installs or upgrades, and any patch of the line satisfies the plan;
    - an exact version (`2025.1.3`, `2025.1.3+0ee5adeff`): that version, build metadata
      ignored in comparison, as Helm itself ignores it.
    """

    text: str
    line: tuple[int, int] | None = None
    exact: Version | None = None

    @classmethod
    def parse(cls, text: str) -> VersionPin:
        text = str(text).strip()
        line = _LINE.match(text)
        if line is not None:
            return cls(text, line=(int(line.group("major")), int(line.group("minor"))))
        try:
            return cls(text, exact=Version.parse(text))
        except ValueError:
            raise ValueError(
                f"{text!r} is neither a release line (<year>.<number>, e.g. 2025.1) nor a "
                "chart version (<year>.<number>.<patch>[+build], e.g. 2025.1.3)"
            ) from None

    @property
    def series(self) -> tuple[int, int]:
        """(year, number) of the pinned line or version, e.g. (2025, 2)."""
        if self.line is not None:
            return self.line
        assert self.exact is not None
        return self.exact.major, self.exact.minor

    def helm_version(self) -> str:
        """The `--version` helm is given: a line becomes `~<year>.<number>.0` (the newest
        patch of the line, pre-releases excluded); an exact version is passed as written."""
        if self.line is not None:
            return f"~{self.line[0]}.{self.line[1]}.0"
        return self.text

    def admits(self, version: str) -> bool:
        """Whether a version helm resolved (e.g. `2025.1.3+0ee5adeff`) satisfies the pin."""
        try:
            found = Version.parse(version)
        except ValueError:
            return False
        if self.line is not None:
            return (found.major, found.minor) == self.line and not found.prerelease
        return found == self.exact
