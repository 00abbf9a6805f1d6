"""Versioned price tables and the cost of one model call."""

from __future__ import annotations

import math
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

from pydantic import Field

from harness import HarnessError

DEFAULT_TABLE = Path(__file__).parent / "data" / "prices.toml"
PER_TOKEN = 1e-6  # tables are in dollars per million tokens


Tokens = Annotated[int, Field(ge=0)]  # a negative count in a row is refused when read


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


@dataclass(frozen=True)
class Price:
    input_cache_hit: float
    input_cache_miss: float
    output: float


@dataclass(frozen=True)
class PriceTable:
    version: str
    models: dict[str, Price]

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


PRICE_KEYS = ("input_cache_hit", "input_cache_miss", "output")


def load_prices(path: Path | None = None) -> PriceTable:
    """A price table from TOML, every value checked: a price that is missing, negative, not a
    number or not finite would make calls free or cost nonsense."""
    path = path or DEFAULT_TABLE
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError:
        raise HarnessError(f"cannot read price table {path}: not UTF-8 text") from None
    except OSError as exc:
        raise HarnessError(f"cannot read price table {path}: {exc.strerror or exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise HarnessError(f"cannot read price table {path}: {exc}") from None
    version = data.get("version")
    if not isinstance(version, str) or not version:
        raise HarnessError(f"{path}: missing string key 'version'")
    tables = data.get("models", {})
    if not isinstance(tables, dict):
        raise HarnessError(f"{path}: models: must be a table of [models.NAME] tables")
    models = {name: _price(entry, f"{path}: models.{name}") for name, entry in tables.items()}
    if not models:
        raise HarnessError(f"{path}: no [models.NAME] tables")
    return PriceTable(version, models)


def _price(entry: object, where: str) -> Price:
    if not isinstance(entry, dict):
        raise HarnessError(f"{where}: must be a table")
    unknown = sorted(set(entry) - set(PRICE_KEYS))
    if unknown:
        raise HarnessError(f"{where}: unknown key {unknown[0]!r} (known: {', '.join(PRICE_KEYS)})")
    values = {}
    for key in PRICE_KEYS:
        if key not in entry:
            raise HarnessError(f"{where}: missing price {key!r}")
        value = entry[key]
        if isinstance(value, bool) or not isinstance(value, int | float):
            value = math.nan  # a string or a boolean is no price either
        if not (math.isfinite(value) and value >= 0):
            raise HarnessError(
                f"{where}.{key}: must be a finite number, zero or more, of dollars per "
                f"million tokens (got {entry[key]!r})"
            )
        values[key] = float(value)
    return Price(**values)
