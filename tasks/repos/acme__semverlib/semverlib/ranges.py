"""Version ranges in the npm dialect, desugared into sets of primitive comparators.

A range is one or more comparator sets joined by `||`; a version satisfies the range when it
passes every comparator of at least one set. Each set is written with a mix of:

* primitives: `>=1.2.3`, `<2.0.0`, `=1.0.0`, `1.0.0`
* x-ranges and partial versions: `1.x`, `1.2.*`, `1`, `*`, `>1.2`, `<=1`
* tilde ranges: `~1.2.3` (patch-level changes), `~1.2`, `~1`
* caret ranges: `^1.2.3` (changes that keep the left-most non-zero part), `^0.2`, `^1.x`
* hyphen ranges: `1.2.3 - 2.3.4`, where a partial upper bound covers everything it names

Upper bounds are written as `<X.Y.Z-0` so that no pre-release of the excluded version slips in.
A pre-release version only satisfies a set in which some comparator names a pre-release of
the same MAJOR.MINOR.PATCH, unless the caller passes `include_prerelease=True`.
"""

from __future__ import annotations

import re
from typing import NamedTuple

from .comparator import ANY, Comparator
from .errors import InvalidRange, InvalidVersion
from .version import Version

_NUM = r"0|[1-9]\d*"
_XNUM = rf"(?:{_NUM}|[xX*])"
_PARTIAL = (
    rf"[vV=]?\s*({_XNUM})"
    rf"(?:\.({_XNUM})"
    rf"(?:\.({_XNUM})"
    r"(?:-([0-9A-Za-z.-]+))?"
    r"(?:\+[0-9A-Za-z.-]+)?"
    r")?)?"
)
_TOKEN = re.compile(rf"(~>|~|\^|<=|>=|<|>|=)?{_PARTIAL}")
_HYPHEN = re.compile(rf"\s*{_PARTIAL}\s+-\s+{_PARTIAL}\s*")
_OPERATOR_SPACE = re.compile(r"(~>|~|\^|<=|>=|<|>|=)\s+")

NOTHING = Comparator("<", Version(0, 0, 0, ("0",)))


class Partial(NamedTuple):
    """A possibly incomplete version; a missing or wildcard part is None."""

    major: int | None
    minor: int | None
    patch: int | None
    prerelease: tuple[str, ...] = ()

    @classmethod
    def from_groups(cls, major, minor, patch, prerelease, text) -> Partial:
        parts: list[int | None] = []
        wildcard = False
        for value in (major, minor, patch):
            if wildcard or value is None or value in ("x", "X", "*"):
                wildcard = True
                parts.append(None)
            else:
                parts.append(int(value))
        pre: tuple[str, ...] = ()
        if prerelease:
            if wildcard:
                raise InvalidRange(text, "a pre-release needs a full version")
            pre = tuple(prerelease.split("."))
            if any(not p for p in pre):
                raise InvalidRange(text, "empty pre-release identifier")
        return cls(parts[0], parts[1], parts[2], pre)

    @property
    def is_full(self) -> bool:
        return self.patch is not None

    def floor(self) -> Version:
        """The lowest version this partial covers: `1.2` -> `1.2.0`."""
        return Version(self.major or 0, self.minor or 0, self.patch or 0, self.prerelease)


def _ge(version: Version) -> Comparator:
    return Comparator(">=", version)


def _lt_zero(major: int, minor: int, patch: int) -> Comparator:
    """`<M.m.p-0`: below the version and every one of its pre-releases."""
    return Comparator("<", Version(major, minor, patch, ("0",)))


# -- desugaring --------------------------------------------------------------------------------


def _expand_primitive(op: str, p: Partial) -> list[Comparator]:
    if p.major is None:
        return [NOTHING] if op in ("<", ">") else [ANY]
    if p.is_full:
        return [Comparator(op or "=", p.floor())]
    if p.minor is None:
        below, above = (p.major, 0, 0), (p.major + 1, 0, 0)
    else:
        below, above = (p.major, p.minor, 0), (p.major, p.minor + 1, 0)
    if op in ("", "="):
        return [_ge(Version(*below)), _lt_zero(*above)]
    if op == ">=":
        return [_ge(Version(*below))]
    if op == ">":
        return [_ge(Version(*above))]
    if op == "<":
        return [_lt_zero(*below)]
    return [_lt_zero(*above)]  # "<="


def _expand_tilde(p: Partial) -> list[Comparator]:
    if p.major is None:
        return [ANY]
    if p.minor is None:
        return [_ge(p.floor()), _lt_zero(p.major + 1, 0, 0)]
    return [_ge(p.floor()), _lt_zero(p.major, p.minor + 1, 0)]


def _expand_caret(p: Partial) -> list[Comparator]:
    if p.major is None:
        return [ANY]
    if p.minor is None:
        return [_ge(p.floor()), _lt_zero(p.major + 1, 0, 0)]
    if p.patch is None:
        # ^1.2 := >=1.2.0 <2.0.0-0
        return [_ge(p.floor()), _lt_zero(p.major + 1, 0, 0)]

    # A full version: the left-most non-zero part may not change. Pre-release tags on the
    # lower bound are kept so that `^1.2.3-beta.2` admits `1.2.3-beta.4`.
    lower = _ge(p.floor())
    if p.major != 0:
        upper = _lt_zero(p.major + 1, 0, 0)
    else:
        upper = _lt_zero(0, p.minor + 1, 0)
    return [lower, upper]


