"""The JSON portfolio file: holdings, cash, options, the chosen model and
typed price overrides, and where it lives between sessions.

Every number goes through `rules` (the same grammar and bounds as flags and
fields); symbols follow `rules.check_symbol`. Reading never writes; saving
is atomic.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Collection
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, Strict, ValidationError

from rebalancer_tui import rules
from rebalancer_tui.rules import (
    InputError,
    Quantity,
    check_symbol,
    describe_validation_error,
    printable,
    shown,
    to_number,
)
from rebalancer_tui.storage import locations
from rebalancer_tui.storage.atomic import atomic_write_text
from rebalancer_tui.storage.json_file import dumps, parse_json
from rebalancer_tui.storage.text import FileMissingError, read_text, where

if TYPE_CHECKING:
    from rebalancer_tui.engine import Options

# The pointer file holds one path; anything bigger is not ours.
_POINTER_LIMIT = 16 * 1024


def number(q: Quantity) -> Callable[[Any], Decimal]:
    """A pydantic before-validator: any number or numeric text, checked for `q`."""

    def check(v: Any) -> Decimal:
        return to_number(v, q)

    return check


def _optional(q: Quantity) -> Callable[[Any], Decimal | None]:
    def check(v: Any) -> Decimal | None:
        return None if v is None else to_number(v, q)

    return check


def _shares(v: Any) -> int:
    return int(to_number(v, rules.SHARES))


Shares = Annotated[int, BeforeValidator(_shares)]
Price = Annotated[Decimal, BeforeValidator(number(rules.PRICE))]


def symbol_keys(v: Any) -> Any:
    """Upper-cased, checked symbol keys; a symbol given twice is refused."""
    if not isinstance(v, dict):
        return v
    if len(v) > rules.MAX_SYMBOLS:
        raise InputError(f"too many symbols ({len(v):,}; at most {rules.MAX_SYMBOLS:,})")
    out: dict[str, Any] = {}
    for raw, value in v.items():
        sym = check_symbol(str(raw))
        if sym in out:
            raise InputError(f"symbol {sym} appears twice")
        out[sym] = value
    return out


def printable_text(v: Any) -> Any:
    """Text shown on screen must not carry control characters."""
    if isinstance(v, str) and printable(v) != v:
        raise InputError(f"must be plain text, without control characters (got {shown(v)})")
    return v


class PortfolioOptions(BaseModel):
    """The engine's options as stored in a portfolio file (no solver settings)."""

    model_config = ConfigDict(extra="forbid")

    band: Annotated[Decimal, BeforeValidator(number(rules.BAND))] = Decimal("0.02")
    relative_band: Annotated[Decimal | None, BeforeValidator(_optional(rules.RELATIVE_BAND))] = None
    reserve: Annotated[Decimal, BeforeValidator(number(rules.RESERVE))] = Decimal(0)
    fee: Annotated[Decimal, BeforeValidator(number(rules.FEE))] = Decimal(0)
    cost_rate: Annotated[Decimal, BeforeValidator(number(rules.COST_RATE))] = Decimal(0)
    buy_only: Annotated[bool, Strict()] = False

    def to_engine(self, **overrides: Any) -> Options:
        """Engine `Options`; keyword overrides (e.g. time_limit) win."""
        from rebalancer_tui.engine import Options

        return Options(**{**self.model_dump(), **overrides})

    @classmethod
    def from_engine(cls, options: Options) -> PortfolioOptions:
        return cls(**options.model_dump(exclude={"time_limit"}))


