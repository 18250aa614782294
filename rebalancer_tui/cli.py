"""Command line: `rebalancer-tui` opens the app, `rebalancer-tui plan` is headless.

The app's imports (Textual) happen only when the app is started, and SciPy
only when a MILP strategy runs, so `plan --strategy simple` and `--help` are
quick.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import logging
import os
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

from pydantic import ValidationError

from rebalancer_tui import rules
from rebalancer_tui.demo import DEMO_SEED
from rebalancer_tui.models import Asset, PriceQuote

if TYPE_CHECKING:
    from rebalancer_tui.storage.brokers import BrokerPositions

PROG = "rebalancer-tui"
DEFAULT_FUND = "risky-norris"


class UsageError(Exception):
    """Bad input from the user: exit status 2 and one line on stderr."""


class _Parser(argparse.ArgumentParser):
    """argparse, but its errors are one line (the contract for bad input)."""

    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{message} (see {self.prog} --help)")


def _number(q: rules.Quantity) -> Callable[[str], Decimal]:
    """An argparse type: the rules' grammar and bounds for `q` (argparse puts
    "argument --flag:" in front of the rule's one line)."""

    def parse(raw: str) -> Decimal:
        try:
            return rules.parse_number(raw, q)
        except rules.InputError as exc:
            raise argparse.ArgumentTypeError(str(exc)) from None

    # argparse names the type in its fallback message.
    parse.__name__ = q.name
    return parse


def _lot(raw: str) -> tuple[str, int]:
    try:
        return rules.parse_lot(raw)
    except rules.InputError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _lock(raw: str) -> str:
    try:
        return rules.check_lock(raw)
    except rules.InputError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _seconds(raw: str) -> float:
    return float(_number(rules.TIME_LIMIT)(raw))


def _export_path(raw: str) -> Path:
    if not raw.strip():
        raise argparse.ArgumentTypeError("needs a file name (got an empty one)")
    return Path(raw)


def _whole(q: rules.Quantity) -> Callable[[str], int]:
    """An argparse type for a whole quantity (days)."""
    number = _number(q)

    def parse(raw: str) -> int:
        return int(number(raw))

    parse.__name__ = q.name
    return parse


def _date(raw: str) -> dt.date:
    try:
        return rules.parse_date(raw, "date")
    except rules.InputError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


