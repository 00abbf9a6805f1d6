"""Versioned price tables and the cost of one model call."""

from __future__ import annotations

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


def load_prices(path: Path | None = None) -> PriceTable:
    path = path or DEFAULT_TABLE
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise HarnessError(f"cannot read price table {path}: {exc}") from None
    version = data.get("version")
    if not isinstance(version, str) or not version:
        raise HarnessError(f"{path}: missing string key 'version'")
    models = {}
    for name, entry in (data.get("models") or {}).items():
        try:
            models[name] = Price(
                **{
                    key: float(entry[key])
                    for key in ("input_cache_hit", "input_cache_miss", "output")
                }
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise HarnessError(f"{path}: models.{name}: missing or bad price {exc}") from None
    if not models:
        raise HarnessError(f"{path}: no [models.NAME] tables")
    return PriceTable(version, models)
