"""The JSON portfolio file: holdings, cash, options, the chosen model and
typed price overrides, and where it lives between sessions.

Every number goes through `rules` (the same grammar and bounds as flags and
fields); symbols follow `rules.check_symbol`. Reading never writes; saving
is atomic.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
from collections.abc import Callable, Collection, Sequence
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    Strict,
    ValidationError,
    model_validator,
)

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
    from rebalancer_tui.engine.household import Account
    from rebalancer_tui.engine.tax import TaxLot

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


def _whole(q: Quantity) -> Callable[[Any], int]:
    def check(v: Any) -> int:
        return int(to_number(v, q))

    return check


def _optional_date(what: str) -> Callable[[Any], dt.date | None]:
    def check(v: Any) -> dt.date | None:
        if v is None or isinstance(v, dt.date):
            return v
        return rules.parse_date(str(v), what)

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


def _lots(v: Any) -> Any:
    """{symbol: shares per lot}: checked symbols, whole lots of at least 1 share."""
    v = symbol_keys(v)
    if not isinstance(v, dict):
        return v
    return {s: int(to_number(n, rules.LOT)) for s, n in v.items()}


def _locked(v: Any) -> Any:
    """Locked holdings: 'SYMBOL' (every account) or 'ACCOUNT:SYMBOL'."""
    if not isinstance(v, list | tuple | set | frozenset):
        return v
    return sorted({rules.check_lock(str(e)) for e in v})


class PortfolioOptions(BaseModel):
    """The engine's options as stored in a portfolio file (no solver settings)."""

    model_config = ConfigDict(extra="forbid")

    band: Annotated[Decimal, BeforeValidator(number(rules.BAND))] = Decimal("0.02")
    relative_band: Annotated[Decimal | None, BeforeValidator(_optional(rules.RELATIVE_BAND))] = None
    reserve: Annotated[Decimal, BeforeValidator(number(rules.RESERVE))] = Decimal(0)
    fee: Annotated[Decimal, BeforeValidator(number(rules.FEE))] = Decimal(0)
    cost_rate: Annotated[Decimal, BeforeValidator(number(rules.COST_RATE))] = Decimal(0)
    buy_only: Annotated[bool, Strict()] = False
    # SPEC §9: the order rules, and band-edge's destination.
    min_trade: Annotated[Decimal, BeforeValidator(number(rules.MIN_TRADE))] = Decimal(0)
    lots: Annotated[dict[str, int], BeforeValidator(_lots)] = Field(default_factory=dict)
    locked: Annotated[list[str], BeforeValidator(_locked)] = Field(default_factory=list)
    destination: Annotated[Decimal, BeforeValidator(number(rules.DESTINATION))] = Decimal(0)
    # SPEC §8: tax-aware selling (binds only accounts with lots).
    st_rate: Annotated[Decimal, BeforeValidator(number(rules.TAX_RATE))] = Decimal(0)
    lt_rate: Annotated[Decimal, BeforeValidator(number(rules.TAX_RATE))] = Decimal(0)
    long_term_days: Annotated[int, BeforeValidator(_whole(rules.LONG_TERM_DAYS))] = 365
    as_of: Annotated[dt.date | None, BeforeValidator(_optional_date("as_of"))] = None
    tax_weight: Annotated[Decimal, BeforeValidator(number(rules.TAX_WEIGHT))] = Decimal(1)
    max_gains: Annotated[Decimal | None, BeforeValidator(_optional(rules.MAX_GAINS))] = None
    no_short_term_gains: Annotated[bool, Strict()] = False
    wash_sale_days: Annotated[int, BeforeValidator(_whole(rules.WASH_SALE_DAYS))] = 0

    def to_engine(self, **overrides: Any) -> Options:
        """Engine `Options`; keyword overrides (e.g. time_limit) win."""
        from rebalancer_tui.engine import Options

        fields = self.model_dump()
        fields["locked"] = frozenset(fields["locked"])
        return Options(**{**fields, **overrides})

    @classmethod
    def from_engine(cls, options: Options) -> PortfolioOptions:
        fields = options.model_dump(exclude={"time_limit"})
        fields["locked"] = sorted(fields["locked"])
        return cls(**fields)


class PortfolioFileV1(BaseModel):
    """Version 1: one account's holdings and cash at the top level. Read only:
    it opens as the version-2 household with one account `main`."""

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


def _account_name(v: Any) -> Any:
    return rules.check_account_name(v) if isinstance(v, str) else v


def _account_kind(v: Any) -> Any:
    return rules.check_account_kind(v) if isinstance(v, str) else v


Kind = Annotated[rules.AccountKind, BeforeValidator(_account_kind)]


def _symbols(v: Any) -> Any:
    if not isinstance(v, list):
        return v
    out: list[str] = []
    for raw in v:
        sym = check_symbol(str(raw))
        if sym in out:
            raise InputError(f"symbol {sym} appears twice")
        out.append(sym)
    return out


def _nothing_yet(what: str) -> Callable[[Any], Any]:
    def check(v: Any) -> Any:
        if v:
            raise InputError(f"{what} are not supported yet (leave the list empty)")
        return v

    return check