# The plan's tax options that take a value: flag, type, metavar, help.
_TAX_OPTIONS: tuple[tuple[str, Callable[[str], object], str, str], ...] = (
    ("--st-rate", _number(rules.TAX_RATE), "RATE", "short-term gains tax rate, e.g. 0.37"),
    ("--lt-rate", _number(rules.TAX_RATE), "RATE", "long-term gains tax rate, e.g. 0.15"),
    ("--long-term-days", _whole(rules.LONG_TERM_DAYS), "DAYS",
     "days a lot is held to be long-term (default 365)"),
    ("--as-of", _date, "DATE", "the plan's day YYYY-MM-DD, for the lots' terms (default today)"),
    ("--tax-weight", _number(rules.TAX_WEIGHT), "WEIGHT",
     "tracking-error minimises deviation + WEIGHT x tax (default 1)"),
    ("--max-gains", _number(rules.MAX_GAINS), "DOLLARS",
     "cap on the net gains realised (short + long, all taxable accounts)"),
)  # fmt: skip


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog=PROG,
        description="Whole-share ETF rebalancing to Fintual's model portfolios "
        "(or your own). Without a command, opens the full-screen app.",
    )
    parser.add_argument(
        "--offline", action="store_true", help="skip the network; use cached or built-in prices"
    )
    parser.add_argument("--api-url", help="Fintual API base URL (env REBALANCER_API_URL)")
    parser.add_argument(
        "--demo-seed", type=_whole(DEMO_SEED), default=0, help="seed of the demo portfolio"
    )
    parser.add_argument("--fund", help="model portfolio to open")
    parser.add_argument("--portfolio", help="portfolio file to open (env REBALANCER_PORTFOLIO)")
    sub = parser.add_subparsers(dest="command", parser_class=_Parser)
    plan = sub.add_parser("plan", help="compute plans headless and print them")
    src = plan.add_mutually_exclusive_group()
    src.add_argument(
        "--fund",
        dest="plan_fund",
        metavar="ID",
        help=f"model portfolio id (default {DEFAULT_FUND})",
    )
    src.add_argument("--targets", type=Path, metavar="T.csv", help="CSV symbol,weight")
    plan.add_argument(
        "--holdings",
        type=Path,
        metavar="H.csv",
        help="CSV [account,]symbol,shares, or a broker positions file (Schwab, Fidelity, "
        "Vanguard, Interactive Brokers Flex; default: a seeded demo portfolio)",
    )
    plan.add_argument("--prices", type=Path, metavar="P.csv", help="CSV symbol,price overrides")
    plan.add_argument(
        "--accounts",
        type=Path,
        metavar="A.csv",
        help="CSV account,kind,cash[,reserve]: the household's accounts",
    )
    plan.add_argument(
        "--location",
        type=Path,
        metavar="L.csv",
        help="CSV symbol,kind: the account kinds each symbol prefers (asset location)",
    )
    plan.add_argument(
        "--portfolio",
        dest="plan_portfolio",
        type=Path,
        metavar="FILE",
        help="portfolio JSON file (holdings, cash, options, model)",
    )
    plan.add_argument("--cash", type=_number(rules.CASH), help="extra cash to invest")
    plan.add_argument("--reserve", type=_number(rules.RESERVE), help="cash to keep uninvested")
    plan.add_argument("--band", type=_number(rules.BAND), help="absolute band (default 0.02)")
    plan.add_argument(
        "--relative-band",
        type=_number(rules.RELATIVE_BAND),
        help="relative band q: band_i = min(band, q*w_i)",
    )
    plan.add_argument("--fee", type=_number(rules.FEE), help="fixed fee per order")
    plan.add_argument(
        "--cost-rate", type=_number(rules.COST_RATE), help="cost per traded dollar, e.g. 0.001"
    )
    plan.add_argument("--buy-only", action="store_true", default=None, help="never sell")
    plan.add_argument(
        "--min-trade",
        type=_number(rules.MIN_TRADE),
        help="least dollars of an order (a forced sale is exempt)",
    )
    plan.add_argument(
        "--lot",
        action="append",
        type=_lot,
        metavar="SYM=N",
        help="SYM trades only in multiples of N shares (repeatable)",
    )
    plan.add_argument(
        "--lock",
        action="append",
        type=_lock,
        metavar="[ACCOUNT:]SYM",
        help="never trade SYM (in every account, or in ACCOUNT only; repeatable)",
    )
    plan.add_argument(
        "--destination",
        type=_number(rules.DESTINATION),
        help="band-edge: how far back an asset outside its band goes, 0 edge to 1 target",
    )
    tax = plan.add_argument_group("tax lots and tax-aware selling (taxable accounts with lots)")
    tax.add_argument(
        "--lots",
        type=Path,
        metavar="L.csv",
        help="CSV [account,]symbol,shares,cost,date: the tax lots of taxable accounts",
    )
    for flag, kind, metavar, text in _TAX_OPTIONS:
        tax.add_argument(flag, type=kind, metavar=metavar, help=text)
    tax.add_argument(
        "--no-short-term-gains",
        action="store_true",
        default=None,
        help="never sell a lot at a short-term gain",
    )
    tax.add_argument(
        "--wash-sale-days",
        type=_whole(rules.WASH_SALE_DAYS),
        metavar="DAYS",
        help="wash-sale guard: no loss sale of a symbol bought within DAYS, and no buy of "
        "a symbol sold at a loss (0: off, default; 30 in the US)",
    )
    plan.add_argument(
        "--strategy",
        default="all",
        choices=["simple", "tracking-error", "trade-minimization", "band-edge", "all"],
    )
    plan.add_argument(
        "--offline", dest="plan_offline", action="store_true", help="skip the network"
    )
    plan.add_argument("--api-url", dest="plan_api_url", help="Fintual API base URL")
    plan.add_argument("--demo-seed", dest="plan_seed", type=_whole(DEMO_SEED), default=None)
    plan.add_argument("--time-limit", type=_seconds, default=10.0, help="seconds per solve")
    plan.add_argument("--json", action="store_true", help="print one JSON object")
    plan.add_argument(
        "--export-orders",
        type=_export_path,
        metavar="FILE",
        help="write the plan's orders to FILE (needs one --strategy)",
    )
    plan.add_argument(
        "--export-format",
        choices=["csv", "ibkr"],
        help="csv (account,action,symbol,shares,price,amount; default) or ibkr "
        "(a TWS BasketTrader file)",
    )
    plan.add_argument(
        "--force", action="store_true", help="let --export-orders replace an existing file"
    )
    return parser