class PortfolioFile(BaseModel):
    """What the user keeps between sessions: holdings, cash, options, the chosen
    model and typed price overrides."""

    model_config = ConfigDict(extra="forbid")

    version: Literal[1] = 1
    model: Annotated[str, BeforeValidator(printable_text)] = Field(
        default="risky-norris", min_length=1, max_length=64, description="model id"
    )
    holdings: Annotated[dict[str, Shares], BeforeValidator(symbol_keys)] = Field(
        default_factory=dict
    )
    cash: Annotated[Decimal, BeforeValidator(number(rules.CASH))] = Decimal(0)
    options: PortfolioOptions = Field(default_factory=PortfolioOptions)
    price_overrides: Annotated[dict[str, Price], BeforeValidator(symbol_keys)] = Field(
        default_factory=dict
    )

    def to_json_text(self) -> str:
        return dumps(
            {
                "version": self.version,
                "model": self.model,
                "holdings": self.holdings,
                "cash": self.cash,
                "options": self.options.model_dump(),
                "price_overrides": self.price_overrides,
            }
        )


def parse_portfolio(text: str, path: Path) -> PortfolioFile:
    """A portfolio from JSON text; `path` only names the file in errors."""
    raw = parse_json(text, path, raw_numbers=True)
    if not isinstance(raw, dict):
        kind = "a list" if isinstance(raw, list) else shown(str(raw))
        raise InputError(
            f'{where(path)}: expected a JSON object {{"version": 1, ...}} (got {kind})'
        )
    try:
        return PortfolioFile.model_validate(raw)
    except ValidationError as exc:
        raise InputError(f"{where(path)}: {describe_validation_error(exc)}") from None


def load_portfolio(
    path: Path,
    *,
    known_symbols: Collection[str] | None = None,
    known_models: Collection[str] | None = None,
) -> PortfolioFile:
    """Read and validate a portfolio file; never writes to it.

    With `known_symbols`, a held symbol must be known or have a price override;
    with `known_models`, the model id must be one of them. Raises InputError
    (FileMissingError if there is no file).
    """
    path = Path(path)
    pf = parse_portfolio(read_text(path), path)
    if known_symbols is not None:
        for sym in pf.holdings:
            if sym not in known_symbols and sym not in pf.price_overrides:
                raise InputError(
                    f"{where(path)}: field holdings.{sym}: unknown symbol (not in the catalog "
                    "and no price override)"
                )
    if known_models is not None and pf.model not in known_models:
        listed = ", ".join(list(known_models)[:10])
        raise InputError(
            f"{where(path)}: field model: unknown model {shown(pf.model)} (known: {listed})"
        )
    return pf


def save_portfolio(path: Path, pf: PortfolioFile) -> None:
    """Write the portfolio atomically, creating its directory if needed; a new
    file is readable by its owner only (holdings are private)."""
    atomic_write_text(Path(path), pf.to_json_text(), make_dirs=True, new_mode=0o600)


def remember_portfolio(path: Path) -> None:
    """Record the portfolio the user last loaded or saved, so the next start
    reopens it. Best effort: failing to remember never bothers the user."""
    with contextlib.suppress(InputError, OSError, RuntimeError):
        atomic_write_text(
            locations.last_portfolio_pointer(),
            str(Path(path).expanduser().resolve()) + "\n",
            make_dirs=True,
        )


def startup_portfolio_path(flag: str | Path | None = None) -> Path:
    """The portfolio to open on start: --portfolio flag > env REBALANCER_PORTFOLIO >
    the last one remembered > <user data dir>/portfolio.json."""
    if flag:
        return Path(flag).expanduser()
    env = locations.env_path(locations.ENV_PORTFOLIO)
    if env is not None:
        return env
    try:
        last = read_text(locations.last_portfolio_pointer(), limit=_POINTER_LIMIT).strip()
    except InputError:
        last = ""
    if "\n" in last or "\x00" in last:
        last = ""
    return Path(last) if last else locations.default_portfolio_path()


__all__ = [
    "FileMissingError",
    "PortfolioFile",
    "PortfolioOptions",
    "Price",
    "Shares",
    "load_portfolio",
    "number",
    "parse_portfolio",
    "remember_portfolio",
    "save_portfolio",
    "startup_portfolio_path",
    "symbol_keys",
]
