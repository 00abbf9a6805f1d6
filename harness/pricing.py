"""Versioned price tables and the cost of one model call."""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BeforeValidator, Field

from harness import HarnessError
from harness.files import TomlTable, load_toml

DEFAULT_TABLE = Path(__file__).parent / "data" / "prices.toml"
PER_TOKEN = 1e-6  # tables are in dollars per million tokens


Tokens = Annotated[int, Field(ge=0)]  # a negative count in a row is refused when read

# How a call's tokens are known. "reported": the provider's counts, and they add up;
# "adjusted": the provider's counts did not add up, and the call is billed at the largest
# reading of them; "estimated": the provider's counts were missing or unusable, and the tokens
# are estimated from the request and reply text; "unknown": nothing was read back (a reply
# without usage or choices, or a call in flight when the run stopped), and the tokens are
# estimated from the request alone.
UsageSource = Literal["reported", "adjusted", "estimated", "unknown"]
Inexact = Literal["adjusted", "estimated", "unknown"]  # usage not as the provider reported it
INEXACT: tuple[Inexact, ...] = ("adjusted", "estimated", "unknown")


@dataclass(frozen=True)
class Usage:
    """Tokens of one call. `output` includes `reasoning`, as providers report it."""

    cache_hit: Tokens = 0
    cache_miss: Tokens = 0
    output: Tokens = 0
    reasoning: Tokens = 0

    def __add__(self, other: Usage) -> Usage:
        return Usage(
            self.cache_hit + other.cache_hit,
            self.cache_miss + other.cache_miss,
            self.output + other.output,
            self.reasoning + other.reasoning,
        )

    @property
    def prompt(self) -> int:
        return self.cache_hit + self.cache_miss


def _dollars(value: object) -> float:
    """A price: a finite number, zero or more. A string or a boolean is no price either, and
    a price that is negative or not finite would make calls free or cost nonsense."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        value = math.nan
    if not (math.isfinite(value) and value >= 0):
        raise ValueError("must be a finite number, zero or more, of dollars per million tokens")
    return float(value)


Dollars = Annotated[float, BeforeValidator(_dollars)]


class Price(TomlTable):
    """Dollars per million tokens of one model."""

    input_cache_hit: Dollars
    input_cache_miss: Dollars
    output: Dollars


class PriceFile(TomlTable):
    version: Annotated[str, Field(min_length=1)]
    models: Annotated[dict[str, Price], Field(min_length=1)]


@dataclass(frozen=True)
class PriceTable:
    version: str
    models: dict[str, Price]

    @property
    def digest(self) -> str:
        """A hash of the prices themselves: a table edited without a new version string is
        told apart from the one it was edited from."""
        content = {
            "version": self.version,
            "models": {name: price.model_dump() for name, price in self.models.items()},
        }
        text = json.dumps(content, sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(text.encode("utf-8")).hexdigest()[:12]

    def price(self, model: str) -> Price:
        try:
            return self.models[model]
        except KeyError:
            raise HarnessError(
                f"price table {self.version} has no price for model {model!r}; "
                "give a table that does with --prices FILE"
            ) from None


def cost(usage: Usage, price: Price) -> float:
    """Dollars for one call."""
    return PER_TOKEN * (
        usage.cache_hit * price.input_cache_hit
        + usage.cache_miss * price.input_cache_miss
        + usage.output * price.output
    )


def load_prices(path: Path | None = None) -> PriceTable:
    """A price table from TOML, every value checked."""
    table = load_toml(path or DEFAULT_TABLE, PriceFile, "price table")
    return PriceTable(table.version, table.models)
