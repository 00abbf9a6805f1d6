"""Which price tables a report's rows were priced with. A version names a table, and a content
hash tells an edited table from the one it was edited from: rows priced under one version with
different prices are flagged in a report and refused by `compare` and `check`."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping

from harness import HarnessError
from harness.reporting.tables import listed

# (policy, rules hash, price table version, price table content hash) of a row
Variant = tuple[str, str, str, str]


def price_table_contents(variants: Iterable[Variant]) -> dict[str, set[str]]:
    """Per price table version, the content hashes rows recorded (rows without one, written
    before it was recorded, are left out)."""
    contents: dict[str, set[str]] = defaultdict(set)
    for _, _, version, digest in variants:
        if digest:
            contents[version].add(digest)
    return dict(contents)


def refuse_mixed_prices(sides: Mapping[str, Mapping[str, set[str]]]) -> None:
    """Costs priced under one table version with different prices are not comparable: a
    HarnessError naming the version. `sides`: per file, its price table contents."""
    contents: dict[str, set[str]] = defaultdict(set)
    for tables in sides.values():
        for version, hashes in tables.items():
            contents[version] |= hashes
    for version, hashes in sorted(contents.items()):
        if len(hashes) > 1:
            raise HarnessError(
                f"price table {version} has {len(hashes)} different contents in "
                f"{' and '.join(sides)} (price_table_hash {listed(hashes)}): their costs are not "
                "comparable; give an edited table a new version"
            )