class _WarningLines(logging.Handler):
    """The library's warnings (a damaged price cache, a cache not saved) in the
    CLI's one voice, `rebalancer-tui: warning: ...`, each once per run."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.seen: set[str] = set()

    def emit(self, record: logging.LogRecord) -> None:
        line = rules.printable(record.getMessage())
        if line not in self.seen:
            self.seen.add(line)
            print(f"{PROG}: warning: {line}", file=sys.stderr)


def _warnings_on_stderr() -> None:
    logger = logging.getLogger("rebalancer_tui")
    for h in logger.handlers:
        if isinstance(h, _WarningLines):
            h.seen.clear()  # a new run (tests call main() again)
            return
    logger.addHandler(_WarningLines())


def main(argv: Sequence[str] | None = None) -> int:
    started = time.perf_counter()
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
        if args.command == "plan":
            _warnings_on_stderr()
            return run_plan(args)
    except (UsageError, rules.InputError) as exc:
        print(f"{PROG}: error: {rules.printable(str(exc))}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # The reader went away (`plan | head -1`): no traceback. stdout now
        # points nowhere, so the interpreter's last flush fails silently too.
        with contextlib.suppress(OSError, ValueError):
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    return run_app(args, started)


def run_app(args: argparse.Namespace, started: float) -> int:
    from rebalancer_tui.app import RebalancerApp

    app = RebalancerApp(
        api_url=args.api_url,
        offline=args.offline,
        demo_seed=args.demo_seed,
        fund=args.fund,
        portfolio=Path(args.portfolio) if args.portfolio else None,
        started_at=started,
    )
    app.run()
    return app.return_code or 0


# ---------------------------------------------------------------------------
# plan


def _quotes(args: argparse.Namespace, extra: Sequence[Asset]) -> dict[str, PriceQuote]:
    """Best prices for the catalog and the user's own assets: live unless
    --offline, else cached, else built-in."""
    from rebalancer_tui.data import load_catalog
    from rebalancer_tui.prices import PriceCache, best_known_quotes, fetch_quotes, resolve_api_url

    try:
        cache = PriceCache()
        offline = args.plan_offline or args.offline
        if offline:
            return best_known_quotes(cache, extra)
        import asyncio

        url = resolve_api_url(args.plan_api_url if args.plan_api_url is not None else args.api_url)
        assets = [*load_catalog().assets, *extra]
        report = asyncio.run(fetch_quotes(url, assets, cache=cache))
    except ValueError as exc:  # e.g. a malformed --api-url
        raise UsageError(str(exc)) from None
    for symbol, reason in sorted(report.errors.items()):
        source = report.quotes[symbol].source if symbol in report.quotes else "no"
        line = f"{symbol}: {reason}; using {source} price"
        print(f"{PROG}: {rules.printable(line)}", file=sys.stderr)
    return report.quotes


def _read(reader: Any, path: Path, **kw: Any) -> Any:
    try:
        return reader(path, **kw)
    except rules.InputError as exc:
        raise UsageError(str(exc)) from None


@dataclass
class _AccountDraft:
    """An account as the flags and files describe it, before validation."""

    kind: str = "taxable"
    cash: Decimal = Decimal(0)
    reserve: Decimal = Decimal(0)
    holdings: dict[str, int] = field(default_factory=dict)
    buyable: frozenset[str] | None = None
    # Tax lots (engine TaxLot), only with the holdings they were given for.
    lots: tuple[Any, ...] = ()


def build_input(
    args: argparse.Namespace,
    broker: BrokerPositions | None = None,
    notes: list[str] | None = None,
) -> tuple[Any, dict[str, PriceQuote]]:
    """The household (SPEC §7; one account `main` unless the files name more)
    and the price of every symbol in it, from the flags. `broker`: the
    positions `--holdings` holds when it is a broker file (`_read_broker`).
    `notes` gets the lines to print once the plan is made (the portfolio's
    tax lots that `--holdings` no longer fits)."""
    from rebalancer_tui.data import load_catalog
    from rebalancer_tui.demo import demo_holdings
    from rebalancer_tui.engine import Options
    from rebalancer_tui.engine.household import DEFAULT_ACCOUNT, Account, Household
    from rebalancer_tui.storage import csv_files
    from rebalancer_tui.storage.portfolio_file import PortfolioFile, load_portfolio
    from rebalancer_tui.storage.user_models import load_user_models

    catalog = load_catalog()
    user_models, user_assets, problems = load_user_models()
    for problem in problems:
        print(f"{PROG}: warning: {rules.printable(problem)}", file=sys.stderr)
    pf: PortfolioFile | None = None
    if args.plan_portfolio is not None:
        pf = _read(load_portfolio, args.plan_portfolio)

    if args.targets is not None:
        targets: dict[str, Decimal] = _read(csv_files.read_targets_csv, args.targets)
    else:
        fund = args.plan_fund or (pf.model if pf else None) or args.fund or DEFAULT_FUND
        models = {m.id: m for m in [*catalog.models, *user_models]}
        if fund not in models:
            listed = ", ".join(list(models)[:20]) + (" ..." if len(models) > 20 else "")
            raise UsageError(f"unknown fund {rules.shown(fund)}; choose one of {listed}")
        targets = dict(models[fund].weights)

    quotes = _quotes(args, user_assets)
    if broker is not None:
        from rebalancer_tui.storage.brokers.to_household import file_prices

        known = {*quotes, *(a.symbol for a in catalog.assets)}
        for symbol, (price, day) in file_prices(broker, known).items():
            quotes[symbol] = PriceQuote(symbol=symbol, price=price, source="file", date=day)
    overrides: dict[str, Decimal] = dict(pf.price_overrides) if pf else {}
    if args.prices is not None:
        overrides.update(_read(csv_files.read_prices_csv, args.prices))
    for symbol, price in overrides.items():
        quotes[symbol] = PriceQuote(symbol=symbol, price=price, source="override")

    unpriced = sorted(s for s in targets if s not in quotes)
    if unpriced:
        raise UsageError(f"no price for {', '.join(unpriced)} (add it to --prices)")
    prices = {s: q.price for s, q in quotes.items()}

    # The accounts: --accounts > the portfolio file > the holdings CSV > `main`.
    drafts: dict[str, _AccountDraft] | None = None
    if args.accounts is not None:
        rows = _read(csv_files.read_accounts_csv, args.accounts)
        drafts = {r.account: _AccountDraft(r.kind, r.cash, r.reserve) for r in rows}
        for a in pf.accounts if pf is not None else []:
            if a.account in drafts:  # the file's holdings, menu and lots stay
                drafts[a.account].holdings = dict(a.holdings)
                drafts[a.account].buyable = frozenset(a.buyable) if a.buyable is not None else None
                drafts[a.account].lots = tuple(lot.to_lot() for lot in a.lots)
    elif pf is not None:
        drafts = {
            a.account: _AccountDraft(
                a.kind,
                a.cash,
                a.reserve,
                dict(a.holdings),
                frozenset(a.buyable) if a.buyable is not None else None,
                tuple(lot.to_lot() for lot in a.lots),
            )
            for a in pf.accounts
        }
    given_lots = {n: (d.holdings, d.lots) for n, d in (drafts or {}).items() if d.lots}
    if broker is not None:
        drafts = _broker_drafts(broker, drafts, args)
    elif args.holdings is not None:
        names = list(drafts) if drafts is not None else None
        default = names[0] if names is not None and len(names) == 1 else DEFAULT_ACCOUNT
        by_account: dict[str, dict[str, int]] = _read(
            csv_files.read_account_holdings_csv,
            args.holdings,
            default_account=default,
            accounts=names,
            accounts_file=rules.shown(str(args.accounts)) if args.accounts else "the portfolio",
        )
        if drafts is None:
            drafts = {name: _AccountDraft() for name in by_account} or {
                DEFAULT_ACCOUNT: _AccountDraft()
            }
        for name, draft in drafts.items():
            draft.holdings = by_account.get(name, {})
            draft.lots = ()  # lots fit the holdings they came with; _keep_fitting_lots below
    elif drafts is None or (pf is None and not any(d.holdings for d in drafts.values())):
        if drafts is None:
            drafts = {DEFAULT_ACCOUNT: _AccountDraft()}
        if len(drafts) == 1:
            seed = args.plan_seed if args.plan_seed is not None else args.demo_seed
            next(iter(drafts.values())).holdings = demo_holdings(targets, prices, seed=seed)
    if given_lots and args.holdings is not None and args.lots is None:
        dropped = _keep_fitting_lots(drafts, given_lots)
        if dropped and notes is not None:
            notes.append(
                f"tax lots of {_pf_name(args)} not kept, their shares changed in "
                f"{args.holdings}: {', '.join(dropped)} (--lots gives them)"
            )
    held = {s for d in drafts.values() for s, n in d.holdings.items() if n}
    unpriced = sorted(s for s in held if s not in quotes)
    if unpriced:
        raise UsageError(f"no price for held {', '.join(unpriced)} (add it to --prices)")

    base = pf.options.model_dump() if pf else {}
    flags = {
        "band": args.band,
        "relative_band": args.relative_band,
        "fee": args.fee,
        "cost_rate": args.cost_rate,
        "buy_only": args.buy_only,
        "min_trade": args.min_trade,
        "destination": args.destination,
    }
    tax_flags = {
        "st_rate": args.st_rate,
        "lt_rate": args.lt_rate,
        "long_term_days": args.long_term_days,
        "as_of": args.as_of,
        "tax_weight": args.tax_weight,
        "max_gains": args.max_gains,
        "no_short_term_gains": args.no_short_term_gains,
        "wash_sale_days": args.wash_sale_days,
    }
    base.update({k: v for k, v in {**flags, **tax_flags}.items() if v is not None})
    if args.lots is not None:
        _read_lots(args, drafts, base.get("as_of"))
    # A typed lock or lot must name something this portfolio has: a typo
    # (--lock ESVG) would otherwise quietly leave the holding tradable.
    known = set(targets) | held
    for flag, symbols in (
        ("--lock", [entry.rpartition(":")[2] for entry in args.lock or []]),
        ("--lot", [sym for sym, _ in args.lot or []]),
    ):
        unknown = sorted({sym for sym in symbols if sym not in known})
        if unknown:
            raise UsageError(f"{flag}: {', '.join(unknown)} is neither in the model nor held")
    lot_symbols = [sym for sym, _ in args.lot or []]
    twice = sorted({sym for sym in lot_symbols if lot_symbols.count(sym) > 1})
    if twice:
        raise UsageError(f"--lot: {', '.join(twice)} is given twice")
    # Lots: the model's assets, then the portfolio file, then --lot.
    lots = {a.symbol: a.lot for a in [*catalog.assets, *user_assets] if a.lot}
    lots.update(base.get("lots") or {})
    lots.update(dict(args.lot or []))
    base["lots"] = lots
    base["locked"] = frozenset([*base.get("locked", []), *(args.lock or [])])
    file_reserve = base.pop("reserve", Decimal(0))
    if len(drafts) > 1:
        for flag, value in (("--cash", args.cash), ("--reserve", args.reserve)):
            if value is not None:
                raise UsageError(
                    f"{flag} applies to a single account; with {len(drafts)} accounts give "
                    "each account's cash and reserve in --accounts (account,kind,cash,reserve)"
                )
        if file_reserve:
            raise UsageError(
                "options.reserve applies to a single account; set each account's reserve"
            )
    else:
        (draft,) = drafts.values()
        if args.cash is not None:
            draft.cash = args.cash
        if args.reserve is not None:
            draft.reserve = args.reserve
        elif file_reserve:
            draft.reserve += file_reserve
    location: dict[str, frozenset[str]] = (
        {s: frozenset(k) for s, k in pf.location.items()} if pf else {}
    )
    if args.location is not None:
        location = _read(csv_files.read_location_csv, args.location)

    value = Decimal(0)
    for d in drafts.values():
        value += d.cash + sum((prices[s] * n for s, n in d.holdings.items() if n), Decimal(0))
    try:
        rules.check_total_value(value)
    except rules.InputError as exc:
        raise UsageError(str(exc)) from None
    _check_lot_dates(args, broker, drafts, base.get("as_of"))
    try:
        options = Options(**base, time_limit=args.time_limit)
        accounts = tuple(
            Account(
                name=name,
                kind=d.kind,
                cash=d.cash,
                reserve=d.reserve,
                holdings=d.holdings,
                buyable=d.buyable,
                lots=d.lots,
            )
            for name, d in drafts.items()
        )
        hh = Household(
            accounts=accounts, prices=prices, targets=targets, options=options, location=location
        )
    except ValidationError as exc:
        raise UsageError(rules.describe_validation_error(exc)) from None
    used = {s: quotes[s] for s in hh.symbols}
    return hh, used


def _check_lot_dates(
    args: argparse.Namespace,
    broker: BrokerPositions | None,
    drafts: dict[str, _AccountDraft],
    as_of: dt.date | None,
) -> None:
    """No lot after the plan's day, refused naming the file the lot came from
    (the broker file's or the portfolio's; `--lots` checks its own rows)."""
    from rebalancer_tui.engine.tax import late_lot
    from rebalancer_tui.storage.text import where

    latest = as_of if as_of is not None else dt.date.today()
    from_broker = {b.account for b in broker.accounts if b.lots} if broker is not None else set()
    for name, d in drafts.items():
        late = late_lot([(name, d.lots)], latest)
        if late is None:
            continue
        source = args.holdings if name in from_broker else args.plan_portfolio
        where_ = f"{where(source)}: " if source is not None and args.lots is None else ""
        raise UsageError(f"{where_}{late} {latest} (the plan's day; --as-of sets it)")


def _pf_name(args: argparse.Namespace) -> str:
    # The whole path (the note is printed through rules.printable).
    return str(args.plan_portfolio) if args.plan_portfolio else "the portfolio"


def _keep_fitting_lots(
    drafts: dict[str, _AccountDraft],
    given: dict[str, tuple[dict[str, int], tuple[Any, ...]]],
) -> list[str]:
    """The portfolio file's lots (`given`: {account: (holdings, lots)}) kept
    where `--holdings` left a symbol's shares as they were and the account
    has no lots of its own from the file read (a broker's); the
    `account:symbol` pairs whose lots were dropped. Dropping them all would
    plan those sales as tax-free without a word."""
    dropped: list[str] = []
    for name, (old, lots) in given.items():
        draft = drafts.get(name)
        if draft is not None and draft.lots:
            continue  # the broker file's own lots win
        keep = draft is not None and draft.kind == "taxable"
        for sym in dict.fromkeys(lot.symbol for lot in lots):
            if keep and draft is not None and draft.holdings.get(sym, 0) == old.get(sym, 0):
                draft.lots += tuple(lot for lot in lots if lot.symbol == sym)
            else:
                dropped.append(f"{name}:{sym}")
    return dropped


def _read_lots(
    args: argparse.Namespace, drafts: dict[str, _AccountDraft], as_of: dt.date | None
) -> None:
    """`--lots`: the tax lots of every account (they replace any the portfolio
    or broker file gave), each account named (or the only one), taxable, and
    each symbol's lots adding up to its holding, none dated after the plan's
    day (`as_of`, else today); bad input otherwise."""
    from rebalancer_tui.storage import csv_files

    lots = _read(
        csv_files.read_account_lots,
        args.lots,
        kinds={name: d.kind for name, d in drafts.items()},
        holdings={name: d.holdings for name, d in drafts.items()},
        as_of=as_of,
        accounts_file=rules.shown(str(args.accounts)) if args.accounts else "the household",
    )
    for name, draft in drafts.items():
        draft.lots = lots[name]


def _broker_drafts(
    broker: BrokerPositions, drafts: dict[str, _AccountDraft] | None, args: argparse.Namespace
) -> dict[str, _AccountDraft]:
    """The accounts with a broker file's holdings and cash. With --accounts or
    a portfolio file, those name the accounts and give kind and reserve; the
    broker file's accounts must be among them, and their holdings and cash are
    the file's (what the broker shows); the others hold nothing."""
    from rebalancer_tui.storage.brokers.to_household import broker_accounts
    from rebalancer_tui.storage.text import where

    accounts = broker_accounts(broker)
    if drafts is None:
        return {
            a.name: _AccountDraft(a.kind, a.cash, a.reserve, dict(a.holdings), lots=a.lots)
            for a in accounts
        }
    source = rules.shown(str(args.accounts)) if args.accounts else "the portfolio"
    for a in accounts:
        if a.name not in drafts:
            raise UsageError(
                f"{where(args.holdings)}: unknown account {rules.shown(a.name)} (not in {source})"
            )
    for draft in drafts.values():
        draft.holdings, draft.lots = {}, ()
    for a in accounts:
        drafts[a.name].holdings = dict(a.holdings)
        drafts[a.name].cash = a.cash
        # A lot of a tax-deferred or tax-free account is not kept (the summary says so).
        drafts[a.name].lots = a.lots if drafts[a.name].kind == "taxable" else ()
    return drafts


def _read_broker(args: argparse.Namespace) -> BrokerPositions | None:
    """`--holdings` read as a broker file when its content is one."""
    if args.holdings is None:
        return None
    from rebalancer_tui.storage.brokers import read_if_broker_file

    return read_if_broker_file(args.holdings)  # an InputError is bad input (exit 2)


def _check_export(args: argparse.Namespace) -> None:
    """Refuse an export that cannot be written, before any solving."""
    if args.export_orders is None:
        if args.export_format is not None or args.force:
            flag = "--export-format" if args.export_format is not None else "--force"
            raise UsageError(f"{flag} needs --export-orders FILE")
        return
    from rebalancer_tui.storage.text import kind_of, where

    if args.strategy == "all":
        raise UsageError(
            "--export-orders writes one plan's orders: choose it with --strategy "
            "(simple, tracking-error, trade-minimization or band-edge)"
        )
    if args.export_orders.exists() and not args.export_orders.is_file():
        kind = kind_of(args.export_orders.stat().st_mode)
        raise UsageError(
            f"{where(args.export_orders)}: is {kind}; orders are written only to a regular file"
        )
    if args.export_orders.exists() and not args.force:
        raise UsageError(f"{where(args.export_orders)}: already exists (--force replaces it)")


def _export(args: argparse.Namespace, plan: Any, broker: BrokerPositions | None) -> str:
    """Write the plan's orders (atomically); the line that says so."""
    from rebalancer_tui.storage.orders_export import ExportFormat, export_orders
    from rebalancer_tui.storage.text import where
    from rebalancer_tui.workspace.core import order_rows

    rows = order_rows(plan)
    fmt: ExportFormat = "ibkr" if args.export_format == "ibkr" else "csv"
    ids = _ibkr_ids(broker, rows) if fmt == "ibkr" else None
    export_orders(args.export_orders, rows, fmt, ids)
    n = len(rows)
    return f"wrote {n} order{'s' if n != 1 else ''} to {where(args.export_orders)} ({fmt})"


def _ibkr_ids(broker: BrokerPositions | None, rows: Sequence[Any]) -> dict[str, str] | None:
    """The IBKR account id of each account with orders: an IBKR file's own
    numbers; for another broker's file (its numbers are not IBKR ids) an
    empty id (TWS's default account) when one account trades, else refused;
    None (the exporter's defaults) without a broker file."""
    if broker is None:
        return None
    if broker.format == "ibkr":
        return broker.account_ids()
    names = list(dict.fromkeys(r.account for r in rows))
    if len(names) > 1:
        raise UsageError(
            f"--export-format ibkr: orders in {len(names)} accounts of a {broker.format_label} "
            "file, and a basket file needs their Interactive Brokers account ids "
            "(export csv, or read the positions from an IBKR Flex file)"
        )
    return {n: "" for n in names} or None


def run_plan(args: argparse.Namespace) -> int:
    from rebalancer_tui.engine import STRATEGIES
    from rebalancer_tui.engine.household_search import solve_household

    _check_export(args)
    broker = _read_broker(args)
    notes: list[str] = []
    hh, quotes = build_input(args, broker, notes)
    names = list(STRATEGIES) if args.strategy == "all" else [args.strategy]
    plans = [solve_household(hh, name) for name in names]
    if broker is not None:
        from rebalancer_tui.storage.brokers.to_household import (
            dropped_lots_note,
            import_summary,
        )

        dropped = ""
        if args.lots is None:
            dropped = dropped_lots_note(
                (b.account, hh.account(b.account).kind, len(b.lots)) for b in broker.accounts
            )
        notes.append(import_summary(broker, dropped))
    if args.export_orders is not None:
        notes.append(_export(args, plans[0], broker))
    for note in notes:
        print(f"{PROG}: {rules.printable(note)}", file=sys.stderr)
    if args.json:
        from rebalancer_tui.engine.plan import money

        out = {
            "total_value": money(hh.total_value),
            "investable": money(hh.investable),
            "cash": money(sum((a.cash for a in hh.accounts), Decimal(0))),
            "prices": {
                s: {
                    "price": float(q.price),
                    "source": q.source,
                    "date": q.date.isoformat() if q.date else None,
                }
                for s, q in quotes.items()
            },
            "accounts": [
                {
                    "account": a.name,
                    "kind": a.kind,
                    "cash": money(a.cash),
                    "reserve": money(a.reserve),
                    "value": money(hh.account_value(a.name)),
                    "holdings": {s: n for s, n in a.holdings.items() if n},
                }
                for a in hh.accounts
            ],
            "skipped_rows": len(broker.skipped) if broker is not None else 0,
            "plans": [p.to_json() for p in plans],
        }
        print(json.dumps(out, indent=2))
    else:
        from rebalancer_tui.report import render_household_text

        print(render_household_text(hh, quotes, plans))
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