def _one_symbol(v: Any) -> Any:
    return check_symbol(v) if isinstance(v, str) else v


def lot_shares(v: Any) -> int:
    """A lot's shares: whole, within `rules.SHARES`, at least 1."""
    n = int(to_number(v, rules.SHARES))
    if n < 1:
        raise InputError(f"a lot holds at least 1 share (got {n})")
    return n


def lot_date(v: Any) -> dt.date:
    """A lot's acquisition date: ISO text YYYY-MM-DD. That it is not after
    the plan's day (`as_of`, else today) is checked where that is known."""
    if isinstance(v, dt.date):
        text = v.isoformat()
    elif isinstance(v, str):
        text = v
    else:
        text = rules.printable(str(getattr(v, "text", v)))
    return rules.parse_date(text, "date")


class LotEntry(BaseModel):
    """One tax lot of a version-2 file (SPEC §8, §10): shares of one symbol
    bought on one day at one unit cost."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    symbol: Annotated[str, BeforeValidator(_one_symbol)]
    shares: Annotated[int, BeforeValidator(lot_shares)]
    cost: Annotated[Decimal, BeforeValidator(number(rules.LOT_COST))]
    date: Annotated[dt.date, BeforeValidator(lot_date)]

    def to_lot(self) -> TaxLot:
        from rebalancer_tui.engine.tax import TaxLot

        return TaxLot(symbol=self.symbol, shares=self.shares, cost=self.cost, date=self.date)

    @classmethod
    def from_lot(cls, lot: TaxLot) -> LotEntry:
        return cls(symbol=lot.symbol, shares=lot.shares, cost=lot.cost, date=lot.date)


def lots_problem(
    account: str, kind: str, holdings: dict[str, int], lots: Sequence[LotEntry | TaxLot]
) -> str | None:
    """Why an account's lots cannot be used (one line naming the account and
    the symbol), or None: lots only in a taxable account, and a symbol's lots
    add up to its holding (the engine's own check and words)."""
    from rebalancer_tui.engine.tax import check_lots

    if lots and kind != "taxable":
        return f"account {account}: tax lots are only for taxable accounts (this one is {kind})"
    return check_lots(
        account, holdings, (x.to_lot() if isinstance(x, LotEntry) else x for x in lots)
    )


# The fields an account entry and the engine's Account share, name and type.
_SAME_IN_ACCOUNT = {"kind", "cash", "reserve", "holdings"}


class AccountEntry(BaseModel):
    """One account of a version-2 file (SPEC §10)."""

    model_config = ConfigDict(extra="forbid")

    account: Annotated[str, BeforeValidator(_account_name)] = "main"
    kind: Kind = "taxable"
    cash: Annotated[Decimal, BeforeValidator(number(rules.CASH))] = Decimal(0)
    reserve: Annotated[Decimal, BeforeValidator(number(rules.RESERVE))] = Decimal(0)
    holdings: Annotated[dict[str, Shares], BeforeValidator(symbol_keys)] = Field(
        default_factory=dict
    )
    buyable: Annotated[list[str] | None, BeforeValidator(_symbols)] = None
    lots: list[LotEntry] = Field(default_factory=list, max_length=rules.MAX_SYMBOLS)
    locked: Annotated[list[Any], BeforeValidator(_nothing_yet("locked holdings"))] = Field(
        default_factory=list
    )

    @model_validator(mode="after")
    def _lots_fit(self) -> AccountEntry:
        why = lots_problem(self.account, self.kind, self.holdings, self.lots)
        if why is not None:
            raise InputError(why)
        return self

    def to_account(self) -> Account:
        from rebalancer_tui.engine.household import Account

        return Account(
            **self.model_dump(include=_SAME_IN_ACCOUNT),
            name=self.account,
            buyable=None if self.buyable is None else frozenset(self.buyable),
            lots=tuple(lot.to_lot() for lot in self.lots),
        )

    @classmethod
    def from_account(cls, a: Account) -> AccountEntry:
        return cls(
            **a.model_dump(include=_SAME_IN_ACCOUNT),
            account=a.name,
            buyable=None if a.buyable is None else sorted(a.buyable),
            lots=[LotEntry.from_lot(lot) for lot in a.lots],
        )


def _one_account(v: Any) -> Any:
    """`holdings=` / `cash=` keywords (version 1, and callers that think in one
    account) become the one account `main`."""
    if isinstance(v, dict) and ("holdings" in v or "cash" in v) and "accounts" not in v:
        v = dict(v)
        main: dict[str, Any] = {"account": "main"}
        if "holdings" in v:
            main["holdings"] = v.pop("holdings")
        if "cash" in v:
            main["cash"] = v.pop("cash")
        v["accounts"] = [main]
    return v


def _location(v: Any) -> Any:
    if not isinstance(v, dict):
        return v
    out = symbol_keys(v)
    for sym, kinds in out.items():
        if isinstance(kinds, str):
            out[sym] = [kinds]
    return out


class PortfolioFile(BaseModel):
    """What the user keeps between sessions (SPEC §10, version 2): the chosen
    model, the household's accounts, options, asset location and typed price
    overrides. Version-1 files open as one account `main` and are saved back
    as version 2. `holdings` and `cash` are the household's totals (what a
    one-account screen shows); `PortfolioFile(holdings=..., cash=...)` makes
    the one account `main`."""

    model_config = ConfigDict(extra="forbid")

    version: Literal[2] = 2
    model: Annotated[str, BeforeValidator(printable_text)] = Field(
        default="risky-norris", min_length=1, max_length=64, description="model id"
    )
    accounts: list[AccountEntry] = Field(
        default_factory=lambda: [AccountEntry()], min_length=1, max_length=100
    )
    options: PortfolioOptions = Field(default_factory=PortfolioOptions)
    location: Annotated[
        dict[str, list[Kind]],
        BeforeValidator(_location),
    ] = Field(default_factory=dict)
    price_overrides: Annotated[dict[str, Price], BeforeValidator(symbol_keys)] = Field(
        default_factory=dict
    )

    def __init__(self, **data: Any) -> None:
        # Declared so type checkers accept the `holdings=`/`cash=` keywords
        # that `_fold` turns into the one account `main`.
        super().__init__(**data)

    @model_validator(mode="before")
    @classmethod
    def _fold(cls, v: Any) -> Any:
        return _one_account(v)

    @model_validator(mode="after")
    def _unique(self) -> PortfolioFile:
        from rebalancer_tui.engine.tax import late_lot

        seen: set[str] = set()
        for a in self.accounts:
            if a.account in seen:
                raise InputError(f"account {a.account} appears twice")
            seen.add(a.account)
        # A lot bought after the plan's day is a typo (or the wrong as_of).
        day = self.options.as_of
        latest, what = (day, "options.as_of") if day is not None else (dt.date.today(), "today")
        late = late_lot(((a.account, (x.to_lot() for x in a.lots)) for a in self.accounts), latest)
        if late is not None:
            raise InputError(f"{late} {what} {latest}")
        return self

    @property
    def holdings(self) -> dict[str, int]:
        from rebalancer_tui.engine.household import total_shares

        return total_shares(a.holdings for a in self.accounts)

    @property
    def cash(self) -> Decimal:
        return sum((a.cash for a in self.accounts), Decimal(0))

    @classmethod
    def from_v1(cls, old: PortfolioFileV1) -> PortfolioFile:
        return cls(
            model=old.model,
            accounts=[AccountEntry(account="main", holdings=old.holdings, cash=old.cash)],
            options=old.options,
            price_overrides=old.price_overrides,
        )

    def to_json_text(self) -> str:
        return dumps(
            {
                "version": self.version,
                "model": self.model,
                "accounts": [
                    {
                        "account": a.account,
                        "kind": a.kind,
                        "cash": a.cash,
                        "reserve": a.reserve,
                        "holdings": a.holdings,
                        "buyable": a.buyable,
                        "lots": [
                            {"symbol": x.symbol, "shares": x.shares, "cost": x.cost, "date": x.date}
                            for x in a.lots
                        ],
                        "locked": a.locked,
                    }
                    for a in self.accounts
                ],
                "options": self.options.model_dump(),
                "location": self.location,
                "price_overrides": self.price_overrides,
            }
        )


def parse_portfolio(text: str, path: Path) -> PortfolioFile:
    """A portfolio from JSON text (version 1 or 2); `path` only names the file in errors."""
    raw = parse_json(text, path, raw_numbers=True)
    if not isinstance(raw, dict):
        kind = "a list" if isinstance(raw, list) else shown(json.dumps(raw))  # null, not None
        raise InputError(
            f'{where(path)}: expected a JSON object {{"version": 2, ...}} (got {kind})'
        )
    version = raw.get("version")
    if isinstance(version, int) and not isinstance(version, bool) and version not in (1, 2):
        raise InputError(f"{where(path)}: field version: must be 1 or 2 (got {version})")
    try:
        if version == 2 or (version is None and "accounts" in raw):
            return PortfolioFile.model_validate(raw)
        return PortfolioFile.from_v1(PortfolioFileV1.model_validate(raw))
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
        for k, a in enumerate(pf.accounts):
            for sym in a.holdings:
                if sym not in known_symbols and sym not in pf.price_overrides:
                    field = (
                        "holdings" if pf.accounts == [a] and k == 0 else (f"accounts[{k}].holdings")
                    )
                    raise InputError(
                        f"{where(path)}: field {field}.{sym}: unknown symbol (not in the catalog "
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
    "AccountEntry",
    "FileMissingError",
    "LotEntry",
    "PortfolioFile",
    "PortfolioFileV1",
    "PortfolioOptions",
    "Price",
    "Shares",
    "load_portfolio",
    "lot_date",
    "lot_shares",
    "lots_problem",
    "number",
    "parse_portfolio",
    "remember_portfolio",
    "save_portfolio",
    "startup_portfolio_path",
    "symbol_keys",
]