def _expand_hyphen(low: Partial, high: Partial) -> list[Comparator]:
    comparators = []
    if low.major is not None:
        comparators.append(_ge(low.floor()))
    if high.major is None:
        pass
    elif high.minor is None:
        comparators.append(_lt_zero(high.major + 1, 0, 0))
    elif high.patch is None:
        comparators.append(_lt_zero(high.major, high.minor + 1, 0))
    else:
        comparators.append(Comparator("<=", high.floor()))
    return comparators or [ANY]


def _expand_token(token: str, text: str) -> list[Comparator]:
    match = _TOKEN.fullmatch(token)
    if not match:
        raise InvalidRange(text, f"cannot read {token!r}")
    op, *groups = match.groups()
    try:
        partial = Partial.from_groups(*groups, text)
    except InvalidVersion as exc:  # pragma: no cover - defensive
        raise InvalidRange(text, exc.reason) from None
    op = op or ""
    if op in ("~", "~>"):
        return _expand_tilde(partial)
    if op == "^":
        return _expand_caret(partial)
    return _expand_primitive(op, partial)


def parse_set(text: str, whole: str | None = None) -> list[Comparator]:
    """Desugar one `||`-free comparator set into primitive comparators."""
    whole = text if whole is None else whole
    hyphen = _HYPHEN.fullmatch(text)
    if hyphen:
        groups = hyphen.groups()
        low = Partial.from_groups(*groups[:4], whole)
        high = Partial.from_groups(*groups[4:], whole)
        return _expand_hyphen(low, high)
    normalized = _OPERATOR_SPACE.sub(r"\1", text.strip())
    if not normalized:
        return [ANY]
    comparators: list[Comparator] = []
    for token in normalized.split():
        comparators.extend(_expand_token(token, whole))
    real = [c for c in comparators if not c.matches_all]
    return real or [ANY]


# -- testing -----------------------------------------------------------------------------------


def _test_set(comparators: list[Comparator], version: Version, include_prerelease: bool) -> bool:
    if not all(c.test(version) for c in comparators):
        return False
    if not version.prerelease or include_prerelease:
        return True
    # A pre-release only matches when the set opts in to pre-releases of that very release.
    return any(
        c.version is not None and c.version.prerelease and c.version.release == version.release
        for c in comparators
    )


def _satisfiable(comparators: list[Comparator]) -> bool:
    """Whether at least one version passes every comparator (pre-release policy aside)."""
    exact = [c.version for c in comparators if c.op == "="]
    if exact:
        return all(c.test(exact[0]) for c in comparators)
    lower: Comparator | None = None
    upper: Comparator | None = None
    for c in comparators:
        if c.is_lower_bound():
            if lower is None or _tighter_lower(c, lower):
                lower = c
        elif c.is_upper_bound():
            if upper is None or _tighter_upper(c, upper):
                upper = c
    if lower is None or upper is None:
        return True
    order = lower.version.compare(upper.version)
    if order < 0:
        return True
    return order == 0 and lower.op == ">=" and upper.op == "<="


def _tighter_lower(a: Comparator, b: Comparator) -> bool:
    order = a.version.compare(b.version)
    return order > 0 or (order == 0 and a.op == ">")


def _tighter_upper(a: Comparator, b: Comparator) -> bool:
    order = a.version.compare(b.version)
    return order < 0 or (order == 0 and a.op == "<")


def _sets_intersect(left: list[Comparator], right: list[Comparator]) -> bool:
    """Whether some version passes every comparator of both sets."""
    constraints = left
    constraints += [c for c in right if not c.matches_all]
    return _satisfiable(constraints)


class Range:
    """A parsed version range."""

    def __init__(self, text: str):
        if isinstance(text, Range):
            text = text.raw
        if not isinstance(text, str):
            raise TypeError(f"expected a range string, not {type(text).__name__}")
        self.raw = text
        self.sets: list[list[Comparator]] = [parse_set(part, text) for part in text.split("||")]

    @classmethod
    def parse(cls, text: str) -> Range:
        return cls(text)

    def test(self, version: Version | str, include_prerelease: bool = False) -> bool:
        if isinstance(version, str):
            version = Version.parse(version, loose=True)
        return any(_test_set(s, version, include_prerelease) for s in self.sets)

    def __contains__(self, version) -> bool:
        try:
            return self.test(version)
        except InvalidVersion:
            return False

    def intersects(self, other: Range | str) -> bool:
        """Whether some version satisfies both ranges (pre-release policy aside)."""
        other = other if isinstance(other, Range) else Range(other)
        return any(_sets_intersect(mine, theirs) for mine in self.sets for theirs in other.sets)

    def __str__(self) -> str:
        return " || ".join(" ".join(str(c) for c in s) for s in self.sets)

    def __repr__(self) -> str:
        return f"Range({self.raw!r})"

    def __eq__(self, other) -> bool:
        if not isinstance(other, Range):
            return NotImplemented
        return str(self) == str(other)

    def __hash__(self) -> int:
        return hash(str(self))
